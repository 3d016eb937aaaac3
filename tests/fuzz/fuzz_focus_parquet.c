/* libFuzzer target: the Parquet reader (footer, Thrift metadata, pages, encodings). */
#include "fuzz_focus_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_focus_drain(data, size, NULL);
    return 0;
}
