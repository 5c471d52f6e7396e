/* dataset_types.h: a dataset's bounds and structs, a leaf header the public dataset.h and
 * the parsers (dataset_matrix.c, dataset_csv.c, dataset_idx.c) share. */
#ifndef GLIA_DATASET_TYPES_H
#define GLIA_DATASET_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
/* Bounds: Fashion-MNIST (70,000 x 784 = 54,880,000 cells) fits. */
#define GLIA_DATASET_MAX_SAMPLES  100000
#define GLIA_DATASET_MAX_FEATURES 4096
#define GLIA_DATASET_MAX_CELLS    67108864 /* samples x features: 64 Mi (256 MiB as float32) */
#define GLIA_DATASET_MAX_CLASSES  1024
#define GLIA_DATASET_MAX_PARTS    16 /* idx: (images, labels) pairs */

enum { GLIA_DATASET_CSV = 0, GLIA_DATASET_SKLEARN = 1, GLIA_DATASET_IDX = 2 };

typedef struct glia_dataset_options {
    int format;        /* GLIA_DATASET_* */
    int header;        /* csv: -1 auto, 0 none, 1 the first line is a header */
    const char *label; /* csv: the label column's header name or 0-based index; NULL: last */
    /* Called once the shape is known, before the matrix is allocated, with the bytes the
     * parse will hold at most (a memory budget); nonzero refuses them and the parse returns
     * GLIA_ELIMIT. NULL: nothing is counted. */
    int (*reserve_cb)(void *arg, uint64_t bytes);
    void *reserve_arg;
} glia_dataset_options_t;

/* Where a parse error is: 1-based line and column of a CSV cell, or a byte offset of an
 * IDX file (0 when it does not apply). */
typedef struct glia_dataset_where {
    int64_t row, column, offset;
} glia_dataset_where_t;

typedef struct glia_dataset {
    uint32_t samples, features, classes;
    int is_u8;       /* features held as bytes (x8), else as float32 (xf) */
    uint8_t *x8;     /* samples x features, row-major */
    float *xf;       /* samples x features, row-major */
    int32_t *labels; /* samples, each in [0, classes) */
    double *fmin;    /* features: each feature's smallest and largest value as read */
    double *fmax;
    char **class_names;   /* classes names, or NULL (labels were indices) */
    char **feature_names; /* features names from a header, or NULL */
    uint32_t n_parts;     /* idx: samples of each (images, labels) pair */
    uint32_t parts[GLIA_DATASET_MAX_PARTS];
} glia_dataset_t;

#endif
