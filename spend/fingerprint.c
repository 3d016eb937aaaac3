/* A fingerprint of a folder's cost files: with spend_definitions_month_digest it tells whether a
 * month must be evaluated again (the agent keeps both digests in its state database). */
#include "spend/spend_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static spend_status fail(spend_error *error, spend_status status, const char *file,
                         const char *message)
{
    if (error != NULL) {
        error->status = status;
        snprintf(error->file, sizeof error->file, "%s", file ? file : "");
        snprintf(error->message, sizeof error->message, "%s", message);
    }
    return status;
}

uint64_t spend_digest_add(uint64_t hash, const void *data, size_t length)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < length; i++) {
        hash ^= p[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

typedef struct entry {
    char *path;
    long long size, mtime_ns;
} entry;

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

static bool walk(const char *dir, entry **list, size_t *count, size_t *capacity, int depth)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    bool ok = true;
    struct dirent *de;
    while (ok && depth < 16 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
            ok = false;
            break;
        }
        struct stat st;
        size_t n = strlen(de->d_name);
        if (stat(path, &st) != 0) {
            free(path);
        } else if (S_ISDIR(st.st_mode)) {
            ok = walk(path, list, count, capacity, depth + 1);
            free(path);
        } else if (n > 8 && strcmp(de->d_name + n - 8, ".parquet") == 0) {
            if (*count == *capacity) {
                size_t grown_capacity = *capacity ? *capacity * 2 : 16;
                entry *grown = realloc(*list, grown_capacity * sizeof *grown);
                if (grown == NULL) {
                    free(path);
                    ok = false;
                    break;
                }
                *list = grown;
                *capacity = grown_capacity;
            }
            (*list)[(*count)++] =
                (entry){path, (long long)st.st_size,
                        (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
        } else {
            free(path);
        }
    }
    closedir(d);
    return ok;
}

spend_status spend_directory_fingerprint(const char *directory, char out_digest[static 17],
                                         spend_error *error)
{
    entry *list = NULL;
    size_t count = 0, capacity = 0;
    bool ok = walk(directory, &list, &count, &capacity, 0);
    uint64_t hash = SPEND_DIGEST_SEED;
    if (ok) {
        if (count > 0)
            qsort(list, count, sizeof *list, compare_entries);
        size_t base = strlen(directory);
        for (size_t i = 0; i < count; i++) {
            const char *relative = list[i].path + base; /* moving the folder changes nothing */
            hash = spend_digest_add(hash, relative, strlen(relative) + 1);
            hash = spend_digest_add(hash, &list[i].size, sizeof list[i].size);
            hash = spend_digest_add(hash, &list[i].mtime_ns, sizeof list[i].mtime_ns);
        }
    }
    for (size_t i = 0; i < count; i++)
        free(list[i].path);
    free(list);
    if (!ok)
        return fail(error, SPEND_E_IO, directory, "cannot list the folder");
    snprintf(out_digest, 17, "%016llx", (unsigned long long)hash);
    return SPEND_OK;
}
