/* hubagent-mock: command line entry. Starts the mock, prints one JSON line with its
 * endpoints on stdout, and serves until SIGTERM or SIGINT. */
#include "mock-server/mock.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fputs("usage: hubagent-mock --config FILE --ca-out PATH [--arm-port N] [--imds-port N]\n"
          "                     [--admin-port N]\n"
          "Ports default to 0 (chosen by the OS). On start one JSON line on stdout names\n"
          "every endpoint: arm, login, imds, identity_endpoint, identity_header,\n"
          "msi_endpoint, admin, ca, pid.\n",
          out);
}

static int parse_port(const char *flag, const char *value, int *out)
{
    char *end = NULL;
    long port = value ? strtol(value, &end, 10) : -1;
    if (value == NULL || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "hubagent-mock: %s needs a port number 0-65535, got '%s'\n", flag,
                value ? value : "");
        return -1;
    }
    *out = (int)port;
    return 0;
}

int main(int argc, char **argv)
{
    mock_options options;
    mock_options_default(&options);
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--config") == 0 && value) {
            options.config_path = value;
        } else if (strcmp(argv[i], "--ca-out") == 0 && value) {
            options.ca_out_path = value;
        } else if (strcmp(argv[i], "--arm-port") == 0) {
            if (parse_port(argv[i], value, &options.arm_port))
                return 2;
        } else if (strcmp(argv[i], "--imds-port") == 0) {
            if (parse_port(argv[i], value, &options.imds_port))
                return 2;
        } else if (strcmp(argv[i], "--admin-port") == 0) {
            if (parse_port(argv[i], value, &options.admin_port))
                return 2;
        } else {
            fprintf(stderr, "hubagent-mock: unknown or incomplete argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (options.config_path == NULL || options.ca_out_path == NULL) {
        fputs("hubagent-mock: --config and --ca-out are required\n", stderr);
        usage(stderr);
        return 2;
    }
    /* Block the stop signals before any listener thread exists, then wait for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    mock_server *server = NULL;
    mock_error error = {{0}};
    mock_status status = mock_server_new(&options, &server, &error);
    if (status != MOCK_OK) {
        fprintf(stderr, "hubagent-mock: %s: %s\n", mock_status_text(status), error.message);
        return 1;
    }
    char *line = mock_server_endpoints_json(server);
    printf("%s\n", line ? line : "{}");
    fflush(stdout);
    free(line);
    int signal_number = 0;
    sigwait(&stop, &signal_number);
    mock_server_free(server);
    return 0;
}
