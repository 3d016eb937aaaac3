/* The three libmicrohttpd listeners (TLS ARM+Entra, plain IMDS, plain admin), request
 * body collection, fault injection around handlers, and turning replies into responses. */
#include "mock-server/mock_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define MOCK_MAX_BODY (4u * 1024 * 1024)

typedef struct pending {
    char *body;
    size_t len;
    bool too_big;
} pending;

void mock_options_default(mock_options *options)
{
    memset(options, 0, sizeof *options);
}

const char *mock_status_text(mock_status status)
{
    switch (status) {
    case MOCK_OK:
        return "ok";
    case MOCK_ERROR_ARGUMENT:
        return "invalid argument";
    case MOCK_ERROR_CONFIG:
        return "invalid configuration";
    case MOCK_ERROR_CRYPTO:
        return "key or certificate generation failed";
    case MOCK_ERROR_LISTEN:
        return "cannot listen";
    case MOCK_ERROR_IO:
        return "i/o error";
    case MOCK_ERROR_MEMORY:
        return "out of memory";
    }
    return "unknown status";
}

double mock_now(const mock_server *server)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6 + server->clock_offset;
}

const char *mock_request_header(const mock_request *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, name);
}

const char *mock_request_query(const mock_request *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND, name);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char *form_decode(const char *start, size_t len)
{
    char *out = malloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; out != NULL && i < len; i++) {
        if (start[i] == '+') {
            out[o++] = ' ';
        } else if (start[i] == '%' && i + 2 < len + 0 && hex_value(start[i + 1]) >= 0 &&
                   hex_value(start[i + 2]) >= 0) {
            out[o++] = (char)(hex_value(start[i + 1]) * 16 + hex_value(start[i + 2]));
            i += 2;
        } else {
            out[o++] = start[i];
        }
    }
    if (out != NULL)
        out[o] = '\0';
    return out;
}

char *mock_form_value(const char *body, size_t len, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = body, *end = body + len;
    while (body != NULL && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *field_end = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(field_end - p));
        if (eq != NULL && (size_t)(eq - p) == name_len && memcmp(p, name, name_len) == 0)
            return form_decode(eq + 1, (size_t)(field_end - eq - 1));
        p = field_end + 1;
    }
    return NULL;
}

void mock_reply_header(mock_reply *reply, const char *name, const char *value)
{
    for (size_t i = 0; i < reply->header_count; i++) {
        if (strcasecmp(reply->header_names[i], name) == 0) {
            free(reply->header_values[i]);
            reply->header_values[i] = strdup(value);
            return;
        }
    }
    if (reply->header_count < MOCK_MAX_HEADERS) {
        reply->header_names[reply->header_count] = strdup(name);
        reply->header_values[reply->header_count++] = strdup(value);
    }
}

void mock_reply_json(mock_reply *reply, unsigned status, json_t *body)
{
    free(reply->body);
    reply->status = status;
    reply->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    reply->body_len = reply->body ? strlen(reply->body) : 0;
    reply->content_type = "application/json; charset=utf-8";
    json_decref(body);
}

void mock_reply_arm_error(mock_reply *reply, unsigned status, const char *code, const char *format,
                          ...)
{
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    mock_reply_json(reply, status,
                    json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
}

void mock_reply_dispose(mock_reply *reply)
{
    free(reply->body);
    for (size_t i = 0; i < reply->header_count; i++) {
        free(reply->header_names[i]);
        free(reply->header_values[i]);
    }
    memset(reply, 0, sizeof *reply);
}

void mock_log_add(mock_server *server, const mock_request *request, unsigned status)
{
    mock_log_entry *grown = realloc(server->log, (server->log_count + 1) * sizeof *grown);
    if (grown == NULL)
        return;
    server->log = grown;
    mock_log_entry *entry = &grown[server->log_count++];
    entry->time = mock_now(server);
    entry->method = strdup(request->method);
    entry->path = strdup(request->path);
    entry->route = request->route;
    entry->status = status;
    entry->principal = request->principal ? strdup(request->principal) : NULL;
    const char *api_version = mock_request_query(request, "api-version");
    entry->api_version = api_version ? strdup(api_version) : NULL;
}

void mock_log_clear(mock_server *server)
{
    for (size_t i = 0; i < server->log_count; i++) {
        free(server->log[i].method);
        free(server->log[i].path);
        free(server->log[i].principal);
        free(server->log[i].api_version);
    }
    free(server->log);
    server->log = NULL;
    server->log_count = 0;
}

static void fault_reply(const mock_request *request, const mock_fault *fault, mock_reply *reply)
{
    const char *code = fault->status == 503   ? "ServiceUnavailable"
                       : fault->status == 429 ? "429"
                                              : "InternalServerError";
    if (request->listener == MOCK_LISTENER_TLS && mock_entra_owns(request->path)) {
        mock_reply_json(reply, fault->status,
                        json_pack("{s:s, s:s}", "error", "temporarily_unavailable",
                                  "error_description",
                                  "AADSTS50196: The server is temporarily unavailable "
                                  "(injected fault)."));
    } else {
        mock_reply_arm_error(reply, fault->status, code,
                             "The server encountered an error processing the request "
                             "(injected fault).");
    }
    if (fault->retry_after > 0) {
        char value[32];
        snprintf(value, sizeof value, "%ld", fault->retry_after);
        mock_reply_header(reply, "Retry-After", value);
    }
}

static void mangle_body(mock_reply *reply, const mock_fault *fault)
{
    if (fault->truncate && reply->body_len > 1) {
        reply->body_len /= 2; /* a reply cut in the middle of the JSON */
    } else if (fault->malformed) {
        const char tail[] = ",<html>Bad Gateway</html>";
        char *grown = realloc(reply->body, reply->body_len + sizeof tail);
        if (grown != NULL) {
            memcpy(grown + reply->body_len, tail, sizeof tail);
            reply->body = grown;
            reply->body_len += sizeof tail - 1;
        }
    }
}

static void dispatch(mock_server *server, mock_request *request, mock_reply *reply)
{
    switch (request->listener) {
    case MOCK_LISTENER_TLS:
        if (mock_entra_owns(request->path))
            mock_entra_handle(server, request, reply);
        else
            mock_arm_handle(server, request, reply);
        break;
    case MOCK_LISTENER_IMDS:
        mock_imds_handle(server, request, reply);
        break;
    case MOCK_LISTENER_ADMIN:
        mock_admin_handle(server, request, reply);
        break;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void add_arm_headers(const mock_request *request, mock_reply *reply)
{
    char *id = mock_guid();
    if (id == NULL)
        return;
    mock_reply_header(reply, "x-ms-request-id", id);
    mock_reply_header(reply, "x-ms-correlation-request-id", id);
    char routing[96];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(routing, 40, "LOCALMOCK:%Y%m%dT%H%M%SZ:", &tm);
    strncat(routing, id, sizeof routing - strlen(routing) - 1);
    mock_reply_header(reply, "x-ms-routing-request-id", routing);
    free(id);
    const char *client_id = mock_request_header(request, "x-ms-client-request-id");
    if (client_id != NULL)
        mock_reply_header(reply, "x-ms-client-request-id", client_id);
    mock_reply_header(reply, "Cache-Control", "no-cache");
}

/* Runs one complete request. Returns false when the connection must be dropped. */
static bool serve(mock_server *server, mock_request *request, mock_reply *reply)
{
    pthread_mutex_lock(&server->lock);
    request->route = mock_route_of(request);
    mock_fault fault;
    bool faulted =
        request->listener != MOCK_LISTENER_ADMIN && mock_fault_pick(server, request, &fault);
    if (faulted && fault.delay_ms > 0) {
        pthread_mutex_unlock(&server->lock);
        sleep_ms(fault.delay_ms);
        pthread_mutex_lock(&server->lock);
    }
    bool keep = true;
    if (faulted && fault.reset) {
        mock_log_add(server, request, 0);
        keep = false;
    } else {
        if (faulted && fault.status != 0) {
            fault_reply(request, &fault, reply);
        } else {
            request->forced_run_status = faulted ? fault.run_status : NULL;
            dispatch(server, request, reply);
            if (faulted)
                mangle_body(reply, &fault);
        }
        if (request->listener == MOCK_LISTENER_TLS && !mock_entra_owns(request->path))
            add_arm_headers(request, reply);
        mock_log_add(server, request, faulted && fault.reset_after ? 0 : reply->status);
        keep = !(faulted && fault.reset_after);
    }
    if (faulted)
        mock_fault_dispose(&fault);
    pthread_mutex_unlock(&server->lock);
    return keep;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    mock_listener_context *context = cls;
    pending *p = *con_cls;
    if (p == NULL) {
        p = calloc(1, sizeof *p);
        if (p == NULL)
            return MHD_NO;
        *con_cls = p;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (p->len + *upload_data_size > MOCK_MAX_BODY) {
            p->too_big = true;
        } else {
            char *grown = realloc(p->body, p->len + *upload_data_size + 1);
            if (grown == NULL)
                return MHD_NO;
            memcpy(grown + p->len, upload_data, *upload_data_size);
            p->body = grown;
            p->len += *upload_data_size;
            p->body[p->len] = '\0';
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    mock_request request = {
        .connection = connection,
        .listener = context->listener,
        .method = method,
        .path = url,
        .body = p->body,
        .body_len = p->len,
    };
    mock_reply reply = {0};
    bool keep = true;
    if (p->too_big) {
        mock_reply_arm_error(&reply, 413, "RequestEntityTooLarge",
                             "The request body is larger than %u bytes.", MOCK_MAX_BODY);
    } else {
        keep = serve(context->server, &request, &reply);
    }
    free(request.principal);
    if (!keep) {
        mock_reply_dispose(&reply);
        return MHD_NO;
    }
    struct MHD_Response *response = MHD_create_response_from_buffer(
        reply.body_len, reply.body ? reply.body : (char *)"", MHD_RESPMEM_MUST_COPY);
    if (response == NULL) {
        mock_reply_dispose(&reply);
        return MHD_NO;
    }
    if (reply.content_type != NULL && reply.body != NULL)
        MHD_add_response_header(response, "Content-Type", reply.content_type);
    for (size_t i = 0; i < reply.header_count; i++)
        MHD_add_response_header(response, reply.header_names[i], reply.header_values[i]);
    enum MHD_Result result =
        MHD_queue_response(connection, reply.status ? reply.status : 500, response);
    MHD_destroy_response(response);
    mock_reply_dispose(&reply);
    return result;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)connection;
    (void)toe;
    pending *p = *con_cls;
    if (p != NULL) {
        free(p->body);
        free(p);
        *con_cls = NULL;
    }
}

static struct MHD_Daemon *start_listener(mock_server *server, mock_listener listener, int port,
                                         int *out_port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    mock_listener_context *context = &server->contexts[listener];
    context->server = server;
    context->listener = listener;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    struct MHD_Daemon *daemon;
    if (listener == MOCK_LISTENER_TLS) {
        daemon = MHD_start_daemon(flags | MHD_USE_TLS, (uint16_t)port, NULL, NULL, on_request,
                                  context, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                  MHD_OPTION_HTTPS_MEM_KEY, server->keys.server_key_pem,
                                  MHD_OPTION_HTTPS_MEM_CERT, server->keys.server_cert_pem,
                                  MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    } else {
        daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, context,
                                  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                  MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    }
    if (daemon == NULL)
        return NULL;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    *out_port = info ? info->port : port;
    return daemon;
}

/* RSA key generation takes 50-500 ms: it runs while the listeners start, and the few
 * handlers that sign or verify tokens wait for it. */
static void *signing_main(void *arg)
{
    mock_server *server = arg;
    mock_keys generated = {0};
    bool ok = mock_signing_key_generate(&generated);
    pthread_mutex_lock(&server->lock);
    if (ok) {
        server->keys.signing_key = generated.signing_key;
        server->keys.kid = generated.kid;
        server->keys.jwk_n = generated.jwk_n;
        server->keys.jwk_e = generated.jwk_e;
        server->signing_ready = true;
    } else {
        server->signing_failed = true;
    }
    pthread_cond_broadcast(&server->signing_cond);
    pthread_mutex_unlock(&server->lock);
    return NULL;
}

bool mock_signing_wait(mock_server *server)
{
    while (!server->signing_ready && !server->signing_failed)
        pthread_cond_wait(&server->signing_cond, &server->lock);
    return server->signing_ready;
}

mock_status mock_server_new(const mock_options *options, mock_server **out_server,
                            mock_error *error)
{
    *out_server = NULL;
    if (options->config_path == NULL || options->ca_out_path == NULL) {
        mock_error_set(error, "both a configuration file and a CA output path are required");
        return MOCK_ERROR_ARGUMENT;
    }
    mock_server *server = calloc(1, sizeof *server);
    if (server == NULL)
        return MOCK_ERROR_MEMORY;
    server->options = *options;
    pthread_mutex_init(&server->lock, NULL);
    pthread_cond_init(&server->signing_cond, NULL);
    server->signing_started =
        pthread_create(&server->signing_thread, NULL, signing_main, server) == 0;
    if (!server->signing_started)
        server->signing_failed = true;
    mock_status status = mock_config_load(options->config_path, &server->config, error);
    if (status == MOCK_OK)
        status = mock_keys_generate(&server->keys, error);
    if (status != MOCK_OK) {
        mock_server_free(server);
        return status;
    }
    server->throttle = server->config.throttle;
    server->factories = json_deep_copy(server->config.data_factories);
    server->runs = server->config.runs;
    server->runs.outcome = strdup(server->config.runs.outcome);
    server->token_lifetime_s = server->config.token_lifetime_s;
    server->rng = 0x9e3779b97f4a7c15ULL ^ server->config.seed;
    status = mock_faults_set(server, server->config.faults, error);
    if (status != MOCK_OK) {
        mock_server_free(server);
        return status;
    }
    FILE *ca = fopen(options->ca_out_path, "w");
    if (ca == NULL || fputs(server->keys.ca_pem, ca) < 0 || fclose(ca) != 0) {
        mock_error_set(error, "%s: cannot write the CA certificate: %s", options->ca_out_path,
                       strerror(errno));
        mock_server_free(server);
        return MOCK_ERROR_IO;
    }
    server->tls_daemon =
        start_listener(server, MOCK_LISTENER_TLS, options->arm_port, &server->tls_port);
    server->imds_daemon =
        start_listener(server, MOCK_LISTENER_IMDS, options->imds_port, &server->imds_port);
    server->admin_daemon =
        start_listener(server, MOCK_LISTENER_ADMIN, options->admin_port, &server->admin_port);
    if (server->tls_daemon == NULL || server->imds_daemon == NULL || server->admin_daemon == NULL) {
        mock_error_set(error, "cannot listen on 127.0.0.1 (ports arm %d, imds %d, admin %d)",
                       options->arm_port, options->imds_port, options->admin_port);
        mock_server_free(server);
        return MOCK_ERROR_LISTEN;
    }
    if (!mock_landing_start(server)) {
        mock_error_set(error, "cannot start the landing thread");
        mock_server_free(server);
        return MOCK_ERROR_MEMORY;
    }
    *out_server = server;
    return MOCK_OK;
}

void mock_server_free(mock_server *server)
{
    if (server == NULL)
        return;
    mock_landing_stop(server);
    if (server->signing_started)
        pthread_join(server->signing_thread, NULL);
    if (server->tls_daemon)
        MHD_stop_daemon(server->tls_daemon);
    if (server->imds_daemon)
        MHD_stop_daemon(server->imds_daemon);
    if (server->admin_daemon)
        MHD_stop_daemon(server->admin_daemon);
    mock_exports_clear(server);
    mock_throttle_clear(server);
    mock_log_clear(server);
    json_decref(server->faults);
    json_decref(server->factories);
    json_decref(server->pipeline_runs);
    json_decref(server->secrets);
    free(server->runs.outcome);
    mock_keys_dispose(&server->keys);
    mock_config_dispose(&server->config);
    pthread_cond_destroy(&server->signing_cond);
    pthread_mutex_destroy(&server->lock);
    free(server);
}

char *mock_server_endpoints_json(const mock_server *server)
{
    char arm[64], imds[64], admin[64], identity[96];
    snprintf(arm, sizeof arm, "https://127.0.0.1:%d", server->tls_port);
    snprintf(imds, sizeof imds, "http://127.0.0.1:%d", server->imds_port);
    snprintf(admin, sizeof admin, "http://127.0.0.1:%d", server->admin_port);
    snprintf(identity, sizeof identity, "http://127.0.0.1:%d/msi/token", server->imds_port);
    json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "arm", arm, "login",
                             arm, "imds", imds, "identity_endpoint", identity, "identity_header",
                             server->config.identity_header, "msi_endpoint", identity, "admin",
                             admin, "ca", server->options.ca_out_path, "pid", (int)getpid());
    char *out = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    return out;
}
