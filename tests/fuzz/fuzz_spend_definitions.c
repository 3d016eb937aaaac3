/* Fuzz target: a spendScopes file (ours or Kion's JSON) — any bytes give
 * definitions or a report of what is wrong, all or nothing, never a crash, a
 * leak or a regex that runs away. */
#include "fuzz_target.h"
#include "spend/spend.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    spend_report report;
    spend_report_init(&report, "fuzz.json");
    spend_definitions *definitions = NULL;
    spend_status status = spend_definitions_parse(text, size, &definitions, &report);
    if ((status == SPEND_OK) != (definitions != NULL) ||
        (definitions != NULL && report.error_count > 0))
        abort();
    for (size_t i = 0; definitions != NULL && i < spend_definitions_scope_count(definitions); i++) {
        if (spend_definitions_scope_name(definitions, i) == NULL)
            abort();
        char digest[17];
        spend_definitions_month_digest(definitions, 2025 * 12, digest);
        if (strlen(digest) != 16)
            abort();
    }
    spend_definitions_free(definitions);
    spend_report_dispose(&report);
    free(text);
    return 0;
}
