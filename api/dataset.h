/* dataset.h: a dataset (samples x features, one class label each) from a file's bytes.
 *
 * Parsers read bytes already in memory (decompressed: gzip is the server's, zlib) and
 * never do I/O. Three formats:
 *
 *   csv      one sample per line, comma-separated numbers; a header line or not (auto:
 *            a first line with a word where the second has a number is a header); the
 *            label is the last column unless named (its header name or 0-based index).
 *            Labels are class indices (integers in [0, GLIA_DATASET_MAX_CLASSES)) or
 *            words (classes then numbered in byte order of the words).
 *   sklearn  scikit-learn's own CSV files (iris.csv, wine_data.csv, breast_cancer.csv):
 *            a first line "samples,features,class name,..." then numbers, label last.
 *   idx      MNIST-style IDX files of unsigned bytes: an images file (n x rows x cols, or
 *            n x features) followed by its labels file (n), repeated for more parts
 *            (Fashion-MNIST's train then test: 70,000 samples in two parts).
 *
 * The content is what the numbers are: glia_dataset_encode writes it in one canonical
 * layout (features as bytes when every value is an integer in [0, 255], else float32;
 * labels int32; little-endian), and its SHA-256 names the content whatever file, format or
 * header it came from. Names of classes and features are metadata, outside the hash.
 */
#ifndef GLIA_DATASET_H
#define GLIA_DATASET_H

#include <jansson.h>
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
extern const char *const glia_dataset_formats[]; /* {"csv", "sklearn", "idx", NULL} */

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

/* Parse `len` bytes in format o->format into a new dataset (*out; glia_dataset_free).
 * Returns 0, GLIA_EFORMAT when the bytes are not that format (a ragged row, a cell that is
 * not a number, a bad IDX magic, a truncated file: `where` says where), GLIA_ERANGE past a
 * bound above or for a label that is no class index, GLIA_EINVAL for options that do not
 * fit the file (a label column not in the header, no samples), GLIA_ELIMIT when
 * o->reserve_cb refused the memory, or GLIA_ENOMEM. `err` (may
 * be NULL) says what in plain words; `where` may be NULL. */
int glia_dataset_parse(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                       glia_dataset_t **out, glia_error_t *err, glia_dataset_where_t *where);

/* Free a dataset and everything it holds. NULL is a no-op. */
void glia_dataset_free(glia_dataset_t *ds);

/* The canonical content (see the top): a new buffer (free()) in *blob, its length in *len.
 * 0 or GLIA_ENOMEM. */
int glia_dataset_encode(const glia_dataset_t *ds, uint8_t **blob, size_t *len);
/* The bytes glia_dataset_encode writes for this shape (to count memory before). */
uint64_t glia_dataset_encoded_bytes(uint32_t samples, uint32_t features, int is_u8);

/* A dataset back from its canonical content (no names; ranges from the stored values).
 * 0, GLIA_EFORMAT (not such content) or GLIA_ENOMEM. */
int glia_dataset_decode(const uint8_t *blob, size_t len, glia_dataset_t **out);

/* What a dataset is, as JSON (new reference, NULL on out of memory): samples, features,
 * classes, storage, range {min, max}, feature_min, feature_max, class_counts, and
 * class_names, feature_names, parts when known. */
json_t *glia_dataset_describe(const glia_dataset_t *ds);

#endif
