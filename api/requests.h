/* requests.h: request bodies and query parameters -> typed values.
 *
 * Each parser checks one JSON body completely (types, ranges, unknown fields) and
 * reports the first problem through glia_error_t with a JSON pointer into the body, so
 * the server can answer 422 with errors[].pointer. Query parameters are parsed with
 * glia_query_int, which names the parameter in its message.
 */
#ifndef GLIA_REQUESTS_H
#define GLIA_REQUESTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/router.h"
#include "core/config.h"
#include "core/error.h"

#define GLIA_MAX_STEP_REQUEST 1000      /* steps per POST /step */
#define GLIA_MAX_RUN_EPISODES 100000000 /* episodes per POST /run */

/* Fail with "unknown field" (pointer `base`/key) on any member of `obj` not listed in
 * `known` (NULL-terminated). */
int glia_json_only_known(const json_t *obj, const char *const *known, const char *base,
                         glia_error_t *err);

/* POST /v1/sessions and PUT /v1/sessions/{name}/config. */
typedef struct glia_session_spec {
    char name[GLIA_NAME_MAX + 1]; /* "" for PUT /config */
    char preset[32];              /* canonical preset name, "" for none */
    uint32_t seed;
    glia_config_t config;         /* resolved: preset (or defaults) + overrides, validated */
    json_t *config_overrides;     /* borrowed from the body, NULL if none */
    int export_metrics;           /* publish per-session gauges on /metrics */
    const char *snapshot;         /* borrowed base64 text, or NULL */
    uint64_t query_budget;        /* a study's budget of reward queries (0: none) */
} glia_session_spec_t;

/* Parse a session spec. `with_name` requires "name" (create); without it "name" is an
 * unknown field (PUT /config). A "snapshot" excludes preset, seed and config. Returns 0,
 * or GLIA_EINVAL with err set (pointer relative to the body). */
int glia_parse_session_spec(const json_t *body, int with_name, glia_session_spec_t *spec,
                            glia_error_t *err);

/* {"episodes": n}: n in 1..GLIA_MAX_RUN_EPISODES. */
int glia_parse_run(const json_t *body, uint64_t *episodes, glia_error_t *err);

/* {"steps": n}: n in 1..GLIA_MAX_STEP_REQUEST; a missing body (NULL) means 1. */
int glia_parse_step(const json_t *body, int *steps, glia_error_t *err);

/* A body that must be absent or {} (pause, resume, cancel). */
int glia_parse_empty(const json_t *body, glia_error_t *err);

/* Parse query parameter `name` = `value` as an integer in [min, max]. Returns 0, or
 * GLIA_EINVAL with err->field = "?name" and a message. */
int glia_query_int(const char *name, const char *value, int64_t min, int64_t max,
                   int64_t *out, glia_error_t *err);

/* Parse a boolean query value ("true"/"false"/"1"/"0"). */
int glia_query_bool(const char *name, const char *value, int *out, glia_error_t *err);

/* Fail with 400 (err->field "?name") on the first of the `n` query parameter names `keys`
 * not listed in `known` (NULL-terminated): every route declares what it takes. */
int glia_query_only_known(int n, char *const *keys, const char *const *known, glia_error_t *err);

/* ?format=`value`: its index in `formats` (NULL-terminated) into *out, or GLIA_EINVAL
 * naming "?format" and the formats taken. */
int glia_query_format(const char *value, const char *const *formats, int *out, glia_error_t *err);

/* POST /v1/sessions/{name}/objective: {"weights": [w...]} or {"batch": [[w...], ...]}. */
#define GLIA_OBJECTIVE_MAX_VECTORS 256
#define GLIA_OBJECTIVE_MAX_WEIGHT  1e9 /* |w|: sums over any network stay finite */
typedef struct glia_objective_body {
    int is_batch;
    int n_vectors;                          /* 1..GLIA_OBJECTIVE_MAX_VECTORS */
    size_t len[GLIA_OBJECTIVE_MAX_VECTORS]; /* numbers in each vector */
    double *values;                         /* the vectors one after the other (free()) */
} glia_objective_body_t;

/* Parse the body into *out (its lengths are checked against the session later). Returns
 * 0, GLIA_EINVAL with a JSON pointer ("/weights/3", "/batch/2/7", "/batch"), or
 * GLIA_ENOMEM. out->values is the caller's to free either way. */
int glia_parse_objective(const json_t *body, glia_objective_body_t *out, glia_error_t *err);

/* Base64 (RFC 4648, with padding). encode returns a new string (free()); decode returns
 * 0 and a new buffer, or GLIA_EINVAL for malformed text. */
char *glia_base64_encode(const uint8_t *data, size_t len);
int glia_base64_decode(const char *text, uint8_t **out, size_t *out_len);

#endif
