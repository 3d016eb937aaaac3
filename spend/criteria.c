/* Kion's criteria object, accepted as Kion writes it: version, account_criteria, conditions by
 * id, and a logic tree of AND/OR groups over condition references, nested to any depth. */
#include "spend/spend_int.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LOGIC_DEPTH 64

static char *join_path(const char *base, const char *suffix)
{
    char *out = NULL;
    if (asprintf(&out, "%s%s", base, suffix) < 0)
        return NULL;
    return out;
}

/* Subscription ids are compared as Cost Management writes SubAccountId
 * ("/subscriptions/<guid>"), case-insensitively, whichever form the file uses. */
static char *normalise_account(const char *id)
{
    const char *prefix = "/subscriptions/";
    if (strncasecmp(id, prefix, strlen(prefix)) == 0)
        id += strlen(prefix);
    char *out = strdup(id);
    if (out == NULL)
        return NULL;
    for (char *p = out; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
    return out;
}

static bool parse_accounts(spend_parse_context *c, json_t *criteria, const char *path,
                           spend_segment *segment)
{
    segment->all_accounts = true;
    json_t *accounts = json_object_get(criteria, "account_criteria");
    if (accounts == NULL || json_is_null(accounts))
        return true;
    char *here = join_path(path, ".account_criteria");
    bool ok = false;
    const char *type = json_string_value(json_object_get(accounts, "type"));
    json_t *ids = json_object_get(accounts, "account_ids");
    if (!json_is_object(accounts)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, here, "account_criteria must be an object");
    } else if (type != NULL && (strcmp(type, "all") == 0 || strcmp(type, "all_accounts") == 0)) {
        ok = true;
    } else if (type != NULL && strcmp(type, "account_ids") != 0) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, here,
                            "unknown account_criteria type \"%s\" (use \"account_ids\" or \"all\")",
                            type);
    } else if (!json_is_array(ids) || json_array_size(ids) == 0) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, here,
                            "account_criteria needs a non-empty account_ids array of subscription "
                            "ids (or type \"all\")");
    } else {
        segment->all_accounts = false;
        segment->accounts = calloc(json_array_size(ids), sizeof *segment->accounts);
        ok = segment->accounts != NULL;
        size_t i;
        json_t *id;
        json_array_foreach(ids, i, id)
        {
            if (!ok)
                break;
            if (!json_is_string(id) || json_string_length(id) == 0) {
                char item[64];
                snprintf(item, sizeof item, ".account_ids[%zu]", i);
                char *at = join_path(here, item);
                spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                                    "account id %zu must be a non-empty string", i + 1);
                free(at);
                ok = false;
                break;
            }
            char *account = normalise_account(json_string_value(id));
            if (account == NULL) {
                ok = false;
                c->status = SPEND_E_NOMEM;
                break;
            }
            segment->accounts[segment->account_count++] = account;
        }
    }
    free(here);
    return ok;
}

static bool compile_regex(spend_parse_context *c, const char *at, const char *id, spend_value *v)
{
    int code = 0;
    PCRE2_SIZE offset = 0;
    v->regex = pcre2_compile((PCRE2_SPTR)v->operand, v->operand_length,
                             PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
    if (v->regex == NULL) {
        PCRE2_UCHAR why[256];
        pcre2_get_error_message(code, why, sizeof why);
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                            "condition \"%s\": regex \"%s\" does not compile: %s (at offset %zu)",
                            id, v->operand, (const char *)why, (size_t)offset);
        return false;
    }
    /* JIT is an optimisation: where it is unavailable the interpreter gives the same result. */
    (void)pcre2_jit_compile(v->regex, PCRE2_JIT_COMPLETE);
    return true;
}

static bool parse_value(spend_parse_context *c, const char *at, spend_condition *condition,
                        json_t *item, spend_value *v)
{
    if (!json_is_string(item)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                            "condition \"%s\": every value must be a string", condition->id);
        return false;
    }
    v->length = json_string_length(item);
    v->text = malloc(v->length + 1);
    if (v->text == NULL) {
        c->status = SPEND_E_NOMEM;
        return false;
    }
    memcpy(v->text, json_string_value(item), v->length + 1);
    v->operand = v->text;
    v->operand_length = v->length;
    if (condition->field == SPEND_FIELD_TAGS) {
        const char *eq = memchr(v->text, '=', v->length);
        if (eq == v->text) {
            spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                                "condition \"%s\": tag value \"%s\" has no key before '='",
                                condition->id, v->text);
            return false;
        }
        if (eq != NULL) {
            v->tag_key_length = (size_t)(eq - v->text);
            v->tag_key = strndup(v->text, v->tag_key_length);
            if (v->tag_key == NULL) {
                c->status = SPEND_E_NOMEM;
                return false;
            }
            v->operand = eq + 1;
            v->operand_length = v->length - v->tag_key_length - 1;
        }
    }
    if (condition->op == SPEND_OP_MATCHES_REGEX || condition->op == SPEND_OP_DOES_NOT_MATCH_REGEX)
        return compile_regex(c, at, condition->id, v);
    return true;
}

static bool parse_condition(spend_parse_context *c, const char *path, const char *id, json_t *body,
                            spend_condition *condition)
{
    condition->id = strdup(id);
    if (condition->id == NULL) {
        c->status = SPEND_E_NOMEM;
        return false;
    }
    if (!json_is_object(body)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, path, "condition \"%s\" must be an object",
                            id);
        return false;
    }
    bool ok = true;
    const char *type = json_string_value(json_object_get(body, "type"));
    if (type != NULL && strcmp(type, "condition") != 0) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, path,
                            "condition \"%s\": type is \"%s\", expected \"condition\"", id, type);
        ok = false;
    }
    char *at = join_path(path, ".field");
    json_t *field = json_object_get(body, "field");
    if (!json_is_string(field)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, field ? at : path,
                            "condition \"%s\": missing \"field\"", id);
        ok = false;
    } else if (!spend_field_parse(json_string_value(field), &condition->field)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                            "condition \"%s\": unknown field \"%s\" (fields: tags, service_name, "
                            "service_category, region, sub_account_id, resource_id, "
                            "resource_name, resource_identifier, charge_category, charge_type, "
                            "charge_description, usage_type, sku, charge_details)",
                            id, json_string_value(field));
        ok = false;
    }
    free(at);
    at = join_path(path, ".operator");
    json_t *op = json_object_get(body, "operator");
    if (!json_is_string(op)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, op ? at : path,
                            "condition \"%s\": missing \"operator\"", id);
        ok = false;
    } else if (!spend_operator_parse(json_string_value(op), &condition->op)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                            "condition \"%s\": unknown operator \"%s\" (operators: is, is_not, "
                            "contains, does_not_contain, matches_regex, does_not_match_regex)",
                            id, json_string_value(op));
        ok = false;
    }
    free(at);
    json_t *values = json_object_get(body, "values");
    if (!json_is_array(values) || json_array_size(values) == 0) {
        at = join_path(path, ".values");
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, values ? at : path,
                            "condition \"%s\": \"values\" must be a non-empty array of strings",
                            id);
        free(at);
        return false;
    }
    if (!ok)
        return false;
    condition->values = calloc(json_array_size(values), sizeof *condition->values);
    if (condition->values == NULL) {
        c->status = SPEND_E_NOMEM;
        return false;
    }
    size_t i;
    json_t *item;
    json_array_foreach(values, i, item)
    {
        char suffix[48];
        snprintf(suffix, sizeof suffix, ".values[%zu]", i);
        at = join_path(path, suffix);
        bool good = parse_value(c, at, condition, item, &condition->values[i]);
        condition->value_count = i + 1;
        free(at);
        ok = ok && good;
    }
    return ok;
}

static bool parse_conditions(spend_parse_context *c, json_t *criteria, const char *path,
                             spend_segment *segment)
{
    json_t *conditions = json_object_get(criteria, "conditions");
    char *here = join_path(path, ".conditions");
    bool ok = true;
    if (conditions == NULL || json_is_null(conditions)) {
        free(here);
        return true;
    }
    if (!json_is_object(conditions)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, here,
                            "conditions must be an object of condition id -> condition");
        free(here);
        return false;
    }
    segment->conditions = calloc(json_object_size(conditions) + 1, sizeof *segment->conditions);
    if (segment->conditions == NULL) {
        c->status = SPEND_E_NOMEM;
        free(here);
        return false;
    }
    const char *id;
    json_t *body;
    json_object_foreach(conditions, id, body)
    {
        char *at = NULL;
        if (asprintf(&at, "%s.%s", here, id) < 0) {
            c->status = SPEND_E_NOMEM;
            ok = false;
            break;
        }
        bool good =
            parse_condition(c, at, id, body, &segment->conditions[segment->condition_count]);
        segment->condition_count++;
        ok = ok && good;
        free(at);
    }
    free(here);
    return ok;
}

static size_t find_condition(const spend_segment *segment, const char *id)
{
    for (size_t i = 0; i < segment->condition_count; i++)
        if (segment->conditions[i].id != NULL && strcmp(segment->conditions[i].id, id) == 0)
            return i;
    return (size_t)-1;
}

static bool push(void **array, size_t *count, size_t *capacity, size_t size)
{
    if (*count < *capacity)
        return true;
    size_t grown_capacity = *capacity ? *capacity * 2 : 8;
    void *grown = realloc(*array, grown_capacity * size);
    if (grown == NULL)
        return false;
    *array = grown;
    *capacity = grown_capacity;
    return true;
}

typedef struct tree_builder {
    spend_segment *segment;
    size_t node_capacity, child_capacity;
} tree_builder;

/* Adds the node at `path` and, for groups, its parts; returns its index or -1. */
static long parse_node(spend_parse_context *c, tree_builder *b, json_t *node, const char *path,
                       int depth)
{
    spend_segment *s = b->segment;
    if (!json_is_object(node)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, path, "a logic part must be an object");
        return -1;
    }
    if (depth > MAX_LOGIC_DEPTH) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, path, "logic nested deeper than %d groups",
                            MAX_LOGIC_DEPTH);
        return -1;
    }
    const char *type = json_string_value(json_object_get(node, "type"));
    const char *ref = json_string_value(json_object_get(node, "condition_identifier"));
    if (type == NULL)
        type = ref != NULL ? "condition" : "group";
    if (!push((void **)&s->nodes, &s->node_count, &b->node_capacity, sizeof *s->nodes)) {
        c->status = SPEND_E_NOMEM;
        return -1;
    }
    size_t index = s->node_count++;
    s->nodes[index] = (spend_node){0};
    if (strcmp(type, "condition") == 0) {
        s->nodes[index].type = SPEND_NODE_CONDITION;
        size_t found = ref != NULL ? find_condition(s, ref) : (size_t)-1;
        if (ref == NULL) {
            spend_parse_problem(c, SPEND_SEVERITY_ERROR, path,
                                "logic condition part has no condition_identifier");
            return -1;
        }
        if (found == (size_t)-1) {
            char *at = join_path(path, ".condition_identifier");
            spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                                "condition \"%s\" is used in logic but not defined in conditions",
                                ref);
            free(at);
            return -1;
        }
        s->conditions[found].used = true;
        s->nodes[index].condition = found;
        return (long)index;
    }
    if (strcmp(type, "group") != 0) {
        char *at = join_path(path, ".type");
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                            "unknown logic part type \"%s\" (use \"group\" or \"condition\")",
                            type);
        free(at);
        return -1;
    }
    s->nodes[index].type = SPEND_NODE_GROUP;
    const char *op = json_string_value(json_object_get(node, "operator"));
    bool ok = true;
    if (op != NULL && strcasecmp(op, "and") == 0) {
        s->nodes[index].is_and = true;
    } else if (op == NULL || strcasecmp(op, "or") != 0) {
        char *at = join_path(path, op ? ".operator" : "");
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, at,
                            "group operator must be \"and\" or \"or\"%s%s%s", op ? " (not \"" : "",
                            op ? op : "", op ? "\")" : "");
        free(at);
        ok = false;
    }
    json_t *parts = json_object_get(node, "parts");
    size_t count = json_is_array(parts) ? json_array_size(parts) : 0;
    if (count == 0) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, path,
                            "empty group: a group needs at least one part");
        return -1;
    }
    size_t *kids = calloc(count, sizeof *kids);
    if (kids == NULL) {
        c->status = SPEND_E_NOMEM;
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        char suffix[48];
        snprintf(suffix, sizeof suffix, ".parts[%zu]", i);
        char *at = join_path(path, suffix);
        long child = parse_node(c, b, json_array_get(parts, i), at, depth + 1);
        free(at);
        if (child < 0)
            ok = false;
        else
            kids[i] = (size_t)child;
    }
    if (ok) {
        /* Children are appended after the recursion so each group's list is contiguous. */
        s->nodes[index].first_child = s->child_total;
        s->nodes[index].child_count = count;
        for (size_t i = 0; i < count && ok; i++) {
            if (!push((void **)&s->children, &s->child_total, &b->child_capacity,
                      sizeof *s->children)) {
                c->status = SPEND_E_NOMEM;
                ok = false;
                break;
            }
            s->children[s->child_total++] = kids[i];
        }
    }
    free(kids);
    return ok ? (long)index : -1;
}

bool spend_criteria_parse(spend_parse_context *c, json_t *criteria, const char *path,
                          spend_segment *segment)
{
    if (!json_is_object(criteria)) {
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, path, "criteria must be an object");
        return false;
    }
    bool ok = true;
    json_t *version = json_object_get(criteria, "version");
    if (version != NULL && !(json_is_integer(version) && json_integer_value(version) == 1)) {
        char *at = join_path(path, ".version");
        spend_parse_problem(c, SPEND_SEVERITY_ERROR, at, "criteria version must be 1");
        free(at);
        ok = false;
    }
    ok = parse_accounts(c, criteria, path, segment) && ok;
    ok = parse_conditions(c, criteria, path, segment) && ok;
    json_t *logic = json_object_get(criteria, "logic");
    if (logic != NULL && !json_is_null(logic)) {
        char *at = join_path(path, ".logic");
        tree_builder b = {segment, 0, 0};
        if (parse_node(c, &b, logic, at, 0) < 0)
            ok = false;
        free(at);
    }
    /* Defined but never referenced: probably a mistake, but harmless to attribution. */
    for (size_t i = 0; i < segment->condition_count; i++) {
        spend_condition *cond = &segment->conditions[i];
        if (cond->used || cond->id == NULL)
            continue;
        char *at = NULL;
        if (asprintf(&at, "%s.conditions.%s", path, cond->id) < 0) {
            c->status = SPEND_E_NOMEM;
            return false;
        }
        spend_parse_problem(c, SPEND_SEVERITY_WARNING, at,
                            "condition \"%s\" is defined but not used in logic", cond->id);
        free(at);
    }
    return ok;
}
