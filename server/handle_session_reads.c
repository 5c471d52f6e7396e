/* handle_session_reads.c: the routes that read a session's learning state itself
 * (inference, astrocytes, network, result, snapshot). They run on the loop, between two
 * slices: while a job holds the session the request waits (dispatch.c), and is served as
 * soon as the job returns. Each route is one small function over its api/ renderer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../api/problem.h"
#include "../api/result_json.h"
#include "dispatch.h"
#include "entry.h"
#include "handlers.h"
#include "request.h"

/* A job holds the session: wait for it. Returns 1 when `req` was parked. */
static int wait_for_job(glia_request_t *req)
{
    if (!req->entry->in_worker)
        return 0;
    glia_dispatch_park(req->entry, req);
    return 1;
}

static void reply_body(glia_request_t *req, json_t *body)
{
    if (body == NULL)
        glia_reply_oom(req);
    else
        glia_reply_json(req, 200, body);
}

void glia_handle_session_inference(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    glia_inference_t inf;
    json_t *body;
    (void)srv;

    if (wait_for_job(req))
        return;
    glia_session_inference(e->session, &inf);
    body = glia_inference_to_json(e->session, &inf);
    if (body != NULL) {
        json_object_set_new(body, "name", json_string(e->name));
        json_object_set_new(body, "episode", json_integer((json_int_t)e->counters.episodes));
    }
    reply_body(req, body);
}

void glia_handle_session_astrocytes(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    json_t *list, *body;
    (void)srv;

    if (wait_for_job(req))
        return;
    list = glia_astrocytes_to_json(e->session);
    body =
        json_pack("{s:s, s:I, s:o}", "name", e->name, "episode", (json_int_t)e->counters.episodes,
                  "astrocytes", json_is_null(list) ? json_array() : list);
    if (json_is_null(list))
        json_decref(list);
    reply_body(req, body);
}

/* Any learner: its kind and whatever its live state describes (core/learner.h). */
void glia_handle_session_learner(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    json_t *body;
    (void)srv;

    if (wait_for_job(req))
        return;
    body = json_pack("{s:s, s:I, s:s}", "name", e->name, "episode",
                     (json_int_t)e->counters.episodes, "kind",
                     glia_session_learner_name(e->session));
    if (body != NULL) {
        json_t *state = glia_learner_to_json(e->session, GLIA_VIEW_STATE);
        if (state == NULL || json_object_set_new(body, "state", state) != 0) {
            json_decref(body);
            body = NULL;
        }
    }
    reply_body(req, body);
}

int glia_prepare_session_network(glia_request_t *req, glia_error_t *err)
{
    const char *v = glia_request_query(req, "synapses");
    return v != NULL ? glia_query_bool("synapses", v, &req->with_synapses, err) : 0;
}

void glia_handle_session_network(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    json_t *body;
    (void)srv;

    if (wait_for_job(req))
        return;
    body = glia_network_to_json(e->session, req->with_synapses);
    if (body != NULL)
        json_object_set_new(body, "name", json_string(e->name));
    reply_body(req, body);
}

void glia_handle_session_result(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    json_t *body;
    (void)srv;

    if (wait_for_job(req))
        return;
    if (e->state == GLIA_STATE_RUNNING || e->counters.episodes == 0) {
        glia_reply_conflict(req, e,
                            e->state == GLIA_STATE_RUNNING
                                ? "the result is ready when the run ends"
                                : "no episode has finished yet; run it first");
        return;
    }
    body = glia_result_to_json(e->session, e->preset[0] ? e->preset : NULL, 1);
    if (body != NULL)
        json_object_set_new(body, "name", json_string(e->name));
    reply_body(req, body);
}

void glia_handle_session_snapshot(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    uint8_t *bytes;
    size_t len;
    char *b64, format[32];
    (void)srv;

    if (wait_for_job(req))
        return;
    if (glia_session_save(e->session, &bytes, &len) != 0) {
        glia_reply_oom(req);
        return;
    }
    b64 = glia_base64_encode(bytes, len);
    free(bytes);
    if (b64 == NULL) {
        glia_reply_oom(req);
        return;
    }
    snprintf(format, sizeof(format), "glia-snapshot/%u", glia_snapshot_version());
    reply_body(req, json_pack("{s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:O, s:s}", "name", e->name,
                              "format", format, "preset", e->preset[0] ? e->preset : NULL, "seed",
                              (json_int_t)e->seed, "episode", (json_int_t)e->counters.episodes,
                              "steps", (json_int_t)e->counters.steps, "bytes", (json_int_t)len,
                              "config", e->config_json, "snapshot", b64));
    free(b64);
}
