/* A month's summary as a Parquet file (written to a temporary name and renamed, so readers
 * see all of it or none), and evaluation of every Parquet file under a folder. */
#include "spend/spend_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const focus_column summary_columns[] = {
    {"BillingMonth", FOCUS_TYPE_STRING, false},
    {"SpendScope", FOCUS_TYPE_STRING, true}, /* null: unscoped */
    {"SpendScopePriority", FOCUS_TYPE_INTEGER, false},
    {"SubAccountId", FOCUS_TYPE_STRING, true},
    {"ServiceCategory", FOCUS_TYPE_STRING, true},
    {"ChargeCategory", FOCUS_TYPE_STRING, true},
    {"BillingCurrency", FOCUS_TYPE_STRING, true},
    {"BilledCost", FOCUS_TYPE_DECIMAL, false},
    {"EffectiveCost", FOCUS_TYPE_DECIMAL, false},
    {"ListCost", FOCUS_TYPE_DECIMAL, false},
    {"RowCount", FOCUS_TYPE_INTEGER, false},
};

#define SUMMARY_COLUMNS (sizeof summary_columns / sizeof summary_columns[0])

static const focus_schema summary_schema = {
    FOCUS_DATASET_FOCUS_COST, "SpendScopeSummary", "1", NULL, FOCUS_DATES_ISO_SECONDS,
    SUMMARY_COLUMNS,          summary_columns};

const focus_schema *spend_summary_schema(void)
{
    return &summary_schema;
}

static spend_status fail(spend_error *error, spend_status status, const char *file,
                         const char *message, const char *detail)
{
    if (error != NULL) {
        error->status = status;
        snprintf(error->file, sizeof error->file, "%s", file ? file : "");
        /* "message: detail", cut (never overflowed) when the detail is long. */
        size_t used = 0, room = sizeof error->message - 1;
        const char *parts[] = {message, detail ? ": " : "", detail ? detail : ""};
        for (size_t i = 0; i < 3; i++) {
            size_t n = strlen(parts[i]);
            n = n < room - used ? n : room - used;
            memcpy(error->message + used, parts[i], n);
            used += n;
        }
        error->message[used] = '\0';
    }
    return status;
}

void spend_summary_relative_path(spend_month month, char *buffer, size_t capacity)
{
    snprintf(buffer, capacity, "SpendScopes/%04d/%02d/spend-scopes.parquet", month / 12,
             month % 12 + 1);
}

static focus_value text_value(const char *text)
{
    focus_value v = {.is_null = text == NULL};
    if (text != NULL) {
        v.text = text;
        v.length = strlen(text);
    }
    return v;
}

static focus_value number_value(double number)
{
    return (focus_value){.number = number};
}

static focus_value integer_value(int64_t integer)
{
    return (focus_value){.integer = integer};
}

/* mkdir -p for the folders of `path`. */
static int make_parents(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    for (char *p = copy + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        *p = '/';
    }
    free(copy);
    return 0;
}

spend_status spend_summary_write_parquet(const spend_summary *s, const char *path,
                                         spend_error *error)
{
    if (make_parents(path) != 0)
        return fail(error, SPEND_E_IO, path, "cannot create its folder", strerror(errno));
    char *temporary = NULL;
    if (asprintf(&temporary, "%s.tmp-%ld", path, (long)getpid()) < 0)
        return fail(error, SPEND_E_NOMEM, path, "out of memory", NULL);
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    focus_error ferror;
    focus_error_init(&ferror);
    focus_writer *writer = NULL;
    focus_status fs = focus_writer_open(temporary, &summary_schema, &options, &writer, &ferror);
    char month[8];
    spend_month_format(s->month, month);
    for (size_t i = 0; fs == FOCUS_OK && i < s->row_count; i++) {
        const spend_summary_row *r = &s->rows[i];
        focus_value row[SUMMARY_COLUMNS] = {
            text_value(month),
            text_value(r->spend_scope),
            integer_value(r->priority),
            text_value(r->sub_account_id),
            text_value(r->service_category),
            text_value(r->charge_category),
            text_value(r->billing_currency),
            number_value(r->billed_cost),
            number_value(r->effective_cost),
            number_value(r->list_cost),
            integer_value((int64_t)r->row_count),
        };
        fs = focus_writer_write_row(writer, row, &ferror);
    }
    if (writer != NULL) {
        focus_status closed = focus_writer_close(writer, NULL, fs == FOCUS_OK ? &ferror : NULL);
        if (fs == FOCUS_OK)
            fs = closed;
    }
    if (fs == FOCUS_OK && rename(temporary, path) != 0) {
        spend_status status =
            fail(error, SPEND_E_IO, path, "cannot rename into place", strerror(errno));
        unlink(temporary);
        free(temporary);
        return status;
    }
    if (fs != FOCUS_OK) {
        unlink(temporary);
        free(temporary);
        return fail(error, SPEND_E_IO, path, "cannot write the summary", ferror.message);
    }
    free(temporary);
    return SPEND_OK;
}

typedef struct path_list {
    char **paths;
    size_t count, capacity;
} path_list;

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), m = strlen(suffix);
    return n >= m && strcmp(name + n - m, suffix) == 0;
}

static spend_status collect(const char *directory, path_list *list, int depth, spend_error *error)
{
    if (depth > 16)
        return SPEND_OK;
    DIR *dir = opendir(directory);
    if (dir == NULL)
        return fail(error, SPEND_E_IO, directory, "cannot open the folder", strerror(errno));
    spend_status status = SPEND_OK;
    struct dirent *entry;
    while (status == SPEND_OK && (entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue; /* ., .., and hidden or temporary files */
        char *path = NULL;
        if (asprintf(&path, "%s/%s", directory, entry->d_name) < 0) {
            status = fail(error, SPEND_E_NOMEM, directory, "out of memory", NULL);
            break;
        }
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            status = collect(path, list, depth + 1, error);
            free(path);
        } else if (has_suffix(entry->d_name, ".parquet")) {
            if (list->count == list->capacity) {
                size_t capacity = list->capacity ? list->capacity * 2 : 16;
                char **grown = realloc(list->paths, capacity * sizeof *grown);
                if (grown == NULL) {
                    free(path);
                    status = fail(error, SPEND_E_NOMEM, directory, "out of memory", NULL);
                    break;
                }
                list->paths = grown;
                list->capacity = capacity;
            }
            list->paths[list->count++] = path;
        } else {
            free(path);
        }
    }
    closedir(dir);
    return status;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

spend_status spend_evaluate_directory(const spend_definitions *definitions, spend_month month,
                                      const char *directory, spend_summary **out_summary,
                                      spend_error *error)
{
    *out_summary = NULL;
    path_list list = {0};
    spend_status status = collect(directory, &list, 0, error);
    if (status == SPEND_OK && list.count == 0)
        status = fail(error, SPEND_E_DATA, directory, "no .parquet files under the folder", NULL);
    if (status == SPEND_OK) {
        qsort(list.paths, list.count, sizeof *list.paths, compare_paths);
        spend_evaluate_options options = spend_evaluate_options_default();
        status = spend_evaluate_files(definitions, month, (const char *const *)list.paths,
                                      list.count, &options, out_summary, error);
    }
    for (size_t i = 0; i < list.count; i++)
        free(list.paths[i]);
    free(list.paths);
    return status;
}
