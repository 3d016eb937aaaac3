/* Test fixture for hubagent-mock: start on port 0, parse the start line, always stop. */
#include "mock_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

char *mock_fixture_json_field(const char *line, const char *key)
{
    char pattern[128];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = line ? strstr(line, pattern) : NULL;
    if (start == NULL)
        return NULL;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    return end ? strndup(start, (size_t)(end - start)) : NULL;
}

int mock_fixture_start(const char *config_path, mock_fixture *out)
{
    memset(out, 0, sizeof *out);
    out->process.pid = -1;
    out->dir = test_make_temp_dir();
    char *binary = test_build_path("mock-server/hubagent-mock");
    if (out->dir == NULL || binary == NULL) {
        free(binary);
        mock_fixture_stop(out);
        return -1;
    }
    size_t len = strlen(out->dir) + 16;
    out->ca_path = malloc(len);
    snprintf(out->ca_path, len, "%s/ca.pem", out->dir);
    char *argv[] = {binary,       "--config", (char *)config_path, "--ca-out", out->ca_path,
                    "--arm-port", "0",        "--imds-port",       "0",        "--admin-port",
                    "0",          NULL};
    int rc = test_process_start(argv, NULL, &out->process);
    free(binary);
    if (rc == 0)
        out->start_line = test_process_wait_line(&out->process, "\"arm\"", 10000);
    if (out->start_line == NULL) {
        char *err =
            out->process.stderr_path ? test_read_file(out->process.stderr_path, NULL) : NULL;
        fprintf(stderr, "mock_fixture: hubagent-mock did not start with %s: %s\n", config_path,
                err ? err : "(no stderr)");
        free(err);
        mock_fixture_stop(out);
        return -1;
    }
    out->arm = mock_fixture_json_field(out->start_line, "arm");
    out->login = mock_fixture_json_field(out->start_line, "login");
    out->imds = mock_fixture_json_field(out->start_line, "imds");
    out->identity_endpoint = mock_fixture_json_field(out->start_line, "identity_endpoint");
    out->identity_header = mock_fixture_json_field(out->start_line, "identity_header");
    out->admin = mock_fixture_json_field(out->start_line, "admin");
    if (out->arm == NULL || out->login == NULL || out->imds == NULL || out->admin == NULL) {
        fprintf(stderr, "mock_fixture: start line lacks endpoints: %s\n", out->start_line);
        mock_fixture_stop(out);
        return -1;
    }
    return 0;
}

int mock_fixture_stop(mock_fixture *fixture)
{
    if (fixture == NULL)
        return 0;
    int status = 0;
    if (fixture->process.dir != NULL || fixture->process.pid > 0) {
        status = test_process_stop(&fixture->process);
        /* A sanitizer report or a crash at shutdown must be visible in the test log. */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char *err = fixture->process.stderr_path
                            ? test_read_file(fixture->process.stderr_path, NULL)
                            : NULL;
            fprintf(stderr, "mock_fixture: hubagent-mock exited with status %d: %s\n", status,
                    err ? err : "");
            free(err);
        }
        test_process_dispose(&fixture->process);
    }
    if (fixture->dir != NULL) {
        test_remove_tree(fixture->dir);
        free(fixture->dir);
    }
    free(fixture->ca_path);
    free(fixture->arm);
    free(fixture->login);
    free(fixture->imds);
    free(fixture->identity_endpoint);
    free(fixture->identity_header);
    free(fixture->admin);
    free(fixture->start_line);
    memset(fixture, 0, sizeof *fixture);
    fixture->process.pid = -1;
    return status;
}
