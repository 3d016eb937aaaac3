/* Shared by the focus fuzz targets: hand the input to a reader as a file (the readers read
 * files) and drain it; any status is fine, a crash or sanitizer report is not. */
#ifndef HUBAGENT_FUZZ_FOCUS_COMMON_H
#define HUBAGENT_FUZZ_FOCUS_COMMON_H

#include "focus/focus.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_target.h"

/* Where the batch pass reads string bytes, so the reads are not optimized away. */
static volatile unsigned fuzz_focus_touched;

/* Reads every row of the input (as a memfd path) with `schema` (may be NULL), then inspects
 * it. Returns the rows read. */
static inline long fuzz_focus_drain(const uint8_t *data, size_t size, const focus_schema *schema)
{
    int fd = memfd_create("focus-fuzz", 0);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    long rows = 0;
    focus_reader *reader = NULL;
    if (focus_reader_open(path, schema, &reader, NULL) == FOCUS_OK) {
        const focus_value *row;
        size_t count;
        const focus_column *columns = focus_reader_columns(reader, &count);
        char text[64];
        while (focus_reader_next(reader, &row, NULL) == FOCUS_OK && row) {
            /* Touch every value the way a consumer would. */
            for (size_t c = 0; c < count; c++)
                if (!row[c].is_null && columns[c].type != FOCUS_TYPE_STRING)
                    focus_value_format(columns[c].type, FOCUS_DATES_ISO_SECONDS, &row[c], text,
                                       sizeof(text));
            rows++;
        }
        focus_reader_free(reader);
    }
    /* Again a batch at a time (half the inputs with only the first column selected), every
     * index checked against its dictionary. */
    if (focus_reader_open(path, schema, &reader, NULL) == FOCUS_OK) {
        size_t count;
        const focus_column *columns = focus_reader_columns(reader, &count);
        if (count > 0 && size % 4 < 2)
            focus_reader_select_columns(reader, &columns[0].name, 1, NULL);
        const focus_batch_column *batch;
        size_t n;
        while (focus_reader_next_batch(reader, &batch, &n, NULL) == FOCUS_OK && n > 0)
            for (size_t c = 0; c < count; c++)
                for (size_t i = 0; i < n; i++) {
                    const focus_value *v;
                    if (batch[c].indices) {
                        uint32_t index = batch[c].indices[i];
                        if (index == FOCUS_NULL_INDEX)
                            continue;
                        if (index >= batch[c].dictionary_count)
                            abort();
                        v = &batch[c].dictionary[index];
                    } else {
                        v = &batch[c].values[i];
                    }
                    if (!v->is_null && columns[c].type == FOCUS_TYPE_STRING && v->length > 0)
                        fuzz_focus_touched += (unsigned char)v->text[v->length - 1];
                }
        focus_reader_free(reader);
    }
    FILE *sink = fopen("/dev/null", "w");
    if (sink) {
        focus_inspect_options options = focus_inspect_options_default();
        options.json = size % 2;
        focus_inspect_file(path, &options, sink, NULL);
        fclose(sink);
    }
    close(fd);
    return rows;
}

#endif
