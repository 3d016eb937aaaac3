/* libFuzzer target: the CSV reader (plain and gzip), untyped and typed by a schema. */
#include "fuzz_focus_common.h"

static const focus_column columns[] = {
    {"Name", FOCUS_TYPE_STRING, true},
    {"Cost", FOCUS_TYPE_DECIMAL, true},
    {"When", FOCUS_TYPE_DATETIME, true},
    {"Flag", FOCUS_TYPE_BOOLEAN, true},
};
static const focus_schema small = {FOCUS_DATASET_FOCUS_COST, "Fuzz", "1",    NULL,
                                   FOCUS_DATES_ISO_SECONDS,  4,      columns};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_focus_drain(data, size, NULL);
    fuzz_focus_drain(data, size, &small);
    return 0;
}
