/* dataset_matrix.h: the helpers every dataset parser shares (dataset_matrix.c);
 * internal to api/dataset*.c */
#ifndef GLIA_DATASET_MATRIX_H
#define GLIA_DATASET_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "api/dataset_types.h"

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

#endif
