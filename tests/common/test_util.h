/* Shared test harness: where the test data is, temporary folders, and child
 * processes (the mock server, Azurite, the CLI) started and always stopped. */
#ifndef HUBAGENT_TEST_UTIL_H
#define HUBAGENT_TEST_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Absolute path of a file under the source tree's tests/data/ (static buffer
 * per call site is not kept: the result is malloc'd; free it). */
char *test_data_path(const char *relative);

/* Absolute path of a built program under the build tree (malloc'd). */
char *test_build_path(const char *relative);

/* A fresh temporary directory (malloc'd path); test_remove_tree() deletes it. */
char *test_make_temp_dir(void);
void test_remove_tree(const char *path);

/* Reads a whole file; returns NULL if it cannot. *out_len may be NULL. */
char *test_read_file(const char *path, size_t *out_len);
int test_write_file(const char *path, const char *data, size_t len);

/* A free TCP port on 127.0.0.1, chosen by the OS at run time. */
int test_free_port(void);

/* A child process with its stdout and stderr captured to files. */
typedef struct test_process {
    pid_t pid;
    char *stdout_path;
    char *stderr_path;
    char *dir;
} test_process;

/* Starts argv[0] with argv (NULL-terminated) and optional extra environment
 * entries (NAME=VALUE, NULL-terminated, may be NULL). Returns 0 on success. */
int test_process_start(char *const argv[], char *const extra_env[], test_process *out);

/* Waits up to timeout_ms for a line of stdout matching `needle` (a substring;
 * NULL = any line) and returns it (malloc'd) or NULL. */
char *test_process_wait_line(test_process *process, const char *needle, int timeout_ms);

/* Waits up to timeout_ms for the process to end by itself. Returns 1 (with its waitpid status
 * in *out_status, may be NULL) when it has, 0 when it still runs. */
int test_process_wait(test_process *process, int timeout_ms, int *out_status);

/* Sends SIGTERM, waits up to 5 s, then SIGKILL. Returns the exit status as
 * waitpid reports it. Safe to call twice. */
int test_process_stop(test_process *process);
void test_process_dispose(test_process *process);

/* Runs a command to completion and captures its output. Returns the exit code
 * (or -1 if it could not run); outputs are malloc'd and may be NULL. */
int test_run_command(char *const argv[], char *const extra_env[], const char *stdin_data,
                     char **out_stdout, char **out_stderr);

/* What a finished command said. */
typedef struct test_run_result {
    int code; /* exit code, 128 + signal when killed, -1 when it could not run */
    char *out;
    char *err;
} test_run_result;
void test_run_result_dispose(test_run_result *result);

/* argv of the built hubagent followed by args (NULL-terminated, at most 30): argv[0] is
 * malloc'd, free it with test_hubagent_argv_free. */
void test_hubagent_argv(const char *const *args, char *out_argv[32]);
void test_hubagent_argv_free(char *argv[32]);

/* Runs the built hubagent with args and optional extra environment (NAME=VALUE,
 * NULL-terminated, may be NULL), stdin empty. */
test_run_result test_hubagent_run(const char *const *args, char *const extra_env[]);

/* Prints the result (code, stdout, stderr) when its code is not `code`; returns whether it is.
 * For assert_true(test_run_expect(&r, 0)) that shows why it failed. */
int test_run_expect(const test_run_result *result, int code);

/* Azurite (blob only), on a free port, in a temporary folder. */
typedef struct test_azurite {
    test_process process;
    int port;
    char *dir;
    char *endpoint; /* http://127.0.0.1:PORT/devstoreaccount1 */
} test_azurite;

/* Well-known Azurite development account. */
#define TEST_AZURITE_ACCOUNT "devstoreaccount1"
#define TEST_AZURITE_KEY                                                                           \
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

/* Returns 0 when Azurite answers, -1 (with a message on stderr) otherwise. */
int test_azurite_start(test_azurite *out);
void test_azurite_stop(test_azurite *azurite);

#endif
