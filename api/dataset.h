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

#include "api/dataset_types.h"

extern const char *const glia_dataset_formats[]; /* {"csv", "sklearn", "idx", NULL} */

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
