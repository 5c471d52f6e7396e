/* log.h: clocks, and one log line per event on stderr (text or JSON lines). */
#ifndef GLIA_LOG_H
#define GLIA_LOG_H

#include <stddef.h>
#include <stdint.h>

double glia_now(void);  /* monotonic seconds */
double glia_wall(void); /* wall clock seconds since the epoch */
uint64_t glia_now_ns(void);
void glia_format_time(double wall, char *out, size_t size); /* RFC 3339 UTC */

void glia_log_init(int json);
void glia_log(const char *level, const char *session, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void glia_log_request(const char *method, const char *path, const char *route, int status,
                      double seconds);

#endif
