/* Schema lookup, error helpers and the text form of values (CSV cells): how decimals, dates
 * and booleans are written and parsed. */
#include "focus/focus_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *focus_status_text(focus_status status)
{
    switch (status) {
    case FOCUS_OK:
        return "ok";
    case FOCUS_INVALID_ARGUMENT:
        return "invalid argument";
    case FOCUS_NOT_FOUND:
        return "not found";
    case FOCUS_IO:
        return "I/O error";
    case FOCUS_CORRUPT:
        return "corrupt data";
    case FOCUS_SCHEMA_MISMATCH:
        return "schema mismatch";
    case FOCUS_UNSUPPORTED:
        return "unsupported feature";
    case FOCUS_NO_MEMORY:
        return "out of memory";
    }
    return "unknown status";
}

void focus_error_init(focus_error *error)
{
    if (!error)
        return;
    memset(error, 0, sizeof(*error));
    error->offset = -1;
    error->line = -1;
}

focus_status focus_fail(focus_error *error, focus_status status, const char *file, int64_t offset,
                        int64_t line, const char *format, ...)
{
    if (!error)
        return status;
    error->status = status;
    snprintf(error->file, sizeof(error->file), "%s", file ? file : "");
    error->offset = offset;
    error->line = line;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof(error->message), format, args);
    va_end(args);
    return status;
}

bool focus_buffer_reserve(focus_buffer *buffer, size_t extra)
{
    if (buffer->capacity - buffer->length >= extra)
        return true;
    size_t want = buffer->capacity ? buffer->capacity : 256;
    while (want - buffer->length < extra) {
        if (want > SIZE_MAX / 2)
            return false;
        want *= 2;
    }
    uint8_t *grown = realloc(buffer->data, want);
    if (!grown)
        return false;
    buffer->data = grown;
    buffer->capacity = want;
    return true;
}

bool focus_buffer_append(focus_buffer *buffer, const void *data, size_t length)
{
    if (!focus_buffer_reserve(buffer, length))
        return false;
    if (length)
        memcpy(buffer->data + buffer->length, data, length);
    buffer->length += length;
    return true;
}

void focus_buffer_dispose(focus_buffer *buffer)
{
    free(buffer->data);
    memset(buffer, 0, sizeof(*buffer));
}

/* ---- schemas ---- */

size_t focus_schema_count(void)
{
    return focus_schema_total;
}

const focus_schema *focus_schema_at(size_t index)
{
    return index < focus_schema_total ? &focus_schemas[index] : NULL;
}

/* Cost Management writes the FOCUS preview as "1.0-preview(v1)"; "1.0-preview" means it too. */
static bool same_version(const char *canonical, const char *asked)
{
    const char *paren = strchr(canonical, '(');
    return paren && strlen(asked) == (size_t)(paren - canonical) &&
           strncasecmp(canonical, asked, strlen(asked)) == 0;
}

focus_status focus_schema_find(const char *dataset, const char *version, const char *variant,
                               const focus_schema **out_schema, focus_error *error)
{
    if (!dataset || !version || !out_schema)
        return focus_fail(error, FOCUS_INVALID_ARGUMENT, NULL, -1, -1,
                          "focus_schema_find needs a dataset and a version");
    *out_schema = NULL;
    const char *want_variant = variant && *variant ? variant : "EA";
    bool dataset_known = false;
    for (size_t i = 0; i < focus_schema_total; i++) {
        const focus_schema *s = &focus_schemas[i];
        if (strcasecmp(s->dataset_name, dataset) != 0)
            continue;
        dataset_known = true;
        if (strcasecmp(s->version, version) != 0 && !same_version(s->version, version))
            continue;
        if (s->variant && strcasecmp(s->variant, want_variant) != 0)
            continue;
        *out_schema = s;
        return FOCUS_OK;
    }
    if (!dataset_known)
        return focus_fail(error, FOCUS_NOT_FOUND, NULL, -1, -1, "unknown dataset '%s'", dataset);
    return focus_fail(error, FOCUS_NOT_FOUND, NULL, -1, -1,
                      "no schema for dataset '%s' version '%s'%s%s", dataset, version,
                      variant ? " variant " : "", variant ? variant : "");
}

int focus_schema_column_index(const focus_schema *schema, const char *name)
{
    for (size_t i = 0; schema && name && i < schema->column_count; i++)
        if (strcmp(schema->columns[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *focus_type_name(focus_type type)
{
    switch (type) {
    case FOCUS_TYPE_STRING:
        return "string";
    case FOCUS_TYPE_DECIMAL:
        return "decimal";
    case FOCUS_TYPE_DATETIME:
        return "datetime";
    case FOCUS_TYPE_BOOLEAN:
        return "boolean";
    case FOCUS_TYPE_INTEGER:
        return "integer";
    case FOCUS_TYPE_DATE:
        return "date";
    }
    return "unknown";
}

/* ---- civil time (proleptic Gregorian, UTC) ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    const int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
    *day = d;
}

#define MICROS_PER_DAY INT64_C(86400000000)

int64_t focus_datetime_from_civil(int year, int month, int day, int hour, int minute, int second)
{
    return days_from_civil(year, month, day) * MICROS_PER_DAY +
           ((int64_t)hour * 3600 + minute * 60 + second) * 1000000;
}

void focus_datetime_to_civil(int64_t micros, int *year, int *month, int *day, int *hour,
                             int *minute, int *second)
{
    int64_t days = micros / MICROS_PER_DAY;
    int64_t rest = micros % MICROS_PER_DAY;
    if (rest < 0) {
        rest += MICROS_PER_DAY;
        days--;
    }
    civil_from_days(days, year, month, day);
    int64_t secs = rest / 1000000;
    *hour = (int)(secs / 3600);
    *minute = (int)(secs / 60 % 60);
    *second = (int)(secs % 60);
}

/* ---- formatting ---- */

/* Invariant decimal text without exponent: 15 significant digits when they round-trip,
 * else 17, trailing zeros dropped ("0.1824", "1017.33"). */
static size_t format_decimal(double v, char *buffer, size_t capacity)
{
    if (v == 0 || !isfinite(v))
        return (size_t)snprintf(buffer, capacity, "0") < capacity ? 1 : 0;
    /* Fast path: the fewest decimals k with round(v·10^k)/10^k == v. Both operands are exact
     * doubles and division rounds correctly, so strtod of that text gives v back. */
    static const double powers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    for (int k = 0; k < 16 && capacity >= 40; k++) {
        double scaled = nearbyint(v * powers[k]);
        if (fabs(scaled) >= 9007199254740992.0)
            break;
        if (scaled / powers[k] != v)
            continue;
        char digits[24];
        int n = 0;
        uint64_t u = (uint64_t)fabs(scaled);
        do {
            digits[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        while (n <= k)
            digits[n++] = '0';
        size_t at = 0;
        if (v < 0)
            buffer[at++] = '-';
        for (int i = n - 1; i >= 0; i--) {
            buffer[at++] = digits[i];
            if (i == k && k > 0)
                buffer[at++] = '.';
        }
        buffer[at] = '\0';
        return at;
    }
    int exponent = (int)floor(log10(fabs(v)));
    for (int significant = 15; significant <= 17; significant += 2) {
        int decimals = significant - 1 - exponent;
        if (decimals < 0)
            decimals = 0;
        if (decimals > 40)
            decimals = 40;
        int n = snprintf(buffer, capacity, "%.*f", decimals, v);
        if (n < 0 || (size_t)n >= capacity)
            return 0;
        if (strchr(buffer, '.')) {
            while (n > 0 && buffer[n - 1] == '0')
                buffer[--n] = '\0';
            if (n > 0 && buffer[n - 1] == '.')
                buffer[--n] = '\0';
        }
        if (significant == 17 || strtod(buffer, NULL) == v)
            return (size_t)n;
    }
    return 0;
}

size_t focus_value_format(focus_type type, focus_date_style dates, const focus_value *value,
                          char *buffer, size_t capacity)
{
    int n = 0, y, mo, d, h, mi, s;
    switch (type) {
    case FOCUS_TYPE_STRING:
        if (value->length >= capacity)
            return 0;
        memcpy(buffer, value->text, value->length);
        buffer[value->length] = '\0';
        return value->length;
    case FOCUS_TYPE_DECIMAL:
        return format_decimal(value->number, buffer, capacity);
    case FOCUS_TYPE_INTEGER:
        n = snprintf(buffer, capacity, "%lld", (long long)value->integer);
        break;
    case FOCUS_TYPE_BOOLEAN:
        n = snprintf(buffer, capacity, "%s", value->boolean ? "True" : "False");
        break;
    case FOCUS_TYPE_DATE:
        focus_datetime_to_civil(focus_saturating_mul(value->integer, MICROS_PER_DAY), &y, &mo, &d,
                                &h, &mi, &s);
        n = snprintf(buffer, capacity, "%04d-%02d-%02d", y, mo, d);
        break;
    case FOCUS_TYPE_DATETIME:
        focus_datetime_to_civil(value->integer, &y, &mo, &d, &h, &mi, &s);
        if (dates != FOCUS_DATES_US && capacity >= 24 && y >= 0 && y <= 9999) {
            /* The common case without printf: yyyy-MM-ddTHH:mm[:ss]Z. */
            int fields[] = {y / 100, y % 100, mo, d, h, mi, s};
            const char separators[] = {0, 0, '-', '-', 'T', ':', ':'};
            int count = dates == FOCUS_DATES_ISO_MINUTES ? 6 : 7;
            size_t at = 0;
            for (int i = 0; i < count; i++) {
                if (separators[i])
                    buffer[at++] = separators[i];
                buffer[at++] = (char)('0' + fields[i] / 10);
                buffer[at++] = (char)('0' + fields[i] % 10);
            }
            buffer[at++] = 'Z';
            buffer[at] = '\0';
            return at;
        }
        if (dates == FOCUS_DATES_US)
            n = snprintf(buffer, capacity, "%02d/%02d/%04d", mo, d, y);
        else if (dates == FOCUS_DATES_ISO_MINUTES)
            n = snprintf(buffer, capacity, "%04d-%02d-%02dT%02d:%02dZ", y, mo, d, h, mi);
        else
            n = snprintf(buffer, capacity, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
        break;
    }
    return n > 0 && (size_t)n < capacity ? (size_t)n : 0;
}

/* ---- parsing ---- */

/* Reads exactly 1..max digits; returns the count read (0 = none). */
static int read_number(const char *p, const char *end, int max, int *out)
{
    int count = 0, v = 0;
    while (p + count < end && count < max && p[count] >= '0' && p[count] <= '9')
        v = v * 10 + (p[count++] - '0');
    *out = v;
    return count;
}

static bool parse_time_part(const char **cursor, const char *end, int *h, int *mi, int *s,
                            int64_t *fraction_us)
{
    const char *p = *cursor;
    int n = read_number(p, end, 2, h);
    if (!n || p + n >= end || p[n] != ':')
        return false;
    p += n + 1;
    if (read_number(p, end, 2, mi) != 2)
        return false;
    p += 2;
    if (p < end && *p == ':') {
        if (read_number(p + 1, end, 2, s) != 2)
            return false;
        p += 3;
        if (p < end && *p == '.') {
            p++;
            int64_t scale = 100000;
            const char *digits = p;
            while (p < end && *p >= '0' && *p <= '9') {
                *fraction_us += (*p - '0') * scale;
                scale /= 10;
                p++;
            }
            if (p == digits)
                return false;
        }
    }
    *cursor = p;
    return true;
}

static bool parse_datetime(const char *text, size_t length, int64_t *out)
{
    const char *p = text, *end = text + length;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n;
    int64_t fraction = 0, offset_minutes = 0;
    if ((n = read_number(p, end, 4, &y)) == 4 && p + 4 < end && p[4] == '-') {
        p += 5;
        if (read_number(p, end, 2, &mo) != 2 || p + 2 >= end || p[2] != '-')
            return false;
        p += 3;
        if (read_number(p, end, 2, &d) != 2)
            return false;
        p += 2;
        if (p < end && (*p == 'T' || *p == ' ')) {
            p++;
            if (!parse_time_part(&p, end, &h, &mi, &s, &fraction))
                return false;
        }
        if (p < end && *p == 'Z') {
            p++;
        } else if (p < end && (*p == '+' || *p == '-')) {
            int oh, om;
            int sign = *p == '-' ? -1 : 1;
            if (read_number(p + 1, end, 2, &oh) != 2 || p + 3 >= end || p[3] != ':' ||
                read_number(p + 4, end, 2, &om) != 2)
                return false;
            offset_minutes = sign * (oh * 60 + om);
            p += 6;
        }
    } else {
        /* M/d/yyyy[ h:mm[:ss][ AM|PM]] */
        if (!(n = read_number(p, end, 2, &mo)) || p + n >= end || p[n] != '/')
            return false;
        p += n + 1;
        if (!(n = read_number(p, end, 2, &d)) || p + n >= end || p[n] != '/')
            return false;
        p += n + 1;
        if (read_number(p, end, 4, &y) != 4)
            return false;
        p += 4;
        if (p < end && *p == ' ') {
            p++;
            if (!parse_time_part(&p, end, &h, &mi, &s, &fraction))
                return false;
            if (p + 2 <= end && *p == ' ' && (p[1] == 'A' || p[1] == 'P')) {
                p++;
                if (p + 1 >= end || p[1] != 'M')
                    return false;
                if (h == 12)
                    h = 0;
                if (*p == 'P')
                    h += 12;
                p += 2;
            }
        }
    }
    if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    *out = focus_datetime_from_civil(y, mo, d, h, mi, s) + fraction -
           offset_minutes * 60 * INT64_C(1000000);
    return true;
}

focus_status focus_value_parse(focus_type type, const char *text, size_t length, focus_value *out,
                               focus_error *error)
{
    memset(out, 0, sizeof(*out));
    out->text = text;
    out->length = length;
    if (length == 0) {
        out->is_null = true;
        return FOCUS_OK;
    }
    char local[64];
    char *end = NULL;
    switch (type) {
    case FOCUS_TYPE_STRING:
        return FOCUS_OK;
    case FOCUS_TYPE_DECIMAL:
    case FOCUS_TYPE_INTEGER:
        if (length >= sizeof(local))
            break;
        memcpy(local, text, length);
        local[length] = '\0';
        errno = 0;
        if (type == FOCUS_TYPE_DECIMAL)
            out->number = strtod(local, &end);
        else
            out->integer = strtoll(local, &end, 10);
        if (end == local + length && errno == 0 && local[0] != ' ')
            return FOCUS_OK;
        break;
    case FOCUS_TYPE_BOOLEAN:
        if ((length == 4 && strncasecmp(text, "true", 4) == 0) || (length == 1 && *text == '1')) {
            out->boolean = true;
            return FOCUS_OK;
        }
        if ((length == 5 && strncasecmp(text, "false", 5) == 0) || (length == 1 && *text == '0'))
            return FOCUS_OK;
        break;
    case FOCUS_TYPE_DATETIME:
    case FOCUS_TYPE_DATE:
        if (parse_datetime(text, length, &out->integer)) {
            if (type == FOCUS_TYPE_DATE)
                out->integer = out->integer >= 0
                                   ? out->integer / MICROS_PER_DAY
                                   : -((-out->integer + MICROS_PER_DAY - 1) / MICROS_PER_DAY);
            return FOCUS_OK;
        }
        break;
    }
    return focus_fail(error, FOCUS_SCHEMA_MISMATCH, NULL, -1, -1, "'%.*s' is not a valid %s",
                      (int)(length > 60 ? 60 : length), text, focus_type_name(type));
}
