/* `hubagent auth check` against the mock's Entra ID: the chosen credential
 * and its claims are shown, a wrong secret fails with the service's code, and
 * no secret or token ever appears in the output. */
#include "mock_fixture.h"
#include "test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static mock_fixture mock;

static int start_mock(void **state)
{
    (void)state;
    char *config = test_data_path("../../mock-server/examples/ea-mca-hub.json");
    int rc = mock_fixture_start(config, &mock);
    free(config);
    return rc;
}

static int stop_mock(void **state)
{
    (void)state;
    mock_fixture_stop(&mock);
    return 0;
}

static int run_check(const char *secret, char **out, char **err)
{
    char *binary = test_build_path("agent/hubagent");
    char authority[256], ca[600], secret_env[128];
    snprintf(authority, sizeof authority, "AZURE_AUTHORITY_HOST=%s", mock.login);
    snprintf(ca, sizeof ca, "HUBAGENT_CA_BUNDLE=%s", mock.ca_path);
    snprintf(secret_env, sizeof secret_env, "AZURE_CLIENT_SECRET=%s", secret);
    char *env[] = {"AZURE_TENANT_ID=11111111-1111-1111-1111-111111111111",
                   "AZURE_CLIENT_ID=aaaaaaaa-0000-0000-0000-000000000001",
                   secret_env,
                   authority,
                   ca,
                   NULL};
    char *argv[] = {binary, "auth", "check", NULL};
    int code = test_run_command(argv, env, NULL, out, err);
    free(binary);
    return code;
}

static void test_client_secret_ok(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    int code = run_check("test-secret-1", &out, &err);
    if (code != 0)
        fprintf(stderr, "stdout: %s\nstderr: %s\n", out, err);
    assert_int_equal(code, 0);
    assert_non_null(strstr(out, "client secret: chosen"));
    assert_non_null(strstr(out, "11111111-1111-1111-1111-111111111111"));
    assert_non_null(strstr(out, "bbbbbbbb-0000-0000-0000-000000000001"));
    assert_non_null(strstr(out, "Result: OK"));
    assert_null(strstr(out, "test-secret-1"));
    assert_null(strstr(out, "eyJ")); /* no JWT */
    assert_null(strstr(err, "test-secret-1"));
    free(out);
    free(err);
}

static void test_wrong_secret_fails_cleanly(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    int code = run_check("wrong-secret-value", &out, &err);
    assert_int_equal(code, 1);
    assert_non_null(strstr(err, "AADSTS7000215"));
    assert_null(strstr(out, "wrong-secret-value"));
    assert_null(strstr(err, "wrong-secret-value"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_secret_ok),
        cmocka_unit_test(test_wrong_secret_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, start_mock, stop_mock);
}
