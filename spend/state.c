/* Which months need evaluating again: a small JSON state file records, per month, a digest of
 * the criteria in force and a fingerprint of the input files, as Kion's segments avoid
 * reprocessing months nothing changed in. Also reads a written summary back. */
#include "spend/spend_int.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
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

static uint64_t mix(uint64_t hash, const void *data, size_t length)
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
    uint64_t hash = 0xcbf29ce484222325ULL;
    if (ok) {
        if (count > 0)
            qsort(list, count, sizeof *list, compare_entries);
        size_t base = strlen(directory);
        for (size_t i = 0; i < count; i++) {
            const char *relative = list[i].path + base; /* moving the folder changes nothing */
            hash = mix(hash, relative, strlen(relative) + 1);
            hash = mix(hash, &list[i].size, sizeof list[i].size);
            hash = mix(hash, &list[i].mtime_ns, sizeof list[i].mtime_ns);
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

static json_t *load_state(const char *path)
{
    json_error_t jerror;
    json_t *root = json_load_file(path, 0, &jerror);
    if (!json_is_object(root)) {
        json_decref(root);
        root = json_object();
    }
    if (!json_is_object(json_object_get(root, "months")))
        json_object_set_new(root, "months", json_object());
    return root;
}

bool spend_state_is_current(const char *state_path, spend_month month,
                            const char *definitions_digest, const char *data_digest)
{
    char key[8];
    spend_month_format(month, key);
    json_t *root = load_state(state_path);
    json_t *m = json_object_get(json_object_get(root, "months"), key);
    const char *d = json_string_value(json_object_get(m, "definitions"));
    const char *f = json_string_value(json_object_get(m, "data"));
    bool current =
        d != NULL && f != NULL && strcmp(d, definitions_digest) == 0 && strcmp(f, data_digest) == 0;
    json_decref(root);
    return current;
}

spend_status spend_state_record(const char *state_path, spend_month month,
                                const char *definitions_digest, const char *data_digest,
                                spend_error *error)
{
    char key[8];
    spend_month_format(month, key);
    json_t *root = load_state(state_path);
    json_object_set_new(
        json_object_get(root, "months"), key,
        json_pack("{s:s, s:s}", "definitions", definitions_digest, "data", data_digest));
    char *temporary = NULL;
    spend_status status = SPEND_OK;
    if (asprintf(&temporary, "%s.tmp-%ld", state_path, (long)getpid()) < 0) {
        temporary = NULL;
        status = fail(error, SPEND_E_NOMEM, state_path, "out of memory");
    } else if (json_dump_file(root, temporary, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 ||
               rename(temporary, state_path) != 0) {
        unlink(temporary);
        status = fail(error, SPEND_E_IO, state_path, "cannot write the state file");
    }
    free(temporary);
    json_decref(root);
    return status;
}
