/* Benchmark: validating a settings.json with 10,000 scopes, against the
 * yardstick of jansson merely parsing the same text, in the same process. */
#include "settings/settings.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A hub file with `count` scopes of mixed types, none overlapping. */
static char *make_settings(size_t count)
{
    size_t capacity = count * 160 + 256;
    char *text = malloc(capacity);
    size_t used = (size_t)snprintf(text, capacity,
                                   "{\"$schema\":\"https://aka.ms/finops/hubs/settings-schema\","
                                   "\"type\":\"HubInstance\",\"version\":\"14.0\",\"scopes\":[");
    for (size_t i = 0; i < count; i++) {
        const char *sep = i ? "," : "";
        switch (i % 4) {
        case 0:
            used += (size_t)snprintf(
                text + used, capacity - used,
                "%s\n{\"scope\":\"/subscriptions/%08zx-0000-4000-8000-%012zx\"}", sep, i, i);
            break;
        case 1:
            used += (size_t)snprintf(text + used, capacity - used,
                                     "%s\n{\"scope\":\"/subscriptions/%08zx-1111-4000-8000-%012zx"
                                     "/resourceGroups/rg-%zu\"}",
                                     sep, i, i, i);
            break;
        case 2:
            used += (size_t)snprintf(text + used, capacity - used,
                                     "%s\n{\"scope\":\"providers/Microsoft.Billing/billingAccounts/"
                                     "%zu/departments/%zu/\"}",
                                     sep, 1000000 + i, i);
            break;
        default:
            used += (size_t)snprintf(
                text + used, capacity - used,
                "%s\n{\"scope\":\"/providers/Microsoft.Billing/billingAccounts/"
                "%08zx-2222-4000-8000-%012zx:%08zx-3333-4000-8000-%012zx_2019-05-31"
                "/billingProfiles/BP%zu\"}",
                sep, i, i, i, i, i);
        }
    }
    snprintf(text + used, capacity - used, "],\"retention\":{\"ingestion\":{\"months\":13}}}");
    return text;
}

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
    int rounds = 5;
    char *text = make_settings(count);
    size_t length = strlen(text);
    double best_validate = 1e9, best_parse = 1e9;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_seconds();
        json_error_t error;
        json_t *root = json_loadb(text, length, 0, &error);
        double t1 = now_seconds();
        json_decref(root);
        settings_report report;
        settings_report_init(&report, "bench.json");
        settings *value = NULL;
        double t2 = now_seconds();
        settings_status status = settings_parse(text, length, &value, &report);
        double t3 = now_seconds();
        if (status != SETTINGS_OK || value->scope_count != count) {
            settings_report_print(&report, stderr);
            return 1;
        }
        settings_free(value);
        settings_report_dispose(&report);
        if (t1 - t0 < best_parse)
            best_parse = t1 - t0;
        if (t3 - t2 < best_validate)
            best_validate = t3 - t2;
    }
    printf("{\"benchmark\":\"settings_validate\",\"scopes\":%zu,\"bytes\":%zu,"
           "\"validate_seconds\":%.6f,\"yardstick_json_parse_seconds\":%.6f,"
           "\"ratio_to_yardstick\":%.2f}\n",
           count, length, best_validate, best_parse, best_validate / best_parse);
    free(text);
    return 0;
}
