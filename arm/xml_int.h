/* The little XML reading arm needs (Blob lists and error bodies, HTML titles): find an
 * element, decode the five entities. Not a parser; not part of the public API. */
#ifndef HUBAGENT_ARM_XML_INT_H
#define HUBAGENT_ARM_XML_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Finds <tag>…</tag> or <tag/> in [s, end); sets the inner range. A missing close tag
 * (a truncated body) takes the rest. Returns false when the element is absent. */
bool arm_xml_find(const char *s, const char *end, const char *tag, bool ignore_case,
                  const char **out_start, const char **out_end);

/* The element's text with entities decoded (malloc'd), or NULL when absent. */
char *arm_xml_text(const char *s, const char *end, const char *tag, bool ignore_case);

#endif
