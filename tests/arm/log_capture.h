/* Collects the transport's log lines in memory so tests can assert what was (and what was
 * never) logged. */
#ifndef HUBAGENT_TEST_LOG_CAPTURE_H
#define HUBAGENT_TEST_LOG_CAPTURE_H

#include <stdio.h>
#include <string.h>

#include "arm/http.h"

typedef struct log_capture {
    char text[1 << 16];
} log_capture;

/* An arm_log_fn; ctx is a log_capture. Lines beyond the buffer are dropped. */
static inline void log_capture_line(void *ctx, arm_log_level level, const char *line)
{
    (void)level;
    log_capture *c = ctx;
    size_t n = strlen(c->text);
    if (n + strlen(line) + 2 < sizeof c->text)
        snprintf(c->text + n, sizeof c->text - n, "%s\n", line);
}

#endif
