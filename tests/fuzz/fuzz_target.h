/* What every fuzz target defines: libFuzzer's entry point, also driven by
 * fuzz_replay.c (the corpus plus deterministic mutations) under ctest. */
#ifndef HUBAGENT_FUZZ_TARGET_H
#define HUBAGENT_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
