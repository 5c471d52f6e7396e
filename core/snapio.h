/* snapio.h: little-endian writer and bounds-checked reader for snapshot bytes.
 *
 * The session and every learner serialise their own state through these. A writer
 * grows its buffer and remembers an allocation failure; a reader never reads past its
 * end and remembers the first overrun, so callers check `failed` once at the end
 * instead of after every field.
 */
#ifndef GLIA_SNAPIO_H
#define GLIA_SNAPIO_H

#include <stddef.h>
#include <stdint.h>

typedef struct glia_writer {
    uint8_t *buf;
    size_t len, cap;
    int failed; /* an allocation failed: the contents are incomplete */
} glia_writer_t;

typedef struct glia_reader {
    const uint8_t *buf;
    size_t len, pos;
    int failed; /* a read went past the end or a value was out of range */
} glia_reader_t;

void glia_put(glia_writer_t *w, const void *p, size_t n);
void glia_put_u64(glia_writer_t *w, uint64_t v);
void glia_put_u32(glia_writer_t *w, uint32_t v);
void glia_put_i32(glia_writer_t *w, int v);
void glia_put_f64(glia_writer_t *w, double v);
void glia_put_str(glia_writer_t *w, const char *s); /* u32 length, then the bytes */

/* NULL (and `failed` set) when fewer than n bytes remain. */
const uint8_t *glia_get(glia_reader_t *r, size_t n);
uint64_t glia_get_u64(glia_reader_t *r);
uint32_t glia_get_u32(glia_reader_t *r);
int glia_get_i32(glia_reader_t *r);
double glia_get_f64(glia_reader_t *r);
/* A finite double in [lo, hi]; anything else sets `failed` and returns lo. */
double glia_get_f64_in(glia_reader_t *r, double lo, double hi);
/* An int in [lo, hi]; anything else sets `failed` and returns lo. */
int glia_get_i32_in(glia_reader_t *r, int lo, int hi);
/* A string of at most size-1 bytes (no NUL inside) into out; `failed` otherwise. */
void glia_get_str(glia_reader_t *r, char *out, size_t size);

/* FNV-1a 64 of n bytes. */
uint64_t glia_fnv1a64(const void *p, size_t n);

#endif
