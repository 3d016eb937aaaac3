/* Internals of the transport shared with the retry layer and unit tests: reply header
 * parsing and field lists. Not part of the public API. */
#ifndef HUBAGENT_ARM_HTTP_INT_H
#define HUBAGENT_ARM_HTTP_INT_H

#include "arm/http.h"

typedef enum arm_header_line_kind {
    ARM_HEADER_LINE_FIELD = 0, /* name/value set (malloc'd) */
    ARM_HEADER_LINE_STATUS,    /* "HTTP/x nnn …": a new reply starts */
    ARM_HEADER_LINE_END,       /* the blank line ending a header block */
    ARM_HEADER_LINE_INVALID,   /* ignored (no colon, empty name) */
    ARM_HEADER_LINE_NO_MEMORY,
} arm_header_line_kind;

/* Parses one raw header line as libcurl delivers it (with or without CRLF). Values are
 * trimmed of surrounding whitespace. */
arm_header_line_kind arm_http_parse_header_line(const char *line, size_t len, char **out_name,
                                                char **out_value);

/* Appends a field to a response (takes ownership of name/value). 0 on success. */
int arm_http_response_add_header(arm_http_response *response, char *name, char *value);
void arm_http_response_clear_headers(arm_http_response *response);

#endif
