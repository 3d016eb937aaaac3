/* Runs a fuzz target without libFuzzer (gcc builds, ctest): every corpus file as is, then
 * deterministic mutations of it (truncations, byte flips, inserted bytes). With
 * --write-seeds DIR it writes the seed files the corpus was made from. */
#include "fuzz_target.h"

#include <stdio.h>
#ifdef HUBAGENT_FUZZ_FOCUS
#include "focus/focus.h"
#endif

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static unsigned long runs;

static void run(const uint8_t *data, size_t size)
{
    LLVMFuzzerTestOneInput(data, size);
    runs++;
}

static void mutate(const uint8_t *data, size_t size, int mutations)
{
    uint8_t *copy = malloc(size + 16);
    if (!copy)
        return;
    uint64_t state = 0x9E3779B97F4A7C15u ^ size;
    for (int m = 0; m < mutations; m++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        size_t at = size ? (size_t)(state >> 33) % size : 0;
        memcpy(copy, data, size);
        switch (m % 4) {
        case 0: /* truncate */
            run(copy, at);
            break;
        case 1: /* flip a byte */
            if (size) {
                copy[at] ^= (uint8_t)(1u << (m % 8)) | (uint8_t)(state >> 56);
                run(copy, size);
            }
            break;
        case 2: /* a large value in a varint-looking spot */
            if (size) {
                copy[at] = 0xff;
                run(copy, size);
            }
            break;
        default: /* drop a byte */
            if (size) {
                memmove(copy + at, copy + at + 1, size - at - 1);
                run(copy, size - 1);
            }
            break;
        }
    }
    free(copy);
}

static int replay_file(const char *path, int mutations)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
    size_t got = data ? fread(data, 1, (size_t)size, file) : 0;
    fclose(file);
    if (!data || got != (size_t)size) {
        free(data);
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    run(data, got);
    mutate(data, got, mutations);
    free(data);
    return 0;
}

#ifdef HUBAGENT_FUZZ_FOCUS
/* The focus readers' seeds are files the focus writer makes. */
static int write_seeds(const char *dir)
{
    const char *datasets[][3] = {{"ReservationDetails", "2023-03-01", NULL},
                                 {"ReservationTransactions", "2023-05-01", "MCA"},
                                 {"FocusCost", "1.0r2", NULL}};
    for (int i = 0; i < 6; i++) {
        const focus_schema *s = NULL;
        if (focus_schema_find(datasets[i % 3][0], datasets[i % 3][1], datasets[i % 3][2], &s,
                              NULL) != FOCUS_OK)
            return 1;
        focus_writer_options options = focus_writer_options_default();
        options.format = i < 3 ? FOCUS_FORMAT_PARQUET : FOCUS_FORMAT_CSV;
        options.compression = i == 0   ? FOCUS_COMPRESSION_SNAPPY
                              : i == 4 ? FOCUS_COMPRESSION_GZIP
                                       : FOCUS_COMPRESSION_NONE;
        options.parquet_page_version = i == 1 ? 2 : 1;
        options.parquet_row_group_rows = 7;
        options.parquet_dictionary = i != 2;
        options.csv_crlf = i == 5;
        char path[512];
        snprintf(path, sizeof(path), "%s/seed%d.%s", dir, i, i < 3 ? "parquet" : "csv");
        focus_generator_options g_options = focus_generator_options_default();
        g_options.scope = "/subscriptions/00000000-0000-0000-0000-000000000001";
        g_options.schema = s;
        g_options.rows = i == 2 ? 3 : 12;
        focus_generator *g = NULL;
        focus_writer *w = NULL;
        if (focus_generator_new(&g_options, &g, NULL) != FOCUS_OK ||
            focus_writer_open(path, s, &options, &w, NULL) != FOCUS_OK)
            return 1;
        const focus_value *row;
        while (focus_generator_next(g, &row, NULL) == FOCUS_OK && row)
            focus_writer_write_row(w, row, NULL);
        focus_writer_close(w, NULL, NULL);
        focus_generator_free(g);
    }
    return 0;
}
#endif

int main(int argc, char **argv)
{
#ifdef HUBAGENT_FUZZ_FOCUS
    if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
        return write_seeds(argv[2]);
#endif
    int mutations = 200, failed = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--mutations=", 12) == 0) {
            mutations = atoi(argv[i] + 12);
            continue;
        }
        DIR *dir = opendir(argv[i]);
        if (!dir) {
            failed |= replay_file(argv[i], mutations);
            continue;
        }
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (entry->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], entry->d_name);
            failed |= replay_file(path, mutations);
        }
        closedir(dir);
    }
    printf("%lu inputs run\n", runs);
    return failed;
}
