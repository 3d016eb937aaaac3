/* Parquet rows a batch at a time (focus_reader_next_batch): a dictionary-encoded page gives
 * its rows as dictionary indices decoded in bulk, the dictionary converted to values once per
 * column chunk; other pages are decoded value by value. A batch stays within a row group, so
 * one dictionary serves all of a column's indexed rows in it. */
#include "focus/parquet_reader_int.h"

#include <stdlib.h>
#include <string.h>

/* Larger dictionaries are served as values, converted row by row from their indices: whole,
 * they would cost 40 bytes per entry (a dictionary of 100,000 prices, 4 MB). */
#define DICTIONARY_VALUES_MAX_BYTES (1u << 20)

void pq_cursor_dispose(column_cursor *c)
{
    pq_cursor_reset(c);
    free(c->page);
    focus_buffer_dispose(&c->transcoded);
    focus_buffer_dispose(&c->scratch);
    free(c->batch_indices);
    free(c->batch_values);
    focus_buffer_dispose(&c->batch_text);
}

static focus_status out_of_memory(parquet_reader *r, focus_error *error)
{
    return focus_fail(error, FOCUS_NO_MEMORY, r->path, -1, -1, "%s: out of memory", r->path);
}

/* Batch buffers, once per reader, for the selected columns only. */
static focus_status prepare(parquet_reader *r, focus_error *error)
{
    if (r->batch)
        return FOCUS_OK;
    r->batch = calloc(r->column_count, sizeof(*r->batch));
    r->batch_levels = malloc((FOCUS_BATCH_ROWS + 1) * sizeof(*r->batch_levels));
    r->batch_scratch = malloc((FOCUS_BATCH_ROWS + 1) * sizeof(*r->batch_scratch));
    r->batch_nulls = calloc(FOCUS_BATCH_ROWS, sizeof(*r->batch_nulls));
    if (!r->batch || !r->batch_levels || !r->batch_scratch || !r->batch_nulls)
        return out_of_memory(r, error);
    for (size_t i = 0; i < FOCUS_BATCH_ROWS; i++)
        r->batch_nulls[i].is_null = true;
    for (size_t c = 0; c < r->column_count; c++) {
        column_cursor *cursor = &r->cursors[c];
        if (r->skipped != NULL && r->skipped[c])
            continue;
        cursor->batch_indices = malloc(FOCUS_BATCH_ROWS * sizeof(*cursor->batch_indices));
        cursor->batch_values = malloc(FOCUS_BATCH_ROWS * sizeof(*cursor->batch_values));
        if (!cursor->batch_indices || !cursor->batch_values)
            return out_of_memory(r, error);
    }
    return FOCUS_OK;
}

/* The chunk's dictionary as values, converted on first use; stays NULL when too large. */
static focus_status convert_dictionary(parquet_reader *r, column_cursor *c, focus_error *error)
{
    if (c->dictionary_values || c->entry_count > DICTIONARY_VALUES_MAX_BYTES / sizeof(focus_value))
        return FOCUS_OK;
    c->dictionary_values = calloc(c->entry_count ? c->entry_count : 1, sizeof(focus_value));
    if (!c->dictionary_values)
        return out_of_memory(r, error);
    for (size_t e = 0; e < c->entry_count; e++)
        pq_dictionary_value(c, (uint32_t)e, &c->dictionary_values[e]);
    c->dictionary_id = focus_dictionary_id_new();
    return FOCUS_OK;
}

/* The first `rows` rows, given as indices so far, as values (a PLAIN page follows). */
static void indices_to_values(column_cursor *c, size_t rows)
{
    for (size_t i = 0; i < rows; i++) {
        uint32_t index = c->batch_indices[i];
        c->batch_values[i] = index == FOCUS_NULL_INDEX ? (focus_value){.is_null = true}
                                                       : c->dictionary_values[index];
    }
}

/* Values of PLAIN strings point into their page, which the next page replaces: they are
 * copied aside, their offset kept in `integer` until the batch is complete. */
static bool keep_text(column_cursor *c, focus_value *v)
{
    size_t offset = c->batch_text.length;
    if (!focus_buffer_append(&c->batch_text, v->text, v->length))
        return false;
    v->text = NULL;
    v->integer = (int64_t)offset;
    return true;
}

static focus_status values_step(parquet_reader *r, column_cursor *c, focus_value *out, size_t count,
                                focus_error *error)
{
    bool page_text = c->element->type == PQ_BYTE_ARRAY && !pq_cursor_indexed(c);
    for (size_t i = 0; i < count; i++) {
        focus_status status = pq_cursor_next(r, c, &out[i], error);
        if (status != FOCUS_OK)
            return status;
        if (page_text && !out[i].is_null && !keep_text(c, &out[i]))
            return out_of_memory(r, error);
    }
    return FOCUS_OK;
}

/* Rows of a dictionary-encoded page as values: indices in bulk, then their entries. */
static focus_status dictionary_step(parquet_reader *r, column_cursor *c, size_t done, size_t count,
                                    focus_error *error)
{
    uint32_t *indices = c->batch_indices + done;
    focus_status status =
        pq_cursor_next_indices(r, c, indices, count, r->batch_levels, r->batch_scratch, error);
    for (size_t i = 0; status == FOCUS_OK && i < count; i++) {
        focus_value *v = &c->batch_values[done + i];
        *v = (focus_value){.is_null = indices[i] == FOCUS_NULL_INDEX};
        if (v->is_null)
            continue;
        if (c->dictionary_values)
            *v = c->dictionary_values[indices[i]];
        else
            pq_dictionary_value(c, indices[i], v);
    }
    return status;
}

static focus_status fill_column(parquet_reader *r, column_cursor *c, size_t rows,
                                focus_batch_column *out, focus_error *error)
{
    bool indexed = false;
    c->batch_text.length = 0;
    /* A byte, so kept strings (empty ones too) always have a buffer to point into. */
    if (!focus_buffer_reserve(&c->batch_text, 1))
        return out_of_memory(r, error);
    for (size_t done = 0; done < rows;) {
        focus_status status = FOCUS_OK;
        if (c->page_values_left == 0 && (status = pq_cursor_load_page(r, c, error)) != FOCUS_OK)
            return status;
        size_t count =
            rows - done < (size_t)c->page_values_left ? rows - done : (size_t)c->page_values_left;
        bool indexed_page = pq_cursor_indexed(c);
        if (indexed_page && (status = convert_dictionary(r, c, error)) != FOCUS_OK)
            return status;
        if (indexed_page && c->dictionary_values && (indexed || done == 0)) {
            status = pq_cursor_next_indices(r, c, c->batch_indices + done, count, r->batch_levels,
                                            r->batch_scratch, error);
            indexed = true;
        } else {
            if (indexed)
                indices_to_values(c, done);
            indexed = false;
            if (indexed_page)
                status = dictionary_step(r, c, done, count, error);
            else if (pq_cursor_fixed_plain(c))
                status = pq_cursor_next_plain(r, c, c->batch_values + done, count, r->batch_levels,
                                              error);
            else
                status = values_step(r, c, c->batch_values + done, count, error);
        }
        if (status != FOCUS_OK)
            return status;
        done += count;
    }
    if (indexed) {
        *out = (focus_batch_column){.indices = c->batch_indices,
                                    .dictionary = c->dictionary_values,
                                    .dictionary_count = c->entry_count,
                                    .dictionary_id = c->dictionary_id};
        return FOCUS_OK;
    }
    for (size_t i = 0; i < rows; i++) {
        focus_value *v = &c->batch_values[i];
        if (c->element->type == PQ_BYTE_ARRAY && !v->is_null && v->text == NULL) {
            v->text = (const char *)c->batch_text.data + v->integer;
            v->integer = 0;
        }
    }
    *out = (focus_batch_column){.values = c->batch_values};
    return FOCUS_OK;
}

focus_status pq_parquet_next_batch(focus_reader *base, const focus_batch_column **out_columns,
                                   size_t *out_rows, focus_error *error)
{
    parquet_reader *r = (parquet_reader *)base;
    focus_status status = prepare(r, error);
    if (status != FOCUS_OK || !pq_reader_next_group(r))
        return status;
    size_t rows =
        r->group_rows_left < FOCUS_BATCH_ROWS ? (size_t)r->group_rows_left : FOCUS_BATCH_ROWS;
    for (size_t c = 0; c < r->column_count; c++) {
        if (r->skipped != NULL && r->skipped[c]) {
            r->batch[c] = (focus_batch_column){.values = r->batch_nulls};
            continue;
        }
        if ((status = fill_column(r, &r->cursors[c], rows, &r->batch[c], error)) != FOCUS_OK)
            return status;
    }
    r->group_rows_left -= (int64_t)rows;
    r->rows_read += (int64_t)rows;
    *out_columns = r->batch;
    *out_rows = rows;
    return FOCUS_OK;
}
