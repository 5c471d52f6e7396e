/* experiments.c: seeds x conditions studies (filled in by the experiments issue). */
#include "experiments.h"

#include "../api/problem.h"

int glia_experiments_start(glia_server_t *srv)
{
    (void)srv;
    return 0;
}

void glia_experiments_stop(glia_server_t *srv)
{
    (void)srv;
}

void glia_experiments_handle(glia_server_t *srv, glia_request_t *req)
{
    (void)srv;
    glia_request_reply_problem(req, glia_problem(404, "not-found", "experiments are not available yet"));
    glia_request_finish(req);
}

void glia_experiments_session_changed(glia_server_t *srv, glia_entry_t *e)
{
    (void)srv;
    (void)e;
}
