/* auth: `hubagent auth check` — which credential the chain picks and why, then a real ARM
 * token whose non-secret claims are shown. The token itself is never printed. */
#include "auth/auth_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void format_time(int64_t when, char *out, size_t size)
{
    time_t t = (time_t)when;
    struct tm utc;
    if (when <= 0 || !gmtime_r(&t, &utc) || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        snprintf(out, size, "unknown");
}

static const char *or_unknown(const char *value)
{
    return value && *value ? value : "(not in token)";
}

auth_status auth_check_report(const auth_chain_options *options, const char *arm_resource,
                              FILE *out, auth_error *error)
{
    if (!options || !out)
        return auth_error_set(error, AUTH_INVALID_ARGUMENT, "", 0, NULL, NULL,
                              "auth_check_report: NULL argument");
    if (!arm_resource || !*arm_resource)
        arm_resource = AUTH_ARM_PUBLIC;
    auth_credential *credential = NULL;
    char *explanation = NULL;
    auth_status status = auth_chain_new(options, &credential, &explanation, error);
    if (explanation)
        fputs(explanation, out);
    free(explanation);
    if (status != AUTH_OK) {
        fprintf(out, "Result: FAILED (%s)\n", auth_status_text(status));
        return status;
    }
    fprintf(out, "Requesting a token for %s ...\n", arm_resource);
    auth_token token;
    auth_token_init(&token);
    status = auth_credential_get_token(credential, arm_resource, &token, error);
    if (status != AUTH_OK) {
        fprintf(out, "Result: FAILED: %s\n", error ? error->message : auth_status_text(status));
        auth_credential_free(credential);
        return status;
    }
    int64_t now = auth_now(&credential->options);
    char expires[32];
    format_time(token.expires_on, expires, sizeof(expires));
    fprintf(out, "Token acquired (claims decoded without verification, for display):\n");
    fprintf(out, "  tenant id:  %s\n", or_unknown(token.tenant_id));
    fprintf(out, "  object id:  %s\n", or_unknown(token.object_id));
    fprintf(out, "  app id:     %s\n", or_unknown(token.app_id));
    fprintf(out, "  audience:   %s\n", or_unknown(token.audience));
    fprintf(out, "  expires:    %s (in %lld min)\n", expires,
            (long long)((token.expires_on - now) / 60));
    fprintf(out, "Result: OK\n");
    auth_token_dispose(&token);
    auth_credential_free(credential);
    return AUTH_OK;
}
