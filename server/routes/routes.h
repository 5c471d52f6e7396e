/* routes.h: the HTTP surface of gliad, as one table (routes.c). */
#ifndef GLIA_ROUTES_H
#define GLIA_ROUTES_H

#include "server/server.h"

extern const glia_route_t glia_routes[];
extern const size_t glia_n_routes;

#endif
