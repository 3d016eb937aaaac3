/* Spend scopes for a batch of rows, column-at-a-time: the rows no scope has taken yet are
 * tried against each scope in priority order, each condition evaluated over all of them at
 * once. A condition on a dictionary-encoded column is tested once per dictionary entry (the
 * verdict kept until the dictionary changes), so per row it is a lookup; tags are parsed once
 * per distinct Tags value. */
#include "spend/evaluator_int.h"

#include <stdlib.h>
#include <string.h>

enum { VERDICT_UNKNOWN = 0xff };

/* A condition, or a segment's account criteria (condition NULL), with a verdict memo per
 * column it reads. */
typedef struct leaf {
    const spend_segment *segment;
    const spend_condition *condition;
    spend_column columns[4];
    size_t column_count;
    bool negative;
    spend_memo verdicts[4];
} leaf;

/* Per spend scope: its segment this month, where its leaves start, its account leaf. */
typedef struct plan {
    const spend_segment *segment;
    size_t first_leaf; /* the segment's conditions, in order */
    long account_leaf; /* -1: all accounts */
} plan;

struct spend_selector {
    plan *plans;
    size_t scope_count;
    leaf *leaves;
    size_t leaf_count;
    uint32_t rows[FOCUS_BATCH_ROWS]; /* the rows still without a spend scope */
    uint8_t *scratch;                /* FOCUS_BATCH_ROWS bytes per tree level, plus two */
    spend_tags tags;
    pcre2_match_data *match;
};

void spend_selector_free(spend_selector *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->leaf_count; i++)
        for (size_t j = 0; j < 4; j++)
            free(s->leaves[i].verdicts[j].entries);
    free(s->leaves);
    free(s->plans);
    free(s->scratch);
    spend_tags_dispose(&s->tags);
    pcre2_match_data_free(s->match);
    free(s);
}

spend_status spend_selector_new(const spend_segment *const *active, size_t scope_count,
                                spend_selector **out)
{
    *out = NULL;
    spend_selector *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SPEND_E_NOMEM;
    size_t leaves = 0, depth = 0;
    for (size_t i = 0; i < scope_count; i++)
        if (active[i] != NULL) {
            leaves += active[i]->condition_count + 1;
            depth = active[i]->node_count > depth ? active[i]->node_count : depth;
        }
    s->plans = calloc(scope_count ? scope_count : 1, sizeof *s->plans);
    s->leaves = calloc(leaves ? leaves : 1, sizeof *s->leaves);
    s->scratch = malloc((depth + 3) * FOCUS_BATCH_ROWS);
    /* One pair: a match only needs to know whether it matched. */
    s->match = pcre2_match_data_create(1, NULL);
    if (s->plans == NULL || s->leaves == NULL || s->scratch == NULL || s->match == NULL) {
        spend_selector_free(s);
        return SPEND_E_NOMEM;
    }
    s->scope_count = scope_count;
    for (size_t i = 0; i < scope_count; i++) {
        const spend_segment *segment = active[i];
        s->plans[i] = (plan){.segment = segment, .account_leaf = -1};
        if (segment == NULL)
            continue;
        s->plans[i].first_leaf = s->leaf_count;
        for (size_t c = 0; c < segment->condition_count; c++) {
            leaf *l = &s->leaves[s->leaf_count++];
            l->segment = segment;
            l->condition = &segment->conditions[c];
            l->column_count = spend_field_columns(l->condition->field, l->columns);
            l->negative = spend_operator_negative(l->condition->op);
        }
        if (!segment->all_accounts) {
            s->plans[i].account_leaf = (long)s->leaf_count;
            leaf *l = &s->leaves[s->leaf_count++];
            l->segment = segment;
            l->columns[0] = SPEND_COL_SUB_ACCOUNT_ID;
            l->column_count = 1;
        }
    }
    *out = s;
    return SPEND_OK;
}

static bool test(spend_selector *s, const leaf *l, const focus_value *cell)
{
    return l->condition != NULL ? spend_condition_cell(l->condition, cell, &s->tags, s->match)
                                : spend_segment_takes_account(l->segment, cell);
}

/* out[i] = the leaf for row rows[i]. */
static bool leaf_eval(spend_selector *s, leaf *l, const spend_batch *b, size_t n, uint8_t *out)
{
    memset(out, 0, n);
    for (size_t j = 0; j < l->column_count; j++) {
        spend_column c = l->columns[j];
        const focus_batch_column *column = b->columns[c];
        if (column != NULL && column->indices != NULL && b->text[c]) {
            if (!spend_memo_ready(&l->verdicts[j], column, 1, VERDICT_UNKNOWN))
                return false;
            uint8_t *verdict = l->verdicts[j].entries;
            for (size_t i = 0; i < n; i++) {
                uint32_t index = column->indices[s->rows[i]];
                if (index == FOCUS_NULL_INDEX)
                    continue; /* a null cell matches nothing */
                if (verdict[index] == VERDICT_UNKNOWN)
                    verdict[index] = test(s, l, spend_text_cell(&column->dictionary[index], true));
                out[i] |= verdict[index];
            }
            continue;
        }
        for (size_t i = 0; i < n; i++)
            out[i] |= test(s, l, spend_text_cell(spend_batch_cell(b, c, s->rows[i]), b->text[c]));
    }
    if (l->negative)
        for (size_t i = 0; i < n; i++)
            out[i] ^= 1;
    return true;
}

/* out[i] = the node for row rows[i]; `scratch` has a row of bytes for each level below. */
static bool node_eval(spend_selector *s, const plan *p, size_t index, const spend_batch *b,
                      size_t n, uint8_t *out, uint8_t *scratch)
{
    const spend_segment *segment = p->segment;
    const spend_node *node = &segment->nodes[index];
    if (node->type == SPEND_NODE_CONDITION)
        return leaf_eval(s, &s->leaves[p->first_leaf + node->condition], b, n, out);
    memset(out, node->is_and, n);
    for (size_t c = 0; c < node->child_count; c++) {
        if (!node_eval(s, p, segment->children[node->first_child + c], b, n, scratch,
                       scratch + FOCUS_BATCH_ROWS))
            return false;
        for (size_t i = 0; i < n; i++)
            out[i] = node->is_and ? out[i] & scratch[i] : out[i] | scratch[i];
    }
    return true;
}

bool spend_selector_assign(spend_selector *s, const spend_batch *b, int32_t *out_scope)
{
    size_t n = b->rows;
    for (size_t i = 0; i < n; i++) {
        s->rows[i] = (uint32_t)i;
        out_scope[i] = -1;
    }
    uint8_t *taken = s->scratch, *matches = taken + FOCUS_BATCH_ROWS;
    for (size_t scope = 0; scope < s->scope_count && n > 0; scope++) {
        const plan *p = &s->plans[scope];
        if (p->segment == NULL)
            continue;
        if (p->account_leaf >= 0) {
            if (!leaf_eval(s, &s->leaves[p->account_leaf], b, n, taken))
                return false;
        } else {
            memset(taken, 1, n);
        }
        /* No logic: the segment takes every row of its accounts. */
        if (p->segment->node_count > 0) {
            if (!node_eval(s, p, 0, b, n, matches, matches + FOCUS_BATCH_ROWS))
                return false;
            for (size_t i = 0; i < n; i++)
                taken[i] &= matches[i];
        }
        size_t left = 0;
        for (size_t i = 0; i < n; i++) {
            if (taken[i])
                out_scope[s->rows[i]] = (int32_t)scope;
            else
                s->rows[left++] = s->rows[i];
        }
        n = left;
    }
    return true;
}
