/* load.h: a file's bytes (gzip or not) to what the store keeps of a dataset: its canonical
 * content, that content's SHA-256 and its description. The daemon (on a worker) and
 * `gliad dataset import` load alike, so one file gives one hash either way.
 */
#ifndef GLIA_DATASET_LOAD_H
#define GLIA_DATASET_LOAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/dataset.h"
#include "api/sha256.h"
#include "server/budget.h"

#define GLIA_DATASET_BYTES_DEFAULT (256ull << 20) /* --max-dataset-bytes */

typedef struct glia_dataset_loaded {
    uint8_t *blob; /* the canonical content (owned) */
    size_t blob_len;
    char hash[GLIA_SHA256_HEX];
    json_t *meta;       /* glia_dataset_describe plus "hash" and "bytes" (owned) */
    uint64_t held;      /* budget bytes still taken for `blob` (give them back when done) */
    uint64_t need;      /* a refusal by the budget: the bytes asked for */
    int is_over_budget; /* GLIA_ELIMIT: the memory budget refused `need` bytes (507) */
    int is_too_large;   /* GLIA_ELIMIT: decompressed past max_bytes (413) */
} glia_dataset_loaded_t;

/* True when `bytes` start with gzip's magic (1f 8b). */
int glia_is_gzip(const uint8_t *bytes, size_t len);

/* Decompress one or more concatenated gzip members into a new buffer (*out, free()), at
 * most `max_bytes` of it (GLIA_ELIMIT past them, *too_large set), growing it only with
 * bytes `budget` gives (may be NULL; GLIA_ELIMIT with *need set; what it holds is given back
 * on failure and is in *held on success). GLIA_EFORMAT for what is not gzip (`msg` says
 * where), GLIA_ENOMEM. */
int glia_gunzip(const uint8_t *in, size_t len, uint64_t max_bytes, glia_budget_t *budget,
                uint8_t **out, size_t *out_len, uint64_t *held, uint64_t *need, int *too_large,
                char *msg, size_t msg_size);

/* Load a dataset from `len` bytes (gunzipped first when they are gzip) in format o->format,
 * counting what it holds against `budget` (may be NULL). Returns 0 with *out filled
 * (glia_dataset_loaded_destroy), or the parse's code with `err` and `where` filled
 * (glia_dataset_parse; GLIA_EFORMAT also for bad gzip), or GLIA_ELIMIT with
 * out->is_too_large or out->is_over_budget set, or GLIA_ENOMEM. Nothing is held on failure. */
int glia_dataset_load(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                      uint64_t max_bytes, glia_budget_t *budget, glia_dataset_loaded_t *out,
                      glia_error_t *err, glia_dataset_where_t *where);

/* Free what a load holds (not the budget: give out->held back first). */
void glia_dataset_loaded_destroy(glia_dataset_loaded_t *l);

#endif
