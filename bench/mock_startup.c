/* Benchmark: hubagent-mock's start (keys, CA, listeners, JSON start line) against the
 * yardstick of the same binary merely starting and exiting (--help), in the same run. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Starts argv with stdout on a pipe; waits for the first line (start) or for exit (help). */
static double time_one(char *const argv[], int wait_for_line)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    pid_t pid;
    double start = now_ms();
    int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return -1;
    }
    double elapsed = -1;
    char c;
    ssize_t n;
    if (wait_for_line) {
        while ((n = read(fds[0], &c, 1)) == 1 && c != '\n')
            ;
        elapsed = n == 1 ? now_ms() - start : -1;
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    } else {
        while (read(fds[0], &c, 1) == 1)
            ;
        waitpid(pid, NULL, 0);
        elapsed = now_ms() - start;
    }
    close(fds[0]);
    return elapsed;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mock_startup HUBAGENT_MOCK CONFIG [RUNS]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 20;
    if (runs < 1 || runs > 1000)
        runs = 20;
    char ca[] = "/tmp/hubagent-bench-ca-XXXXXX";
    int fd = mkstemp(ca);
    if (fd < 0)
        return 1;
    close(fd);
    char *start_argv[] = {argv[1], "--config", argv[2], "--ca-out", ca, NULL};
    char *help_argv[] = {argv[1], "--help", NULL};
    double *starts = calloc((size_t)runs, sizeof *starts);
    double *helps = calloc((size_t)runs, sizeof *helps);
    for (int i = 0; i < runs; i++) {
        starts[i] = time_one(start_argv, 1);
        helps[i] = time_one(help_argv, 0);
        if (starts[i] < 0 || helps[i] < 0) {
            fprintf(stderr, "mock_startup: %s did not start\n", argv[1]);
            unlink(ca);
            return 1;
        }
    }
    qsort(starts, (size_t)runs, sizeof *starts, compare);
    qsort(helps, (size_t)runs, sizeof *helps, compare);
    double start = starts[runs / 2], help = helps[runs / 2];
    printf("{\"bench\":\"mock_startup\",\"runs\":%d,\"start_median_ms\":%.1f,"
           "\"start_max_ms\":%.1f,\"yardstick_exec_median_ms\":%.1f,\"ratio\":%.1f}\n",
           runs, start, starts[runs - 1], help, help > 0 ? start / help : 0.0);
    unlink(ca);
    free(starts);
    free(helps);
    return 0;
}
