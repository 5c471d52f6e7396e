/* error.c: error names and the first-error-wins error record. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *glia_strerror(int code)
{
    switch (code) {
    case GLIA_OK: return "success";
    case GLIA_EINVAL: return "invalid argument";
    case GLIA_ENOMEM: return "out of memory";
    case GLIA_ERANGE: return "value out of range";
    case GLIA_EFORMAT: return "malformed data";
    case GLIA_EVERSION: return "unsupported format version";
    case GLIA_ESTATE: return "not allowed in the current state";
    case GLIA_ENOENT: return "not found";
    case GLIA_EIO: return "input/output error";
    case GLIA_EEXIST: return "already exists";
    case GLIA_ELIMIT: return "limit reached";
    default: return "unknown error";
    }
}

void glia_error_clear(glia_error_t *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->field[0] = '\0';
    err->message[0] = '\0';
}

int glia_error_set(glia_error_t *err, int code, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err->code != 0)
        return code;
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}
