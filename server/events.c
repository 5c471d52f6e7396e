/* events.c: per-session event ring and the streams that follow it (SSE and NDJSON).
 *
 * The loop publishes events into an entry's ring (under entry mu) once the store has
 * committed them, then wakes the entry's streams. A stream is a libmicrohttpd callback
 * response; its reader copies events newer than the client's last id out of the ring
 * (or, for ids the ring no longer holds, out of the store), and when there is nothing
 * to send it suspends its connection under its own mutex. A waker takes the same mutex
 * and resumes it, so an event published between "nothing to send" and "suspend" is
 * never missed. Lock order: entry clients_mu or server sse_mu -> client mu -> entry mu.
 * Every 15 s each stream is woken to send a keepalive, which is also how a client that
 * hung up is noticed (a suspended connection never times out on its own).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api/strbuf.h"
#include "server.h"
#include "store.h"

typedef struct glia_sse_client {
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
    struct glia_sse_client *next_in_entry;
    struct glia_sse_client *next_all;
} glia_sse_client_t;

/* Publish events given as stored ({"id", "type", "data"} objects). Caller holds e->mu. */
void glia_events_push(glia_entry_t *e, const json_t *events)
{
    for (size_t i = 0; i < json_array_size(events); i++) {
        const json_t *ev = json_array_get(events, i);
        uint64_t id = (uint64_t)json_integer_value(json_object_get(ev, "id"));
        int type = glia_event_from_name(json_string_value(json_object_get(ev, "type")));
        char *data = strdup(json_string_value(json_object_get(ev, "data")));
        glia_event_t *slot = &e->ring[id % GLIA_EVENT_RING];

        if (data == NULL)
            continue;
        free(slot->data);
        slot->id = id;
        slot->type = type;
        slot->data = data;
        if (id >= e->next_event_id)
            e->next_event_id = id + 1;
        if (type == GLIA_EV_STATE)
            e->last_state_event = id;
    }
}

static int format_event(glia_sse_client_t *c, uint64_t id, const char *type, const char *data)
{
    if (c->is_ndjson)
        glia_strbuf_printf(&c->buf, "{\"id\":%" PRIu64 ",\"event\":\"%s\",\"data\":%s}\n", id,
                           type, data);
    else
        glia_strbuf_printf(&c->buf, "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n", id, type, data);
    return c->buf.failed ? -1 : 0;
}

/* Format the events after c->last_id into c->buf. Returns how many. Caller holds c->mu. */
static int fill(glia_sse_client_t *c, int *is_closed, int *is_running)
{
    glia_entry_t *e = c->e;
    uint64_t oldest, next;
    int count = 0;

    pthread_mutex_lock(&e->mu);
    next = e->next_event_id;
    oldest = next > GLIA_EVENT_RING ? next - GLIA_EVENT_RING : 1;
    *is_closed = e->is_closed;
    *is_running = e->is_running;
    if (c->last_id + 1 >= oldest) {
        for (uint64_t id = c->last_id + 1; id < next && count < 64; id++) {
            const glia_event_t *ev = &e->ring[id % GLIA_EVENT_RING];
            /* Ids are increasing but may skip one whose commit failed: its slot then
             * holds an older event, which is not re-sent. */
            if (ev->id == id && ev->data != NULL) {
                if (format_event(c, ev->id, glia_event_name(ev->type), ev->data) != 0)
                    break;
                count++;
            }
            c->last_id = id;
        }
        pthread_mutex_unlock(&e->mu);
        return count;
    }
    pthread_mutex_unlock(&e->mu);

    /* Older than the ring: replay from the store, without gaps. */
    {
        json_t *evs = glia_store_read_events(c->srv->store, e->name, c->last_id, 256);
        for (size_t i = 0; i < json_array_size(evs); i++) {
            json_t *ev = json_array_get(evs, i);
            uint64_t id = (uint64_t)json_integer_value(json_object_get(ev, "id"));
            if (format_event(c, id, json_string_value(json_object_get(ev, "type")),
                             json_string_value(json_object_get(ev, "data"))) != 0)
                break;
            c->last_id = id;
            count++;
        }
        if (count == 0 && c->last_id + 1 < oldest)
            c->last_id = oldest - 1; /* the store has nothing older either: continue */
        json_decref(evs);
    }
    return count;
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    glia_sse_client_t *c = cls;
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
        if (fill(c, &is_closed, &is_running) > 0)
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

static void resume_locked(glia_sse_client_t *c, int keepalive)
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

static void client_free(void *cls)
{
    glia_sse_client_t *c = cls;
    glia_server_t *srv = c->srv;
    glia_sse_client_t **pp;

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

void glia_events_wake(glia_server_t *srv, glia_entry_t *e)
{
    (void)srv;
    pthread_mutex_lock(&e->clients_mu);
    for (glia_sse_client_t *c = e->clients; c; c = c->next_in_entry)
        resume_locked(c, 0);
    pthread_mutex_unlock(&e->clients_mu);
}

void glia_events_keepalive(glia_server_t *srv)
{
    pthread_mutex_lock(&srv->sse_mu);
    for (glia_sse_client_t *c = srv->all_clients; c; c = c->next_all)
        resume_locked(c, 1);
    pthread_mutex_unlock(&srv->sse_mu);
}

void glia_events_close_all(glia_server_t *srv)
{
    /* Readers see is_shutting_down once woken and end their streams. */
    pthread_mutex_lock(&srv->sse_mu);
    for (glia_sse_client_t *c = srv->all_clients; c; c = c->next_all)
        resume_locked(c, 0);
    pthread_mutex_unlock(&srv->sse_mu);
}

/* HTTP thread: answer GET /v1/sessions/{name}/events with a stream. */
int glia_events_serve(glia_server_t *srv, glia_request_t *req, glia_entry_t *e)
{
    glia_sse_client_t *c = calloc(1, sizeof(*c));
    struct MHD_Response *resp;
    const char *format = glia_request_query(req, "format");
    const char *after = glia_request_query(req, "after");
    const char *follow = glia_request_query(req, "follow");
    const char *accept = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Accept");
    int rc;

    if (c == NULL)
        return -1;
    pthread_mutex_init(&c->mu, NULL);
    c->srv = srv;
    c->e = e;
    c->conn = req->conn;
    c->follow = 1;
    if (follow != NULL)
        glia_query_bool("follow", follow, &c->follow, NULL); /* validated by the handler */
    c->is_ndjson = (format && strcmp(format, "ndjson") == 0) ||
                   (!format && accept && strstr(accept, "application/x-ndjson"));

    /* Where to start: Last-Event-ID, ?after=, or the session's latest state event. */
    if (req->last_event_id[0] != '\0')
        c->last_id = strtoull(req->last_event_id, NULL, 10);
    else if (after != NULL)
        c->last_id = strtoull(after, NULL, 10);
    else {
        pthread_mutex_lock(&e->mu);
        c->last_id = e->last_state_event ? e->last_state_event - 1 : e->next_event_id - 1;
        pthread_mutex_unlock(&e->mu);
    }
    if (!c->is_ndjson)
        glia_strbuf_puts(&c->buf, "retry: 3000\n\n");

    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, c, client_free);
    if (resp == NULL) {
        pthread_mutex_destroy(&c->mu);
        glia_strbuf_free(&c->buf);
        free(c);
        return -1;
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
    rc = MHD_queue_response(req->conn, 200, resp);
    MHD_destroy_response(resp);
    req->status = 200;
    req->is_stream = 1;
    return rc == MHD_YES ? 0 : -1;
}
