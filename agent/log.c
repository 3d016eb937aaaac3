/* One log line per event. JSON lines carry time, level and message so a
 * collector can parse them; text is for people at a terminal. */
#include "agent/log.h"
#include "agent/cli.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool log_json;
static agent_log_level log_minimum = AGENT_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void agent_log_configure(const char *format, const char *level)
{
    log_json = format != NULL && (strcmp(format, "json") == 0 ||
                                  (strcmp(format, "auto") == 0 && !isatty(STDERR_FILENO)));
    for (int l = AGENT_LOG_DEBUG; level != NULL && l <= AGENT_LOG_ERROR; l++)
        if (strcmp(level, level_names[l]) == 0)
            log_minimum = (agent_log_level)l;
}

bool agent_log_enabled(agent_log_level level)
{
    return level >= log_minimum;
}

void agent_log(agent_log_level level, const char *format, ...)
{
    if (!agent_log_enabled(level))
        return;
    char message[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&log_lock);
    if (log_json) {
        fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"message\":", when, level_names[level]);
        agent_cli_print_json_string(stderr, message);
        fputs("}\n", stderr);
    } else {
        fprintf(stderr, "%s %-5s %s\n", when, level_names[level], message);
    }
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

void agent_log_arm_line(void *ctx, arm_log_level arm_level, const char *line)
{
    (void)ctx;
    agent_log(arm_level == ARM_LOG_DEBUG  ? AGENT_LOG_DEBUG
              : arm_level == ARM_LOG_INFO ? AGENT_LOG_INFO
                                          : AGENT_LOG_WARN,
              "%s", line);
}
