/* strbuf.c: see strbuf.h. */
#include "api/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(glia_strbuf_t *b, size_t extra)
{
    size_t cap;
    char *np;

    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    np = realloc(b->p, cap);
    if (np == NULL) {
        b->failed = 1;
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

void glia_strbuf_append(glia_strbuf_t *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void glia_strbuf_puts(glia_strbuf_t *b, const char *s)
{
    glia_strbuf_append(b, s, strlen(s));
}

void glia_strbuf_printf(glia_strbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *glia_strbuf_take(glia_strbuf_t *b, size_t *len)
{
    char *p = b->p;

    if (b->failed) {
        free(p);
        p = NULL;
    } else if (p == NULL) {
        p = calloc(1, 1);
    }
    if (len != NULL)
        *len = p ? b->len : 0;
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
    return p;
}

void glia_strbuf_free(glia_strbuf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
