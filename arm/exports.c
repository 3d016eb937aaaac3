/* Exports client: URLs for each operation at any scope, the calls through the pipeline
 * (tokens, pacing per Cost Management scope, retries) and typed results. */
#include "arm/exports.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arm_exports_client {
    arm_http_client *http;
    char *endpoint;
    char *api_version;
    char *resource;
    arm_retry_policy retry;
    arm_pipeline pipeline;
};

arm_exports_options arm_exports_options_default(void)
{
    arm_exports_options o;
    memset(&o, 0, sizeof o);
    o.endpoint = "https://management.azure.com";
    o.api_version = ARM_EXPORTS_API_PREVIEW;
    o.resource = "https://management.azure.com/";
    return o;
}

arm_status arm_exports_client_new(arm_http_client *http, const arm_exports_options *opts,
                                  arm_exports_client **out, arm_error *err)
{
    if (http == NULL || out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "arm_exports_client_new: needs an http client and out");
    *out = NULL;
    arm_exports_options d = arm_exports_options_default();
    arm_exports_options o = opts != NULL ? *opts : d;
    arm_exports_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    c->http = http;
    c->endpoint = strdup(o.endpoint ? o.endpoint : d.endpoint);
    c->api_version = strdup(o.api_version ? o.api_version : d.api_version);
    c->resource = strdup(o.resource ? o.resource : d.resource);
    if (c->endpoint == NULL || c->api_version == NULL || c->resource == NULL) {
        arm_exports_client_free(c);
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    size_t n = strlen(c->endpoint);
    while (n > 0 && c->endpoint[n - 1] == '/')
        c->endpoint[--n] = '\0';
    c->retry = o.retry ? *o.retry : arm_retry_policy_default();
    c->pipeline.http = http;
    c->pipeline.retry = &c->retry;
    c->pipeline.pacer = o.pacer;
    c->pipeline.tokens = o.tokens;
    c->pipeline.resource = c->resource;
    *out = c;
    return ARM_OK;
}

void arm_exports_client_free(arm_exports_client *c)
{
    if (c == NULL)
        return;
    free(c->endpoint);
    free(c->api_version);
    free(c->resource);
    free(c);
}

/* Scopes go into the path verbatim (slashes kept), so refuse what would change the URL. */
static arm_status check_text(const char *what, const char *s, bool slashes, arm_error *err)
{
    if (s == NULL || s[0] == '\0')
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "export %s is empty", what);
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= 0x20 || ch >= 0x7f || strchr("?#%\\\"<>", ch) != NULL || (!slashes && ch == '/'))
            return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                                 "export %s \"%.200s\" has a character not allowed at offset %td",
                                 what, s, p - s);
    }
    if (strstr(s, "..") != NULL || (slashes && strstr(s, "//") != NULL))
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "export %s \"%.200s\" has an empty or relative segment", what, s);
    return ARM_OK;
}

/* endpoint/scope/providers/Microsoft.CostManagement/exports[/name[/tail]]?api-version=V[&extra] */
static char *build_url(const arm_exports_client *c, const char *scope, const char *name,
                       const char *tail, const char *extra, arm_error *err)
{
    if (check_text("scope", scope, true, err) != ARM_OK ||
        (name != NULL && check_text("name", name, false, err) != ARM_OK))
        return NULL;
    while (*scope == '/')
        scope++;
    size_t sl = strlen(scope);
    while (sl > 0 && scope[sl - 1] == '/')
        sl--;
    char *url = NULL;
    if (asprintf(&url,
                 "%s/%.*s/providers/Microsoft.CostManagement/exports%s%s%s%s?api-version=%s%s",
                 c->endpoint, (int)sl, scope, name ? "/" : "", name ? name : "", tail ? "/" : "",
                 tail ? tail : "", c->api_version, extra ? extra : "") < 0) {
        arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    return url;
}

/* One call: build the URL, send through the pipeline, leave the reply in resp. */
static arm_status call(arm_exports_client *c, const char *method, const char *scope,
                       const char *name, const char *tail, const char *extra, const char *body,
                       bool fresh, arm_http_response *resp, arm_error *err)
{
    if (c == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "exports client is NULL");
    char *url = build_url(c, scope, name, tail, extra, err);
    if (url == NULL)
        return err != NULL ? err->status : ARM_ERR_INVALID_ARGUMENT;
    arm_http_header json[] = {{"Content-Type", "application/json"}};
    arm_http_request req = {.method = method, .url = url, .fresh_connection = fresh};
    if (body != NULL) {
        req.headers = json;
        req.header_count = 1;
        req.body = body;
        req.body_len = strlen(body);
    }
    arm_status st = arm_pipeline_send(&c->pipeline, NULL, &req, resp, err);
    free(url);
    return st;
}

/* A 2xx reply whose body cannot be used still names the request in the error. */
static arm_status parse_failed(arm_status st, arm_error *err, const arm_http_response *resp)
{
    if (st != ARM_OK && err != NULL) {
        err->http_status = resp->status;
        snprintf(err->client_request_id, sizeof err->client_request_id, "%s",
                 resp->client_request_id);
    }
    return st;
}

static const char *expand(bool yes)
{
    return yes ? "&$expand=runHistory" : NULL;
}

arm_status arm_exports_list(arm_exports_client *c, const char *scope, bool expand_runs,
                            arm_export_list *out, arm_error *err)
{
    if (out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_exports_list: no output");
    memset(out, 0, sizeof *out);
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = call(c, "GET", scope, NULL, NULL, expand(expand_runs), NULL, false, &resp, err);
    if (st == ARM_OK)
        st = parse_failed(arm_export_list_parse(resp.body, resp.body_len, out, err), err, &resp);
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_exports_get(arm_exports_client *c, const char *scope, const char *name,
                           bool expand_runs, arm_export *out, arm_error *err)
{
    if (out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_exports_get: no output");
    arm_export_init(out);
    if (name == NULL)
        return check_text("name", name, false, err);
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = call(c, "GET", scope, name, NULL, expand(expand_runs), NULL, false, &resp, err);
    if (st == ARM_OK)
        st = parse_failed(arm_export_parse(resp.body, resp.body_len, out, err), err, &resp);
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_exports_create_or_update(arm_exports_client *c, const char *scope, const char *name,
                                        const arm_export *e, arm_export *out, bool *out_created,
                                        arm_error *err)
{
    if (out != NULL)
        arm_export_init(out);
    if (out_created != NULL)
        *out_created = false;
    if (e == NULL || name == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "arm_exports_create_or_update: needs a name and an export");
    arm_error local;
    if (err == NULL)
        err = &local;
    char *body = NULL;
    arm_status st = arm_export_build(e, &body, err);
    if (st != ARM_OK)
        return st;
    /* A create (no eTag) goes on a fresh connection, so only our own retry can resend it. */
    bool creating = e->etag == NULL;
    arm_http_response resp;
    arm_http_response_init(&resp);
    st = call(c, "PUT", scope, name, NULL, NULL, body, creating, &resp, err);
    free(body);
    if (st == ARM_ERR_HTTP && creating && err->attempts > 1 && err->http_status == 400 &&
        strstr(err->message, "Etag value required") != NULL) {
        /* The first try's reply was lost but it created the export; the retry then met it
         * and ARM asked for an eTag. The work is done: read the export back. */
        arm_http_response_dispose(&resp);
        arm_export got;
        st = arm_exports_get(c, scope, name, false, out != NULL ? out : &got, err);
        if (out == NULL)
            arm_export_dispose(&got);
        if (st == ARM_OK && out_created != NULL)
            *out_created = true;
        return st;
    }
    if (st == ARM_OK && out_created != NULL)
        *out_created = resp.status == 201;
    if (st == ARM_OK && out != NULL && resp.body_len > 0)
        st = parse_failed(arm_export_parse(resp.body, resp.body_len, out, err), err, &resp);
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_exports_delete(arm_exports_client *c, const char *scope, const char *name,
                              arm_error *err)
{
    if (name == NULL)
        return check_text("name", name, false, err);
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = call(c, "DELETE", scope, name, NULL, NULL, NULL, false, &resp, err);
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_exports_run(arm_exports_client *c, const char *scope, const char *name,
                           const char *from, const char *to, arm_error *err)
{
    if (name == NULL)
        return check_text("name", name, false, err);
    if ((from == NULL) != (to == NULL))
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT,
                             "export run: give both timePeriod from and to, or neither");
    char *body = NULL;
    if (from != NULL) {
        if (check_text("timePeriod from", from, false, err) != ARM_OK ||
            check_text("timePeriod to", to, false, err) != ARM_OK)
            return ARM_ERR_INVALID_ARGUMENT;
        if (asprintf(&body, "{\"timePeriod\":{\"from\":\"%s\",\"to\":\"%s\"}}", from, to) < 0)
            return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = call(c, "POST", scope, name, "run", NULL, body, false, &resp, err);
    free(body);
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_exports_run_history(arm_exports_client *c, const char *scope, const char *name,
                                   arm_export_run_list *out, arm_error *err)
{
    if (out == NULL)
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_exports_run_history: no output");
    memset(out, 0, sizeof *out);
    if (name == NULL)
        return check_text("name", name, false, err);
    arm_http_response resp;
    arm_http_response_init(&resp);
    arm_status st = call(c, "GET", scope, name, "runHistory", NULL, NULL, false, &resp, err);
    if (st == ARM_OK)
        st =
            parse_failed(arm_export_run_list_parse(resp.body, resp.body_len, out, err), err, &resp);
    arm_http_response_dispose(&resp);
    return st;
}

arm_status arm_exports_list_many(arm_exports_client *c, const char *const *scopes, size_t count,
                                 bool expand_runs, arm_exports_result *results, arm_error *err)
{
    if (c == NULL || (count > 0 && (scopes == NULL || results == NULL)))
        return arm_error_set(err, ARM_ERR_INVALID_ARGUMENT, "arm_exports_list_many: NULL argument");
    arm_http_request *reqs = calloc(count ? count : 1, sizeof *reqs);
    arm_http_exchange *xs = calloc(count ? count : 1, sizeof *xs);
    size_t *slot_of = calloc(count ? count : 1, sizeof *slot_of);
    if (reqs == NULL || xs == NULL || slot_of == NULL) {
        free(reqs);
        free(xs);
        free(slot_of);
        return arm_error_set(err, ARM_ERR_NO_MEMORY, "out of memory");
    }
    /* Bad scopes fail alone; the others go out together. */
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        arm_exports_result *r = &results[i];
        memset(r, 0, sizeof *r);
        arm_error_init(&r->error);
        char *url = build_url(c, scopes[i], NULL, NULL, expand(expand_runs), &r->error);
        if (url == NULL) {
            r->status = r->error.status;
            continue;
        }
        reqs[n] = (arm_http_request){.method = "GET", .url = url};
        xs[n].request = &reqs[n];
        slot_of[n++] = i;
    }
    arm_status st = arm_pipeline_send_all(&c->pipeline, NULL, xs, n, err);
    for (size_t k = 0; k < n; k++) {
        arm_exports_result *r = &results[slot_of[k]];
        r->error = xs[k].error;
        r->status = st != ARM_OK ? st : xs[k].status;
        if (r->status == ARM_OK)
            r->status =
                parse_failed(arm_export_list_parse(xs[k].response.body, xs[k].response.body_len,
                                                   &r->list, &r->error),
                             &r->error, &xs[k].response);
        free((char *)reqs[k].url);
    }
    arm_http_exchange_dispose(xs, n);
    free(reqs);
    free(xs);
    free(slot_of);
    return st;
}

void arm_exports_result_dispose(arm_exports_result *results, size_t count)
{
    for (size_t i = 0; results != NULL && i < count; i++)
        arm_export_list_dispose(&results[i].list);
}
