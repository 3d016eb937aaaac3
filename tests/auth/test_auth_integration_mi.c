/* auth integration tests against hubagent-mock, managed identity: IMDS system- and
 * user-assigned, the Metadata header, IMDS retries on 429/503/410 and absent endpoints,
 * App Service (X-IDENTITY-HEADER) and legacy MSI tokens the mock's ARM accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth_mock.h"
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *imds_endpoint(void)
{
    char *endpoint = NULL;
    assert_true(asprintf(&endpoint, "%s/metadata/identity/oauth2/token", fx.imds) > 0);
    return endpoint;
}

static void test_imds_system_and_user_assigned(void **state)
{
    (void)state;
    auth_options options;
    mock_options(&options);
    char *endpoint = imds_endpoint();
    const struct {
        auth_managed_identity_options id;
        const char *object_id;
    } cases[] = {
        {{0}, M_MI_SYSTEM_OID},
        {{.client_id = M_MI_USER}, M_MI_USER_OID},
        {{.object_id = M_MI_USER_OID}, M_MI_USER_OID},
        {{.resource_id = M_MI_USER_RES_ID}, M_MI_USER_OID},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        auth_credential *credential = NULL;
        assert_int_equal(
            auth_imds_credential_new(endpoint, &cases[i].id, &options, &credential, NULL), AUTH_OK);
        token_works(credential, cases[i].object_id);
        auth_credential_free(credential);
    }
    auth_credential *credential = NULL;
    auth_managed_identity_options unknown = {.client_id = "99999999-0000-0000-0000-000000000000"};
    assert_int_equal(auth_imds_credential_new(endpoint, &unknown, &options, &credential, NULL),
                     AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_REJECTED);
    assert_int_equal(error.http_status, 400);
    assert_non_null(strstr(error.message, "Identity not found"));
    auth_credential_free(credential);
    free(endpoint);
}

static void test_imds_metadata_header(void **state)
{
    (void)state;
    /* IMDS refuses a request without `Metadata: true` ... */
    char *endpoint = imds_endpoint(), *url = NULL, *body = NULL;
    assert_true(asprintf(&url, "%s?api-version=2018-02-01&resource=%s", endpoint,
                         "https%3A%2F%2Fmanagement.azure.com") > 0);
    assert_int_equal(http("GET", url, NULL, 0, NULL, &body), 400);
    assert_non_null(strstr(body, "bad_request_102"));
    free(body);
    /* ... and the credential always sends it */
    auth_options options;
    mock_options(&options);
    auth_credential *credential = NULL;
    assert_int_equal(auth_imds_credential_new(endpoint, NULL, &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_SYSTEM_OID);
    auth_credential_free(credential);
    free(url);
    free(endpoint);
}

static void test_imds_retries_429_503_and_410(void **state)
{
    (void)state;
    admin("PUT", "/admin/faults",
          "[{\"route\": \"imds.token\", \"sequence\": [{\"status\": 429}, {\"status\": 503}, "
          "{\"status\": 410}, null]}]");
    auth_options options;
    mock_options(&options);
    char *endpoint = imds_endpoint();
    auth_credential *credential = NULL;
    assert_int_equal(auth_imds_credential_new(endpoint, NULL, &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_SYSTEM_OID);
    assert_int_equal(sleeps.sleeps, 3);
    assert_int_equal(sleeps.slept_ms[0], 2000);
    assert_int_equal(sleeps.slept_ms[1], 4000);
    assert_int_equal(sleeps.slept_ms[2], 10000);
    assert_non_null(strstr(log_lines.text, "HTTP 429"));
    assert_non_null(strstr(log_lines.text, "HTTP 503"));
    /* a Retry-After longer than the back-off step is honoured */
    admin("PUT", "/admin/faults",
          "[{\"route\": \"imds.token\", \"sequence\": [{\"status\": 503, \"retry_after\": 9}, "
          "null]}]");
    sleeps.sleeps = 0;
    token_works(credential, M_MI_SYSTEM_OID);
    assert_int_equal(sleeps.sleeps, 1);
    assert_int_equal(sleeps.slept_ms[0], 9000);
    admin("PUT", "/admin/faults", "[]");
    auth_credential_free(credential);
    free(endpoint);

    /* nothing listening: unavailable at once, no back-off */
    char *absent = NULL;
    assert_true(asprintf(&absent, "http://127.0.0.1:%d/metadata/identity/oauth2/token",
                         test_free_port()) > 0);
    mock_options(&options);
    assert_int_equal(auth_imds_credential_new(absent, NULL, &options, &credential, NULL), AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_UNAVAILABLE);
    assert_int_equal(sleeps.sleeps, 0);
    auth_credential_free(credential);
    free(absent);
}

/* A listener whose accept queue is full: connects to it time out, as they do where the IMDS
 * address swallows packets (not on Azure). */
static int saturated_listener(int *out_port, int clients[2])
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
    socklen_t len = sizeof(address);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&address, &len), 0);
    assert_int_equal(listen(fd, 0), 0);
    for (int i = 0; i < 2; i++) {
        clients[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(clients[i], (struct sockaddr *)&address, sizeof(address));
    }
    *out_port = ntohs(address.sin_port);
    return fd;
}

static void test_imds_connect_timeout_is_unavailable(void **state)
{
    (void)state;
    int port = 0, clients[2];
    int listener = saturated_listener(&port, clients);
    char *endpoint = NULL;
    assert_true(asprintf(&endpoint, "http://127.0.0.1:%d/metadata/identity/oauth2/token", port) >
                0);
    auth_options options;
    mock_options(&options);
    auth_credential *credential = NULL;
    assert_int_equal(auth_imds_credential_new(endpoint, NULL, &options, &credential, NULL),
                     AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_UNAVAILABLE);
    assert_int_equal(sleeps.sleeps, 0);
    auth_credential_free(credential);
    free(endpoint);
    close(clients[0]);
    close(clients[1]);
    close(listener);
}

static void test_app_service_and_legacy_msi(void **state)
{
    (void)state;
    auth_options options;
    mock_options(&options);
    auth_credential *credential = NULL;
    assert_int_equal(auth_app_service_credential_new(fx.identity_endpoint, fx.identity_header, NULL,
                                                     &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_SYSTEM_OID);
    auth_credential_free(credential);
    auth_managed_identity_options user = {.client_id = M_MI_USER};
    assert_int_equal(auth_app_service_credential_new(fx.identity_endpoint, fx.identity_header,
                                                     &user, &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_USER_OID);
    auth_credential_free(credential);
    assert_int_equal(auth_app_service_credential_new(fx.identity_endpoint, "wrong-header-value",
                                                     NULL, &options, &credential, NULL),
                     AUTH_OK);
    auth_error error;
    assert_int_equal(token_fails(credential, &error), AUTH_REJECTED);
    assert_int_equal(error.http_status, 401);
    assert_null(strstr(error.message, "wrong-header-value"));
    auth_credential_free(credential);

    assert_int_equal(auth_msi_legacy_credential_new(fx.identity_endpoint, M_MSI_SECRET, &user,
                                                    &options, &credential, NULL),
                     AUTH_OK);
    token_works(credential, M_MI_USER_OID);
    auth_credential_free(credential);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imds_system_and_user_assigned),
        cmocka_unit_test(test_imds_metadata_header),
        cmocka_unit_test(test_imds_retries_429_503_and_410),
        cmocka_unit_test(test_imds_connect_timeout_is_unavailable),
        cmocka_unit_test(test_app_service_and_legacy_msi),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
