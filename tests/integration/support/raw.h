/* raw.h: integration-test helpers below HTTP: plain TCP sockets to a gliad, for what a
 * well-behaved client library never sends (no Host header, huge request heads, requests
 * that arrive a line at a time), and connections from another loopback address. */
#ifndef GLIA_IT_RAW_H
#define GLIA_IT_RAW_H

#include <stddef.h>

/* Connect to 127.0.0.1:port from `source` (e.g. "127.0.0.2"; NULL: any). Returns the
 * socket, or -1 (errno set). */
int it_raw_connect(int port, const char *source);

/* Send all of `data` (no SIGPIPE). Returns 0, or -1 once the connection is gone. */
int it_raw_send(int fd, const void *data, size_t len);

/* Read until the server closes the connection or `timeout` seconds pass. Returns what
 * arrived (NUL-terminated, caller frees); *closed tells whether the server closed it. */
char *it_raw_read(int fd, double timeout, size_t *len, int *closed);

/* One exchange on a new connection: send `request`, read until closed or `timeout`. */
char *it_raw_exchange(int port, const void *request, size_t len, double timeout);

/* Has the server closed (or reset) this connection? Does not block. */
int it_raw_is_closed(int fd);

#endif
