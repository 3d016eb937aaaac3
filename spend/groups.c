/* The evaluator's groups: key strings are interned once, so a group is found by five small
 * integers (spend scope and four key ids) instead of hashing and comparing ~70 bytes a row. */
#include "spend/evaluator_int.h"

#include <stdlib.h>
#include <string.h>

const focus_value spend_null_value = {.is_null = true};

bool spend_memo_ready(spend_memo *memo, const focus_batch_column *column, size_t size, int unknown)
{
    if (memo->dictionary_id == column->dictionary_id && memo->entries != NULL)
        return true;
    size_t count = column->dictionary_count ? column->dictionary_count : 1;
    if (count > memo->capacity) {
        void *grown = realloc(memo->entries, count * size);
        if (grown == NULL)
            return false;
        memo->entries = grown;
        memo->capacity = count;
    }
    memset(memo->entries, unknown, count * size);
    memo->dictionary_id = column->dictionary_id;
    return true;
}

static uint64_t hash_text(const char *text, size_t length)
{
    uint64_t hash = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ (unsigned char)text[i]) * UINT64_C(0x100000001b3);
    return hash ^ (hash >> 29);
}

static uint64_t hash_key(int32_t scope, const uint32_t key[4])
{
    uint64_t hash = (uint64_t)(uint32_t)scope * UINT64_C(0xff51afd7ed558ccd);
    for (int k = 0; k < 4; k++)
        hash = (hash ^ key[k]) * UINT64_C(0x9E3779B97F4A7C15);
    return hash ^ (hash >> 32);
}

bool spend_groups_init(spend_groups *g)
{
    memset(g, 0, sizeof *g);
    g->capacity = 256;
    g->slots = malloc(g->capacity * sizeof *g->slots);
    g->strings.slot_capacity = 256;
    g->strings.slots = calloc(g->strings.slot_capacity, sizeof *g->strings.slots);
    if (g->slots == NULL || g->strings.slots == NULL)
        return false;
    for (size_t i = 0; i < g->capacity; i++)
        g->slots[i].scope = SPEND_GROUP_FREE;
    return true;
}

void spend_groups_dispose(spend_groups *g)
{
    for (size_t i = 0; i < g->strings.count; i++)
        free(g->strings.text[i]);
    free(g->strings.text);
    free(g->strings.length);
    free(g->strings.slots);
    free(g->slots);
    memset(g, 0, sizeof *g);
}

static bool grow_strings(spend_strings *s)
{
    size_t capacity = s->slot_capacity * 2;
    uint32_t *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL)
        return false;
    for (size_t i = 0; i < s->slot_capacity; i++) {
        uint32_t id = s->slots[i];
        if (id == 0)
            continue;
        size_t slot = hash_text(s->text[id - 1], s->length[id - 1]) & (capacity - 1);
        while (slots[slot] != 0)
            slot = (slot + 1) & (capacity - 1);
        slots[slot] = id;
    }
    free(s->slots);
    s->slots = slots;
    s->slot_capacity = capacity;
    return true;
}

bool spend_groups_intern(spend_groups *g, const focus_value *cell, uint32_t *out_id)
{
    *out_id = 0;
    if (cell->is_null)
        return true;
    spend_strings *s = &g->strings;
    if ((s->count + 1) * 10 > s->slot_capacity * 7 && !grow_strings(s))
        return false;
    size_t slot = hash_text(cell->text, cell->length) & (s->slot_capacity - 1);
    for (uint32_t id; (id = s->slots[slot]) != 0; slot = (slot + 1) & (s->slot_capacity - 1))
        if (s->length[id - 1] == cell->length &&
            memcmp(s->text[id - 1], cell->text, cell->length) == 0) {
            *out_id = id;
            return true;
        }
    if (s->count == s->capacity) {
        size_t capacity = s->capacity ? s->capacity * 2 : 64;
        char **text = realloc(s->text, capacity * sizeof *text);
        if (text != NULL)
            s->text = text;
        size_t *length = realloc(s->length, capacity * sizeof *length);
        if (length != NULL)
            s->length = length;
        if (text == NULL || length == NULL)
            return false;
        s->capacity = capacity;
    }
    char *copy = malloc(cell->length + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, cell->text, cell->length);
    copy[cell->length] = '\0';
    s->text[s->count] = copy;
    s->length[s->count] = cell->length;
    s->slots[slot] = (uint32_t)++s->count;
    *out_id = (uint32_t)s->count;
    return true;
}

const char *spend_groups_text(const spend_groups *g, uint32_t id, size_t *out_length)
{
    if (out_length != NULL)
        *out_length = id == 0 ? 0 : g->strings.length[id - 1];
    return id == 0 ? NULL : g->strings.text[id - 1];
}

static bool grow_groups(spend_groups *g)
{
    size_t capacity = g->capacity * 2;
    spend_group *table = malloc(capacity * sizeof *table);
    if (table == NULL)
        return false;
    for (size_t i = 0; i < capacity; i++)
        table[i].scope = SPEND_GROUP_FREE;
    for (size_t i = 0; i < g->capacity; i++) {
        if (g->slots[i].scope == SPEND_GROUP_FREE)
            continue;
        size_t slot = g->slots[i].hash & (capacity - 1);
        while (table[slot].scope != SPEND_GROUP_FREE)
            slot = (slot + 1) & (capacity - 1);
        table[slot] = g->slots[i];
    }
    free(g->slots);
    g->slots = table;
    g->capacity = capacity;
    return true;
}

spend_group *spend_groups_find(spend_groups *g, int32_t scope, const uint32_t key[4])
{
    uint64_t hash = hash_key(scope, key);
    for (;;) {
        size_t slot = hash & (g->capacity - 1);
        for (spend_group *s; (s = &g->slots[slot])->scope != SPEND_GROUP_FREE;
             slot = (slot + 1) & (g->capacity - 1))
            if (s->hash == hash && s->scope == scope && memcmp(s->key, key, sizeof s->key) == 0)
                return s;
        if ((g->count + 1) * 10 <= g->capacity * 7) {
            spend_group *s = &g->slots[slot];
            *s = (spend_group){.scope = scope, .hash = hash};
            memcpy(s->key, key, sizeof s->key);
            g->count++;
            return s;
        }
        if (!grow_groups(g))
            return NULL;
    }
}
