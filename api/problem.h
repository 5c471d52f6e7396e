/* problem.h: RFC 9457 problem details (application/problem+json).
 *
 * Every error glia answers over HTTP is one of these: `type` is a stable URN naming
 * the kind of problem (urn:glia:problem:<slug>), `title` its fixed summary, `status`
 * the HTTP status, `detail` this occurrence in plain words. Validation problems add
 * `errors: [{pointer, detail}]`, the pointer locating the field in the request body.
 */
#ifndef GLIA_PROBLEM_H
#define GLIA_PROBLEM_H

#include <jansson.h>

#include "core/error.h"

#define GLIA_PROBLEM_CONTENT_TYPE "application/problem+json"

/* A problem object (new reference, or NULL on OOM). `slug` is the URN suffix, e.g.
 * "not-found"; the title comes from the status. */
json_t *glia_problem(int status, const char *slug, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A 422 validation problem from a core/api error record. */
json_t *glia_problem_validation(const glia_error_t *err);

/* The standard reason phrase for a status ("Unprocessable Content"). */
const char *glia_http_reason(int status);

#endif
