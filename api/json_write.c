/* json_write.c: a compact JSON serialiser with shortest round-trip reals. */
#include "api/json_write.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/strbuf.h"

void glia_json_format_real(double v, char *out, size_t size)
{
    if (!isfinite(v)) {
        snprintf(out, size, "null");
        return;
    }
    /* %.15g strips trailing zeros, so any value that round-trips in <= 15 digits comes
     * out in its shortest form; 16 and 17 digits cover the rest. That rests on DBL_DIG
     * (15), which subnormals, with fewer mantissa bits, do not have: they search from 1. */
    for (int prec = v != 0.0 && fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
}

static void put_string(glia_strbuf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;

    glia_strbuf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = hex[c >> 4],
            u[5] = hex[c & 15], u[6] = '\0';
            esc = u;
        }
        if (esc != NULL) {
            glia_strbuf_append(b, s + start, i - start);
            glia_strbuf_puts(b, esc);
            start = i + 1;
        }
    }
    glia_strbuf_append(b, s + start, n - start);
    glia_strbuf_append(b, "\"", 1);
}

static void newline(glia_strbuf_t *b, int flags, int depth)
{
    if (!(flags & GLIA_JSON_PRETTY))
        return;
    glia_strbuf_append(b, "\n", 1);
    for (int i = 0; i < depth; i++)
        glia_strbuf_append(b, "  ", 2);
}

static void put_value(glia_strbuf_t *b, const json_t *j, int flags, int depth)
{
    char num[40];

    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *val;
        int first = 1;
        if (json_object_size(j) == 0) {
            glia_strbuf_puts(b, "{}");
            break;
        }
        glia_strbuf_append(b, "{", 1);
        json_object_foreach((json_t *)j, key, val) {
            if (!first)
                glia_strbuf_append(b, ",", 1);
            first = 0;
            newline(b, flags, depth + 1);
            put_string(b, key, strlen(key));
            glia_strbuf_puts(b, (flags & GLIA_JSON_PRETTY) ? ": " : ":");
            put_value(b, val, flags, depth + 1);
        }
        newline(b, flags, depth);
        glia_strbuf_append(b, "}", 1);
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (n == 0) {
            glia_strbuf_puts(b, "[]");
            break;
        }
        glia_strbuf_append(b, "[", 1);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                glia_strbuf_append(b, ",", 1);
            newline(b, flags, depth + 1);
            put_value(b, json_array_get(j, i), flags, depth + 1);
        }
        newline(b, flags, depth);
        glia_strbuf_append(b, "]", 1);
        break;
    }
    case JSON_STRING:
        put_string(b, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        glia_strbuf_puts(b, num);
        break;
    case JSON_REAL:
        glia_json_format_real(json_real_value(j), num, sizeof(num));
        glia_strbuf_puts(b, num);
        break;
    case JSON_TRUE:
        glia_strbuf_puts(b, "true");
        break;
    case JSON_FALSE:
        glia_strbuf_puts(b, "false");
        break;
    case JSON_NULL:
        glia_strbuf_puts(b, "null");
        break;
    }
}

char *glia_json_dumps(const json_t *json, int flags, size_t *len)
{
    glia_strbuf_t b = {0};

    put_value(&b, json, flags, 0);
    return glia_strbuf_take(&b, len);
}
