/* dataset_csv.h: CSV and scikit-learn's CSV into a dataset (dataset_csv.c);
 * internal to api/dataset*.c */
#ifndef GLIA_DATASET_CSV_H
#define GLIA_DATASET_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "api/dataset_types.h"

/* CSV (is_sklearn 0) or scikit-learn's CSV (1) into ds, allocated by glia_dataset_parse and
 * freed by it on error. Returns and fills err and where as glia_dataset_parse says. */
int glia__dataset_parse_csv(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                            int is_sklearn, glia_dataset_t *ds, glia_error_t *err,
                            glia_dataset_where_t *where);

#endif
