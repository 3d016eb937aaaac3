/* auth integration test support: the mock fixture, HTTP and token checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth_mock.h"
#include "test_util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

mock_fixture fx;
char *dir;
char *sp_pem;    /* key + registered certificate */
char *other_pem; /* key + certificate the mock does not know */
char *sp_key_path, *sp_cert_path;

/* Clock for the cache tests: real time plus an offset the test moves. */
int64_t clock_offset;
int64_t test_clock(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL) + clock_offset;
}

fake_time sleeps; /* records IMDS back-off without sleeping */
fake_log log_lines;

static char *concat_files(const char *a, const char *b, const char *name)
{
    char *left = test_read_file(a, NULL), *right = test_read_file(b, NULL), *path = NULL;
    assert_non_null(left);
    assert_non_null(right);
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    char *both = NULL;
    assert_true(asprintf(&both, "%s\n%s", left, right) > 0);
    assert_int_equal(test_write_file(path, both, strlen(both)), 0);
    free(left);
    free(right);
    free(both);
    return path;
}

int group_setup(void **state)
{
    (void)state;
    char *config = test_data_path("mock-server/config.json");
    int rc = mock_fixture_start(config, &fx);
    free(config);
    if (rc != 0)
        return -1;
    dir = test_make_temp_dir();
    sp_key_path = test_data_path("mock-server/sp-key.pem");
    sp_cert_path = test_data_path("mock-server/sp-cert.pem");
    char *other_key = test_data_path("mock-server/other-key.pem");
    char *other_cert = test_data_path("mock-server/other-cert.pem");
    sp_pem = concat_files(sp_key_path, sp_cert_path, "sp.pem");
    other_pem = concat_files(other_key, other_cert, "other.pem");
    free(other_key);
    free(other_cert);
    return 0;
}

int group_teardown(void **state)
{
    (void)state;
    mock_fixture_stop(&fx);
    if (dir)
        test_remove_tree(dir);
    free(dir);
    free(sp_pem);
    free(other_pem);
    free(sp_key_path);
    free(sp_cert_path);
    fake_log_dispose(&log_lines);
    return 0;
}

/* One HTTP call through arm/http.h, trusting the mock's CA. Returns the status (0 = none). */
long http(const char *method, const char *url, const arm_http_header *headers, size_t header_count,
          const char *body, char **out_body)
{
    arm_http_options options = arm_http_options_default();
    options.ca_bundle_path = fx.ca_path;
    arm_http_client *client = NULL;
    arm_error error;
    arm_error_init(&error);
    assert_int_equal(arm_http_client_new(&options, &client, &error), ARM_OK);
    arm_http_request request = {.method = method,
                                .url = url,
                                .headers = headers,
                                .header_count = header_count,
                                .body = body,
                                .body_len = body ? strlen(body) : 0};
    arm_http_response response;
    arm_http_response_init(&response);
    arm_http_send(client, &request, &response, &error);
    long status = response.status;
    if (out_body)
        *out_body = response.body ? strdup(response.body) : NULL;
    arm_http_response_dispose(&response);
    arm_http_client_free(client);
    return status;
}

void admin(const char *method, const char *path, const char *body)
{
    char *url = NULL;
    assert_true(asprintf(&url, "%s%s", fx.admin, path) > 0);
    arm_http_header json = {"Content-Type", "application/json"};
    assert_int_equal(http(method, url, &json, 1, body, NULL), 200);
    free(url);
}

/* What the mock's ARM says to a bearer token. */
long arm_accepts(const char *token)
{
    char *url = NULL, *bearer = NULL;
    assert_true(asprintf(&url, "%s/subscriptions?api-version=2019-11-01", fx.arm) > 0);
    assert_true(asprintf(&bearer, "Bearer %s", token) > 0);
    arm_http_header header = {"Authorization", bearer};
    long status = http("GET", url, &header, 1, NULL, NULL);
    free(url);
    free(bearer);
    return status;
}

void mock_options(auth_options *options)
{
    auth_options_default(options);
    options->authority_host = fx.login;
    options->ca_bundle = fx.ca_path;
    options->sleep = fake_sleep;
    options->sleep_ctx = &sleeps;
    options->log = fake_log_line;
    options->log_ctx = &log_lines;
    sleeps.sleeps = 0;
}

/* Gets an ARM token from credential and checks the mock's ARM takes it. */
void token_works(auth_credential *credential, const char *object_id)
{
    auth_token token;
    auth_token_init(&token);
    auth_error error;
    memset(&error, 0, sizeof(error));
    auth_status status = auth_credential_get_token(credential, ARM_RESOURCE, &token, &error);
    fake_report_error(&error);
    assert_int_equal(status, AUTH_OK);
    assert_non_null(token.access_token);
    assert_true(token.expires_on > (int64_t)time(NULL) + 3000);
    assert_string_equal(token.tenant_id, M_TENANT);
    assert_string_equal(token.object_id, object_id);
    assert_int_equal(arm_accepts(token.access_token), 200);
    auth_token_dispose(&token);
}

auth_status token_fails(auth_credential *credential, auth_error *error)
{
    auth_token token;
    auth_token_init(&token);
    memset(error, 0, sizeof(*error));
    auth_status status = auth_credential_get_token(credential, ARM_RESOURCE, &token, error);
    fake_report_error(error);
    assert_null(token.access_token);
    return status;
}
