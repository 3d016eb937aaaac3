/* Field and operator names as spend-scope files spell them, Kion's spellings included, and
 * months as "YYYY-MM". */
#include "spend/spend_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef struct name_entry {
    const char *name;
    int value;
} name_entry;

/* The seed's metadata targets, by the names Kion's UI and JSON use, with FOCUS column names
 * accepted too so a definition can say what it means. */
static const name_entry field_names[] = {
    {"tags", SPEND_FIELD_TAGS},
    {"tag", SPEND_FIELD_TAGS},
    {"service", SPEND_FIELD_SERVICE_NAME},
    {"service_name", SPEND_FIELD_SERVICE_NAME},
    {"servicename", SPEND_FIELD_SERVICE_NAME},
    {"service_category", SPEND_FIELD_SERVICE_CATEGORY},
    {"servicecategory", SPEND_FIELD_SERVICE_CATEGORY},
    {"region", SPEND_FIELD_REGION},
    {"regionid", SPEND_FIELD_REGION},
    {"sub_account_id", SPEND_FIELD_SUB_ACCOUNT_ID},
    {"subaccount_id", SPEND_FIELD_SUB_ACCOUNT_ID},
    {"subaccountid", SPEND_FIELD_SUB_ACCOUNT_ID},
    {"account_id", SPEND_FIELD_SUB_ACCOUNT_ID},
    {"subscription_id", SPEND_FIELD_SUB_ACCOUNT_ID},
    {"resource_id", SPEND_FIELD_RESOURCE_ID},
    {"resourceid", SPEND_FIELD_RESOURCE_ID},
    {"resource_name", SPEND_FIELD_RESOURCE_NAME},
    {"resourcename", SPEND_FIELD_RESOURCE_NAME},
    {"resource_identifier", SPEND_FIELD_RESOURCE_IDENTIFIER},
    {"resource", SPEND_FIELD_RESOURCE_IDENTIFIER},
    {"charge_category", SPEND_FIELD_CHARGE_CATEGORY},
    {"chargecategory", SPEND_FIELD_CHARGE_CATEGORY},
    {"charge_type", SPEND_FIELD_CHARGE_TYPE},
    {"chargetype", SPEND_FIELD_CHARGE_TYPE},
    {"charge_description", SPEND_FIELD_CHARGE_DESCRIPTION},
    {"chargedescription", SPEND_FIELD_CHARGE_DESCRIPTION},
    {"usage_type", SPEND_FIELD_USAGE_TYPE},
    {"usagetype", SPEND_FIELD_USAGE_TYPE},
    {"sku", SPEND_FIELD_SKU},
    {"sku_id", SPEND_FIELD_SKU},
    {"skuid", SPEND_FIELD_SKU},
    {"charge_details", SPEND_FIELD_CHARGE_DETAILS},
    {"charge_detail", SPEND_FIELD_CHARGE_DETAILS},
};

static const name_entry operator_names[] = {
    {"is", SPEND_OP_IS},
    {"equals", SPEND_OP_IS},
    {"is_not", SPEND_OP_IS_NOT},
    {"not_equals", SPEND_OP_IS_NOT},
    {"contains", SPEND_OP_CONTAINS},
    {"does_not_contain", SPEND_OP_DOES_NOT_CONTAIN},
    {"not_contains", SPEND_OP_DOES_NOT_CONTAIN},
    {"matches_regex", SPEND_OP_MATCHES_REGEX},
    {"matches", SPEND_OP_MATCHES_REGEX},
    {"regex", SPEND_OP_MATCHES_REGEX},
    {"does_not_match_regex", SPEND_OP_DOES_NOT_MATCH_REGEX},
    {"does_not_match", SPEND_OP_DOES_NOT_MATCH_REGEX},
    {"not_matches_regex", SPEND_OP_DOES_NOT_MATCH_REGEX},
    {"not_regex", SPEND_OP_DOES_NOT_MATCH_REGEX},
};

/* "Is Not", "is-not" and "is_not" are one name. */
static bool normalise(const char *name, char *out, size_t capacity)
{
    size_t n = 0;
    for (const char *p = name; *p != '\0'; p++) {
        if (n + 1 >= capacity)
            return false;
        char c = *p;
        out[n++] = (c == ' ' || c == '-') ? '_' : (char)tolower((unsigned char)c);
    }
    out[n] = '\0';
    return true;
}

static bool lookup(const name_entry *table, size_t count, const char *name, int *out)
{
    char key[64];
    if (name == NULL || !normalise(name, key, sizeof key))
        return false;
    for (size_t i = 0; i < count; i++)
        if (strcmp(table[i].name, key) == 0) {
            *out = table[i].value;
            return true;
        }
    return false;
}

bool spend_field_parse(const char *name, spend_field *out_field)
{
    int value;
    if (!lookup(field_names, sizeof field_names / sizeof field_names[0], name, &value))
        return false;
    *out_field = (spend_field)value;
    return true;
}

const char *spend_field_name(spend_field field)
{
    static const char *const names[SPEND_FIELD_COUNT] = {
        "tags",          "service_name",        "service_category",
        "region",        "sub_account_id",      "resource_id",
        "resource_name", "resource_identifier", "charge_category",
        "charge_type",   "charge_description",  "usage_type",
        "sku",           "charge_details"};
    return field < SPEND_FIELD_COUNT ? names[field] : "?";
}

bool spend_operator_parse(const char *name, spend_operator *out_op)
{
    int value;
    if (!lookup(operator_names, sizeof operator_names / sizeof operator_names[0], name, &value))
        return false;
    *out_op = (spend_operator)value;
    return true;
}

const char *spend_operator_name(spend_operator op)
{
    switch (op) {
    case SPEND_OP_IS:
        return "is";
    case SPEND_OP_IS_NOT:
        return "is_not";
    case SPEND_OP_CONTAINS:
        return "contains";
    case SPEND_OP_DOES_NOT_CONTAIN:
        return "does_not_contain";
    case SPEND_OP_MATCHES_REGEX:
        return "matches_regex";
    case SPEND_OP_DOES_NOT_MATCH_REGEX:
        return "does_not_match_regex";
    }
    return "?";
}

bool spend_month_parse(const char *text, spend_month *out_month)
{
    if (text == NULL || strlen(text) != 7 || text[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)text[i]))
            return false;
    int year =
        (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    int month = (text[5] - '0') * 10 + (text[6] - '0');
    if (year < 1970 || month < 1 || month > 12)
        return false;
    *out_month = year * 12 + (month - 1);
    return true;
}

void spend_month_format(spend_month month, char buffer[static 8])
{
    if (month == SPEND_MONTH_OPEN || month < 0) {
        memcpy(buffer, "open", 5);
        return;
    }
    snprintf(buffer, 8, "%04d-%02d", (month / 12) % 10000, month % 12 + 1);
}
