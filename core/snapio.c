/* snapio.c: the byte writer and reader behind snapshots. */
#include "core/snapio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void glia_put(glia_writer_t *w, const void *p, size_t n)
{
    if (w->failed)
        return;
    if (n > SIZE_MAX / 2 - w->len) {
        w->failed = 1;
        return;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        uint8_t *nb;
        while (cap < w->len + n)
            cap *= 2;
        nb = realloc(w->buf, cap);
        if (nb == NULL) {
            w->failed = 1;
            return;
        }
        w->buf = nb;
        w->cap = cap;
    }
    if (n > 0)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void glia_put_u64(glia_writer_t *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    glia_put(w, b, 8);
}

void glia_put_u32(glia_writer_t *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    glia_put(w, b, 4);
}

void glia_put_i32(glia_writer_t *w, int v)
{
    glia_put_u32(w, (uint32_t)v);
}

void glia_put_f64(glia_writer_t *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    glia_put_u64(w, u);
}

void glia_put_str(glia_writer_t *w, const char *s)
{
    size_t n = strlen(s);
    glia_put_u32(w, (uint32_t)n);
    glia_put(w, s, n);
}

const uint8_t *glia_get(glia_reader_t *r, size_t n)
{
    const uint8_t *p;
    if (r->failed || r->len - r->pos < n) {
        r->failed = 1;
        return NULL;
    }
    p = r->buf + r->pos;
    r->pos += n;
    return p;
}

uint64_t glia_get_u64(glia_reader_t *r)
{
    const uint8_t *b = glia_get(r, 8);
    uint64_t v = 0;
    if (b == NULL)
        return 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

uint32_t glia_get_u32(glia_reader_t *r)
{
    const uint8_t *b = glia_get(r, 4);
    uint32_t v = 0;
    if (b == NULL)
        return 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

int glia_get_i32(glia_reader_t *r)
{
    return (int)glia_get_u32(r);
}

double glia_get_f64(glia_reader_t *r)
{
    uint64_t u = glia_get_u64(r);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

double glia_get_f64_in(glia_reader_t *r, double lo, double hi)
{
    double v = glia_get_f64(r);
    if (!isfinite(v) || v < lo || v > hi) {
        r->failed = 1;
        return lo;
    }
    return v;
}

int glia_get_i32_in(glia_reader_t *r, int lo, int hi)
{
    int v = glia_get_i32(r);
    if (v < lo || v > hi) {
        r->failed = 1;
        return lo;
    }
    return v;
}

void glia_get_str(glia_reader_t *r, char *out, size_t size)
{
    uint32_t n = glia_get_u32(r);
    const uint8_t *p;

    out[0] = '\0';
    if (r->failed || n >= size) {
        r->failed = 1;
        return;
    }
    if ((p = glia_get(r, n)) == NULL)
        return;
    if (memchr(p, '\0', n) != NULL) {
        r->failed = 1;
        return;
    }
    memcpy(out, p, n);
    out[n] = '\0';
}

uint64_t glia_fnv1a64(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
