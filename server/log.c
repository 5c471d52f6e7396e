/* log.c: one line per event on stderr, as text or as JSON lines. */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "api/json_write.h"
#include "server/log.h"

static int log_json; /* set once in main before any thread starts */

double glia_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t glia_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double glia_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void glia_format_time(double wall, char *out, size_t size)
{
    time_t secs = (time_t)wall;
    struct tm tm;
    int ms = (int)((wall - (double)secs) * 1000.0);

    gmtime_r(&secs, &tm);
    /* Fields are bounded by hand so the compiler can see the text fits in 25 bytes. */
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

void glia_log_init(int json)
{
    log_json = json;
}

static void emit(json_t *fields, const char *level, const char *msg)
{
    char ts[40];
    glia_format_time(glia_wall(), ts, sizeof(ts));
    if (log_json) {
        json_t *line = json_pack("{s:s, s:s, s:s}", "time", ts, "level", level, "message", msg);
        char *text;
        if (line == NULL)
            return;
        json_object_update(line, fields);
        text = glia_json_dumps(line, GLIA_JSON_COMPACT, NULL);
        if (text != NULL)
            fprintf(stderr, "%s\n", text);
        free(text);
        json_decref(line);
    } else {
        const char *key;
        json_t *v;
        char buf[2048];
        size_t len = (size_t)snprintf(buf, sizeof(buf), "%s %-5s %s", ts, level, msg);
        json_object_foreach(fields, key, v) {
            char val[256];
            if (len >= sizeof(buf))
                break;
            if (json_is_string(v))
                snprintf(val, sizeof(val), "%s", json_string_value(v));
            else if (json_is_integer(v))
                snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
            else
                glia_json_format_real(json_number_value(v), val, sizeof(val));
            len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s=%s", key, val);
        }
        fprintf(stderr, "%s\n", buf);
    }
}

void glia_log(const char *level, const char *session, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    json_t *fields = json_object();

    if (fields == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (session != NULL)
        json_object_set_new(fields, "session", json_string(session));
    emit(fields, level, msg);
    json_decref(fields);
}

void glia_log_request(const char *method, const char *path, const char *route, int status,
                      double seconds)
{
    json_t *fields = json_pack("{s:s, s:s, s:s, s:i, s:f}", "method", method, "path", path,
                               "route", route, "status", status, "duration", seconds);
    if (fields == NULL) /* not UTF-8: the caller sanitises, so only OOM lands here */
        return;
    emit(fields, status >= 500 ? "error" : "info", "request");
    json_decref(fields);
}
