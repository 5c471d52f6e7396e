/* strbuf.h: a growable byte buffer for building text (JSON, Markdown, CSV, metrics). */
#ifndef GLIA_STRBUF_H
#define GLIA_STRBUF_H

#include <stddef.h>

typedef struct glia_strbuf {
    char *p;     /* NUL-terminated once anything was appended; NULL before */
    size_t len, cap;
    int failed;  /* an allocation failed: the content is incomplete */
} glia_strbuf_t;

void glia_strbuf_append(glia_strbuf_t *b, const char *s, size_t n);
void glia_strbuf_puts(glia_strbuf_t *b, const char *s);
void glia_strbuf_printf(glia_strbuf_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Hand over the text (caller frees) and its length, or NULL if anything failed. The
 * buffer is reset either way. */
char *glia_strbuf_take(glia_strbuf_t *b, size_t *len);
void glia_strbuf_free(glia_strbuf_t *b);

#endif
