/* Benchmark: a large blob (default 1 GiB) uploaded, copied server-side and downloaded
 * through arm's Blob client against Azurite, each step in its own child process so its
 * peak RSS is measured alone, next to the yardstick `cat FILE > /dev/null`.
 * Usage: arm_blob_rss [MiB]   (run from the build tree; needs tools/npm/node_modules). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arm/blob.h"
#include "test_util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct step {
    const char *name;
    long max_rss_kib;
    double seconds;
    int ok;
} step;

/* Runs fn in a child; reports the child's peak RSS and wall time. */
static step measure(const char *name, int (*fn)(void *), void *arg)
{
    step s = {name, 0, 0, 0};
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(arg) == 0 ? 0 : 1);
    int status = 0;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    s.seconds = now_s() - t0;
    s.max_rss_kib = ru.ru_maxrss;
    s.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return s;
}

typedef struct job {
    const char *endpoint;
    const char *path;
    const char *out_path;
} job;

static arm_blob_client *client(const job *j, arm_http_client **http)
{
    arm_blob_options o = arm_blob_options_default();
    o.endpoint = j->endpoint;
    o.shared_key = TEST_AZURITE_KEY;
    arm_blob_client *c = NULL;
    arm_error err;
    if (arm_http_client_new(NULL, http, &err) != ARM_OK ||
        arm_blob_client_new(*http, &o, &c, &err) != ARM_OK) {
        char line[1024];
        fprintf(stderr, "client: %s\n", arm_error_format(&err, line, sizeof line));
        return NULL;
    }
    return c;
}

static int report(arm_status st, const arm_error *err)
{
    if (st == ARM_OK)
        return 0;
    char line[1024];
    fprintf(stderr, "%s\n", arm_error_format(err, line, sizeof line));
    return 1;
}

static int do_upload(void *arg)
{
    const job *j = arg;
    arm_http_client *http;
    arm_blob_client *c = client(j, &http);
    arm_error err;
    arm_status st = arm_blob_create_container(c, "bench", NULL, &err);
    arm_blob_source src = {.path = j->path};
    if (st == ARM_OK)
        st = arm_blob_put(c, "bench", "big.bin", &src, NULL, NULL, NULL, &err);
    arm_blob_client_free(c);
    arm_http_client_free(http);
    return report(st, &err);
}

static int do_copy(void *arg)
{
    const job *j = arg;
    arm_http_client *http;
    arm_blob_client *c = client(j, &http);
    arm_error err;
    char *url = arm_blob_url(c, "bench", "big.bin");
    arm_status st = arm_blob_copy(c, "bench", "big-copy.bin", url, true, NULL, &err);
    free(url);
    arm_blob_client_free(c);
    arm_http_client_free(http);
    return report(st, &err);
}

static int do_download(void *arg)
{
    const job *j = arg;
    arm_http_client *http;
    arm_blob_client *c = client(j, &http);
    arm_error err;
    arm_blob_sink sink = {.path = j->out_path};
    arm_status st = arm_blob_get(c, "bench", "big-copy.bin", &sink, NULL, NULL, &err);
    arm_blob_client_free(c);
    arm_http_client_free(http);
    return report(st, &err);
}

static int do_cat(void *arg)
{
    const job *j = arg;
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    execlp("cat", "cat", j->path, (char *)NULL);
    return 1;
}

static int write_pattern(const char *path, unsigned long long mib)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    static char block[1 << 20];
    for (unsigned long long m = 0; m < mib; m++) {
        for (size_t i = 0; i < sizeof block; i++)
            block[i] = (char)((m * sizeof block + i) * 2654435761u >> 13);
        if (fwrite(block, 1, sizeof block, f) != sizeof block) {
            fclose(f);
            return -1;
        }
    }
    return fclose(f);
}

static int same_files(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa != NULL && fb != NULL;
    static char ba[1 << 16], bb[1 << 16];
    while (same) {
        size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
        same = na == nb && memcmp(ba, bb, na) == 0;
        if (na == 0)
            break;
    }
    if (fa != NULL)
        fclose(fa);
    if (fb != NULL)
        fclose(fb);
    return same;
}

int main(int argc, char **argv)
{
    unsigned long long mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 1024;
    test_azurite azurite;
    if (test_azurite_start(&azurite) != 0)
        return 2;
    char *dir = test_make_temp_dir();
    char in[512], out[512];
    snprintf(in, sizeof in, "%s/in.bin", dir);
    snprintf(out, sizeof out, "%s/out.bin", dir);
    int rc = 1;
    if (write_pattern(in, mib) == 0) {
        job j = {azurite.endpoint, in, out};
        step steps[4];
        steps[0] = measure("cat (yardstick)", do_cat, &j);
        steps[1] = measure("upload (blocks from file)", do_upload, &j);
        steps[2] = measure("server-side copy", do_copy, &j);
        steps[3] = measure("download (to file)", do_download, &j);
        int equal = steps[3].ok && same_files(in, out);
        printf("blob_rss: %llu MiB through Azurite\n", mib);
        printf("%-28s %12s %10s %10s\n", "step", "peak RSS KiB", "x cat", "seconds");
        rc = equal ? 0 : 1;
        for (int i = 0; i < 4; i++) {
            printf("%-28s %12ld %10.1f %10.2f%s\n", steps[i].name, steps[i].max_rss_kib,
                   (double)steps[i].max_rss_kib / (double)steps[0].max_rss_kib, steps[i].seconds,
                   steps[i].ok ? "" : "  FAILED");
            rc |= !steps[i].ok;
        }
        printf("download identical to source: %s\n", equal ? "yes" : "NO");
    }
    test_azurite_stop(&azurite);
    test_remove_tree(dir);
    free(dir);
    return rc;
}
