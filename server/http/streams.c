/* streams.c: see streams.h. Lock order: entry clients_mu or server sse_mu -> stream mu ->
 * entry mu. */
#include "server/http/streams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/event_json.h"
#include "server/http/request.h"
#include "server/sessions/entry.h"

typedef struct glia_stream {
    pthread_mutex_t mu;
    glia_server_t *srv;
    glia_entry_t *e;
    struct MHD_Connection *conn;
    uint64_t last_id;
    int is_suspended;
    int keepalive_due;
    int is_ndjson;
    int follow;
    glia_strbuf_t buf; /* formatted, not yet delivered: buf.p[off..buf.len) */
    size_t off;
    struct glia_stream *next_in_entry;
    struct glia_stream *next_all;
} glia_stream_t;

int glia_stream_fill(glia_entry_t *e, glia_store_t *store, int is_ndjson, uint64_t *last_id,
                     glia_strbuf_t *out, int *is_closed, int *is_running)
{
    uint64_t oldest, next;
    glia_event_t *evs = NULL;
    size_t n = 0;
    int count = 0;

    pthread_mutex_lock(&e->mu);
    next = e->ring.next_id;
    oldest = glia_event_ring_oldest(&e->ring);
    *is_closed = e->is_closed;
    *is_running = e->is_running;
    if (*last_id + 1 >= oldest) {
        for (uint64_t id = *last_id + 1; id < next && count < 64; id++) {
            /* Ids are increasing but may skip one whose commit failed: it is not sent. */
            const glia_event_t *ev = glia_event_ring_get(&e->ring, id);
            if (ev != NULL) {
                glia_event_frame(out, is_ndjson, ev->id, ev->type, ev->data);
                if (out->failed)
                    break;
                count++;
            }
            *last_id = id;
        }
        pthread_mutex_unlock(&e->mu);
        return count;
    }
    pthread_mutex_unlock(&e->mu);

    /* Older than the ring: replay from the store, without gaps. */
    if (store != NULL && glia_store_read_events(store, e->name, *last_id, 256, &evs, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            glia_event_frame(out, is_ndjson, evs[i].id, evs[i].type, evs[i].data);
            if (out->failed)
                break;
            *last_id = evs[i].id;
            count++;
        }
    }
    if (count == 0 && *last_id + 1 < oldest)
        *last_id = oldest - 1; /* the store has nothing older either: continue */
    glia_event_array_free(evs, n);
    return count;
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    glia_stream_t *c = cls;
    ssize_t n;
    (void)pos;

    pthread_mutex_lock(&c->mu);
    for (;;) {
        int is_closed, is_running;
        if (c->off < c->buf.len) {
            n = (ssize_t)(c->buf.len - c->off < max ? c->buf.len - c->off : max);
            memcpy(out, c->buf.p + c->off, (size_t)n);
            c->off += (size_t)n;
            pthread_mutex_unlock(&c->mu);
            return n;
        }
        c->off = c->buf.len = 0;
        c->buf.failed = 0;
        if (glia_stream_fill(c->e, c->srv->store, c->is_ndjson, &c->last_id, &c->buf, &is_closed,
                             &is_running) > 0)
            continue;
        if (is_closed || atomic_load(&c->srv->is_shutting_down) || (!c->follow && !is_running)) {
            pthread_mutex_unlock(&c->mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (c->keepalive_due) {
            c->keepalive_due = 0;
            glia_strbuf_puts(&c->buf, c->is_ndjson ? "\n" : ": keepalive\n\n");
            continue;
        }
        c->is_suspended = 1;
        MHD_suspend_connection(c->conn);
        pthread_mutex_unlock(&c->mu);
        return 0;
    }
}

static void resume_locked(glia_stream_t *c, int keepalive)
{
    pthread_mutex_lock(&c->mu);
    if (keepalive)
        c->keepalive_due = 1;
    if (c->is_suspended) {
        c->is_suspended = 0;
        MHD_resume_connection(c->conn);
    }
    pthread_mutex_unlock(&c->mu);
}

static void stream_free(void *cls)
{
    glia_stream_t *c = cls;
    glia_server_t *srv = c->srv;
    glia_stream_t **pp;

    pthread_mutex_lock(&c->e->clients_mu);
    for (pp = &c->e->clients; *pp; pp = &(*pp)->next_in_entry) {
        if (*pp == c) {
            *pp = c->next_in_entry;
            break;
        }
    }
    pthread_mutex_unlock(&c->e->clients_mu);
    pthread_mutex_lock(&srv->sse_mu);
    for (pp = &srv->all_clients; *pp; pp = &(*pp)->next_all) {
        if (*pp == c) {
            *pp = c->next_all;
            break;
        }
    }
    pthread_mutex_unlock(&srv->sse_mu);
    atomic_fetch_sub(&srv->stats.sse_streams, 1);
    glia_entry_unref(c->e);
    pthread_mutex_destroy(&c->mu);
    glia_strbuf_free(&c->buf);
    free(c);
}

void glia_streams_wake(glia_entry_t *e)
{
    pthread_mutex_lock(&e->clients_mu);
    for (glia_stream_t *c = e->clients; c; c = c->next_in_entry)
        resume_locked(c, 0);
    pthread_mutex_unlock(&e->clients_mu);
}

void glia_streams_events_published(glia_server_t *srv, glia_entry_t *e)
{
    (void)srv;
    glia_streams_wake(e);
}

void glia_streams_keepalive(glia_server_t *srv)
{
    pthread_mutex_lock(&srv->sse_mu);
    for (glia_stream_t *c = srv->all_clients; c; c = c->next_all)
        resume_locked(c, 1);
    pthread_mutex_unlock(&srv->sse_mu);
}

void glia_streams_close_all(glia_server_t *srv)
{
    /* Readers see is_shutting_down once woken and end their streams. */
    pthread_mutex_lock(&srv->sse_mu);
    for (glia_stream_t *c = srv->all_clients; c; c = c->next_all)
        resume_locked(c, 0);
    pthread_mutex_unlock(&srv->sse_mu);
}

int glia_streams_open(glia_server_t *srv, glia_request_t *req, glia_entry_t *e)
{
    glia_stream_t *c = calloc(1, sizeof(*c));
    struct MHD_Response *resp;
    const char *format = glia_request_query(req, "format");
    const char *after = glia_request_query(req, "after");
    const char *follow = glia_request_query(req, "follow");

    if (c == NULL)
        return GLIA_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    c->srv = srv;
    c->e = e;
    c->conn = req->conn;
    c->follow = 1;
    if (follow != NULL)
        glia_query_bool("follow", follow, &c->follow, NULL); /* validated by the route */
    c->is_ndjson = (format && strcmp(format, "ndjson") == 0) || (!format && req->accepts_ndjson);

    /* Where to start: Last-Event-ID, ?after=, or the session's latest state event. */
    if (req->last_event_id[0] != '\0')
        c->last_id = strtoull(req->last_event_id, NULL, 10);
    else if (after != NULL)
        c->last_id = strtoull(after, NULL, 10);
    else {
        pthread_mutex_lock(&e->mu);
        c->last_id = e->ring.last_state ? e->ring.last_state - 1 : e->ring.next_id - 1;
        pthread_mutex_unlock(&e->mu);
    }
    if (!c->is_ndjson)
        glia_strbuf_puts(&c->buf, "retry: 3000\n\n");

    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, c, stream_free);
    if (resp == NULL) {
        pthread_mutex_destroy(&c->mu);
        glia_strbuf_free(&c->buf);
        free(c);
        return GLIA_ENOMEM;
    }
    glia_entry_ref(e);
    atomic_fetch_add(&srv->stats.sse_streams, 1);
    pthread_mutex_lock(&e->clients_mu);
    c->next_in_entry = e->clients;
    e->clients = c;
    pthread_mutex_unlock(&e->clients_mu);
    pthread_mutex_lock(&srv->sse_mu);
    c->next_all = srv->all_clients;
    srv->all_clients = c;
    pthread_mutex_unlock(&srv->sse_mu);

    MHD_add_response_header(resp, "Content-Type",
                            c->is_ndjson ? "application/x-ndjson" : "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    req->status = 200;
    req->is_stream = 1;
    if (MHD_queue_response(req->conn, 200, resp) != MHD_YES) {
        MHD_destroy_response(resp);
        return GLIA_EIO;
    }
    MHD_destroy_response(resp);
    return 0;
}
