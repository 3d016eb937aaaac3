/* Fuzz target: what arm/ makes of Azure's replies — an error body (JSON, XML,
 * HTML or garbage), an export, a list of exports, a run history. Never a
 * crash, a leak, or an unterminated field. */
#include "arm/error.h"
#include "arm/exports.h"
#include "fuzz_target.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    arm_error error;
    arm_error_init(&error);
    arm_error_parse_body(&error, text, size);
    if (strnlen(error.code, sizeof error.code) == sizeof error.code ||
        strnlen(error.message, sizeof error.message) == sizeof error.message)
        abort();
    char line[2048];
    arm_error_format(&error, line, sizeof line);

    arm_export export_;
    arm_export_init(&export_);
    arm_error_init(&error);
    if (arm_export_parse(text, size, &export_, &error) == ARM_OK) {
        char *body = NULL;
        if (arm_export_build(&export_, &body, &error) == ARM_OK && body == NULL)
            abort();
        free(body);
    }
    arm_export_dispose(&export_);

    arm_export_list list = {0};
    arm_export_list_parse(text, size, &list, &error);
    arm_export_list_dispose(&list);
    arm_export_run_list runs = {0};
    arm_export_run_list_parse(text, size, &runs, &error);
    arm_export_run_list_dispose(&runs);
    return 0;
}
