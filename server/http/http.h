/* http.h: the libmicrohttpd transport. */
#ifndef GLIA_HTTP_H
#define GLIA_HTTP_H

#include "server/server.h"

/* Bind --listen (refusing a non-loopback address without a token) and start serving.
 * 0, or GLIA_EIO / GLIA_EINVAL after logging why. */
int glia_http_start(glia_server_t *srv);
/* Stop serving and close the listening socket. */
void glia_http_stop(glia_server_t *srv);

#endif
