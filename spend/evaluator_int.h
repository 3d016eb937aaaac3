/* Evaluator internals: rows arrive in batches, column by column; a dictionary-encoded column
 * lets per-value work (matching, interning group keys) be done once per dictionary entry and
 * looked up per row. select.c assigns spend scopes, groups.c keeps the groups. */
#ifndef HUBAGENT_SPEND_EVALUATOR_INT_H
#define HUBAGENT_SPEND_EVALUATOR_INT_H

#include "spend/spend_int.h"

/* A batch as the evaluator reads it: per spend_column, the file's column (NULL when the file
 * lacks it); `text` says the column is STRING typed (others never match and key as null). */
typedef struct spend_batch {
    const focus_batch_column *columns[SPEND_COL_COUNT];
    bool text[SPEND_COL_COUNT];
    size_t rows;
} spend_batch;

extern const focus_value spend_null_value;

/* The value of a row, as stored (costs, dates). */
static inline const focus_value *spend_batch_cell(const spend_batch *b, spend_column c, size_t row)
{
    const focus_batch_column *column = b->columns[c];
    if (column == NULL)
        return &spend_null_value;
    if (column->indices == NULL)
        return &column->values[row];
    uint32_t index = column->indices[row];
    return index == FOCUS_NULL_INDEX ? &spend_null_value : &column->dictionary[index];
}

/* The value as text for matching and keys: null unless a STRING with text. */
static inline const focus_value *spend_text_cell(const focus_value *v, bool text)
{
    return text && !v->is_null && v->text != NULL ? v : &spend_null_value;
}

/* Something computed once per entry of a column chunk's dictionary, kept while its id holds. */
typedef struct spend_memo {
    uint64_t dictionary_id;
    void *entries;
    size_t capacity;
} spend_memo;

/* Readies memo for `column`'s dictionary, entries of `size` bytes set to `unknown` bytes, when
 * the dictionary changed; false when out of memory. */
bool spend_memo_ready(spend_memo *memo, const focus_batch_column *column, size_t size, int unknown);

/* ---- Spend scopes per row (select.c) ---- */

typedef struct spend_selector spend_selector;

/* `active`: per spend scope, the segment in force this month or NULL. */
spend_status spend_selector_new(const spend_segment *const *active, size_t scope_count,
                                spend_selector **out_selector);
void spend_selector_free(spend_selector *selector);
/* Per row of the batch, the first spend scope that takes it, or -1; false when out of memory. */
bool spend_selector_assign(spend_selector *selector, const spend_batch *batch, int32_t *out_scope);

/* ---- Groups (groups.c) ---- */

/* Interned group-key strings; id 0 is null. */
typedef struct spend_strings {
    char **text;
    size_t *length;
    size_t count, capacity;
    uint32_t *slots; /* open addressing over ids; 0 = free */
    size_t slot_capacity;
} spend_strings;

typedef struct spend_group {
    int32_t scope;   /* -1 = unscoped; SPEND_GROUP_FREE marks a free slot */
    uint32_t key[4]; /* sub-account, service category, charge category, currency */
    uint64_t hash;
    long double billed, effective, list;
    uint64_t rows;
} spend_group;

#define SPEND_GROUP_FREE (-2)

typedef struct spend_groups {
    spend_group *slots;
    size_t count, capacity;
    spend_strings strings;
} spend_groups;

bool spend_groups_init(spend_groups *groups);
void spend_groups_dispose(spend_groups *groups);
/* The id of a text cell's value (0 for null); false when out of memory. */
bool spend_groups_intern(spend_groups *groups, const focus_value *cell, uint32_t *out_id);
/* The group of the key, added empty when new; NULL when out of memory. */
spend_group *spend_groups_find(spend_groups *groups, int32_t scope, const uint32_t key[4]);
/* The text of an id, NULL for 0 (null). */
const char *spend_groups_text(const spend_groups *groups, uint32_t id, size_t *out_length);

#endif
