/* auth: runs every auth test program, captures all it prints (log lines, errors, chain
 * explanations, `auth check` reports) and fails if any secret those tests use appears. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth_fake.h"
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every secret handed to auth code by the auth tests (and the fake tokens they get back). */
static const char *const secrets[] = {
    FAKE_CLIENT_SECRET,
    FAKE_IDENTITY_HEADER,
    FAKE_MSI_SECRET,
    FAKE_FEDERATED_A,
    FAKE_FEDERATED_B,
    FAKE_CERT_PASSWORD,
    "wrong-secret",
    "wrong-password",
    "env-secret-value",
    "mi-token",
    "app-token",
    "legacy-token",
    "client_assertion=ey", /* a signed assertion in a request body */
    "PRIVATE KEY",         /* PEM key material */
    NULL,
};

/* The auth test programs whose output is checked; integration tests join when built. */
static const char *const programs[] = {
    "test_auth_parse", "test_auth_cache",       "test_auth_managed_identity", "test_auth_entra",
    "test_auth_chain", "test_auth_integration", "test_auth_integration_mi",   NULL,
};

static const char *find_secret(const char *text)
{
    for (const char *const *secret = secrets; *secret; secret++)
        if (text && strstr(text, *secret))
            return *secret;
    return NULL;
}

static void test_detector_finds_secrets(void **state)
{
    (void)state;
    assert_non_null(find_secret("x " FAKE_CLIENT_SECRET " y"));
    assert_non_null(find_secret("body client_assertion=eyJhbGc"));
    assert_null(find_secret("[auth error] ClientSecretCredential | AADSTS7000215 | [redacted]"));
}

static void test_no_secret_in_any_auth_test_output(void **state)
{
    (void)state;
    int checked = 0;
    size_t total = 0;
    bool saw_log = false, saw_error = false, saw_explanation = false, saw_check = false;
    for (const char *const *program = programs; *program; program++) {
        char relative[256];
        snprintf(relative, sizeof(relative), "tests/auth/%s", *program);
        char *path = test_build_path(relative);
        if (access(path, X_OK) != 0) {
            /* only the integration suites are optional (built with hubagent-mock) */
            assert_non_null(strstr(*program, "test_auth_integration"));
            free(path);
            continue;
        }
        char *argv[] = {path, NULL};
        char *out = NULL, *err = NULL;
        int rc = test_run_command(argv, NULL, NULL, &out, &err);
        assert_true(rc >= 0);
        const char *leak_out = find_secret(out), *leak_err = find_secret(err);
        if (leak_out || leak_err)
            fail_msg("%s printed a secret (%zu chars long, starts \"%.3s\")", *program,
                     strlen(leak_out ? leak_out : leak_err), leak_out ? leak_out : leak_err);
        total += (out ? strlen(out) : 0) + (err ? strlen(err) : 0);
        saw_log |= err && strstr(err, "[auth log]");
        saw_error |= err && strstr(err, "[auth error]");
        saw_explanation |= err && strstr(err, "[auth explanation]");
        saw_check |= err && strstr(err, "[auth check]");
        free(out);
        free(err);
        free(path);
        checked++;
    }
    assert_true(checked >= 5);
    /* the capture really held what the auth code said, so a clean result means something */
    assert_true(total > 1000);
    assert_true(saw_log);
    assert_true(saw_error);
    assert_true(saw_explanation);
    assert_true(saw_check);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detector_finds_secrets),
        cmocka_unit_test(test_no_secret_in_any_auth_test_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
