/* agent log: one line per event on stderr — readable text on a terminal,
 * JSON lines otherwise (--log-format), filtered by --log-level. */
#ifndef HUBAGENT_AGENT_LOG_H
#define HUBAGENT_AGENT_LOG_H

#include "arm/http.h"

#include <stdbool.h>

typedef enum agent_log_level {
    AGENT_LOG_DEBUG,
    AGENT_LOG_INFO,
    AGENT_LOG_WARN,
    AGENT_LOG_ERROR,
} agent_log_level;

/* format: "auto", "text" or "json"; level: "debug", "info", "warn", "error". */
void agent_log_configure(const char *format, const char *level);
bool agent_log_enabled(agent_log_level level);
void agent_log(agent_log_level level, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* For arm's debug callback (request and correlation ids of every call). */
void agent_log_arm_line(void *ctx, arm_log_level arm_level, const char *line);

#endif
