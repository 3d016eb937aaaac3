/* A tiny scripted HTTP server (libmicrohttpd, 127.0.0.1, port chosen at run time) for the
 * transport and retry tests: echo, fixed statuses, sized bodies and a queue of replies. */
#ifndef HUBAGENT_TEST_HTTP_FIXTURE_H
#define HUBAGENT_TEST_HTTP_FIXTURE_H

#include <stddef.h>

typedef struct http_fixture http_fixture;

/* Starts the server; base_url gets "http://127.0.0.1:PORT". NULL on failure. */
http_fixture *http_fixture_start(void);
void http_fixture_stop(http_fixture *f);
const char *http_fixture_url(const http_fixture *f);

/* Queues a reply for the next request to /script (FIFO). headers is "Name: value\n"…
 * (may be NULL). When the queue is empty /script answers 200 "{}". */
void http_fixture_push(http_fixture *f, int status, const char *headers, const char *body);
/* Queues a dropped connection (no reply) for the next /script request. */
void http_fixture_push_reset(http_fixture *f);
/* Requests seen by /script so far, and the method/body size of the last one. */
int http_fixture_script_hits(http_fixture *f);
/* Largest number of requests that were being handled at the same moment. */
int http_fixture_max_concurrent(http_fixture *f);

#endif
