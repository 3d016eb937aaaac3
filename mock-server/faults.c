/* Fault injection per route: a probability or a scripted sequence of faults (5xx with or
 * without Retry-After, connection reset, slow reply, truncated/malformed JSON, failed run). */
#include "mock-server/mock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool check_fault(json_t *fault, const char *where, mock_error *error)
{
    if (json_is_null(fault) ||
        (json_is_string(fault) && strcmp(json_string_value(fault), "pass") == 0))
        return true;
    if (!json_is_object(fault)) {
        mock_error_set(error, "%s: expected a fault object, null or \"pass\"", where);
        return false;
    }
    json_t *status = json_object_get(fault, "status");
    if (status != NULL && (!json_is_integer(status) || json_integer_value(status) < 400 ||
                           json_integer_value(status) > 599)) {
        mock_error_set(error, "%s.status: expected an HTTP error status 400-599", where);
        return false;
    }
    const char *run_status = json_string_value(json_object_get(fault, "run_status"));
    if (json_object_get(fault, "run_status") != NULL &&
        (run_status == NULL ||
         (strcmp(run_status, "Failed") != 0 && strcmp(run_status, "Timeout") != 0 &&
          strcmp(run_status, "DataNotAvailable") != 0 && strcmp(run_status, "Completed") != 0 &&
          strcmp(run_status, "NewDataNotAvailable") != 0))) {
        mock_error_set(error,
                       "%s.run_status: expected Failed, Timeout, DataNotAvailable, "
                       "NewDataNotAvailable or Completed",
                       where);
        return false;
    }
    const char *known[] = {"status",   "retry_after", "reset",     "reset_after",
                           "delay_ms", "truncate",    "malformed", "run_status"};
    const char *key;
    json_t *value;
    json_object_foreach(fault, key, value)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok) {
            mock_error_set(error, "%s: unknown fault field '%s'", where, key);
            return false;
        }
    }
    return true;
}

mock_status mock_faults_set(mock_server *server, json_t *rules, mock_error *error)
{
    if (!json_is_array(rules)) {
        mock_error_set(error, "faults: expected an array of fault rules");
        return MOCK_ERROR_CONFIG;
    }
    size_t i;
    json_t *rule;
    json_array_foreach(rules, i, rule)
    {
        char where[64];
        snprintf(where, sizeof where, "faults[%zu]", i);
        json_t *sequence = json_object_get(rule, "sequence");
        json_t *probability = json_object_get(rule, "probability");
        if (!json_is_object(rule) || !json_is_string(json_object_get(rule, "route"))) {
            mock_error_set(error, "%s: expected an object with a \"route\" string", where);
            return MOCK_ERROR_CONFIG;
        }
        if ((sequence == NULL) == (probability == NULL)) {
            mock_error_set(error, "%s: give either \"sequence\" or \"probability\" + \"fault\"",
                           where);
            return MOCK_ERROR_CONFIG;
        }
        if (probability != NULL) {
            json_t *fault = json_object_get(rule, "fault");
            if (!json_is_number(probability) || json_number_value(probability) < 0 ||
                json_number_value(probability) > 1 || !json_is_object(fault)) {
                mock_error_set(error, "%s: probability must be 0..1 with a \"fault\" object",
                               where);
                return MOCK_ERROR_CONFIG;
            }
            if (!check_fault(fault, where, error))
                return MOCK_ERROR_CONFIG;
        }
        if (sequence != NULL) {
            if (!json_is_array(sequence)) {
                mock_error_set(error, "%s.sequence: expected an array", where);
                return MOCK_ERROR_CONFIG;
            }
            size_t j;
            json_t *step;
            json_array_foreach(sequence, j, step)
            {
                char inner[96];
                snprintf(inner, sizeof inner, "%s.sequence[%zu]", where, j);
                if (!check_fault(step, inner, error))
                    return MOCK_ERROR_CONFIG;
            }
        }
    }
    json_t *copy = json_deep_copy(rules);
    json_array_foreach(copy, i, rule)
    {
        json_object_set_new(rule, "position", json_integer(0));
    }
    json_decref(server->faults);
    server->faults = copy;
    return MOCK_OK;
}

static double next_random(mock_server *server)
{
    unsigned long long x = server->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    server->rng = x;
    return (double)(x >> 11) / (double)(1ULL << 53);
}

static bool route_matches(const char *pattern, const char *route)
{
    size_t len = strlen(pattern);
    if (strcmp(pattern, "*") == 0 || strcmp(pattern, route) == 0)
        return true;
    /* "exports.*" matches every exports route. */
    return len > 1 && pattern[len - 1] == '*' && strncmp(pattern, route, len - 1) == 0;
}

static bool to_fault(json_t *json, mock_fault *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(json))
        return false;
    out->status = (unsigned)json_integer_value(json_object_get(json, "status"));
    out->retry_after = (long)json_integer_value(json_object_get(json, "retry_after"));
    out->reset = json_is_true(json_object_get(json, "reset"));
    out->reset_after = json_is_true(json_object_get(json, "reset_after"));
    out->delay_ms = (long)json_integer_value(json_object_get(json, "delay_ms"));
    out->truncate = json_is_true(json_object_get(json, "truncate"));
    out->malformed = json_is_true(json_object_get(json, "malformed"));
    const char *run_status = json_string_value(json_object_get(json, "run_status"));
    out->run_status = run_status ? strdup(run_status) : NULL;
    return true;
}

bool mock_fault_pick(mock_server *server, const mock_request *request, mock_fault *out)
{
    size_t i;
    json_t *rule;
    json_array_foreach(server->faults, i, rule)
    {
        const char *method = json_string_value(json_object_get(rule, "method"));
        const char *contains = json_string_value(json_object_get(rule, "path_contains"));
        if (!route_matches(json_string_value(json_object_get(rule, "route")), request->route) ||
            (method && strcasecmp(method, request->method) != 0) ||
            (contains && strstr(request->path, contains) == NULL))
            continue;
        json_t *sequence = json_object_get(rule, "sequence");
        if (sequence != NULL) {
            size_t position = (size_t)json_integer_value(json_object_get(rule, "position"));
            if (position >= json_array_size(sequence)) {
                if (!json_is_true(json_object_get(rule, "repeat")) ||
                    json_array_size(sequence) == 0)
                    continue; /* used up: later rules may still apply */
                position = 0;
            }
            json_object_set_new(rule, "position", json_integer((json_int_t)position + 1));
            return to_fault(json_array_get(sequence, position), out);
        }
        if (next_random(server) < json_number_value(json_object_get(rule, "probability")))
            return to_fault(json_object_get(rule, "fault"), out);
        return false;
    }
    return false;
}

void mock_fault_dispose(mock_fault *fault)
{
    free(fault->run_status);
    fault->run_status = NULL;
}
