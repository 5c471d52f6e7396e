/* request.c: see request.h. */
#include "server/http/request.h"

#include <stdlib.h>
#include <string.h>

#include "api/problem.h"
#include "server/http/reply.h"

const char *glia_request_query(const glia_request_t *req, const char *key)
{
    for (int i = 0; i < req->n_query; i++) {
        if (strcmp(req->query_keys[i], key) == 0)
            return req->query_values[i];
    }
    return NULL;
}

int glia_request_only_query(const glia_request_t *req, const char *const *known, glia_error_t *err)
{
    return glia_query_only_known(req->n_query, req->query_keys, known, err);
}

int glia_request_add_query(glia_request_t *req, const char *key, const char *value)
{
    char *k, *v;

    if (req->n_query == GLIA_QUERY_MAX) {
        req->query_overflow = 1;
        return GLIA_ELIMIT;
    }
    k = strdup(key);
    v = strdup(value ? value : "");
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return GLIA_ENOMEM;
    }
    req->query_keys[req->n_query] = k;
    req->query_values[req->n_query] = v;
    req->n_query++;
    return 0;
}

int glia_request_append_body(glia_request_t *req, const char *data, size_t len, size_t max)
{
    if (req->is_too_big)
        return GLIA_ELIMIT;
    if (len > max || req->body_len > max - len) {
        /* Past the limit the rest is read and dropped, so the 413 can be delivered. */
        req->is_too_big = 1;
        free(req->body);
        req->body = NULL;
        req->body_len = req->body_cap = 0;
        return GLIA_ELIMIT;
    }
    if (req->body_len + len + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 1024;
        char *nb;
        while (cap < req->body_len + len + 1)
            cap *= 2;
        if ((nb = realloc(req->body, cap)) == NULL)
            return GLIA_ENOMEM;
        req->body = nb;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, len);
    req->body_len += len;
    req->body[req->body_len] = '\0';
    return 0;
}

int glia_request_parse_body(glia_request_t *req)
{
    json_error_t jerr;
    json_t *p;

    if (req->body_len == 0)
        return 0;
    /* Any JSON value parses: a scalar body is then refused as "not an object" (422) by
     * the route, not as malformed (400). */
    req->json =
        json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (req->json != NULL)
        return 0;
    p = glia_problem(400, "malformed-json", "the body is not valid JSON: %s (line %d, column %d)",
                     jerr.text, jerr.line, jerr.column);
    if (p != NULL) {
        json_object_set_new(p, "line", json_integer(jerr.line));
        json_object_set_new(p, "column", json_integer(jerr.column));
    }
    glia_reply_problem(req, p);
    return GLIA_EFORMAT;
}

void glia_request_free(glia_request_t *req)
{
    if (req == NULL)
        return;
    for (int i = 0; i < req->n_query; i++) {
        free(req->query_keys[i]);
        free(req->query_values[i]);
    }
    free(req->route_path);
    free(req->body);
    free(req->resp_body);
    json_decref(req->json);
    free(req->spec);
    free(req->experiment_spec);
    if (req->objective != NULL)
        free(req->objective->values);
    free(req->objective);
    free(req->snapshot);
    json_decref(req->snapshot_config);
    if (req->mem_reserved > 0)
        glia_budget_give(&req->srv->budget, req->mem_reserved);
    free(req);
}
