/* spend-scopes and the hub's storage (see cli_spend_int.h): a month's ingested cost files
 * fetched from the ingestion container, the month's summary put back there (and read back),
 * and the spend scopes file found through the agent's options or settings.json. */
#include "agent/cli_spend_int.h"

#include "agent/azure.h"

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void spend_hub_dispose(spend_hub *hub)
{
    agent_azure_free(hub->azure);
    hub->azure = NULL;
}

const char *spend_hub_endpoint(const spend_hub *hub, char *buffer, size_t capacity)
{
    const char *endpoint = agent_config_get(hub->config, AGENT_OPTION_STORAGE_ENDPOINT);
    if (endpoint == NULL)
        return NULL;
    size_t length = strlen(endpoint);
    while (length > 0 && endpoint[length - 1] == '/')
        length--;
    snprintf(buffer, capacity, "%.*s", (int)length, endpoint);
    return buffer;
}

static arm_status connect_hub(spend_hub *hub, arm_error *error)
{
    if (hub->azure != NULL)
        return ARM_OK;
    if (agent_config_get(hub->config, AGENT_OPTION_STORAGE_ENDPOINT) == NULL)
        return arm_error_set(error, ARM_ERR_INVALID_ARGUMENT,
                             "no --storage-endpoint: where is the hub's storage account?");
    return agent_azure_open(hub->config, &hub->azure, error);
}

int spend_hub_upload(spend_hub *hub, const char *local, const char *blob)
{
    arm_error error;
    arm_error_init(&error);
    arm_status result = connect_hub(hub, &error);
    if (result == ARM_OK)
        result =
            arm_blob_create_container(hub->azure->blob, SPEND_INGESTION_CONTAINER, NULL, &error);
    arm_blob_source source = {.path = local};
    if (result == ARM_OK)
        result = arm_blob_put(hub->azure->blob, SPEND_INGESTION_CONTAINER, blob, &source,
                              "application/vnd.apache.parquet", NULL, NULL, &error);
    char line[1024];
    if (result != ARM_OK)
        fprintf(stderr, "hubagent: cannot upload %s to %s/%s: %s\n", local,
                SPEND_INGESTION_CONTAINER, blob, arm_error_format(&error, line, sizeof line));
    else
        fprintf(stderr, "hubagent: uploaded %s/%s\n", SPEND_INGESTION_CONTAINER, blob);
    return result == ARM_OK ? AGENT_EXIT_OK : AGENT_EXIT_FAILED;
}

int spend_hub_download(spend_hub *hub, const char *blob, const char *local, bool quiet)
{
    arm_error error;
    arm_error_init(&error);
    arm_status result = connect_hub(hub, &error);
    arm_blob_sink sink = {.path = local};
    if (result == ARM_OK)
        result = arm_blob_get(hub->azure->blob, SPEND_INGESTION_CONTAINER, blob, &sink, NULL, NULL,
                              &error);
    char line[1024];
    if (result != ARM_OK && !quiet)
        fprintf(stderr, "hubagent: cannot read %s/%s: %s\n", SPEND_INGESTION_CONTAINER, blob,
                arm_error_format(&error, line, sizeof line));
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
    char prefix[32];
    char where[64];
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
    free(m);
}

const char *spend_hub_month_prefix(const spend_hub_month *m)
{
    return m->where;
}

static void report(const spend_hub_month *m, const arm_error *error)
{
    char line[1024];
    fprintf(stderr, "hubagent: cannot read %s: %s\n", m->where,
            arm_error_format(error, line, sizeof line));
}

static arm_status add_name(spend_hub_month *m, size_t *capacity, const char *name, arm_error *error)
{
    if (m->count == *capacity) {
        size_t grown_capacity = *capacity ? *capacity * 2 : 16;
        char **grown = realloc(m->names, grown_capacity * sizeof *grown);
        if (grown == NULL)
            return arm_error_set(error, ARM_ERR_NO_MEMORY, "out of memory");
        m->names = grown;
        *capacity = grown_capacity;
    }
    if ((m->names[m->count] = strdup(name)) == NULL)
        return arm_error_set(error, ARM_ERR_NO_MEMORY, "out of memory");
    m->count++;
    return ARM_OK;
}

int spend_hub_month_open(spend_hub *hub, int year, int month, spend_hub_month **out_month,
                         char out_digest[static 17])
{
    *out_month = NULL;
    spend_hub_month *m = calloc(1, sizeof *m);
    if (m == NULL)
        return AGENT_EXIT_FAILED;
    snprintf(m->prefix, sizeof m->prefix, "Costs/%04d/%02d/", year, month);
    snprintf(m->where, sizeof m->where, "%s/%s", SPEND_INGESTION_CONTAINER, m->prefix);
    arm_error error;
    arm_error_init(&error);
    arm_status result = connect_hub(hub, &error);
    /* Names, sizes and eTags (listed in name order): a downloaded copy's mtimes would differ
     * on every run, the blobs' eTags change only when a blob is written again. */
    uint64_t hash = SPEND_DIGEST_SEED;
    size_t capacity = 0;
    char *marker = NULL;
    do {
        arm_blob_list_page page;
        arm_blob_list_page_init(&page);
        if (result == ARM_OK)
            result = arm_blob_list(hub->azure->blob, SPEND_INGESTION_CONTAINER, m->prefix, marker,
                                   0, &page, &error);
        free(marker);
        marker = NULL;
        for (size_t i = 0; result == ARM_OK && i < page.count; i++) {
            const arm_blob_item *item = &page.items[i];
            size_t n = strlen(item->name);
            if (n < 8 || strcmp(item->name + n - 8, ".parquet") != 0)
                continue; /* manifests and other files are not cost rows */
            result = add_name(m, &capacity, item->name, &error);
            hash = spend_digest_add(hash, item->name, n + 1);
            hash = spend_digest_add(hash, &item->props.content_length,
                                    sizeof item->props.content_length);
            hash = spend_digest_add(hash, item->props.etag, strlen(item->props.etag) + 1);
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
        fprintf(stderr, "hubagent: no .parquet blobs under %s\n", m->where);
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

int spend_hub_month_download(spend_hub *hub, spend_hub_month *m, char **out_dir)
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
    arm_status result = connect_hub(hub, &error);
    for (size_t i = 0; result == ARM_OK && i < m->count; i++) {
        char *path = local_name(dir, m->names[i]);
        arm_blob_sink sink = {.path = path};
        result = path == NULL ? arm_error_set(&error, ARM_ERR_NO_MEMORY, "out of memory")
                              : arm_blob_get(hub->azure->blob, SPEND_INGESTION_CONTAINER,
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

/* settings.json's "spendScopes", resolved: a path next to a --settings file, or the text of a
 * blob in the hub's config container. */
static int definitions_from_settings(spend_hub *hub, spend_definitions **out, char **out_source)
{
    const char *file = agent_config_get(hub->config, AGENT_OPTION_SETTINGS);
    if (file == NULL && agent_config_get(hub->config, AGENT_OPTION_STORAGE_ENDPOINT) == NULL)
        return agent_cli_usage_error(
            "spend-scopes report: which spend scopes? Give --spend-scopes FILE (or "
            "HUBAGENT_SPEND_SCOPES, or \"spend-scopes\" in the agent config file), or "
            "\"spendScopes\" in settings.json (--settings FILE or --storage-endpoint)");
    arm_error error;
    arm_error_init(&error);
    if (file == NULL && connect_hub(hub, &error) != ARM_OK) {
        char line[1024];
        fprintf(stderr, "hubagent: cannot connect to the hub's storage: %s\n",
                arm_error_format(&error, line, sizeof line));
        return AGENT_EXIT_FAILED;
    }
    settings *value = NULL;
    char *etag = NULL;
    settings_report report;
    settings_report_init(&report, file ? file : AGENT_SETTINGS_CONTAINER "/" AGENT_SETTINGS_BLOB);
    settings_status status =
        agent_settings_load(hub->config, hub->azure, &value, &etag, &report, &error);
    settings_report_print(&report, stderr);
    settings_report_dispose(&report);
    free(etag);
    int code = AGENT_EXIT_OK;
    char line[1024];
    if (status != SETTINGS_OK) {
        if (error.status != ARM_OK)
            fprintf(stderr, "hubagent: cannot read settings: %s\n",
                    arm_error_format(&error, line, sizeof line));
        fprintf(stderr, "hubagent: settings rejected: no spend scopes from them\n");
        code = AGENT_EXIT_FAILED;
    } else if (value->spend_scopes == NULL) {
        code = agent_cli_usage_error(
            "spend-scopes report: which spend scopes? %s has no \"spendScopes\"; give "
            "--spend-scopes FILE (or HUBAGENT_SPEND_SCOPES, or \"spend-scopes\" in the agent "
            "config file)",
            file ? file : AGENT_SETTINGS_CONTAINER "/" AGENT_SETTINGS_BLOB);
    } else if (file != NULL) {
        char *copy = strdup(file);
        char *path = NULL;
        if (copy == NULL ||
            asprintf(&path, "%s%s%s", value->spend_scopes[0] == '/' ? "" : dirname(copy),
                     value->spend_scopes[0] == '/' ? "" : "/", value->spend_scopes) < 0)
            path = NULL;
        code = path ? spend_cli_load_definitions(path, NULL, 0, 0, out) : AGENT_EXIT_FAILED;
        if (code == AGENT_EXIT_OK &&
            asprintf(out_source, "%s (\"spendScopes\" in %s)", path, file) < 0)
            *out_source = NULL;
        free(path);
        free(copy);
    } else {
        char *text = NULL, *name = NULL;
        size_t length = 0;
        const char *blob = value->spend_scopes + (value->spend_scopes[0] == '/');
        if (asprintf(&name, "%s/%s", AGENT_SETTINGS_CONTAINER, blob) < 0)
            name = NULL;
        if (name == NULL || arm_blob_get_bytes(hub->azure->blob, AGENT_SETTINGS_CONTAINER, blob,
                                               &text, &length, &error) != ARM_OK) {
            fprintf(stderr, "hubagent: cannot read %s (\"spendScopes\" in settings.json): %s\n",
                    name ? name : blob, arm_error_format(&error, line, sizeof line));
            code = AGENT_EXIT_FAILED;
        } else {
            code = spend_cli_load_definitions(name, text, length, 0, out);
        }
        if (code == AGENT_EXIT_OK &&
            asprintf(out_source, "%s (\"spendScopes\" in settings.json)", name) < 0)
            *out_source = NULL;
        free(text);
        free(name);
    }
    settings_free(value);
    return code;
}

int spend_hub_load_definitions(spend_hub *hub, spend_definitions **out, char **out_source)
{
    *out = NULL;
    *out_source = NULL;
    const char *file = agent_config_get(hub->config, AGENT_OPTION_SPEND_SCOPES);
    int code = file != NULL ? spend_cli_load_definitions(file, NULL, 0, 0, out)
                            : definitions_from_settings(hub, out, out_source);
    if (code == AGENT_EXIT_OK && file != NULL &&
        asprintf(out_source, "%s (%s)", file,
                 agent_option_source_name(hub->config->sources[AGENT_OPTION_SPEND_SCOPES])) < 0)
        *out_source = NULL;
    if (code == AGENT_EXIT_OK && *out_source == NULL) {
        spend_definitions_free(*out);
        *out = NULL;
        code = AGENT_EXIT_FAILED;
    }
    return code;
}
