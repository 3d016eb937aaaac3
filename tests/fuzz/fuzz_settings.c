/* Fuzz target: the hub's settings.json parser — any bytes give a verdict and a
 * report, never a crash, a leak or an out-of-bounds read. */
#include "fuzz_target.h"
#include "settings/settings.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* jansson reads a length-bounded buffer; a copy keeps the input unterminated. */
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    settings_report report;
    settings_report_init(&report, "fuzz.json");
    settings *value = NULL;
    settings_status status = settings_parse(text, size, &value, &report);
    /* A verdict is all or nothing: settings only when there is no error. */
    if ((status == SETTINGS_OK) != (value != NULL) || (value != NULL && report.error_count > 0))
        abort();
    for (size_t i = 0; value != NULL && i < value->scope_count; i++)
        if (value->scopes[i].scope == NULL || value->scopes[i].scope[0] != '/')
            abort();
    settings_free(value);
    settings_report_dispose(&report);
    free(text);
    return 0;
}
