/* problem.c: RFC 9457 problem builders. */
#include "problem.h"

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

json_t *glia_problem(int status, const char *slug, const char *fmt, ...)
{
    char detail[1024], type[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    snprintf(type, sizeof(type), "urn:glia:problem:%s", slug);
    return json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", glia_http_reason(status),
                     "status", status, "detail", detail);
}

json_t *glia_problem_validation(const glia_error_t *err)
{
    const char *pointer = err->field[0] ? err->field : "";
    json_t *p = glia_problem(422, "validation", "%s%s%s", pointer, pointer[0] ? ": " : "",
                             err->message);
    if (p != NULL)
        json_object_set_new(p, "errors", json_pack("[{s:s, s:s}]", "pointer", pointer, "detail",
                                                   err->message));
    return p;
}
