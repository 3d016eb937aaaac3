/* hubagent-mock: a local stand-in for Entra ID, managed identity and ARM Cost Management
 * exports, so tests, benchmarks and demos meet "Azure" on 127.0.0.1 only. */
#ifndef HUBAGENT_MOCK_H
#define HUBAGENT_MOCK_H

typedef enum mock_status {
    MOCK_OK = 0,
    MOCK_ERROR_ARGUMENT, /* bad option or flag */
    MOCK_ERROR_CONFIG,   /* the configuration file is unreadable or invalid */
    MOCK_ERROR_CRYPTO,   /* key or certificate generation failed */
    MOCK_ERROR_LISTEN,   /* a listener could not be started */
    MOCK_ERROR_IO,       /* a file could not be written */
    MOCK_ERROR_MEMORY,
} mock_status;

/* Caller-owned error details. */
typedef struct mock_error {
    char message[512];
} mock_error;

typedef struct mock_options {
    const char *config_path; /* required */
    const char *ca_out_path; /* required: where the CA certificate (PEM) is written */
    int arm_port;            /* TLS listener for ARM and Entra ID; 0 = chosen by the OS */
    int imds_port;           /* plain http: IMDS, App Service, Cloud Shell identity endpoints */
    int admin_port;          /* plain http: the admin API */
} mock_options;

typedef struct mock_server mock_server;

void mock_options_default(mock_options *options);
const char *mock_status_text(mock_status status);

/* Loads the configuration, generates keys and certificates, writes the CA and
 * starts the three listeners on 127.0.0.1. */
mock_status mock_server_new(const mock_options *options, mock_server **out_server,
                            mock_error *error);
void mock_server_free(mock_server *server);

/* The start-up line: one JSON object with every endpoint (malloc'd). */
char *mock_server_endpoints_json(const mock_server *server);

#endif
