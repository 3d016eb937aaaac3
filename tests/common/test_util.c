/* Shared test harness: paths, temporary folders, child processes, ports. */
#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char *join_path(const char *base, const char *relative)
{
    size_t len = strlen(base) + strlen(relative) + 2;
    char *path = malloc(len);
    if (path != NULL)
        snprintf(path, len, "%s/%s", base, relative);
    return path;
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return (value != NULL && value[0] != '\0') ? value : fallback;
}

char *test_data_path(const char *relative)
{
    char *data = join_path(env_or("HUBAGENT_SOURCE_DIR", "."), "tests/data");
    char *path = data ? join_path(data, relative) : NULL;
    free(data);
    return path;
}

char *test_build_path(const char *relative)
{
    return join_path(env_or("HUBAGENT_BINARY_DIR", "."), relative);
}

char *test_make_temp_dir(void)
{
    char template_path[] = "/tmp/hubagent-test-XXXXXX";
    if (mkdtemp(template_path) == NULL)
        return NULL;
    return strdup(template_path);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void test_remove_tree(const char *path)
{
    if (path != NULL && strncmp(path, "/tmp/hubagent-test-", 19) == 0)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *test_read_file(const char *path, size_t *out_len)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, file);
        len += n;
        if (len < cap)
            break;
        cap *= 2;
        char *grown = realloc(buf, cap + 1);
        if (grown == NULL) {
            free(buf);
            buf = NULL;
        }
        buf = grown;
    }
    fclose(file);
    if (buf == NULL)
        return NULL;
    buf[len] = '\0';
    if (out_len != NULL)
        *out_len = len;
    return buf;
}

int test_write_file(const char *path, const char *data, size_t len)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL)
        return -1;
    size_t written = fwrite(data, 1, len, file);
    return (fclose(file) == 0 && written == len) ? 0 : -1;
}

int test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t addr_len = sizeof addr;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &addr_len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

static char **merged_environment(char *const extra_env[])
{
    size_t base = 0, extra = 0;
    while (environ[base] != NULL)
        base++;
    while (extra_env != NULL && extra_env[extra] != NULL)
        extra++;
    char **env = calloc(base + extra + 1, sizeof *env);
    if (env == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < base; i++) {
        int overridden = 0;
        const char *eq = strchr(environ[i], '=');
        size_t name_len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        for (size_t j = 0; j < extra; j++)
            if (strncmp(extra_env[j], environ[i], name_len) == 0 && extra_env[j][name_len] == '=')
                overridden = 1;
        if (!overridden)
            env[n++] = environ[i];
    }
    for (size_t j = 0; j < extra; j++)
        env[n++] = extra_env[j];
    return env;
}

static pid_t spawn(char *const argv[], char *const extra_env[], int stdin_fd, int stdout_fd,
                   int stderr_fd)
{
    char **env = merged_environment(extra_env);
    if (env == NULL)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        /* Own process group, so a stop also reaches the child's children. */
        setpgid(0, 0);
        if (stdin_fd >= 0)
            dup2(stdin_fd, STDIN_FILENO);
        dup2(stdout_fd, STDOUT_FILENO);
        dup2(stderr_fd, STDERR_FILENO);
        execve(argv[0], argv, env);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    free(env);
    return pid;
}

int test_process_start(char *const argv[], char *const extra_env[], test_process *out)
{
    memset(out, 0, sizeof *out);
    out->pid = -1;
    out->dir = test_make_temp_dir();
    if (out->dir == NULL)
        return -1;
    out->stdout_path = join_path(out->dir, "stdout");
    out->stderr_path = join_path(out->dir, "stderr");
    int out_fd = open(out->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err_fd = open(out->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null_fd = open("/dev/null", O_RDONLY);
    if (out_fd >= 0 && err_fd >= 0)
        out->pid = spawn(argv, extra_env, null_fd, out_fd, err_fd);
    if (out_fd >= 0)
        close(out_fd);
    if (err_fd >= 0)
        close(err_fd);
    if (null_fd >= 0)
        close(null_fd);
    return out->pid > 0 ? 0 : -1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

char *test_process_wait_line(test_process *process, const char *needle, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        char *text = test_read_file(process->stdout_path, NULL);
        if (text != NULL) {
            char *line = text;
            while (*line != '\0') {
                char *end = strchr(line, '\n');
                if (end == NULL)
                    break; /* only whole lines count */
                *end = '\0';
                if (needle == NULL || strstr(line, needle) != NULL) {
                    char *found = strdup(line);
                    free(text);
                    return found;
                }
                line = end + 1;
            }
            free(text);
        }
        int status;
        if (process->pid > 0 && waitpid(process->pid, &status, WNOHANG) == process->pid) {
            process->pid = -1;
            return NULL;
        }
        sleep_ms(20);
    }
    return NULL;
}

int test_process_wait(test_process *process, int timeout_ms, int *out_status)
{
    if (process->pid <= 0)
        return 1; /* already reaped */
    for (int waited = 0;; waited += 10) {
        int status;
        if (waitpid(process->pid, &status, WNOHANG) == process->pid) {
            /* The group may outlive its leader: stop what it left behind. */
            kill(-process->pid, SIGKILL);
            process->pid = -1;
            if (out_status != NULL)
                *out_status = status;
            return 1;
        }
        if (waited >= timeout_ms)
            return 0;
        sleep_ms(10);
    }
}

int test_process_stop(test_process *process)
{
    int status = 0;
    if (process->pid <= 0)
        return 0;
    kill(-process->pid, SIGTERM);
    kill(process->pid, SIGTERM);
    for (int waited = 0; waited < 5000; waited += 20) {
        if (waitpid(process->pid, &status, WNOHANG) == process->pid) {
            kill(-process->pid, SIGKILL);
            process->pid = -1;
            return status;
        }
        sleep_ms(20);
    }
    kill(-process->pid, SIGKILL);
    waitpid(process->pid, &status, 0);
    process->pid = -1;
    return status;
}

void test_process_dispose(test_process *process)
{
    if (process == NULL)
        return;
    test_process_stop(process);
    test_remove_tree(process->dir);
    free(process->dir);
    free(process->stdout_path);
    free(process->stderr_path);
    memset(process, 0, sizeof *process);
    process->pid = -1;
}

int test_run_command(char *const argv[], char *const extra_env[], const char *stdin_data,
                     char **out_stdout, char **out_stderr)
{
    char *dir = test_make_temp_dir();
    if (dir == NULL)
        return -1;
    char *in_path = join_path(dir, "stdin");
    char *out_path = join_path(dir, "stdout");
    char *err_path = join_path(dir, "stderr");
    test_write_file(in_path, stdin_data ? stdin_data : "", stdin_data ? strlen(stdin_data) : 0);
    int in_fd = open(in_path, O_RDONLY);
    int out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int code = -1;
    pid_t pid = spawn(argv, extra_env, in_fd, out_fd, err_fd);
    close(in_fd);
    close(out_fd);
    close(err_fd);
    int status;
    if (pid > 0 && waitpid(pid, &status, 0) == pid)
        code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (out_stdout != NULL)
        *out_stdout = test_read_file(out_path, NULL);
    if (out_stderr != NULL)
        *out_stderr = test_read_file(err_path, NULL);
    test_remove_tree(dir);
    free(in_path);
    free(out_path);
    free(err_path);
    free(dir);
    return code;
}

void test_run_result_dispose(test_run_result *result)
{
    if (result == NULL)
        return;
    free(result->out);
    free(result->err);
    result->out = result->err = NULL;
}

void test_hubagent_argv(const char *const *args, char *out_argv[32])
{
    size_t n = 0;
    out_argv[n++] = test_build_path("agent/hubagent");
    for (size_t i = 0; args != NULL && args[i] != NULL && n < 31; i++)
        out_argv[n++] = (char *)args[i];
    out_argv[n] = NULL;
}

void test_hubagent_argv_free(char *argv[32])
{
    free(argv[0]);
    argv[0] = NULL;
}

test_run_result test_hubagent_run(const char *const *args, char *const extra_env[])
{
    char *argv[32];
    test_hubagent_argv(args, argv);
    test_run_result result = {0};
    result.code = test_run_command(argv, extra_env, NULL, &result.out, &result.err);
    test_hubagent_argv_free(argv);
    return result;
}

int test_run_expect(const test_run_result *result, int code)
{
    if (result->code == code)
        return 1;
    fprintf(stderr, "exit %d, want %d\nstdout:\n%s\nstderr:\n%s\n", result->code, code,
            result->out ? result->out : "", result->err ? result->err : "");
    return 0;
}

int test_azurite_start(test_azurite *out)
{
    memset(out, 0, sizeof *out);
    out->process.pid = -1;
    char *azurite =
        join_path(env_or("HUBAGENT_SOURCE_DIR", "."), "tools/npm/node_modules/.bin/azurite-blob");
    out->dir = test_make_temp_dir();
    out->port = test_free_port();
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", out->port);
    char *argv[] = {azurite,     "--blobHost",
                    "127.0.0.1", "--blobPort",
                    port_text,   "--location",
                    out->dir,    "--skipApiVersionCheck",
                    "--loose",   "--disableProductStyleUrl",
                    NULL};
    int rc = test_process_start(argv, NULL, &out->process);
    free(azurite);
    if (rc != 0)
        return -1;
    /* Azurite prints this line once it listens. */
    char *line = test_process_wait_line(&out->process, "successfully listen", 30000);
    if (line == NULL) {
        char *err = test_read_file(out->process.stderr_path, NULL);
        fprintf(stderr, "azurite did not start: %s\n", err ? err : "(no output)");
        free(err);
        test_azurite_stop(out);
        return -1;
    }
    free(line);
    size_t len = 64;
    out->endpoint = malloc(len);
    snprintf(out->endpoint, len, "http://127.0.0.1:%d/%s", out->port, TEST_AZURITE_ACCOUNT);
    return 0;
}

void test_azurite_stop(test_azurite *azurite)
{
    if (azurite == NULL)
        return;
    test_process_dispose(&azurite->process);
    test_remove_tree(azurite->dir);
    free(azurite->dir);
    free(azurite->endpoint);
    azurite->dir = NULL;
    azurite->endpoint = NULL;
}
