/* spend internals: the parsed definitions (conditions, logic trees, segments), the JSON
 * position index used for FILE:LINE:COL errors, and the per-row matcher. */
#ifndef HUBAGENT_SPEND_INT_H
#define HUBAGENT_SPEND_INT_H

#include "spend/spend.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>

/* Which FOCUS value(s) a condition looks at. Composite fields (charge details, resource
 * identifier) match when any of their columns does. */
typedef enum spend_field {
    SPEND_FIELD_TAGS = 0,
    SPEND_FIELD_SERVICE_NAME,
    SPEND_FIELD_SERVICE_CATEGORY,
    SPEND_FIELD_REGION,
    SPEND_FIELD_SUB_ACCOUNT_ID,
    SPEND_FIELD_RESOURCE_ID,
    SPEND_FIELD_RESOURCE_NAME,
    SPEND_FIELD_RESOURCE_IDENTIFIER, /* ResourceId or ResourceName */
    SPEND_FIELD_CHARGE_CATEGORY,
    SPEND_FIELD_CHARGE_TYPE,
    SPEND_FIELD_CHARGE_DESCRIPTION,
    SPEND_FIELD_USAGE_TYPE,
    SPEND_FIELD_SKU,
    SPEND_FIELD_CHARGE_DETAILS, /* charge category, type, description or usage type */
    SPEND_FIELD_COUNT
} spend_field;

/* Columns the evaluator reads, besides condition fields. */
typedef enum spend_column {
    SPEND_COL_TAGS = 0,
    SPEND_COL_SERVICE_NAME,
    SPEND_COL_SERVICE_CATEGORY,
    SPEND_COL_REGION,
    SPEND_COL_SUB_ACCOUNT_ID,
    SPEND_COL_RESOURCE_ID,
    SPEND_COL_RESOURCE_NAME,
    SPEND_COL_CHARGE_CATEGORY,
    SPEND_COL_CHARGE_TYPE,
    SPEND_COL_CHARGE_DESCRIPTION,
    SPEND_COL_USAGE_TYPE,
    SPEND_COL_SKU,
    SPEND_COL_BILLED_COST,
    SPEND_COL_EFFECTIVE_COST,
    SPEND_COL_LIST_COST,
    SPEND_COL_BILLING_CURRENCY,
    SPEND_COL_CHARGE_PERIOD_START,
    SPEND_COL_COUNT
} spend_column;

typedef enum spend_operator {
    SPEND_OP_IS = 0,
    SPEND_OP_IS_NOT,
    SPEND_OP_CONTAINS,
    SPEND_OP_DOES_NOT_CONTAIN,
    SPEND_OP_MATCHES_REGEX,
    SPEND_OP_DOES_NOT_MATCH_REGEX,
} spend_operator;

/* One condition value. For tags: `key` alone tests tag names; `key=value` tests the value of
 * that one tag (key compared exactly). */
typedef struct spend_value {
    char *text; /* the whole value as written */
    size_t length;
    char *tag_key; /* tags with '=' only */
    size_t tag_key_length;
    const char *operand; /* what the operator compares: text, or the part after '=' */
    size_t operand_length;
    pcre2_code *regex; /* read-only once compiled: evaluators share it across threads */
} spend_value;

typedef struct spend_condition {
    char *id;
    spend_field field;
    spend_operator op;
    spend_value *values;
    size_t value_count;
    bool used;
} spend_condition;

typedef enum spend_node_type { SPEND_NODE_GROUP, SPEND_NODE_CONDITION } spend_node_type;

typedef struct spend_node {
    spend_node_type type;
    bool is_and;        /* groups */
    size_t first_child; /* index into the segment's child list */
    size_t child_count; /* groups */
    size_t condition;   /* conditions: index into the segment's conditions */
} spend_node;

typedef struct spend_segment {
    spend_month from, to;
    bool all_accounts;
    char **accounts; /* lower-case subscription GUIDs (or other ids as written) */
    size_t account_count;
    spend_condition *conditions;
    size_t condition_count;
    spend_node *nodes; /* nodes[0] is the root */
    size_t node_count;
    size_t *children; /* node indices, grouped per parent */
    size_t child_total;
    char *canonical; /* the criteria as compact JSON with sorted keys, for digests */
    size_t index;    /* position in the file's segments array */
} spend_segment;

typedef struct spend_scope {
    char *name;
    spend_segment *segments; /* sorted by `from` */
    size_t segment_count;
} spend_scope;

struct spend_definitions {
    spend_scope *scopes;
    size_t scope_count;
};

/* ---- JSON positions ---- */

typedef struct spend_position {
    char *path;
    int line, column;
} spend_position;

typedef struct spend_positions {
    spend_position *entries;
    size_t count, capacity;
} spend_positions;

/* Records where every value of (valid) JSON text starts, by JSON path. */
spend_status spend_positions_index(const char *text, size_t length, spend_positions *out);
/* Where `path` starts, or 0:0 when not known. */
void spend_positions_find(const spend_positions *positions, const char *path, int *out_line,
                          int *out_column);
void spend_positions_dispose(spend_positions *positions);

spend_status spend_report_add(spend_report *report, spend_severity severity, const char *path,
                              int line, int column, const char *format, ...)
    __attribute__((format(printf, 6, 7)));

/* Field and operator names as written in files (lower case, spaces/hyphens = '_'). */
bool spend_field_parse(const char *name, spend_field *out_field);
const char *spend_field_name(spend_field field);
bool spend_operator_parse(const char *name, spend_operator *out_op);
const char *spend_operator_name(spend_operator op);

void spend_segment_dispose(spend_segment *segment);

/* ---- Parsing (definitions.c, criteria.c) ---- */

typedef struct json_t json_t;

/* What the parser is looking at, so each problem names its spend scope and segment. */
typedef struct spend_parse_context {
    spend_report *report;
    const spend_positions *positions;
    char where[512];     /* 'spend scope "X", segment 2 (2024-01..open)' */
    spend_status status; /* SPEND_E_NOMEM once memory ran out */
} spend_parse_context;

void spend_parse_problem(spend_parse_context *context, spend_severity severity, const char *path,
                         const char *format, ...) __attribute__((format(printf, 4, 5)));
/* Fills a segment's accounts, conditions and logic from Kion's criteria object; reports
 * problems and returns false when the criteria are unusable. */
bool spend_criteria_parse(spend_parse_context *context, json_t *criteria, const char *path,
                          spend_segment *segment);

/* ---- Matching one value ---- */

typedef struct spend_tag {
    const char *key, *value;
    size_t key_length, value_length;
} spend_tag;

/* A parsed Tags cell; reused from cell to cell. */
typedef struct spend_tags {
    spend_tag *tags;
    size_t count, capacity;
    char *text; /* decoded tag strings when the JSON had escapes */
    size_t text_capacity;
} spend_tags;

void spend_tags_dispose(spend_tags *tags);
/* Parses a Tags cell (a JSON object) into `tags`; false when it is null or not one. */
bool spend_tags_parse(spend_tags *tags, const focus_value *cell);

/* The columns a field reads (composite fields read several); returns how many. */
size_t spend_field_columns(spend_field field, spend_column out[4]);
/* is_not, does_not_contain, does_not_match_regex: true when no value matches. */
bool spend_operator_negative(spend_operator op);
/* Does any of the condition's values match this cell of one of its field's columns, before
 * negation? A null cell matches nothing. `match` is one per thread. */
bool spend_condition_cell(const spend_condition *condition, const focus_value *cell,
                          spend_tags *tags, pcre2_match_data *match);
/* Does the segment's account criteria take this sub-account (null: only "all accounts")? */
bool spend_segment_takes_account(const spend_segment *segment, const focus_value *sub_account);

/* Adds `from`'s groups and totals into `into` (evaluators of the same month). */
spend_status spend_evaluator_merge(spend_evaluator *into, spend_evaluator *from,
                                   spend_error *error);

#endif
