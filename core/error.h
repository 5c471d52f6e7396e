/* error.h: error codes and the error record filled by parsers and validators.
 *
 * Functions return 0 or a negative GLIA_E* code. Parsers and validators also fill an
 * optional glia_error_t: the first error wins, `field` is a JSON pointer into the
 * offending document ("/learner/astrocyte/exploration"), `message` is plain English.
 */
#ifndef GLIA_ERROR_H
#define GLIA_ERROR_H

#include <stddef.h>

enum {
    GLIA_OK = 0,
    GLIA_EINVAL = -1,   /* invalid argument or config */
    GLIA_ENOMEM = -2,   /* out of memory */
    GLIA_ERANGE = -3,   /* value outside its allowed range */
    GLIA_EFORMAT = -4,  /* malformed serialised data */
    GLIA_EVERSION = -5, /* serialised data from an unknown format version */
    GLIA_ESTATE = -6,   /* operation not allowed in the current state */
    GLIA_ENOENT = -7,   /* no such thing (preset, name) */
    GLIA_EIO = -8,      /* I/O failure (server room only) */
    GLIA_EEXIST = -9,   /* already exists (server room only) */
    GLIA_ELIMIT = -10,  /* a configured limit was reached (server room only) */
};

#define GLIA_FIELD_MAX   128
#define GLIA_MESSAGE_MAX 256

typedef struct glia_error {
    int code;                       /* 0 while no error has been recorded */
    char field[GLIA_FIELD_MAX];     /* JSON pointer; "" for the document itself */
    char message[GLIA_MESSAGE_MAX]; /* plain-language explanation */
} glia_error_t;

/* Short constant name of an error code ("invalid argument"). Never NULL. */
const char *glia_strerror(int code);

/* Clear an error record. NULL is a no-op. */
void glia_error_clear(glia_error_t *err);

/* Record an error unless one is already recorded (first error wins). Returns `code`, so
 * callers can write `return glia_error_set(err, GLIA_EINVAL, "/x", "...")`. NULL err is
 * allowed: the code is still returned. */
int glia_error_set(glia_error_t *err, int code, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
