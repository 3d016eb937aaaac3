/* One landed file into the ingestion layout. Parquet goes by server-side copy (only its footer,
 * a few KB, is read to check columns and rows); CSV and CSV.gz are streamed through focus/ into
 * Parquet/Snappy with the hub's column types, one row at a time via local temporary files. */
#include "agent/handoff_int.h"

#include "focus/focus.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

agent_handoff_status handoff_storage_fail(agent_handoff_error *error, const char *what,
                                          const char *where, const arm_error *arm)
{
    char line[1024];
    return agent_handoff_fail(error, AGENT_HANDOFF_E_STORAGE, where, "%s %s: %s", what, where,
                              arm_error_format(arm, line, sizeof line));
}

static const char *temp_root(const handoff_context *c)
{
    if (c->options->temp_dir != NULL)
        return c->options->temp_dir;
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

/* ---- Parquet: check the footer, then copy server-side ----------------------------------- */

typedef struct sparse_sink {
    int fd;
    off_t at;
    uint64_t bytes;
} sparse_sink;

static int sparse_write(void *ctx, const char *data, size_t len)
{
    sparse_sink *s = ctx;
    while (len > 0) {
        ssize_t n = pwrite(s->fd, data, len, s->at);
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
        s->at += n;
        s->bytes += (uint64_t)n;
    }
    return 0;
}

static arm_status get_range(handoff_context *c, const char *name, sparse_sink *sink, uint64_t start,
                            uint64_t length, arm_error *arm)
{
    sink->at = (off_t)start;
    arm_blob_sink out = {
        .write = sparse_write, .ctx = sink, .range_start = start, .range_length = length};
    return arm_blob_get(c->blob, c->options->source_container, name, &out, NULL, NULL, arm);
}

/* A local sparse file as long as the blob holding only its magic and footer: enough for
 * focus/'s Parquet reader to read the schema and the declared row count. */
static agent_handoff_status fetch_footer(handoff_context *c, const agent_manifest_blob *file,
                                         const char *path, agent_handoff_error *error)
{
    if (file->byte_count < 12)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_CHECK, file->name,
                                  "%s: %llu bytes is too short for a Parquet file", file->name,
                                  (unsigned long long)file->byte_count);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_IO, path, "cannot create %s: %s", path,
                                  strerror(errno));
    sparse_sink sink = {.fd = fd};
    arm_error arm;
    arm_error_init(&arm);
    agent_handoff_status status = AGENT_HANDOFF_OK;
    unsigned char tail[8];
    if (ftruncate(fd, (off_t)file->byte_count) != 0) {
        status = agent_handoff_fail(error, AGENT_HANDOFF_E_IO, path, "cannot size %s: %s", path,
                                    strerror(errno));
    } else if (get_range(c, file->name, &sink, 0, 4, &arm) != ARM_OK ||
               get_range(c, file->name, &sink, file->byte_count - 8, 8, &arm) != ARM_OK) {
        status = handoff_storage_fail(error, "reading", file->name, &arm);
    } else if (pread(fd, tail, 8, (off_t)file->byte_count - 8) != 8 ||
               memcmp(tail + 4, "PAR1", 4) != 0) {
        status = agent_handoff_fail(error, AGENT_HANDOFF_E_CHECK, file->name,
                                    "%s: not a Parquet file (no PAR1 trailer)", file->name);
    } else {
        uint64_t footer = (uint64_t)tail[0] | (uint64_t)tail[1] << 8 | (uint64_t)tail[2] << 16 |
                          (uint64_t)tail[3] << 24;
        if (footer + 12 > file->byte_count)
            status = agent_handoff_fail(error, AGENT_HANDOFF_E_CHECK, file->name,
                                        "%s: Parquet footer length %llu exceeds the file",
                                        file->name, (unsigned long long)footer);
        else if (get_range(c, file->name, &sink, file->byte_count - 8 - footer, footer, &arm) !=
                 ARM_OK)
            status = handoff_storage_fail(error, "reading", file->name, &arm);
    }
    c->report->bytes_downloaded += sink.bytes;
    close(fd);
    return status;
}

/* The hub's schema for the run, with the EA/MCA choice made from `columns`. */
static agent_handoff_status find_schema(const agent_manifest *m, const focus_column *columns,
                                        size_t count, const char *where, const focus_schema **out,
                                        agent_handoff_error *error)
{
    const char **names = calloc(count + 1, sizeof *names);
    if (names == NULL)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_NOMEM, where, "no memory");
    for (size_t i = 0; i < count; i++)
        names[i] = columns[i].name;
    const char *variant = agent_manifest_variant(m->type, names, count);
    free(names);
    focus_error ferr;
    focus_error_init(&ferr);
    if (focus_schema_find(m->type, m->data_version, variant, out, &ferr) != FOCUS_OK) {
        *out = NULL;
        /* Not the file's fault: this agent lacks the hub's schema for it. */
        return agent_handoff_fail(
            error, AGENT_HANDOFF_E_MANIFEST, where, "%s: no hub schema for %s %s%s%s (%s)", where,
            m->type, m->data_version, variant ? " " : "", variant ? variant : "", ferr.message);
    }
    return AGENT_HANDOFF_OK;
}

static agent_handoff_status check_columns(const focus_schema *schema, const focus_column *columns,
                                          size_t count, const char *where,
                                          agent_handoff_error *error)
{
    for (size_t i = 0; i < schema->column_count; i++) {
        bool found = false;
        for (size_t k = 0; k < count && !found; k++)
            found = strcmp(columns[k].name, schema->columns[i].name) == 0;
        if (!found)
            return agent_handoff_fail(
                error, AGENT_HANDOFF_E_CHECK, where, "%s: column %s of %s %s%s%s is missing", where,
                schema->columns[i].name, schema->dataset_name, schema->version,
                schema->variant ? " " : "", schema->variant ? schema->variant : "");
    }
    return AGENT_HANDOFF_OK;
}

static agent_handoff_status check_rows(const agent_manifest_blob *file, int64_t rows,
                                       agent_handoff_error *error)
{
    if (file->row_count >= 0 && rows >= 0 && rows != file->row_count)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_CHECK, file->name,
                                  "%s: holds %lld data rows, the manifest says %lld", file->name,
                                  (long long)rows, (long long)file->row_count);
    return AGENT_HANDOFF_OK;
}

static agent_handoff_status place_parquet(handoff_context *c, const agent_manifest *m,
                                          const agent_manifest_blob *file, const char *target,
                                          const char *local, int64_t *out_rows,
                                          agent_handoff_error *error)
{
    agent_handoff_status status = fetch_footer(c, file, local, error);
    if (status != AGENT_HANDOFF_OK)
        return status;
    focus_reader *reader = NULL;
    focus_error ferr;
    focus_error_init(&ferr);
    if (focus_reader_open(local, NULL, &reader, &ferr) != FOCUS_OK)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_CHECK, file->name,
                                  "%s: unreadable Parquet footer: %s", file->name, ferr.message);
    size_t count;
    const focus_column *columns = focus_reader_columns(reader, &count);
    const focus_schema *schema = NULL;
    status = find_schema(m, columns, count, file->name, &schema, error);
    if (status == AGENT_HANDOFF_E_MANIFEST)
        status = AGENT_HANDOFF_OK; /* the hub copies Parquet without a translator: so do we */
    else if (status == AGENT_HANDOFF_OK)
        status = check_columns(schema, columns, count, file->name, error);
    *out_rows = focus_reader_declared_rows(reader);
    focus_reader_free(reader);
    if (status == AGENT_HANDOFF_OK)
        status = check_rows(file, *out_rows, error);
    if (status != AGENT_HANDOFF_OK)
        return status;
    char *url = arm_blob_url(c->blob, c->options->source_container, file->name);
    arm_error arm;
    arm_error_init(&arm);
    arm_blob_properties props;
    arm_status copied = url ? arm_blob_copy(c->blob, c->options->ingestion_container, target, url,
                                            true, &props, &arm)
                            : ARM_ERR_NO_MEMORY;
    free(url);
    if (copied != ARM_OK)
        return handoff_storage_fail(error, "copying to", target, &arm);
    if (strcmp(props.copy_status, "") != 0 && strcmp(props.copy_status, "success") != 0)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_STORAGE, target,
                                  "copying %s to %s ended %s", file->name, target,
                                  props.copy_status);
    c->report->bytes_copied += file->byte_count;
    return AGENT_HANDOFF_OK;
}

/* ---- CSV: convert with the hub's schema ------------------------------------------------- */

/* The only renames the hub's translators make: the reservation recommendations MCA schema
 * (datasets.md §3), source name → sink name. */
static const char *const mca_recommendation_renames[][2] = {
    {"Cost With No ReservedInstances", "CostWithNoReservedInstancesJson"},
    {"First UsageDate", "FirstUsageDate"},
    {"Instance Flexibility Ratio", "InstanceFlexibilityRatio"},
    {"Instance Flexibility Group", "InstanceFlexibilityGroup"},
    {"MeterID", "MeterId"},
    {"Net Savings", "NetSavingsJson"},
    {"Normalized Size", "NormalizedSize"},
    {"Recommended Quantity", "RecommendedQuantity"},
    {"Recommended Quantity Normalized", "RecommendedQuantityNormalized"},
    {"scope", "Scope"},
    {"Sku Properties", "SkuProperties"},
    {"Total Cost With ReservedInstances", "TotalCostWithReservedInstancesJson"},
};

/* The schema the Parquet file is written with: the source schema, with the sink names. */
static focus_column *sink_columns(const focus_schema *schema)
{
    focus_column *columns = malloc(schema->column_count * sizeof *columns);
    if (columns == NULL)
        return NULL;
    bool renames = schema->dataset == FOCUS_DATASET_RESERVATION_RECOMMENDATIONS &&
                   schema->variant != NULL && strcmp(schema->variant, "MCA") == 0;
    size_t count = sizeof mca_recommendation_renames / sizeof mca_recommendation_renames[0];
    for (size_t i = 0; i < schema->column_count; i++) {
        columns[i] = schema->columns[i];
        for (size_t r = 0; renames && r < count; r++)
            if (strcmp(columns[i].name, mca_recommendation_renames[r][0]) == 0)
                columns[i].name = mca_recommendation_renames[r][1];
    }
    return columns;
}

static agent_handoff_status convert_rows(focus_reader *reader, const focus_schema *schema,
                                         const char *out_path, const char *where, int64_t *out_rows,
                                         agent_handoff_error *error)
{
    size_t count;
    const focus_column *columns = focus_reader_columns(reader, &count);
    int *from = calloc(schema->column_count, sizeof *from);
    focus_value *row = calloc(schema->column_count, sizeof *row);
    if (from == NULL || row == NULL) {
        free(from);
        free(row);
        return agent_handoff_fail(error, AGENT_HANDOFF_E_NOMEM, where, "no memory");
    }
    /* Only the mapped columns, in mapping order: what the hub's translator keeps. */
    for (size_t i = 0; i < schema->column_count; i++)
        for (size_t k = 0; k < count; k++)
            if (strcmp(columns[k].name, schema->columns[i].name) == 0)
                from[i] = (int)k;
    focus_writer_options options = focus_writer_options_default();
    options.format = FOCUS_FORMAT_PARQUET;
    options.compression = FOCUS_COMPRESSION_SNAPPY;
    focus_writer *writer = NULL;
    focus_error ferr;
    focus_error_init(&ferr);
    agent_handoff_status status = AGENT_HANDOFF_OK;
    int64_t rows = 0;
    focus_schema sink = *schema;
    focus_column *renamed = sink_columns(schema);
    sink.columns = renamed;
    if (renamed == NULL) {
        status = agent_handoff_fail(error, AGENT_HANDOFF_E_NOMEM, where, "no memory");
    } else if (focus_writer_open(out_path, &sink, &options, &writer, &ferr) != FOCUS_OK) {
        status = agent_handoff_fail(error, AGENT_HANDOFF_E_IO, out_path, "writing %s: %s", out_path,
                                    ferr.message);
    } else {
        for (;;) {
            const focus_value *in = NULL;
            focus_status read = focus_reader_next(reader, &in, &ferr);
            if (read != FOCUS_OK) {
                status = agent_handoff_fail(
                    error, read == FOCUS_IO ? AGENT_HANDOFF_E_IO : AGENT_HANDOFF_E_CHECK, where,
                    "%s: %s", where, ferr.message);
                break;
            }
            if (in == NULL)
                break;
            for (size_t i = 0; i < schema->column_count; i++)
                row[i] = in[from[i]];
            if (focus_writer_write_row(writer, row, &ferr) != FOCUS_OK) {
                status = agent_handoff_fail(error, AGENT_HANDOFF_E_IO, out_path, "writing %s: %s",
                                            out_path, ferr.message);
                break;
            }
            rows++;
        }
        focus_file_stats stats;
        if (focus_writer_close(writer, &stats, &ferr) != FOCUS_OK && status == AGENT_HANDOFF_OK)
            status = agent_handoff_fail(error, AGENT_HANDOFF_E_IO, out_path, "writing %s: %s",
                                        out_path, ferr.message);
    }
    free(renamed);
    free(from);
    free(row);
    *out_rows = rows;
    return status;
}

static agent_handoff_status place_csv(handoff_context *c, const agent_manifest *m,
                                      const agent_manifest_blob *file, const char *target,
                                      const char *local, int64_t *out_rows,
                                      agent_handoff_error *error)
{
    arm_error arm;
    arm_error_init(&arm);
    arm_blob_sink sink = {.path = local};
    if (arm_blob_get(c->blob, c->options->source_container, file->name, &sink, NULL, NULL, &arm) !=
        ARM_OK)
        return handoff_storage_fail(error, "downloading", file->name, &arm);
    c->report->bytes_downloaded += file->byte_count;
    focus_reader *reader = NULL;
    focus_error ferr;
    focus_error_init(&ferr);
    /* The header decides EA or MCA, then the file is read typed by that schema. */
    if (focus_reader_open(local, NULL, &reader, &ferr) != FOCUS_OK)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_CHECK, file->name, "%s: unreadable: %s",
                                  file->name, ferr.message);
    size_t count;
    const focus_column *columns = focus_reader_columns(reader, &count);
    const focus_schema *schema = NULL;
    agent_handoff_status status = find_schema(m, columns, count, file->name, &schema, error);
    focus_reader_free(reader);
    reader = NULL;
    if (status != AGENT_HANDOFF_OK)
        return status;
    if (focus_reader_open(local, schema, &reader, &ferr) != FOCUS_OK)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_CHECK, file->name, "%s: %s", file->name,
                                  ferr.message);
    char out_path[1100];
    snprintf(out_path, sizeof out_path, "%s.parquet", local);
    status = convert_rows(reader, schema, out_path, file->name, out_rows, error);
    focus_reader_free(reader);
    if (status == AGENT_HANDOFF_OK)
        status = check_rows(file, *out_rows, error);
    if (status == AGENT_HANDOFF_OK) {
        arm_blob_source source = {.path = out_path};
        if (arm_blob_put(c->blob, c->options->ingestion_container, target, &source,
                         "application/octet-stream", NULL, NULL, &arm) != ARM_OK)
            status = handoff_storage_fail(error, "uploading", target, &arm);
    }
    unlink(out_path);
    if (status == AGENT_HANDOFF_OK)
        c->report->converted++;
    return status;
}

agent_handoff_status handoff_place_file(handoff_context *c, const agent_manifest *m,
                                        const agent_manifest_blob *file, const char *destination,
                                        int64_t *out_rows, agent_handoff_error *error)
{
    *out_rows = -1;
    char leaf[512], target[2048];
    if (!agent_manifest_destination_file(m->run_id, file->name, leaf, sizeof leaf) ||
        snprintf(target, sizeof target, "%s/%s", destination, leaf) >= (int)sizeof target)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_MANIFEST, file->name, "%s: name too long",
                                  file->name);
    bool parquet = has_suffix(file->name, ".parquet");
    bool csv = has_suffix(file->name, ".csv") || has_suffix(file->name, ".csv.gz");
    if (!parquet && !csv)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_CHECK, file->name,
                                  "%s: UnsupportedExportFileType (only .csv, .csv.gz and "
                                  ".parquet are ingested)",
                                  file->name);
    char local[1024];
    snprintf(local, sizeof local, "%s/hubagent-handoff-XXXXXX", temp_root(c));
    int fd = mkstemp(local);
    if (fd < 0)
        return agent_handoff_fail(error, AGENT_HANDOFF_E_IO, local, "cannot create %s: %s", local,
                                  strerror(errno));
    close(fd);
    agent_handoff_status status = parquet
                                      ? place_parquet(c, m, file, target, local, out_rows, error)
                                      : place_csv(c, m, file, target, local, out_rows, error);
    unlink(local);
    if (status == AGENT_HANDOFF_OK)
        c->report->files++;
    return status;
}

agent_handoff_status handoff_quarantine(handoff_context *c, const char *blob_name,
                                        const char *manifest_path, const char *reason,
                                        agent_handoff_error *error)
{
    const char *container = c->options->source_container;
    char target[2048], reason_name[2100];
    snprintf(target, sizeof target, HANDOFF_QUARANTINE_PREFIX "%s", blob_name);
    snprintf(reason_name, sizeof reason_name, "%s.reason.json", target);
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "blob", blob_name, "manifest", manifest_path,
                             "reason", reason, "quarantinedAt", when);
    char *text = body ? json_dumps(body, JSON_INDENT(2)) : NULL;
    json_decref(body);
    arm_error arm;
    arm_error_init(&arm);
    agent_handoff_status status = AGENT_HANDOFF_OK;
    /* The reason first: a crash after it still tells why the file is (about to be) gone. */
    arm_blob_source source = {
        .data = text, .data_len = text ? strlen(text) : 0, .length = text ? strlen(text) : 0};
    if (text == NULL)
        status = agent_handoff_fail(error, AGENT_HANDOFF_E_NOMEM, blob_name, "no memory");
    else if (arm_blob_put(c->blob, container, reason_name, &source, "application/json", NULL, NULL,
                          &arm) != ARM_OK)
        status = handoff_storage_fail(error, "writing", reason_name, &arm);
    free(text);
    if (status != AGENT_HANDOFF_OK)
        return status;
    char *url = arm_blob_url(c->blob, container, blob_name);
    arm_blob_properties props;
    arm_status copied = url ? arm_blob_copy(c->blob, container, target, url, true, &props, &arm)
                            : ARM_ERR_NO_MEMORY;
    free(url);
    if (copied != ARM_OK) {
        /* Already moved by an earlier, interrupted pass: fine. */
        if (arm.http_status == 404)
            return AGENT_HANDOFF_OK;
        return handoff_storage_fail(error, "copying to", target, &arm);
    }
    if (arm_blob_delete(c->blob, container, blob_name, NULL, &arm) != ARM_OK &&
        arm.http_status != 404)
        return handoff_storage_fail(error, "deleting", blob_name, &arm);
    return AGENT_HANDOFF_OK;
}
