/* lifecycle.c: a session's state machine (see lifecycle.h).
 *
 * Everything that changes e->state, e->error, the requests to stop and the run's target
 * is here. Each operation builds a commit (commit.c) from the new loop state and finishes
 * in a commit callback; runs are handed to the pool (runner.c) and finish in a job
 * callback, which books the slice and decides what follows.
 */
#include "server/sessions/lifecycle.h"

#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "core/footprint.h"
#include "server/log.h"
#include "server/sessions/commit.h"
#include "server/sessions/entry.h"
#include "server/sessions/registry.h"
#include "server/sessions/runner.h"

/* What an operation's commit (or job) is to report, and to whom. */
typedef struct pending {
    glia_lifecycle_cb cb;
    void *arg;
    json_t *steps;            /* step: the records */
    glia_counters_t counters; /* step: as the job left them */
    int job_rc;               /* step: the core's error */
    int steps_left;           /* step: steps still to take, slice by slice */
    const char *stopped;      /* step: why it ended before taking them all (NULL: it did not) */
} pending_t;

static pending_t *pending_new(glia_lifecycle_cb cb, void *arg)
{
    pending_t *p = calloc(1, sizeof(*p));
    if (p != NULL) {
        p->cb = cb;
        p->arg = arg;
    }
    return p;
}

static void pending_free(pending_t *p)
{
    if (p != NULL) {
        json_decref(p->steps);
        free(p);
    }
}

/* Report to the operation's caller and free `p` (NULL: nobody to tell). */
static void report(glia_server_t *srv, glia_entry_t *e, pending_t *p, int status, const char *error)
{
    glia_outcome_t out;

    if (p == NULL)
        return;
    memset(&out, 0, sizeof(out));
    out.status = status;
    out.error = error;
    out.counters = &p->counters;
    out.steps = p->steps;
    out.stopped = p->stopped;
    if (p->cb != NULL)
        p->cb(srv, e, &out, p->arg);
    pending_free(p);
}

/* The one place a state is written. Returns the state before. */
static int set_state(glia_entry_t *e, int state, const char *error)
{
    int previous = e->state;

    e->state = state;
    snprintf(e->error, sizeof(e->error), "%s", error ? error : "");
    if (previous != state)
        glia_log("info", e->name, "session %s -> %s%s%s", glia_state_name(previous),
                 glia_state_name(state), error ? ": " : "", error ? error : "");
    return previous;
}

/* A new state, with its state event and row, into commit `c`. */
static void commit_state(glia_commit_t *c, glia_entry_t *e, int state, const char *error)
{
    glia_commit_state_event(c, set_state(e, state, error));
}

/* The store refused a write: the session lives on in memory but must not pretend to be
 * durable. It fails, stays failed, and nothing more is written for it. */
static void fail_unstored(glia_server_t *srv, glia_entry_t *e, const char *error)
{
    set_state(e, GLIA_STATE_FAILED, error);
    e->cancel_requested = 1;
    atomic_store(&e->stop_flag, 1);
    glia_commit_publish_unstored(srv, e);
}

static void hook_job_returned(glia_server_t *srv, glia_entry_t *e)
{
    if (srv->hooks.job_returned_cb != NULL)
        srv->hooks.job_returned_cb(srv, e);
}

static void hook_job_committed(glia_server_t *srv, glia_entry_t *e)
{
    if (srv->hooks.job_committed_cb != NULL)
        srv->hooks.job_committed_cb(srv, e);
}

/* ---- runs on the pool ---------------------------------------------------------------- */

static void job_done_cb(glia_server_t *srv, glia_entry_t *e, const glia_job_result_t *r, void *arg);

/* Queue the next slice of e's run; if that is impossible the run fails. */
static void schedule(glia_server_t *srv, glia_entry_t *e)
{
    glia_job_spec_t spec = {1, e->target_episodes, 0, srv->opt.slice_ms / 1000.0, 0, 0};
    glia_commit_t *c;

    spec.query_budget = e->query_budget;
    if (glia_runner_submit(srv, e, &spec, job_done_cb, NULL) == 0)
        return;
    if ((c = glia_commit_begin(srv, e)) != NULL) {
        commit_state(c, e, GLIA_STATE_FAILED, "cannot schedule work: out of memory");
        glia_commit_submit(c, NULL, NULL);
    }
}

static void book_counters(glia_server_t *srv, glia_entry_t *e, const glia_job_result_t *r)
{
    glia_counters_t old = e->counters;

    glia_session_counters(e->session, &e->counters);
    if (r->elapsed > 0 && r->steps_done > 0)
        e->steps_per_second = (double)r->steps_done / r->elapsed;
    atomic_fetch_add(&srv->stats.steps_total, e->counters.steps - old.steps);
    atomic_fetch_add(&srv->stats.accepted_total, e->counters.accepted - old.accepted);
    atomic_fetch_add(&srv->stats.rejected_total, e->counters.rejected - old.rejected);
}

/* The commit of what a job did is stored (or refused). `arg` is the step's pending, NULL
 * for a slice. */
static void job_committed_cb(glia_server_t *srv, glia_entry_t *e, int status, const char *error,
                             void *arg)
{
    pending_t *p = arg;

    if (status != 0)
        fail_unstored(srv, e, error);
    if (p != NULL) {
        if (status != 0)
            report(srv, e, p, GLIA_EIO, error);
        else if (p->job_rc != 0)
            report(srv, e, p, GLIA_ENOMEM, "out of memory while stepping");
        else
            report(srv, e, p, 0, NULL);
    }
    hook_job_committed(srv, e);
}

/* A job returned: book it, decide what follows, store it. `arg` is the step's pending,
 * NULL for a slice. */
static void job_done_cb(glia_server_t *srv, glia_entry_t *e, const glia_job_result_t *r, void *arg)
{
    pending_t *p = arg;
    int is_step = p != NULL, again = 0;
    glia_commit_t *c;

    if (e->is_deleted || e->is_deleting) {
        report(srv, e, p, GLIA_ENOENT, "the session was deleted");
        hook_job_returned(srv, e);
        hook_job_committed(srv, e);
        return;
    }
    book_counters(srv, e, r);
    if (is_step && r->records != NULL)
        json_array_extend(p->steps, r->records);
    if (is_step && r->rc == 0 && (p->steps_left -= (int)r->steps_done) > 0) {
        /* A step request runs in slices like a run: between two, other sessions get the
         * pool. It goes on unless something asked it to stop. */
        p->stopped = atomic_load(&srv->is_shutting_down) ? "the server is shutting down"
                     : e->cancel_requested               ? "the session was cancelled"
                     : e->state == GLIA_STATE_FAILED     ? "the session failed"
                                                         : NULL;
        if (p->stopped == NULL) {
            glia_job_spec_t spec = {0, 0, p->steps_left, srv->opt.slice_ms / 1000.0, 1, 0};
            atomic_store(&e->stop_flag, 0);
            if (glia_runner_submit(srv, e, &spec, job_done_cb, p) == 0)
                return;
            p->job_rc = GLIA_ENOMEM;
        }
    }
    atomic_store(&e->stop_flag, 0);
    if (e->state == GLIA_STATE_FAILED && !is_step) {
        /* The store failed while this slice ran: the session stays failed, with its
         * reason, and nothing more is written for it. */
        e->pause_requested = e->cancel_requested = 0;
        hook_job_returned(srv, e);
        hook_job_committed(srv, e);
        return;
    }
    if ((c = glia_commit_begin(srv, e)) == NULL) {
        /* Out of memory: nothing can be stored or published; stop the run. */
        set_state(e, GLIA_STATE_FAILED, "out of memory");
        report(srv, e, p, GLIA_ENOMEM, "out of memory");
        hook_job_returned(srv, e);
        hook_job_committed(srv, e);
        return;
    }
    glia_commit_trajectory(c, 0); /* the points the core recorded during the job */
    /* A study's budget spent: the run is complete at this episode end. */
    if (r->rc == 0 && !is_step && glia_session_spent(e->session, e->query_budget))
        e->target_episodes = e->counters.episodes;

    if (r->rc != 0) {
        commit_state(c, e, GLIA_STATE_FAILED, "out of memory while learning");
        glia_commit_checkpoint(c);
    } else if (is_step) {
        glia_commit_row(c);
        glia_commit_progress(c);
        glia_commit_checkpoint(c);
    } else if (e->counters.episodes >= e->target_episodes) {
        glia_commit_trajectory(c, 1); /* and the run's last episode */
        glia_commit_progress(c);
        commit_state(c, e, GLIA_STATE_COMPLETED, NULL);
        glia_commit_checkpoint(c);
    } else if (e->cancel_requested) {
        glia_commit_trajectory(c, 1);
        glia_commit_progress(c);
        commit_state(c, e, GLIA_STATE_CANCELLED, NULL);
        glia_commit_checkpoint(c);
    } else if (e->pause_requested) {
        glia_commit_progress(c);
        commit_state(c, e, GLIA_STATE_PAUSED, NULL);
        glia_commit_checkpoint(c);
    } else if (atomic_load(&srv->is_shutting_down)) {
        /* Stays "running" in the store: a restart resumes from this checkpoint. */
        glia_commit_progress(c);
        glia_commit_row(c);
        glia_commit_checkpoint(c);
    } else {
        if (glia_now() - e->last_progress >= 0.5)
            glia_commit_progress(c);
        /* At most every --checkpoint-seconds, never while one is still being stored,
         * and no more often than keeps the store busy a twentieth of the time with this
         * session: a big session's checkpoint (hundreds of MB) holds the store's one
         * writer while it is written. */
        if (e->ckpts_in_flight == 0 &&
            glia_now() - e->last_checkpoint >= (srv->opt.checkpoint_seconds > 20 * e->ckpt_seconds
                                                    ? srv->opt.checkpoint_seconds
                                                    : 20 * e->ckpt_seconds)) {
            glia_commit_row(c);
            glia_commit_checkpoint(c);
        }
        again = 1;
    }
    if (!is_step || e->state != GLIA_STATE_PAUSED)
        e->pause_requested = e->cancel_requested = 0; /* a cancel that stopped a step on a
                                                          paused session is answered next */
    if (p != NULL) {
        p->counters = e->counters;
        if (r->rc != 0)
            p->job_rc = r->rc;
    }
    /* Between slices the loop holds the session: what only reads it is served now, before
     * the next slice takes it; what changes it waits for this commit, to see its state. */
    hook_job_returned(srv, e);
    glia_commit_submit(c, job_committed_cb, p);
    if (again)
        schedule(srv, e);
    else if (e->experiment[0] != '\0' && srv->hooks.session_settled_cb != NULL)
        srv->hooks.session_settled_cb(srv, e);
}

/* ---- operations ---------------------------------------------------------------------- */

/* The commit of an operation on a live session is stored (or refused). */
static void changed_cb(glia_server_t *srv, glia_entry_t *e, int status, const char *error,
                       void *arg)
{
    if (status != 0)
        fail_unstored(srv, e, error);
    report(srv, e, arg, status, error);
}

/* Begin a commit with its pending report; both or neither (GLIA_ENOMEM). */
static int begin(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg,
                 glia_commit_t **c, pending_t **p)
{
    *p = pending_new(cb, arg);
    *c = *p ? glia_commit_begin(srv, e) : NULL;
    if (*c == NULL) {
        pending_free(*p);
        *p = NULL;
        return GLIA_ENOMEM;
    }
    return 0;
}

/* Fill an entry from a resolved spec and its session (create and configure); takes `s`. */
static int apply_spec(glia_entry_t *e, const glia_session_spec_t *spec, glia_session_t *s)
{
    json_t *cfg = glia_config_to_json(glia_session_config(s));

    if (cfg == NULL) {
        glia_session_free(s);
        return GLIA_ENOMEM;
    }
    glia_session_free(e->session);
    json_decref(e->config_json);
    e->session = s;
    e->config_json = cfg;
    snprintf(e->preset, sizeof(e->preset), "%s", spec->preset);
    e->seed = glia_session_seed(s);
    e->is_exported = spec->export_metrics;
    glia_session_counters(s, &e->counters);
    return 0;
}

static void created_cb(glia_server_t *srv, glia_entry_t *e, int status, const char *error,
                       void *arg)
{
    if (status != 0) {
        /* Never stored: withdrawn, and a run it started ends without writing. */
        e->is_deleted = 1;
        glia_runner_stop(srv, e);
        glia_registry_remove(&srv->registry, e);
    }
    report(srv, e, arg, status, error);
}

int glia_lifecycle_create(glia_server_t *srv, const glia_session_spec_t *spec, glia_session_t *s,
                          const char *experiment, uint64_t episodes, glia_lifecycle_cb cb,
                          void *arg, glia_entry_t **out)
{
    glia_entry_t *e = glia_entry_new(spec->name);
    glia_commit_t *c;
    pending_t *p;
    int rc;

    *out = NULL;
    if (e == NULL) {
        glia_session_free(s);
        return GLIA_ENOMEM;
    }
    if ((rc = apply_spec(e, spec, s)) != 0)
        goto fail_entry;
    snprintf(e->experiment, sizeof(e->experiment), "%s", experiment ? experiment : "");
    e->created_at = e->updated_at = glia_wall();
    /* A new session is rebuilt from its config and seed: its first periodic checkpoint
     * is due one interval into its run, not at its first slice. */
    e->last_checkpoint = glia_now();
    e->target_episodes = e->counters.episodes + episodes;
    e->query_budget = spec->query_budget;
    if ((rc = glia_registry_add(&srv->registry, e)) != 0)
        goto fail_entry;
    if ((rc = begin(srv, e, cb, arg, &c, &p)) != 0)
        goto fail_registered;
    commit_state(c, e, episodes > 0 ? GLIA_STATE_RUNNING : GLIA_STATE_IDLE, NULL);
    if (e->counters.steps > 0) {
        /* A fork: its history so far, then its exact state. */
        glia_commit_trajectory(c, 1);
        glia_commit_checkpoint(c);
    }
    glia_commit_submit(c, created_cb, p);
    if (episodes > 0)
        schedule(srv, e);
    *out = e;
    glia_entry_unref(e); /* the registry holds it */
    return 0;

fail_registered:
    glia_registry_remove(&srv->registry, e);
fail_entry:
    glia_entry_unref(e);
    return rc;
}

int glia_lifecycle_configure(glia_server_t *srv, glia_entry_t *e, const glia_session_spec_t *spec,
                             glia_session_t *s, glia_lifecycle_cb cb, void *arg)
{
    glia_commit_t *c;
    pending_t *p;
    int rc;

    if (e->state == GLIA_STATE_RUNNING || e->counters.steps > 0 ||
        (e->in_worker && !e->in_job_cb)) {
        glia_session_free(s);
        return GLIA_ESTATE;
    }
    if ((rc = begin(srv, e, cb, arg, &c, &p)) != 0) {
        glia_session_free(s);
        return rc;
    }
    if ((rc = apply_spec(e, spec, s)) != 0) {
        pending_free(p);
        glia_commit_abandon(c);
        return rc;
    }
    commit_state(c, e, GLIA_STATE_IDLE, NULL);
    glia_commit_checkpoint(c);
    glia_commit_submit(c, changed_cb, p);
    return 0;
}

int glia_lifecycle_run(glia_server_t *srv, glia_entry_t *e, uint64_t episodes, glia_lifecycle_cb cb,
                       void *arg)
{
    glia_commit_t *c;
    pending_t *p;
    int rc;

    if (e->state == GLIA_STATE_RUNNING || e->state == GLIA_STATE_PAUSED || e->in_worker)
        return GLIA_ESTATE;
    if ((rc = begin(srv, e, cb, arg, &c, &p)) != 0)
        return rc;
    e->target_episodes = e->counters.episodes + episodes;
    e->query_budget = 0; /* a run asked for by episodes */
    e->pause_requested = e->cancel_requested = 0;
    commit_state(c, e, GLIA_STATE_RUNNING, NULL);
    glia_commit_progress(c);
    glia_commit_submit(c, changed_cb, p);
    schedule(srv, e);
    return 0;
}

int glia_lifecycle_step(glia_server_t *srv, glia_entry_t *e, int steps, glia_lifecycle_cb cb,
                        void *arg)
{
    glia_job_spec_t spec = {0, 0, steps, srv->opt.slice_ms / 1000.0, 1, 0};
    pending_t *p;

    if (e->state == GLIA_STATE_RUNNING || e->in_worker || steps < 1)
        return GLIA_ESTATE;
    if ((p = pending_new(cb, arg)) == NULL || (p->steps = json_array()) == NULL) {
        pending_free(p);
        return GLIA_ENOMEM;
    }
    p->steps_left = steps;
    e->cancel_requested = 0;
    atomic_store(&e->stop_flag, 0);
    if (glia_runner_submit(srv, e, &spec, job_done_cb, p) != 0) {
        pending_free(p);
        return GLIA_ENOMEM;
    }
    return 0;
}

/* ---- sessions built on the pool -------------------------------------------------------- */

/* A session being built on the pool, for a create or a configure. Loop thread but for
 * build_work. */
struct glia_build {
    struct glia_build *next; /* in srv->builds */
    glia_server_t *srv;
    glia_session_spec_t spec; /* a copy: snapshot and config_overrides are not used */
    char experiment[GLIA_NAME_MAX + 1];
    uint64_t episodes;
    uint64_t points; /* trajectory points it is counted for, beyond those of `episodes` */
    uint64_t taken;  /* bytes of the budget taken for it */
    uint8_t *snapshot;
    size_t snapshot_len;
    glia_entry_t *target; /* configure: the session that gets it (referenced) */
    int is_forgotten;
    glia_lifecycle_cb cb;
    void *arg;
    /* The worker's result. */
    glia_session_t *s;
    int rc;
    glia_error_t err;
};

static void build_free(glia_build_t *b)
{
    glia_session_free(b->s);
    free(b->snapshot);
    glia_entry_unref(b->target);
    free(b);
}

/* Worker thread: build it. Touches nothing but the build. */
static void build_work(void *arg)
{
    glia_build_t *b = arg;

    glia_error_clear(&b->err);
    if (b->snapshot != NULL)
        b->rc = glia_session_load(b->snapshot, b->snapshot_len, &b->s, &b->err);
    else
        b->rc = glia_session_new(&b->spec.config, b->spec.seed, &b->s, &b->err);
}

static void build_report(glia_server_t *srv, glia_build_t *b, glia_entry_t *e, int status,
                         const char *error, uint64_t need)
{
    glia_outcome_t out;
    glia_counters_t none;

    memset(&out, 0, sizeof(out));
    memset(&none, 0, sizeof(none));
    out.status = status;
    out.error = error;
    out.err = &b->err;
    out.need = need;
    out.counters = &none;
    if (b->cb != NULL)
        b->cb(srv, e, &out, b->arg);
}

static void unlink_build(glia_server_t *srv, glia_build_t *b)
{
    for (glia_build_t **pp = &srv->builds; *pp; pp = &(*pp)->next) {
        if (*pp == b) {
            *pp = b->next;
            return;
        }
    }
}

static void build_done(glia_server_t *srv, void *arg)
{
    glia_build_t *b = arg;
    glia_session_t *s = b->s;
    glia_entry_t *e;
    size_t n_points = 0;
    uint64_t bytes;
    int rc;

    unlink_build(srv, b);
    if (s == NULL || b->is_forgotten) {
        glia_budget_give(&srv->budget, b->taken);
        build_report(srv, b, NULL, s == NULL ? (b->rc ? b->rc : GLIA_ENOMEM) : GLIA_ESTATE,
                     s == NULL ? (b->err.message[0] ? b->err.message : "out of memory")
                               : "its experiment was deleted or cancelled",
                     0);
        build_free(b);
        return;
    }
    /* A fork: what it really holds (its config and points were known before it was
     * built; this settles the count). */
    glia_session_trajectory(s, &n_points);
    bytes = glia_session_bytes(glia_session_config(s),
                               (n_points > b->points ? (uint64_t)n_points : b->points) +
                                   glia_config_points(glia_session_config(s), b->episodes) + 1);
    if (bytes > b->taken && glia_budget_take(&srv->budget, bytes - b->taken) != 0) {
        glia_budget_give(&srv->budget, b->taken);
        build_report(srv, b, NULL, GLIA_ELIMIT, "not enough memory", bytes);
        build_free(b);
        return;
    }
    if (bytes < b->taken)
        glia_budget_give(&srv->budget, b->taken - bytes);
    b->s = NULL;
    rc = glia_lifecycle_create(srv, &b->spec, s, b->experiment[0] ? b->experiment : NULL,
                               b->episodes, b->cb, b->arg, &e);
    if (rc != 0) {
        glia_budget_give(&srv->budget, bytes);
        build_report(srv, b, NULL, rc, rc == GLIA_EEXIST ? "the name is taken" : "out of memory",
                     0);
    } else {
        e->budget = &srv->budget;
        e->mem_reserved = bytes;
    }
    build_free(b);
}

static int name_is_building(const glia_server_t *srv, const char *name)
{
    for (const glia_build_t *b = srv->builds; b; b = b->next) {
        if (b->target == NULL && strcmp(b->spec.name, name) == 0)
            return 1;
    }
    return 0;
}

size_t glia_lifecycle_building(const glia_server_t *srv)
{
    size_t n = 0;
    for (const glia_build_t *b = srv->builds; b; b = b->next)
        n += b->target == NULL;
    return n;
}

void glia_lifecycle_forget_builds(glia_server_t *srv, const char *experiment)
{
    for (glia_build_t *b = srv->builds; b; b = b->next) {
        if (strcmp(b->experiment, experiment) == 0)
            b->is_forgotten = 1;
    }
}

int glia_lifecycle_build(glia_server_t *srv, const glia_session_spec_t *spec,
                         const uint8_t *snapshot, size_t snapshot_len, uint64_t points,
                         const char *experiment, uint64_t episodes, glia_lifecycle_cb cb, void *arg,
                         uint64_t *need)
{
    glia_entry_t *taken = glia_registry_get(&srv->registry, spec->name);
    glia_build_t *b;
    uint64_t bytes;

    glia_entry_unref(taken);
    if (taken != NULL || name_is_building(srv, spec->name))
        return GLIA_EEXIST;
    bytes =
        glia_session_bytes(&spec->config, points + glia_config_points(&spec->config, episodes) + 1);
    *need = bytes;
    if ((b = calloc(1, sizeof(*b))) == NULL)
        return GLIA_ENOMEM;
    if (snapshot != NULL && (b->snapshot = malloc(snapshot_len ? snapshot_len : 1)) == NULL) {
        free(b);
        return GLIA_ENOMEM;
    }
    if (glia_budget_take(&srv->budget, bytes) != 0) {
        build_free(b);
        return GLIA_ELIMIT;
    }
    b->srv = srv;
    b->spec = *spec;
    b->spec.snapshot = NULL;
    b->spec.config_overrides = NULL;
    snprintf(b->experiment, sizeof(b->experiment), "%s", experiment ? experiment : "");
    b->episodes = episodes;
    b->points = points;
    b->taken = bytes;
    if (snapshot != NULL) {
        memcpy(b->snapshot, snapshot, snapshot_len);
        b->snapshot_len = snapshot_len;
    }
    b->cb = cb;
    b->arg = arg;
    if (glia_runner_call(srv, build_work, build_done, b) != 0) {
        glia_budget_give(&srv->budget, bytes);
        build_free(b);
        return GLIA_ENOMEM;
    }
    b->next = srv->builds;
    srv->builds = b;
    return 0;
}

/* Worker (as a read of e, which holds it): build the replacement. */
static void rebuild_work(glia_entry_t *e, void *arg)
{
    (void)e;
    build_work(arg);
}

static void rebuild_done(glia_server_t *srv, glia_entry_t *e, void *arg)
{
    glia_build_t *b = arg;
    glia_session_t *s = b->s;
    uint64_t bytes;
    int rc;

    unlink_build(srv, b);
    if (s == NULL || e->is_deleting || e->is_deleted) {
        glia_budget_give(&srv->budget, b->taken);
        build_report(srv, b, e, s == NULL ? (b->rc ? b->rc : GLIA_ENOMEM) : GLIA_ENOENT,
                     s == NULL ? (b->err.message[0] ? b->err.message : "out of memory")
                               : "the session was deleted",
                     0);
        build_free(b);
        return;
    }
    bytes = glia_session_bytes(glia_session_config(s), 0);
    b->s = NULL;
    rc = glia_lifecycle_configure(srv, e, &b->spec, s, b->cb, b->arg);
    if (rc != 0) {
        glia_budget_give(&srv->budget, b->taken);
        build_report(srv, b, e, rc,
                     rc == GLIA_ESTATE ? "it has taken a step meanwhile" : "out of memory", 0);
    } else {
        /* Counted for the new session now: what was taken for the difference joins the
         * reservation, which shrinks to the new size when that is smaller. */
        e->budget = &srv->budget;
        e->mem_reserved += b->taken;
        if (e->mem_reserved > bytes) {
            glia_budget_give(&srv->budget, e->mem_reserved - bytes);
            e->mem_reserved = bytes;
        }
    }
    build_free(b);
}

int glia_lifecycle_rebuild(glia_server_t *srv, glia_entry_t *e, const glia_session_spec_t *spec,
                           glia_lifecycle_cb cb, void *arg, uint64_t *need)
{
    uint64_t bytes = glia_session_bytes(&spec->config, 0);
    uint64_t delta = bytes > e->mem_reserved ? bytes - e->mem_reserved : 0;
    glia_build_t *b;

    *need = bytes;
    if (e->state == GLIA_STATE_RUNNING || e->counters.steps > 0 || e->in_worker)
        return GLIA_ESTATE;
    if ((b = calloc(1, sizeof(*b))) == NULL)
        return GLIA_ENOMEM;
    if (glia_budget_take(&srv->budget, delta) != 0) {
        free(b);
        return GLIA_ELIMIT;
    }
    b->srv = srv;
    b->spec = *spec;
    b->spec.snapshot = NULL;
    b->spec.config_overrides = NULL;
    b->taken = delta;
    b->target = e;
    glia_entry_ref(e);
    b->cb = cb;
    b->arg = arg;
    if (glia_runner_read(srv, e, rebuild_work, rebuild_done, b) != 0) {
        glia_budget_give(&srv->budget, delta);
        build_free(b);
        return GLIA_ENOMEM;
    }
    b->next = srv->builds;
    srv->builds = b;
    return 0;
}

/* Paused -> `state`, stored now. */
static int leave_paused(glia_server_t *srv, glia_entry_t *e, int state, glia_lifecycle_cb cb,
                        void *arg)
{
    glia_commit_t *c;
    pending_t *p;
    int rc;

    if (e->state != GLIA_STATE_PAUSED || e->in_worker)
        return GLIA_ESTATE;
    if ((rc = begin(srv, e, cb, arg, &c, &p)) != 0)
        return rc;
    commit_state(c, e, state, NULL);
    glia_commit_submit(c, changed_cb, p);
    if (state == GLIA_STATE_RUNNING)
        schedule(srv, e);
    return 0;
}

int glia_lifecycle_resume(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg)
{
    return leave_paused(srv, e, GLIA_STATE_RUNNING, cb, arg);
}

int glia_lifecycle_cancel(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg)
{
    return leave_paused(srv, e, GLIA_STATE_CANCELLED, cb, arg);
}

int glia_lifecycle_stop(glia_server_t *srv, glia_entry_t *e, int state)
{
    if (e->state == GLIA_STATE_PAUSED && e->in_worker && state == GLIA_STATE_CANCELLED) {
        /* A step request holds it: the steps end after their slice (the cancel request
         * waits for them). */
        e->cancel_requested = 1;
        glia_runner_stop(srv, e);
        return 0;
    }
    if (e->state != GLIA_STATE_RUNNING ||
        (state != GLIA_STATE_PAUSED && state != GLIA_STATE_CANCELLED))
        return GLIA_ESTATE;
    if (state == GLIA_STATE_PAUSED)
        e->pause_requested = 1;
    else
        e->cancel_requested = 1;
    glia_runner_stop(srv, e);
    return 0;
}

static void deleted_cb(glia_server_t *srv, glia_entry_t *e, int status, const char *error,
                       void *arg)
{
    if (status != 0) {
        /* The delete did not happen: the session is back as it was. */
        pthread_mutex_lock(&e->mu);
        e->is_deleting = 0;
        pthread_mutex_unlock(&e->mu);
        if (e->state == GLIA_STATE_RUNNING && !e->in_worker)
            schedule(srv, e);
    } else {
        e->is_deleted = 1; /* commit.c has closed it and taken it out of the registry */
    }
    report(srv, e, arg, status, error);
}

int glia_lifecycle_delete(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg)
{
    glia_commit_t *c;
    pending_t *p;
    int rc;

    if ((rc = begin(srv, e, cb, arg, &c, &p)) != 0)
        return rc;
    /* Gone for readers now; removed from the registry once the store agrees, so a failed
     * delete leaves the session as it was. */
    pthread_mutex_lock(&e->mu);
    e->is_deleting = 1;
    pthread_mutex_unlock(&e->mu);
    glia_runner_stop(srv, e);
    glia_commit_delete(c);
    glia_commit_submit(c, deleted_cb, p);
    return 0;
}

/* ---- startup and shutdown ------------------------------------------------------------ */

int glia_lifecycle_restore(glia_server_t *srv, const glia_stored_session_t *ss)
{
    glia_entry_t *e = glia_entry_new(ss->row.name);
    glia_error_t err;
    json_error_t jerr;
    json_t *cfg_json;
    glia_config_t cfg;
    int rc;

    if (e == NULL)
        return GLIA_ENOMEM;
    glia_error_clear(&err);
    snprintf(e->preset, sizeof(e->preset), "%s", ss->row.preset);
    snprintf(e->experiment, sizeof(e->experiment), "%s", ss->row.experiment);
    e->seed = ss->row.seed;
    e->state = ss->row.state;
    snprintf(e->error, sizeof(e->error), "%s", ss->row.error);
    e->target_episodes = ss->row.target_episodes;
    e->is_exported = ss->row.is_exported;
    e->created_at = ss->row.created_at;
    e->updated_at = ss->row.updated_at;

    cfg_json = json_loads(ss->row.config, JSON_REJECT_DUPLICATES, &jerr);
    if (ss->ckpt != NULL && ss->ckpt_len > 0) {
        rc = glia_session_load(ss->ckpt, ss->ckpt_len, &e->session, &err);
    } else {
        glia_config_default(&cfg);
        rc = cfg_json ? glia_config_apply_json(&cfg, cfg_json, "", &err) : GLIA_EFORMAT;
        if (rc == 0)
            rc = glia_session_new(&cfg, e->seed, &e->session, &err);
    }
    if (rc != 0) {
        /* Keep the session visible, marked failed and broken, rather than refuse to
         * start: it serves its summary, points and events but never runs, and its rows
         * stay as they are until it is deleted. */
        char why[256];
        snprintf(why, sizeof(why), "could not be restored: %.200s",
                 err.message[0]     ? err.message
                 : cfg_json == NULL ? "its stored config is not readable JSON"
                                    : "unreadable checkpoint");
        e->is_broken = 1;
        e->state = GLIA_STATE_FAILED;
        snprintf(e->error, sizeof(e->error), "%s", why);
        glia_log("error", e->name, "%s", e->error);
    }
    e->config_json = cfg_json ? cfg_json : json_object();
    if (e->session != NULL) {
        size_t n_traj;
        uint64_t points = json_array_size(ss->points);
        glia_session_counters(e->session, &e->counters);
        glia_session_trajectory(e->session, &n_traj);
        /* What it holds is counted, even past the budget: it is already there. */
        e->budget = &srv->budget;
        e->mem_reserved = glia_session_bytes(glia_session_config(e->session),
                                             (n_traj > points ? n_traj : points) + 1);
        glia_budget_force(&srv->budget, e->mem_reserved);
    }
    glia_commit_publish_restored(e, ss); /* nobody sees the entry yet: no lock needed */
    e->last_checkpoint = glia_now();
    rc = glia_registry_add(&srv->registry, e);
    glia_entry_unref(e);
    return rc;
}

void glia_lifecycle_resume_running(glia_server_t *srv)
{
    glia_entry_t **list;
    size_t n = glia_registry_list(&srv->registry, &list), resumed = 0;

    for (size_t i = 0; i < n; i++) {
        glia_entry_t *e = list[i];
        if (e->state == GLIA_STATE_RUNNING && !e->is_broken) {
            glia_log("info", e->name, "resuming at episode %llu of %llu",
                     (unsigned long long)e->counters.episodes,
                     (unsigned long long)e->target_episodes);
            schedule(srv, e);
            resumed++;
        }
    }
    glia_registry_list_free(list, n);
    if (resumed > 0)
        glia_log("info", NULL, "resumed %zu running sessions", resumed);
}

void glia_lifecycle_stop_all(glia_server_t *srv)
{
    glia_entry_t **list;
    size_t n = glia_registry_list(&srv->registry, &list);

    for (size_t i = 0; i < n; i++) {
        if (list[i]->in_worker)
            glia_runner_stop(srv, list[i]);
    }
    glia_registry_list_free(list, n);
}
