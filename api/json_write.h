/* json_write.h: serialise jansson values the way researchers expect to read numbers.
 *
 * jansson prints reals with 17 significant digits (0.1 -> 0.10000000000000001). glia
 * prints every real in the shortest form that reads back to the same double, like the
 * reference's JavaScript (0.1, 0.5199999999999999, 2 for 2.0), so a value can be
 * compared with the reference fixtures by eye and by machine. NaN and infinities,
 * which JSON cannot carry, are written as null.
 */
#ifndef GLIA_JSON_WRITE_H
#define GLIA_JSON_WRITE_H

#include <jansson.h>
#include <stddef.h>

enum {
    GLIA_JSON_COMPACT = 0,
    GLIA_JSON_PRETTY = 1, /* two-space indent, one member per line */
};

/* Serialise `json` into a new NUL-terminated string (caller frees with free()); the
 * length is stored in *len when len is not NULL. Returns NULL on out of memory. */
char *glia_json_dumps(const json_t *json, int flags, size_t *len);

/* Write the shortest round-trip decimal form of `v` into `out` (at least 32 bytes). */
void glia_json_format_real(double v, char *out, size_t size);

#endif
