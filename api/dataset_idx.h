/* dataset_idx.h: IDX (images, labels) pairs into a dataset (dataset_idx.c);
 * internal to api/dataset*.c */
#ifndef GLIA_DATASET_IDX_H
#define GLIA_DATASET_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "api/dataset_types.h"

/* IDX (images, labels) pairs into ds, as glia__dataset_parse_csv. */
int glia__dataset_parse_idx(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                            glia_dataset_t *ds, glia_error_t *err, glia_dataset_where_t *where);

#endif
