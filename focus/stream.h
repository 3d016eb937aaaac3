/* Byte streams under the table writers and readers: buffered files with optional gzip,
 * counting stored bytes out and uncompressed bytes in (for error offsets). Internal. */
#ifndef HUBAGENT_FOCUS_STREAM_H
#define HUBAGENT_FOCUS_STREAM_H

#include "focus/focus_int.h"

#include <stdio.h>
#include <zlib.h>

typedef struct focus_output {
    FILE *file;
    char *path;
    bool gzip;
    z_stream z;
    uint8_t *buffer; /* pending plain bytes (not gzip) or deflate output */
    size_t used;
    uint64_t stored_bytes; /* bytes handed to the file so far */
} focus_output;

focus_status focus_output_open(focus_output *out, const char *path, bool gzip, focus_error *error);
focus_status focus_output_write(focus_output *out, const void *data, size_t length,
                                focus_error *error);
/* Flushes, closes and reports the file's size. Disposes `out` even on failure. */
focus_status focus_output_close(focus_output *out, uint64_t *out_bytes, focus_error *error);
/* Closes without finishing and removes the file (after a failure). */
void focus_output_abandon(focus_output *out);

typedef struct focus_input {
    FILE *file;
    char *path;
    bool gzip;
    bool eof;         /* the file has no more bytes */
    bool member_done; /* the last gzip member ended */
    z_stream z;
    uint8_t *raw;   /* compressed bytes read from the file */
    uint8_t *plain; /* bytes handed to the parser */
    size_t plain_start, plain_end;
    uint64_t consumed; /* plain bytes handed out before plain[plain_start] */
} focus_input;

/* Opens a file; gzip (1f 8b) is detected and inflated, concatenated members included. */
focus_status focus_input_open(focus_input *in, const char *path, focus_error *error);
/* Makes bytes available in plain[plain_start..plain_end); returns FOCUS_OK with an empty
 * window at the end of the stream. */
focus_status focus_input_fill(focus_input *in, focus_error *error);
void focus_input_close(focus_input *in);

#endif
