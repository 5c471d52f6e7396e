/* problem.c: RFC 9457 problem builders. */
#include "api/problem.h"

#include <stdarg.h>
#include <stdio.h>

const char *glia_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Error";
    }
}

/* Replaces in place every byte of `s` that does not start a well-formed UTF-8 sequence with
 * '?': a detail may quote the client's bytes (jansson's error text echoes the token) or be
 * cut mid-character by the buffer, and JSON text must be UTF-8. */
static void utf8_scrub(char *s)
{
    unsigned char *p = (unsigned char *)s;

    while (*p != '\0') {
        int n = *p < 0x80 ? 1 : *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3
                              : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
        int ok = n > 0;

        for (int i = 1; ok && i < n; i++)
            ok = (p[i] & 0xc0) == 0x80;
        if (ok && n == 3)
            ok = !(p[0] == 0xe0 && p[1] < 0xa0) && !(p[0] == 0xed && p[1] > 0x9f);
        if (ok && n == 4)
            ok = !(p[0] == 0xf0 && p[1] < 0x90) && !(p[0] == 0xf4 && p[1] > 0x8f);
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

json_t *glia_problem(int status, const char *slug, const char *fmt, ...)
{
    char detail[1024], type[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    utf8_scrub(detail);
    snprintf(type, sizeof(type), "urn:glia:problem:%s", slug);
    return json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", glia_http_reason(status),
                     "status", status, "detail", detail);
}

json_t *glia_problem_validation(const glia_error_t *err)
{
    char pointer[sizeof(err->field)], message[sizeof(err->message)];
    json_t *p;

    /* A pointer or message cut by its buffer may end mid-character. */
    snprintf(pointer, sizeof(pointer), "%s", err->field);
    snprintf(message, sizeof(message), "%s", err->message);
    utf8_scrub(pointer);
    utf8_scrub(message);
    p = glia_problem(422, "validation", "%s%s%s", pointer, pointer[0] ? ": " : "", message);
    if (p != NULL)
        json_object_set_new(p, "errors", json_pack("[{s:s, s:s}]", "pointer", pointer, "detail",
                                                   message));
    return p;
}
