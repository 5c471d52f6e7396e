/* reply.c: see reply.h. */
#include "server/http/reply.h"

#include <stdlib.h>
#include <string.h>

#include "api/json_write.h"
#include "api/problem.h"
#include "server/sessions/entry.h"

/* The reply is complete: hand the request back to the transport. Nothing may touch the
 * request afterwards (the transport may free it at once). */
static void hand_back(glia_request_t *req)
{
    req->is_ready = 1;
    if (req->is_suspended) {
        req->is_suspended = 0;
        if (req->resume_cb != NULL)
            req->resume_cb(req);
    }
}

static void set_reply(glia_request_t *req, int status, const char *type, char *text, size_t len)
{
    free(req->resp_body);
    req->status = status;
    req->resp_type = type;
    req->resp_body = text;
    req->resp_static = NULL;
    req->resp_len = len;
}

void glia_reply_text(glia_request_t *req, int status, const char *type, char *text, size_t len)
{
    set_reply(req, status, type, text, len);
    hand_back(req);
}

void glia_reply_empty(glia_request_t *req, int status)
{
    glia_reply_text(req, status, NULL, NULL, 0);
}

void glia_reply_static(glia_request_t *req, int status, const char *type, const void *body,
                       size_t len)
{
    set_reply(req, status, type, NULL, len);
    req->resp_static = body;
    hand_back(req);
}

int glia_reply_add_header(glia_request_t *req, const char *name, const char *value)
{
    if (req->n_resp_headers == GLIA_REPLY_HEADERS)
        return GLIA_ELIMIT;
    req->resp_headers[req->n_resp_headers][0] = name;
    req->resp_headers[req->n_resp_headers][1] = value;
    req->n_resp_headers++;
    return 0;
}

/* Serialise `body` (stolen) as the reply; on out of memory a fixed 500 problem. */
static void set_json(glia_request_t *req, int status, const char *type, json_t *body)
{
    size_t len = 0;
    char *text = body ? glia_json_dumps(body, GLIA_JSON_PRETTY, &len) : NULL;

    json_decref(body);
    if (text == NULL) {
        static const char oom[] = "{\"type\":\"urn:glia:problem:internal\",\"title\":\"Internal "
                                  "Server Error\",\"status\":500,\"detail\":\"out of memory\"}";
        text = strdup(oom);
        set_reply(req, 500, GLIA_PROBLEM_CONTENT_TYPE, text, text ? strlen(text) : 0);
        return;
    }
    /* A trailing newline is friendlier to curl users. */
    {
        char *t = realloc(text, len + 2);
        if (t != NULL) {
            text = t;
            text[len++] = '\n';
            text[len] = '\0';
        }
    }
    set_reply(req, status, type, text, len);
}

char *glia_render_json(json_t *body, size_t *len)
{
    char *text = body ? glia_json_dumps(body, GLIA_JSON_PRETTY, len) : NULL;
    char *t;

    json_decref(body);
    if (text == NULL)
        return NULL;
    if ((t = realloc(text, *len + 2)) == NULL) {
        free(text);
        return NULL;
    }
    t[(*len)++] = '\n';
    t[*len] = '\0';
    return t;
}

void glia_reply_json(glia_request_t *req, int status, json_t *body)
{
    set_json(req, status, "application/json", body);
    hand_back(req);
}

void glia_reply_problem(glia_request_t *req, json_t *problem)
{
    int status = problem ? (int)json_integer_value(json_object_get(problem, "status")) : 500;

    if (problem != NULL)
        json_object_set_new(problem, "instance", json_string(req->path));
    set_json(req, status ? status : 500, GLIA_PROBLEM_CONTENT_TYPE, problem);
    hand_back(req);
}

void glia_reply(glia_request_t *req, int status, json_t *body)
{
    if (status >= 400)
        glia_reply_problem(req, body);
    else if (status == 204) {
        json_decref(body);
        glia_reply_empty(req, 204);
    } else
        glia_reply_json(req, status, body);
}

void glia_reply_oom(glia_request_t *req)
{
    glia_reply_problem(req, glia_problem(500, "internal", "out of memory"));
}

void glia_reply_not_found(glia_request_t *req, const char *what)
{
    glia_reply_problem(req,
                       glia_problem(404, "not-found", "no %s named \"%s\"", what, req->match.name));
}

void glia_reply_shutting_down(glia_request_t *req)
{
    glia_reply_problem(req, glia_problem(503, "shutting-down", "the server is shutting down"));
}

void glia_reply_conflict(glia_request_t *req, const glia_entry_t *e, const char *what)
{
    json_t *p = glia_problem(409, "conflict", "session \"%s\" is %s: %s", e->name,
                             glia_state_name(e->state), what);
    if (p != NULL)
        json_object_set_new(p, "state", json_string(glia_state_name(e->state)));
    glia_reply_problem(req, p);
}

void glia_reply_bad_query(glia_request_t *req, const glia_error_t *err)
{
    json_t *p = glia_problem(400, "bad-query", "%s", err->message);
    int is_header = err->field[0] != '?';
    const char *name = is_header ? err->field : err->field + 1;

    if (p != NULL)
        json_object_set_new(p, "errors",
                            json_pack("[{s:s, s:s}]", is_header ? "header" : "parameter", name,
                                      "detail", err->message));
    glia_reply_problem(req, p);
}

void glia_reply_prepare_error(glia_request_t *req, int rc, const glia_error_t *err)
{
    if (rc == GLIA_ENOMEM)
        glia_reply_oom(req);
    else if (err->field[0] != '\0' && err->field[0] != '/')
        glia_reply_bad_query(req, err);
    else
        glia_reply_problem(req, glia_problem_validation(err));
}
