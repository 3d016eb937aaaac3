/* Does one value match a condition: the tests the evaluator runs once per distinct value
 * (select.c combines them per row). Comparisons are case-sensitive, as Kion's are; a missing
 * value matches no positive operator, so every negative operator takes it. */
#include "spend/spend_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char subscriptions_prefix[] = "/subscriptions/";

/* "/subscriptions/<guid>" and "<guid>" name the same subscription. */
static void account_text(const focus_value *v, const char **out, size_t *out_length)
{
    const char *p = v->text;
    size_t n = v->length;
    size_t prefix = sizeof subscriptions_prefix - 1;
    if (n > prefix && strncasecmp(p, subscriptions_prefix, prefix) == 0) {
        p += prefix;
        n -= prefix;
    }
    while (n > 0 && p[n - 1] == '/')
        n--;
    *out = p;
    *out_length = n;
}

bool spend_segment_takes_account(const spend_segment *segment, const focus_value *v)
{
    if (segment->all_accounts)
        return true;
    if (v->is_null)
        return false;
    const char *id;
    size_t n;
    account_text(v, &id, &n);
    for (size_t i = 0; i < segment->account_count; i++)
        if (strlen(segment->accounts[i]) == n && strncasecmp(segment->accounts[i], id, n) == 0)
            return true;
    return false;
}

static bool text_test(spend_operator op, const spend_value *v, const char *text, size_t length,
                      pcre2_match_data *match)
{
    switch (op) {
    case SPEND_OP_IS:
    case SPEND_OP_IS_NOT:
        return length == v->operand_length && memcmp(text, v->operand, length) == 0;
    case SPEND_OP_CONTAINS:
    case SPEND_OP_DOES_NOT_CONTAIN:
        return v->operand_length == 0 ||
               (length >= v->operand_length && memmem(text, length, v->operand, v->operand_length));
    case SPEND_OP_MATCHES_REGEX:
    case SPEND_OP_DOES_NOT_MATCH_REGEX:
        return pcre2_match(v->regex, (PCRE2_SPTR)(text != NULL ? text : ""), length, 0, 0, match,
                           NULL) >= 0;
    }
    return false;
}

static bool tags_test(spend_operator op, const spend_value *v, spend_tags *tags,
                      pcre2_match_data *match)
{
    for (size_t i = 0; i < tags->count; i++) {
        const spend_tag *t = &tags->tags[i];
        if (v->tag_key == NULL) {
            if (text_test(op, v, t->key, t->key_length, match))
                return true;
        } else if (t->key_length == v->tag_key_length &&
                   memcmp(t->key, v->tag_key, t->key_length) == 0 &&
                   text_test(op, v, t->value, t->value_length, match)) {
            return true;
        }
    }
    return false;
}

static bool column_test(spend_operator op, spend_field field, const spend_value *v,
                        const focus_value *cell, pcre2_match_data *match)
{
    if (cell->is_null)
        return false;
    if (field == SPEND_FIELD_SUB_ACCOUNT_ID && (op == SPEND_OP_IS || op == SPEND_OP_IS_NOT)) {
        const char *id, *want;
        size_t n, want_length;
        account_text(cell, &id, &n);
        focus_value operand = {.text = v->operand, .length = v->operand_length};
        account_text(&operand, &want, &want_length);
        return n == want_length && strncasecmp(id, want, n) == 0;
    }
    return text_test(op, v, cell->text, cell->length, match);
}

/* The columns a field reads; composite fields read several. */
size_t spend_field_columns(spend_field field, spend_column out[4])
{
    switch (field) {
    case SPEND_FIELD_TAGS:
        out[0] = SPEND_COL_TAGS;
        return 1;
    case SPEND_FIELD_SERVICE_NAME:
        out[0] = SPEND_COL_SERVICE_NAME;
        return 1;
    case SPEND_FIELD_SERVICE_CATEGORY:
        out[0] = SPEND_COL_SERVICE_CATEGORY;
        return 1;
    case SPEND_FIELD_REGION:
        out[0] = SPEND_COL_REGION;
        return 1;
    case SPEND_FIELD_SUB_ACCOUNT_ID:
        out[0] = SPEND_COL_SUB_ACCOUNT_ID;
        return 1;
    case SPEND_FIELD_RESOURCE_ID:
        out[0] = SPEND_COL_RESOURCE_ID;
        return 1;
    case SPEND_FIELD_RESOURCE_NAME:
        out[0] = SPEND_COL_RESOURCE_NAME;
        return 1;
    case SPEND_FIELD_RESOURCE_IDENTIFIER:
        out[0] = SPEND_COL_RESOURCE_ID;
        out[1] = SPEND_COL_RESOURCE_NAME;
        return 2;
    case SPEND_FIELD_CHARGE_CATEGORY:
        out[0] = SPEND_COL_CHARGE_CATEGORY;
        return 1;
    case SPEND_FIELD_CHARGE_TYPE:
        out[0] = SPEND_COL_CHARGE_TYPE;
        return 1;
    case SPEND_FIELD_CHARGE_DESCRIPTION:
        out[0] = SPEND_COL_CHARGE_DESCRIPTION;
        return 1;
    case SPEND_FIELD_USAGE_TYPE:
        out[0] = SPEND_COL_USAGE_TYPE;
        return 1;
    case SPEND_FIELD_SKU:
        out[0] = SPEND_COL_SKU;
        return 1;
    case SPEND_FIELD_CHARGE_DETAILS:
        out[0] = SPEND_COL_CHARGE_CATEGORY;
        out[1] = SPEND_COL_CHARGE_TYPE;
        out[2] = SPEND_COL_CHARGE_DESCRIPTION;
        out[3] = SPEND_COL_USAGE_TYPE;
        return 4;
    case SPEND_FIELD_COUNT:
        break;
    }
    return 0;
}

bool spend_operator_negative(spend_operator op)
{
    return op == SPEND_OP_IS_NOT || op == SPEND_OP_DOES_NOT_CONTAIN ||
           op == SPEND_OP_DOES_NOT_MATCH_REGEX;
}

bool spend_condition_cell(const spend_condition *c, const focus_value *cell, spend_tags *tags,
                          pcre2_match_data *match)
{
    if (cell->is_null)
        return false;
    /* Unreadable tags count as no tags: the row still lands somewhere, never lost. */
    if (c->field == SPEND_FIELD_TAGS && !spend_tags_parse(tags, cell))
        return false;
    for (size_t i = 0; i < c->value_count; i++)
        if (c->field == SPEND_FIELD_TAGS ? tags_test(c->op, &c->values[i], tags, match)
                                         : column_test(c->op, c->field, &c->values[i], cell, match))
            return true;
    return false;
}
