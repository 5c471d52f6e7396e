/* store_datasets.h: datasets in the store (schema 3).
 *
 * Content-addressed: dataset_contents holds each canonical content once, keyed by its
 * SHA-256; datasets maps a name to a content and its description (metadata JSON). The
 * same content under two names is stored once; deleting the last name of a content
 * deletes the content.
 *
 * Writes are store operations (store.h) applied by the store thread like any other: a
 * put refuses a name already taken, a delete a name not stored (the op's outcome says
 * which). Reads open a fresh read-only connection per call, from any thread (as event
 * replay does), so they see what is committed and nothing else.
 */
#ifndef GLIA_STORE_DATASETS_H
#define GLIA_STORE_DATASETS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

/* Make `op` store dataset `name`: its canonical content `blob` (taken: freed with the op)
 * under `hash`, and `meta` (taken). 0 or GLIA_ENOMEM (nothing taken then). */
int glia_store_op_put_dataset(glia_store_op_t *op, const char *name, const char *hash,
                              uint8_t *blob, size_t len, json_t *meta);
/* Make `op` delete dataset `name` (and its content when no other name holds it).
 * 0 or GLIA_ENOMEM. */
int glia_store_op_delete_dataset(glia_store_op_t *op, const char *name);
/* In the op's done callback: 0 (done), GLIA_EEXIST (put: the name is taken; nothing was
 * written), GLIA_ENOENT (delete: no such dataset). */
int glia_store_op_dataset_outcome(const glia_store_op_t *op);

/* The database file of the store (borrowed). */
const char *glia_store_path(const glia_store_t *st);

/* Every stored dataset in name order, as an array of summaries (name, hash, samples,
 * features, classes, storage, bytes, format, created_at) in *out (new reference). A store
 * file that does not exist holds none. 0, GLIA_EIO or GLIA_ENOMEM. `db_path` is the
 * database file (glia_store_path, or <data-dir>/glia.db offline). */
int glia_store_datasets_list(const char *db_path, json_t **out);

/* Dataset `name`'s whole description in *out (new reference; with name, created_at).
 * 0, GLIA_ENOENT, GLIA_EIO or GLIA_ENOMEM. */
int glia_store_dataset_get(const char *db_path, const char *name, json_t **out);

/* Dataset `name`'s canonical content in a new buffer (*blob, free()) and its hash.
 * 0, GLIA_ENOENT, GLIA_EIO or GLIA_ENOMEM. */
int glia_store_dataset_content(const char *db_path, const char *name, uint8_t **blob, size_t *len,
                               char hash[65]);

#endif
