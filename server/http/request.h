/* request.h: building a request from what the transport read, apart from the transport.
 *
 * The transport (http.c) fills a glia_request_t from libmicrohttpd (query, body, headers)
 * through the glia_request_* calls; handlers answer it with the glia_reply_* calls
 * (reply.h). Parsing the body is the one call here that may answer the request itself
 * (400 malformed-json).
 */
#ifndef GLIA_REQUEST_H
#define GLIA_REQUEST_H

#include "server/server.h"

#define GLIA_QUERY_MAX 16 /* query parameters per request */

/* The value of query parameter `key` (borrowed), or NULL. */
const char *glia_request_query(const glia_request_t *req, const char *key);
/* 0 when every query parameter of the request is listed in `known` (NULL-terminated; NULL:
 * none are taken), else GLIA_EINVAL naming the first other one ("?name", a 400). */
int glia_request_only_query(const glia_request_t *req, const char *const *known, glia_error_t *err);
/* Keep a query parameter. 0, GLIA_ELIMIT past GLIA_QUERY_MAX (req->query_overflow is set),
 * or GLIA_ENOMEM. */
int glia_request_add_query(glia_request_t *req, const char *key, const char *value);
/* Append a chunk of the body. Past `max` bytes in all the body is dropped,
 * req->is_too_big is set and GLIA_ELIMIT returned (later chunks are dropped too).
 * 0 or GLIA_ENOMEM otherwise. */
int glia_request_append_body(glia_request_t *req, const char *data, size_t len, size_t max);
/* Parse the body as JSON into req->json (any JSON value; no body: NULL). Returns 0, or
 * GLIA_EFORMAT after answering 400 malformed-json with the line and column. */
int glia_request_parse_body(glia_request_t *req);
/* Free the request and everything it holds. NULL is a no-op. */
void glia_request_free(glia_request_t *req);

#endif
