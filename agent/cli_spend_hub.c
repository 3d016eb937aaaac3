/* spend-scopes and the hub's storage (see cli_spend_hub.h). */
#include "agent/cli_spend_hub.h"

#include "agent/azure.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct hub_session {
    agent_config config;
    agent_azure *azure;
    bool config_loaded;
} hub_session;

static arm_status open_session(const agent_cli_args *args, hub_session *s, arm_error *error)
{
    memset(s, 0, sizeof *s);
    agent_config_error config_error = {{0}};
    if (agent_config_load(args->option_names, args->option_values, args->option_count, NULL,
                          &s->config, &config_error) != AGENT_CONFIG_OK)
        return arm_error_set(error, ARM_ERR_INVALID_ARGUMENT, "%s", config_error.message);
    s->config_loaded = true;
    arm_status result = agent_azure_open(&s->config, &s->azure, error);
    if (result == ARM_OK && s->azure->blob == NULL)
        result = arm_error_set(error, ARM_ERR_INVALID_ARGUMENT,
                               "no --storage-endpoint: where is the hub's storage account?");
    return result;
}

static void close_session(hub_session *s)
{
    agent_azure_free(s->azure);
    if (s->config_loaded)
        agent_config_dispose(&s->config);
}

int spend_hub_upload(const agent_cli_args *args, const char *local, const char *blob)
{
    hub_session s;
    arm_error error;
    arm_error_init(&error);
    arm_status result = open_session(args, &s, &error);
    if (result == ARM_OK)
        result = arm_blob_create_container(s.azure->blob, SPEND_INGESTION_CONTAINER, NULL, &error);
    arm_blob_source source = {.path = local};
    if (result == ARM_OK)
        result = arm_blob_put(s.azure->blob, SPEND_INGESTION_CONTAINER, blob, &source,
                              "application/vnd.apache.parquet", NULL, NULL, &error);
    char line[1024];
    if (result != ARM_OK)
        fprintf(stderr, "hubagent: cannot upload %s to %s/%s: %s\n", local,
                SPEND_INGESTION_CONTAINER, blob, arm_error_format(&error, line, sizeof line));
    else
        fprintf(stderr, "hubagent: uploaded %s/%s\n", SPEND_INGESTION_CONTAINER, blob);
    close_session(&s);
    return result == ARM_OK ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}

void spend_hub_remove_dir(const char *dir)
{
    if (dir == NULL)
        return;
    DIR *d = opendir(dir);
    struct dirent *entry;
    while (d != NULL && (entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, entry->d_name) >= 0) {
            unlink(path); /* the folder is flat: blob names are flattened into file names */
            free(path);
        }
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
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

/* Blob names are flattened ('/' -> '_'): names stay unique and sort as the blobs do. */
static char *local_name(const char *dir, const char *blob)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, blob) < 0)
        return NULL;
    for (char *p = path + strlen(dir) + 1; *p != '\0'; p++)
        if (*p == '/')
            *p = '_';
    return path;
}

struct spend_hub_month {
    hub_session session;
    char prefix[32];
    char **names; /* the month's *.parquet blobs */
    size_t count;
};

void spend_hub_month_free(spend_hub_month *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->count; i++)
        free(m->names[i]);
    free(m->names);
    close_session(&m->session);
    free(m);
}

static void report(const spend_hub_month *m, const arm_error *error)
{
    char line[1024];
    fprintf(stderr, "hubagent: cannot read %s/%s: %s\n", SPEND_INGESTION_CONTAINER, m->prefix,
            arm_error_format(error, line, sizeof line));
}

int spend_hub_month_open(const agent_cli_args *args, int year, int month,
                         spend_hub_month **out_month, char out_digest[static 17])
{
    *out_month = NULL;
    spend_hub_month *m = calloc(1, sizeof *m);
    if (m == NULL)
        return AGENT_EXIT_FAILED;
    snprintf(m->prefix, sizeof m->prefix, "Costs/%04d/%02d/", year, month);
    arm_error error;
    arm_error_init(&error);
    arm_status result = open_session(args, &m->session, &error);
    uint64_t hash = 0xcbf29ce484222325ULL;
    size_t capacity = 0;
    char *marker = NULL;
    do {
        arm_blob_list_page page;
        arm_blob_list_page_init(&page);
        if (result == ARM_OK)
            result = arm_blob_list(m->session.azure->blob, SPEND_INGESTION_CONTAINER, m->prefix,
                                   marker, 0, &page, &error);
        free(marker);
        marker = NULL;
        for (size_t i = 0; result == ARM_OK && i < page.count; i++) {
            const arm_blob_item *item = &page.items[i];
            size_t n = strlen(item->name);
            if (n < 8 || strcmp(item->name + n - 8, ".parquet") != 0)
                continue; /* manifests and other files are not cost rows */
            if (m->count == capacity) {
                capacity = capacity ? capacity * 2 : 16;
                char **grown = realloc(m->names, capacity * sizeof *grown);
                if (grown == NULL) {
                    result = arm_error_set(&error, ARM_ERR_NO_MEMORY, "out of memory");
                    break;
                }
                m->names = grown;
            }
            if ((m->names[m->count] = strdup(item->name)) == NULL) {
                result = arm_error_set(&error, ARM_ERR_NO_MEMORY, "out of memory");
                break;
            }
            m->count++;
            hash = mix(hash, item->name, n + 1);
            hash = mix(hash, &item->props.content_length, sizeof item->props.content_length);
            hash = mix(hash, item->props.etag, strlen(item->props.etag) + 1);
        }
        if (result == ARM_OK && page.next_marker != NULL &&
            (marker = strdup(page.next_marker)) == NULL)
            result = arm_error_set(&error, ARM_ERR_NO_MEMORY, "out of memory");
        arm_blob_list_page_dispose(&page);
    } while (result == ARM_OK && marker != NULL);
    free(marker);
    if (result != ARM_OK) {
        report(m, &error);
    } else if (m->count == 0) {
        fprintf(stderr, "hubagent: no .parquet blobs under %s/%s\n", SPEND_INGESTION_CONTAINER,
                m->prefix);
        result = ARM_ERR_INVALID_ARGUMENT;
    }
    if (result != ARM_OK) {
        spend_hub_month_free(m);
        return AGENT_EXIT_FAILED;
    }
    snprintf(out_digest, 17, "%016llx", (unsigned long long)hash);
    *out_month = m;
    return AGENT_EXIT_OK;
}

int spend_hub_month_download(spend_hub_month *m, char **out_dir)
{
    *out_dir = NULL;
    const char *tmp = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/hubagent-spend-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp") < 0)
        return AGENT_EXIT_FAILED;
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "hubagent: cannot make a temporary folder %s\n", dir);
        free(dir);
        return AGENT_EXIT_FAILED;
    }
    arm_error error;
    arm_error_init(&error);
    arm_status result = ARM_OK;
    for (size_t i = 0; result == ARM_OK && i < m->count; i++) {
        char *path = local_name(dir, m->names[i]);
        arm_blob_sink sink = {.path = path};
        result = path == NULL ? arm_error_set(&error, ARM_ERR_NO_MEMORY, "out of memory")
                              : arm_blob_get(m->session.azure->blob, SPEND_INGESTION_CONTAINER,
                                             m->names[i], &sink, NULL, NULL, &error);
        free(path);
    }
    if (result != ARM_OK) {
        report(m, &error);
        spend_hub_remove_dir(dir);
        free(dir);
        return AGENT_EXIT_FAILED;
    }
    *out_dir = dir;
    return AGENT_EXIT_OK;
}
