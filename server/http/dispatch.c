/* dispatch.c: see dispatch.h. */
#include "server/http/dispatch.h"

#include "api/problem.h"
#include "server/http/reply.h"
#include "server/http/request.h"
#include "server/sessions/entry.h"
#include "server/sessions/registry.h"

/* Parse and validate once (a parked request is dispatched again). 0, or answered. A route
 * without a prepare function takes no query parameters: any is a 400 naming it (a prepare
 * function checks the ones its route takes, glia_request_only_query). */
static int prepare(glia_request_t *req)
{
    glia_error_t err;
    int rc;

    if (req->is_prepared)
        return 0;
    req->is_prepared = 1;
    glia_error_clear(&err);
    rc = req->route->prepare != NULL ? req->route->prepare(req, &err)
                                     : glia_request_only_query(req, NULL, &err);
    if (rc != 0)
        glia_reply_prepare_error(req, rc, &err);
    return rc;
}

/* The session of a GLIA_ROUTE_SESSION route (new reference), or NULL after answering.
 * On HTTP threads only a published session counts (one being created is not yet). */
static glia_entry_t *find_session(glia_server_t *srv, glia_request_t *req, int is_loop)
{
    glia_entry_t *e = glia_registry_get(&srv->registry, req->match.name);
    int is_visible = 0;

    if (e != NULL) {
        pthread_mutex_lock(&e->mu);
        is_visible = !e->is_deleting && (is_loop || e->summary != NULL);
        pthread_mutex_unlock(&e->mu);
    }
    if (!is_visible) {
        glia_entry_unref(e);
        glia_reply_not_found(req, "session");
        return NULL;
    }
    if (is_loop && e->is_broken && !(req->route->flags & GLIA_ROUTE_ON_BROKEN)) {
        glia_reply_conflict(req, e,
                            "it could not be restored from the store; its stored rows are "
                            "kept as they were; delete it to remove it");
        glia_entry_unref(e);
        return NULL;
    }
    return e;
}

void glia_dispatch_direct(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = NULL;

    if (prepare(req) != 0)
        return;
    if ((req->route->flags & GLIA_ROUTE_SESSION) && (e = find_session(srv, req, 0)) == NULL)
        return;
    req->entry = e;
    req->route->handler(srv, req);
    glia_entry_unref(e);
}

void glia_dispatch(glia_server_t *srv, glia_request_t *req)
{
    const glia_route_t *route = req->route;
    glia_entry_t *e = NULL;

    req->entry = NULL;
    if (prepare(req) != 0)
        return;
    if ((route->flags & GLIA_ROUTE_WRITE) && atomic_load(&srv->is_shutting_down)) {
        glia_reply_shutting_down(req);
        return;
    }
    if ((route->flags & GLIA_ROUTE_SESSION) && (e = find_session(srv, req, 1)) == NULL)
        return;
    req->entry = e;
    /* The handler may answer (and so hand back) the request: only `e` is ours after. */
    route->handler(srv, req);
    glia_entry_unref(e);
}

static void dispatch_list(glia_server_t *srv, glia_request_t *list)
{
    while (list) {
        glia_request_t *next = list->next;
        list->next = NULL;
        glia_dispatch(srv, list);
        list = next;
    }
}

static void inbox_cb(uv_async_t *h)
{
    glia_dispatch_drain(h->data);
}

int glia_dispatch_start(glia_server_t *srv)
{
    int rc = glia_queue_init(&srv->inbox);

    if (rc != 0)
        return rc;
    if (uv_async_init(&srv->loop, &srv->inbox_async, inbox_cb) != 0) {
        glia_queue_destroy(&srv->inbox);
        return GLIA_ENOMEM;
    }
    srv->inbox_async.data = srv;
    return 0;
}

void glia_dispatch_post(glia_server_t *srv, glia_request_t *req)
{
    glia_queue_push(&srv->inbox, &req->node);
    uv_async_send(&srv->inbox_async);
}

void glia_dispatch_drain(glia_server_t *srv)
{
    glia_qnode_t *n = glia_queue_take_all(&srv->inbox);

    while (n) {
        glia_request_t *req = GLIA_QUEUE_ITEM(n, glia_request_t, node);
        n = n->next;
        glia_dispatch(srv, req);
    }
}

void glia_dispatch_park(glia_entry_t *e, glia_request_t *req)
{
    glia_request_t **tail = &e->waiters;

    while (*tail)
        tail = &(*tail)->next;
    req->next = NULL;
    *tail = req;
}

void glia_dispatch_job_returned(glia_server_t *srv, glia_entry_t *e)
{
    glia_request_t *list = e->waiters, **tail = &e->after_commit;

    e->waiters = NULL;
    while (*tail)
        tail = &(*tail)->next;
    while (list) {
        glia_request_t *r = list;
        list = r->next;
        r->next = NULL;
        if (r->route->flags & GLIA_ROUTE_WRITE) {
            *tail = r;
            tail = &r->next;
        } else {
            glia_dispatch(srv, r);
        }
    }
}

void glia_dispatch_job_committed(glia_server_t *srv, glia_entry_t *e)
{
    glia_request_t *list = e->after_commit;

    e->after_commit = NULL;
    dispatch_list(srv, list);
}
