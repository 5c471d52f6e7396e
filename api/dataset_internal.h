/* dataset_internal.h: what the api/dataset*.c files share; not part of the API.
 *
 * The family behind dataset.h, one concern a file:
 *   dataset.c      the entry points, the matrix helpers, the canonical content, describe
 *   dataset_csv.c  the CSV reader; CSV and scikit-learn CSV into a dataset
 *   dataset_idx.c  IDX (images, labels) pairs into a dataset
 */
#ifndef GLIA_DATASET_INTERNAL_H
#define GLIA_DATASET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "api/dataset.h"

/* ---- dataset.c --------------------------------------------------------------------------- */

/* Set *w (may be NULL) to a row and column, or a byte offset. */
void glia__dataset_set_where(glia_dataset_where_t *w, int64_t row, int64_t column, int64_t offset);

/* The shape's bounds, before the matrix is allocated: 0, GLIA_ERANGE past a bound,
 * GLIA_EINVAL for no samples (err says which). */
int glia__dataset_check_shape(uint64_t samples, uint64_t features, glia_error_t *err);

/* The matrix (x8 or xf), ranges (fmin, fmax: +-inf) and labels (0) of a dataset of this
 * shape, owned by ds. 0 or GLIA_ENOMEM (what was allocated is freed with ds). */
int glia__dataset_alloc_matrix(glia_dataset_t *ds, uint32_t samples, uint32_t features, int is_u8);

/* Features from float32 to bytes when every value is an integer in [0, 255] (the canonical
 * storage); else left as they are. 0 or GLIA_ENOMEM. */
int glia__dataset_narrow(glia_dataset_t *ds);

/* ---- dataset_csv.c ----------------------------------------------------------------------- */

/* CSV (is_sklearn 0) or scikit-learn's CSV (1) into ds, allocated by glia_dataset_parse and
 * freed by it on error. Returns and fills err and where as glia_dataset_parse says. */
int glia__dataset_parse_csv(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                            int is_sklearn, glia_dataset_t *ds, glia_error_t *err,
                            glia_dataset_where_t *where);

/* ---- dataset_idx.c ----------------------------------------------------------------------- */

/* IDX (images, labels) pairs into ds, as glia__dataset_parse_csv. */
int glia__dataset_parse_idx(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                            glia_dataset_t *ds, glia_error_t *err, glia_dataset_where_t *where);

#endif
