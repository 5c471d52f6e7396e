/* reply.h: answering a request (like Redis' addReply*), apart from the transport.
 *
 * A reply is complete when the call returns: the request is handed back to the transport
 * (its resume_cb resumes a suspended connection), so a handler must not touch the request
 * after replying. Problems are RFC 9457 (api/problem.h), each with its "instance" set to
 * the request's path.
 */
#ifndef GLIA_REPLY_H
#define GLIA_REPLY_H

#include "server/server.h"

/* A JSON body as a reply renders it (pretty, with a final newline), on any thread: a new
 * string (free()) and its length, or NULL on out of memory. Takes `body`. */
char *glia_render_json(json_t *body, size_t *len);

/* Replies. Each takes ownership of what it is given (body, problem, text). */
void glia_reply_json(glia_request_t *req, int status, json_t *body);
void glia_reply_problem(glia_request_t *req, json_t *problem); /* status from the problem */
void glia_reply_text(glia_request_t *req, int status, const char *type, char *text, size_t len);
void glia_reply_empty(glia_request_t *req, int status); /* 204 */
/* A reply whose body is static storage, sent as it is (never copied or freed): an
 * embedded file of the web UI. `type` may be NULL (no body). */
void glia_reply_static(glia_request_t *req, int status, const char *type, const void *body,
                       size_t len);
/* Add a header to the reply about to be made (before the glia_reply_* call, which hands
 * the request back). Name and value are static strings. A "Cache-Control" given here
 * replaces the default (no-store). At most GLIA_REPLY_HEADERS: returns GLIA_ELIMIT past
 * them (the header is not sent), else 0. */
int glia_reply_add_header(glia_request_t *req, const char *name, const char *value);
/* 204: empty; >= 400: `body` is a problem; else JSON. */
void glia_reply(glia_request_t *req, int status, json_t *body);

/* Common problems. */
void glia_reply_oom(glia_request_t *req);                         /* 500 internal: out of memory */
void glia_reply_not_found(glia_request_t *req, const char *what); /* no <what> named "{name}" */
void glia_reply_shutting_down(glia_request_t *req);               /* 503 */
/* 409: session "<name>" is <state>: <what>, with "state" (loop thread). */
void glia_reply_conflict(glia_request_t *req, const glia_entry_t *e, const char *what);
/* 400 bad-query for a query parameter (err->field "?name") or a header (err->field
 * "Header-Name"): errors[] names it as "parameter" or "header". */
void glia_reply_bad_query(glia_request_t *req, const glia_error_t *err);
/* What a prepare function reported: GLIA_ENOMEM -> 500, a query parameter or header ->
 * 400, anything else -> 422 validation with the JSON pointer. */
void glia_reply_prepare_error(glia_request_t *req, int rc, const glia_error_t *err);

#endif
