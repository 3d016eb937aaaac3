/* Scope strings: recognise every Cost Management export scope, normalise it
 * (slashes, whitespace, fixed-segment case, GUID case) and classify it. */
#include "settings/settings.h"
#include "settings/settings_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCOPE_MAX_SEGMENTS 8
#define SCOPE_MAX_ID       128

static const char *const scope_type_names[] = {
    [SETTINGS_SCOPE_EA_BILLING_ACCOUNT] = "ea-billing-account",
    [SETTINGS_SCOPE_EA_DEPARTMENT] = "ea-department",
    [SETTINGS_SCOPE_EA_ENROLLMENT_ACCOUNT] = "ea-enrollment-account",
    [SETTINGS_SCOPE_MCA_BILLING_ACCOUNT] = "mca-billing-account",
    [SETTINGS_SCOPE_MCA_BILLING_PROFILE] = "mca-billing-profile",
    [SETTINGS_SCOPE_MCA_INVOICE_SECTION] = "mca-invoice-section",
    [SETTINGS_SCOPE_SUBSCRIPTION] = "subscription",
    [SETTINGS_SCOPE_RESOURCE_GROUP] = "resource-group",
    [SETTINGS_SCOPE_MANAGEMENT_GROUP] = "management-group",
};

const char *settings_scope_type_name(settings_scope_type type)
{
    if ((size_t)type < sizeof scope_type_names / sizeof scope_type_names[0])
        return scope_type_names[type];
    return "unknown";
}

/* A segment of the scope path, pointing into the trimmed copy. */
typedef struct segment {
    const char *text;
    size_t length;
} segment;

typedef struct scope_parser {
    segment segments[SCOPE_MAX_SEGMENTS];
    size_t count;
    char *why;
    size_t why_size;
} scope_parser;

static settings_status scope_fail(scope_parser *parser, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static settings_status scope_fail(scope_parser *parser, const char *format, ...)
{
    if (parser->why != NULL && parser->why_size > 0) {
        va_list args;
        va_start(args, format);
        vsnprintf(parser->why, parser->why_size, format, args);
        va_end(args);
    }
    return SETTINGS_E_INVALID;
}

static bool segment_is(const segment *seg, const char *word)
{
    return strlen(word) == seg->length && strncasecmp(seg->text, word, seg->length) == 0;
}

static bool segment_all(const segment *seg, int (*predicate)(int))
{
    for (size_t i = 0; i < seg->length; i++)
        if (!predicate((unsigned char)seg->text[i]))
            return false;
    return seg->length > 0;
}

static int is_billing_id_char(int c)
{
    return isalnum(c) || c == '-';
}

/* Resource group names: letters (any script), digits, - _ . ( ), up to 90,
 * not ending with a period. */
static bool resource_group_name_ok(const segment *seg)
{
    if (seg->length == 0 || seg->length > 90 || seg->text[seg->length - 1] == '.')
        return false;
    for (size_t i = 0; i < seg->length; i++) {
        unsigned char c = (unsigned char)seg->text[i];
        if (!(isalnum(c) || c >= 0x80 || strchr("-_.()", c) != NULL))
            return false;
    }
    return true;
}

static bool guid_at(const char *text, size_t length)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (length != sizeof shape - 1)
        return false;
    for (size_t i = 0; i < length; i++) {
        bool ok = shape[i] == '-' ? text[i] == '-' : isxdigit((unsigned char)text[i]) != 0;
        if (!ok)
            return false;
    }
    return true;
}

/* MCA billing account ids are "{guid}:{guid}_{yyyy-mm-dd}". */
static bool mca_billing_account_ok(const segment *seg)
{
    const char *s = seg->text;
    if (seg->length != 36 + 1 + 36 + 1 + 10 || s[36] != ':' || s[73] != '_')
        return false;
    if (!guid_at(s, 36) || !guid_at(s + 37, 36))
        return false;
    const char *date = s + 74;
    for (int i = 0; i < 10; i++) {
        bool ok = (i == 4 || i == 7) ? date[i] == '-' : isdigit((unsigned char)date[i]) != 0;
        if (!ok)
            return false;
    }
    return true;
}

static void lowercase_hex(char *text)
{
    for (; *text != '\0'; text++)
        *text = (char)tolower((unsigned char)*text);
}

/* Appends "/name/id" to the output buffer; ids keep their case except where
 * `lower` says they are GUID-based and so case-insensitive by definition. */
static void append_pair(char *out, size_t out_size, const char *name, const segment *id, bool lower)
{
    size_t used = strlen(out);
    snprintf(out + used, out_size - used, "/%s/%.*s", name, (int)id->length, id->text);
    if (lower)
        lowercase_hex(out + used + 1 + strlen(name) + 1);
}

static char *dup_segment(const segment *seg, bool lower)
{
    char *copy = strndup(seg->text, seg->length);
    if (copy != NULL && lower)
        lowercase_hex(copy);
    return copy;
}

static settings_status split_segments(scope_parser *parser, const char *text, size_t length)
{
    size_t start = 0;
    /* One leading slash is optional; trailing slashes are dropped. */
    if (length > 0 && text[0] == '/')
        start = 1;
    while (length > start && text[length - 1] == '/')
        length--;
    if (length <= start)
        return scope_fail(parser, "the scope is empty");
    for (size_t i = start; i <= length; i++) {
        if (i < length && text[i] != '/')
            continue;
        if (i == start)
            return scope_fail(parser, "empty path segment (two slashes in a row)");
        if (parser->count == SCOPE_MAX_SEGMENTS)
            return scope_fail(parser, "too many path segments for an export scope");
        parser->segments[parser->count++] = (segment){text + start, i - start};
        if (parser->segments[parser->count - 1].length > SCOPE_MAX_ID)
            return scope_fail(parser, "path segment %zu is longer than %d characters",
                              parser->count, SCOPE_MAX_ID);
        start = i + 1;
    }
    return SETTINGS_OK;
}

static settings_status parse_subscription_scope(scope_parser *parser, settings_scope *out,
                                                char *normal, size_t normal_size)
{
    segment *seg = parser->segments;
    if (parser->count < 2)
        return scope_fail(parser, "missing subscription id after 'subscriptions'");
    if (!guid_at(seg[1].text, seg[1].length))
        return scope_fail(parser,
                          "subscription id '%.*s' is not a GUID "
                          "(expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                          (int)seg[1].length, seg[1].text);
    append_pair(normal, normal_size, "subscriptions", &seg[1], true);
    out->subscription_id = dup_segment(&seg[1], true);
    out->type = SETTINGS_SCOPE_SUBSCRIPTION;
    if (parser->count == 2)
        return SETTINGS_OK;
    if (!segment_is(&seg[2], "resourceGroups"))
        return scope_fail(parser,
                          "unexpected '%.*s' after the subscription id "
                          "(only resourceGroups/{name} may follow)",
                          (int)seg[2].length, seg[2].text);
    if (parser->count == 3)
        return scope_fail(parser, "missing resource group name after 'resourceGroups'");
    if (parser->count > 4)
        return scope_fail(parser, "resource-level scopes cannot be exported; "
                                  "list the resource group or subscription instead");
    if (!resource_group_name_ok(&seg[3]))
        return scope_fail(parser,
                          "resource group name '%.*s' is not valid (1-90 letters, digits, "
                          "'-', '_', '.', '(' or ')', not ending with '.')",
                          (int)seg[3].length, seg[3].text);
    append_pair(normal, normal_size, "resourceGroups", &seg[3], false);
    out->type = SETTINGS_SCOPE_RESOURCE_GROUP;
    return SETTINGS_OK;
}

static settings_status parse_billing_child(scope_parser *parser, settings_scope *out, bool is_ea,
                                           char *normal, size_t normal_size)
{
    segment *seg = parser->segments;
    const char *account_kind = is_ea ? "an EA" : "an MCA";
    if (parser->count == 5)
        return scope_fail(parser, "missing id after '%.*s'", (int)seg[4].length, seg[4].text);
    if (is_ea &&
        (segment_is(&seg[4], "departments") || segment_is(&seg[4], "enrollmentAccounts"))) {
        bool department = segment_is(&seg[4], "departments");
        if (parser->count > 6)
            return scope_fail(parser, "unexpected '%.*s' after the %s id", (int)seg[6].length,
                              seg[6].text, department ? "department" : "enrollment account");
        if (!segment_all(&seg[5], isdigit))
            return scope_fail(parser, "EA %s id '%.*s' must be digits",
                              department ? "department" : "enrollment account", (int)seg[5].length,
                              seg[5].text);
        append_pair(normal, normal_size, department ? "departments" : "enrollmentAccounts", &seg[5],
                    false);
        out->type =
            department ? SETTINGS_SCOPE_EA_DEPARTMENT : SETTINGS_SCOPE_EA_ENROLLMENT_ACCOUNT;
        return SETTINGS_OK;
    }
    if (!is_ea && segment_is(&seg[4], "billingProfiles")) {
        if (!segment_all(&seg[5], is_billing_id_char))
            return scope_fail(parser,
                              "billing profile id '%.*s' may hold only letters, digits "
                              "and '-'",
                              (int)seg[5].length, seg[5].text);
        append_pair(normal, normal_size, "billingProfiles", &seg[5], false);
        out->type = SETTINGS_SCOPE_MCA_BILLING_PROFILE;
        if (parser->count == 6)
            return SETTINGS_OK;
        if (!segment_is(&seg[6], "invoiceSections"))
            return scope_fail(parser,
                              "unexpected '%.*s' after the billing profile id "
                              "(only invoiceSections/{id} may follow)",
                              (int)seg[6].length, seg[6].text);
        if (parser->count == 7)
            return scope_fail(parser, "missing invoice section id after 'invoiceSections'");
        if (!segment_all(&seg[7], is_billing_id_char))
            return scope_fail(parser,
                              "invoice section id '%.*s' may hold only letters, digits "
                              "and '-'",
                              (int)seg[7].length, seg[7].text);
        append_pair(normal, normal_size, "invoiceSections", &seg[7], false);
        out->type = SETTINGS_SCOPE_MCA_INVOICE_SECTION;
        return SETTINGS_OK;
    }
    if (segment_is(&seg[4], "departments") || segment_is(&seg[4], "enrollmentAccounts") ||
        segment_is(&seg[4], "billingProfiles"))
        return scope_fail(parser,
                          "'%.*s' do not exist under %s billing account "
                          "(EA has departments and enrollmentAccounts; MCA has billingProfiles)",
                          (int)seg[4].length, seg[4].text, account_kind);
    return scope_fail(parser, "unknown billing scope '%.*s' under %s billing account",
                      (int)seg[4].length, seg[4].text, account_kind);
}

static settings_status parse_provider_scope(scope_parser *parser, settings_scope *out, char *normal,
                                            size_t normal_size)
{
    segment *seg = parser->segments;
    if (parser->count < 2)
        return scope_fail(parser, "missing provider name after 'providers'");
    bool billing = segment_is(&seg[1], "Microsoft.Billing");
    bool management = segment_is(&seg[1], "Microsoft.Management");
    if (!billing && !management)
        return scope_fail(parser,
                          "unknown provider '%.*s' (export scopes use "
                          "Microsoft.Billing or Microsoft.Management)",
                          (int)seg[1].length, seg[1].text);
    const char *collection = billing ? "billingAccounts" : "managementGroups";
    if (parser->count < 3 || !segment_is(&seg[2], collection))
        return scope_fail(parser, "expected '%s' after '%s'", collection,
                          billing ? "Microsoft.Billing" : "Microsoft.Management");
    if (parser->count < 4)
        return scope_fail(parser, "missing id after '%s'", collection);
    if (management) {
        if (parser->count > 4)
            return scope_fail(parser, "unexpected '%.*s' after the management group id",
                              (int)seg[4].length, seg[4].text);
        snprintf(normal, normal_size, "/providers/Microsoft.Management");
        append_pair(normal, normal_size, "managementGroups", &seg[3], false);
        out->type = SETTINGS_SCOPE_MANAGEMENT_GROUP;
        return SETTINGS_OK;
    }
    bool is_ea = segment_all(&seg[3], isdigit);
    bool is_mca = !is_ea && mca_billing_account_ok(&seg[3]);
    if (!is_ea && !is_mca)
        return scope_fail(parser,
                          "billing account id '%.*s' is neither an EA enrollment number "
                          "(digits) nor an MCA id ({guid}:{guid}_{yyyy-mm-dd})",
                          (int)seg[3].length, seg[3].text);
    snprintf(normal, normal_size, "/providers/Microsoft.Billing");
    append_pair(normal, normal_size, "billingAccounts", &seg[3], is_mca);
    out->billing_account_id = dup_segment(&seg[3], is_mca);
    out->type = is_ea ? SETTINGS_SCOPE_EA_BILLING_ACCOUNT : SETTINGS_SCOPE_MCA_BILLING_ACCOUNT;
    if (parser->count == 4)
        return SETTINGS_OK;
    return parse_billing_child(parser, out, is_ea, normal, normal_size);
}

/* The enclosing scopes a path shows by itself: each proper prefix that is
 * itself a scope, nearest first. */
static settings_status fill_parents(settings_scope *scope)
{
    static const char *const markers[] = {"/resourceGroups/", "/departments/",
                                          "/enrollmentAccounts/", "/invoiceSections/",
                                          "/billingProfiles/"};
    const char *text = scope->scope;
    size_t end = strlen(text);
    while (scope->parent_count < SETTINGS_SCOPE_MAX_PARENTS) {
        size_t cut = 0;
        for (size_t m = 0; m < sizeof markers / sizeof markers[0]; m++) {
            const char *hit = strstr(text, markers[m]);
            if (hit != NULL && (size_t)(hit - text) < end && (size_t)(hit - text) > cut)
                cut = (size_t)(hit - text);
        }
        if (cut == 0)
            break;
        char *parent = strndup(text, cut);
        if (parent == NULL)
            return SETTINGS_E_NOMEM;
        scope->parents[scope->parent_count++] = parent;
        end = cut;
    }
    return SETTINGS_OK;
}

settings_status settings_scope_parse(const char *text, settings_scope *out_scope, char *why,
                                     size_t why_size)
{
    scope_parser parser = {.why = why, .why_size = why_size};
    if (text == NULL || out_scope == NULL)
        return SETTINGS_E_ARGUMENT;
    memset(out_scope, 0, sizeof *out_scope);
    if (why != NULL && why_size > 0)
        why[0] = '\0';
    const char *original = text;

    while (isspace((unsigned char)*text))
        text++;
    size_t length = strlen(text);
    while (length > 0 && isspace((unsigned char)text[length - 1]))
        length--;

    settings_status status = split_segments(&parser, text, length);
    char normal[SCOPE_MAX_SEGMENTS * (SCOPE_MAX_ID + 2) + 64] = "";
    if (status == SETTINGS_OK) {
        if (segment_is(&parser.segments[0], "subscriptions"))
            status = parse_subscription_scope(&parser, out_scope, normal, sizeof normal);
        else if (segment_is(&parser.segments[0], "providers"))
            status = parse_provider_scope(&parser, out_scope, normal, sizeof normal);
        else
            status = scope_fail(&parser, "not an export scope: expected /subscriptions/{id}"
                                         "[/resourceGroups/{name}] or "
                                         "/providers/Microsoft.Billing/billingAccounts/{id}[/…]");
    }
    if (status == SETTINGS_OK) {
        out_scope->input = strdup(original);
        out_scope->scope = strdup(normal);
        if (out_scope->input == NULL || out_scope->scope == NULL)
            status = SETTINGS_E_NOMEM;
    }
    if (status == SETTINGS_OK)
        status = fill_parents(out_scope);
    if (status != SETTINGS_OK)
        settings_scope_dispose(out_scope);
    return status;
}

void settings_scope_dispose(settings_scope *scope)
{
    if (scope == NULL)
        return;
    free(scope->input);
    free(scope->scope);
    free(scope->billing_account_id);
    free(scope->subscription_id);
    for (size_t i = 0; i < scope->parent_count; i++)
        free(scope->parents[i]);
    memset(scope, 0, sizeof *scope);
}
