/* ISO-8601 dates as ARM writes and reads them: 7 fractional digits on run times,
 * milliseconds or none on input, "Z" or a numeric offset. */
#include "mock-server/mock_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mock_format_time(time_t t, long fraction_ms, bool seven_digits, char *buf)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    if (seven_digits)
        sprintf(buf, "%s.%03ld0000Z", base, fraction_ms % 1000);
    else
        sprintf(buf, "%sZ", base);
}

static bool digits(const char *p, int n, int *out)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return false;
        value = value * 10 + (p[i] - '0');
    }
    *out = value;
    return true;
}

bool mock_parse_time(const char *text, time_t *out)
{
    if (text == NULL)
        return false;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int year, month, day, hour = 0, minute = 0, second = 0;
    if (strlen(text) < 10 || !digits(text, 4, &year) || text[4] != '-' ||
        !digits(text + 5, 2, &month) || text[7] != '-' || !digits(text + 8, 2, &day))
        return false;
    const char *p = text + 10;
    long offset = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (!digits(p + 1, 2, &hour) || p[3] != ':' || !digits(p + 4, 2, &minute))
            return false;
        p += 6;
        if (*p == ':') {
            if (!digits(p + 1, 2, &second))
                return false;
            p += 3;
        }
        if (*p == '.') {
            p++;
            while (isdigit((unsigned char)*p))
                p++;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
                return false;
            offset = (oh * 3600L + om * 60L) * (*p == '+' ? 1 : -1);
            p += 6;
        }
    }
    if (*p != '\0' || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60)
        return false;
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    time_t t = timegm(&tm);
    struct tm check;
    gmtime_r(&t, &check);
    if (check.tm_mday != day) /* e.g. February 30th */
        return false;
    *out = t - offset;
    return true;
}
