/* study.c: the study engine: seeds x conditions studies hosted by the daemon.
 *
 * POST /v1/experiments creates one ordinary session per (condition, seed), named
 * <experiment>.<label>.<seed>, and runs them on the pool like any other (lifecycle.c).
 * When one of them settles, its record (accuracy, counts, output vectors) goes into the
 * experiment document, which is stored after every change; once every session has
 * finished, the statistics are computed from the records. Everything here runs on the
 * loop thread.
 *
 * A study with "prune" (successive halving) runs in stages. Its document's "pruning"
 * holds {"target": T}: the episodes the conditions still in the study run to (the next
 * rung, then the study's episodes). When every session of those conditions has completed
 * at T, the conditions are ranked there with glia_experiment_prune_rung (as `gliad
 * experiment` does offline); the runs of those that stop are recorded at T, marked
 * "pruned_at", and the others run on to the next target. The document, with the new
 * target and those records, is stored before the sessions run on, and the store applies
 * writes in order: after a crash there is either the old target with every session at it
 * (decided again, the same way) or the new one with some sessions still behind it (they
 * run on). So the records equal the offline run's.
 */
#include "server/sessions/study.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/experiment_curves.h"
#include "core/footprint.h"
#include "server/log.h"
#include "server/sessions/entry.h"
#include "server/sessions/lifecycle.h"
#include "server/sessions/registry.h"
#include "server/store/store.h"

struct glia_study {
    char name[GLIA_NAME_MAX + 1];
    json_t *doc;             /* spec, state, created_at, records, results: the loop's copy */
    json_t *shown;           /* the last stored copy of doc: what readers get (stored_cb) */
    int state;               /* GLIA_STATE_RUNNING, COMPLETED, CANCELLED or FAILED */
    int building;            /* its sessions still being built on the pool */
    int is_creating;         /* its creator waits for them all to be stored: ... */
    glia_study_cb create_cb; /* ... told then ... */
    void *create_arg;
    json_t *create_body; /* ... with the experiment as it was accepted */
    struct glia_study *next;
};

typedef struct experiments {
    glia_study_t *head;      /* name order (what GET /v1/experiments shows) */
    int is_starting;         /* startup: pruned studies go on once the loop runs */
    uv_timer_t resume_timer; /* ... at its first turn, after stored runs resumed */
} experiments_t;

static experiments_t *all_of(glia_server_t *srv)
{
    return srv->experiments;
}

static void insert_sorted(experiments_t *r, glia_study_t *x)
{
    glia_study_t **pp = &r->head;
    while (*pp && strcmp((*pp)->name, x->name) < 0)
        pp = &(*pp)->next;
    x->next = *pp;
    *pp = x;
}

glia_study_t *glia_study_find(glia_server_t *srv, const char *name)
{
    for (glia_study_t *x = all_of(srv)->head; x; x = x->next) {
        if (strcmp(x->name, name) == 0)
            return x;
    }
    return NULL;
}

static void experiment_free(glia_study_t *x)
{
    if (x != NULL) {
        json_decref(x->doc);
        json_decref(x->shown);
        json_decref(x->create_body);
        free(x);
    }
}

/* ---- storing ----------------------------------------------------------------------- */

/* A write whose caller is told once it is stored. */
typedef struct pending_write {
    glia_server_t *srv;
    glia_study_cb cb;
    void *arg;
    char name[GLIA_NAME_MAX + 1];
    json_t *body;
} pending_write_t;

/* Tell the write's caller (if any) how it ended: `body` is taken. */
static void tell(glia_server_t *srv, glia_study_cb cb, void *arg, const char *name, int status,
                 const char *error, json_t *body)
{
    glia_study_outcome_t out = {status, error, name, body};

    if (cb != NULL)
        cb(srv, &out, arg);
    else
        json_decref(body);
}

static void stored_cb(glia_store_op_t *op, int status, void *arg)
{
    pending_write_t *p = arg;

    if (status != 0) {
        glia_log("error", NULL, "store: experiment %s: %s", op->experiment, op->error);
        json_decref(p->body);
        tell(p->srv, p->cb, p->arg, p->name, GLIA_EIO, op->error, NULL);
    } else {
        /* Readers see a document only once it is stored. Store operations complete in
         * submission order, so a study shown as settled has every run's last commit
         * (points, state) stored and published before it. */
        glia_study_t *x = op->experiment_doc ? glia_study_find(p->srv, op->experiment) : NULL;
        if (x != NULL) {
            json_decref(x->shown);
            x->shown = json_incref(op->experiment_doc);
        }
        tell(p->srv, p->cb, p->arg, p->name, 0, NULL, p->body);
    }
    free(p);
}

/* Store the experiment's document (or its deletion); tell `cb` (may be NULL), with `body`
 * (taken), once stored. */
static void persist(glia_server_t *srv, glia_study_t *x, int is_delete, glia_study_cb cb, void *arg,
                    json_t *body)
{
    pending_write_t *p = calloc(1, sizeof(*p));
    glia_store_op_t *op = p ? glia_store_op_new(NULL, stored_cb, p) : NULL;

    if (op == NULL) {
        free(p);
        json_decref(body);
        tell(srv, cb, arg, x->name, GLIA_ENOMEM, "out of memory", NULL);
        return;
    }
    p->srv = srv;
    p->cb = cb;
    p->arg = arg;
    p->body = body;
    snprintf(p->name, sizeof(p->name), "%s", x->name);
    snprintf(op->experiment, sizeof(op->experiment), "%s", x->name);
    if (is_delete)
        op->is_experiment_delete = 1;
    else
        op->experiment_doc = json_deep_copy(x->doc); /* the loop keeps changing x->doc */
    glia_store_submit(srv->store, op);
}

/* ---- the sessions of an experiment ----------------------------------------------------- */

/* Name pieces: "<experiment>.<label>.<seed>", labels have no dots. */
static int split_session_name(const char *session, const char *experiment, char *label,
                              size_t label_size, char *seed, size_t seed_size)
{
    size_t n = strlen(experiment);
    const char *rest, *dot;

    if (strncmp(session, experiment, n) != 0 || session[n] != '.')
        return GLIA_EINVAL;
    rest = session + n + 1;
    dot = strrchr(rest, '.');
    if (dot == NULL)
        return GLIA_EINVAL;
    snprintf(label, label_size, "%.*s", (int)(dot - rest), rest);
    snprintf(seed, seed_size, "%s", dot + 1);
    return 0;
}

/* Call fn for every (condition, seed) of the experiment, with its session when it
 * exists (NULL otherwise). */
static void for_each_session(glia_server_t *srv, glia_study_t *x,
                             void (*fn)(glia_server_t *, glia_entry_t *, void *), void *ctx)
{
    json_t *conds = json_object_get(x->doc, "conditions"),
           *seeds = json_object_get(x->doc, "seeds");
    for (size_t i = 0; i < json_array_size(conds); i++) {
        const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
        for (size_t k = 0; k < json_array_size(seeds); k++) {
            char name[GLIA_NAME_MAX + 1];
            glia_entry_t *e;
            glia_experiment_session_name(x->name, label,
                                         (uint32_t)json_integer_value(json_array_get(seeds, k)),
                                         name, sizeof(name));
            e = glia_registry_get(&srv->registry, name);
            fn(srv, e, ctx);
            glia_entry_unref(e);
        }
    }
}

typedef struct tally {
    int total, recorded, running;
} tally_t;

static void count_session(glia_server_t *srv, glia_entry_t *e, void *ctx)
{
    tally_t *t = ctx;
    (void)srv;
    t->total++;
    if (e != NULL)
        t->running += e->state == GLIA_STATE_RUNNING || e->state == GLIA_STATE_PAUSED;
}

/* Count the experiment's sessions by how far they are. */
static tally_t tally(glia_server_t *srv, glia_study_t *x)
{
    json_t *conds = json_object_get(x->doc, "conditions"),
           *records = json_object_get(x->doc, "records");
    tally_t t = {0, 0, 0};

    for_each_session(srv, x, count_session, &t);
    for (size_t i = 0; i < json_array_size(conds); i++)
        t.recorded += (int)json_object_size(json_object_get(
            records, json_string_value(json_object_get(json_array_get(conds, i), "label"))));
    return t;
}

static void set_state(glia_study_t *x, int state)
{
    x->state = state;
    json_object_set_new(x->doc, "state", json_string(glia_state_name(state)));
}

/* Settle the state once nothing runs any more, and compute the results. */
static void settle(glia_server_t *srv, glia_study_t *x)
{
    tally_t t = tally(srv, x);

    if (t.running > 0 || x->state != GLIA_STATE_RUNNING)
        return;
    set_state(x, t.recorded == t.total ? GLIA_STATE_COMPLETED : GLIA_STATE_CANCELLED);
    json_object_set_new(x->doc, "results", glia_experiment_results(x->doc));
    glia_log("info", NULL, "experiment %s %s (%d of %d runs)", x->name, glia_state_name(x->state),
             t.recorded, t.total);
}

/* ---- pruning ------------------------------------------------------------------------- */

static int is_pruned(const glia_study_t *x)
{
    return json_is_object(json_object_get(x->doc, "prune"));
}

static uint64_t study_episodes(const glia_study_t *x)
{
    return (uint64_t)json_integer_value(json_object_get(x->doc, "episodes"));
}

/* The episodes the conditions still in a pruned study run to. */
static uint64_t prune_target(const glia_study_t *x)
{
    json_t *t = json_object_get(json_object_get(x->doc, "pruning"), "target");
    return json_is_integer(t) ? (uint64_t)json_integer_value(t) : study_episodes(x);
}

/* Did condition `label` stop at a rung (its records carry pruned_at)? */
static int condition_stopped(const glia_study_t *x, const char *label)
{
    json_t *by_seed = json_object_get(json_object_get(x->doc, "records"), label), *r;
    const char *seed;

    json_object_foreach(by_seed, seed, r)
    {
        if (json_integer_value(json_object_get(r, "pruned_at")) > 0)
            return 1;
    }
    return 0;
}

/* The episodes after `target`: the next rung, or the study's episodes. */
static uint64_t next_target(const glia_study_t *x, uint64_t target)
{
    json_t *rungs = json_object_get(json_object_get(x->doc, "prune"), "rungs");
    for (size_t i = 0; i < json_array_size(rungs); i++) {
        uint64_t r = (uint64_t)json_integer_value(json_array_get(rungs, i));
        if (r > target)
            return r;
    }
    return study_episodes(x);
}

enum { PRUNE_DONE = 0, PRUNE_GOES_ON = 1, PRUNE_STORED = 2 };

/* Move a pruned study on: wait while its runs run; run on those behind the target; at a
 * rung every run has reached, decide which conditions stop (stored before the others
 * run on). PRUNE_DONE when nothing more will run here (the last target was reached, or a
 * run of the stage did not complete): settle() decides the state. */
static int prune_advance(glia_server_t *srv, glia_study_t *x)
{
    json_t *conds = json_object_get(x->doc, "conditions"),
           *seeds = json_object_get(x->doc, "seeds");
    json_t *records = json_object_get(x->doc, "records");
    size_t nc = json_array_size(conds), ns = json_array_size(seeds), n_alive = 0;
    uint64_t target = prune_target(x), next;
    size_t runs = nc * ns > 0 ? nc * ns : 1;
    glia_entry_t **ents = calloc(runs, sizeof(*ents));
    json_t **recs = calloc(runs, sizeof(*recs));
    size_t *alive = calloc(nc ? nc : 1, sizeof(*alive));
    long long *bits = calloc(nc ? nc : 1, sizeof(long long)),
              *total = calloc(nc ? nc : 1, sizeof(long long));
    int *keep = calloc(nc ? nc : 1, sizeof(int));
    int waiting = 0, incomplete = 0, behind = 0, rc = PRUNE_DONE;

    if (ents == NULL || recs == NULL || alive == NULL || bits == NULL || total == NULL ||
        keep == NULL) {
        glia_log("error", NULL, "experiment %s: out of memory while pruning", x->name);
        goto done;
    }
    for (size_t c = 0; c < nc; c++) {
        const char *label = json_string_value(json_object_get(json_array_get(conds, c), "label"));
        if (condition_stopped(x, label))
            continue;
        alive[n_alive++] = c;
        for (size_t k = 0; k < ns; k++) {
            char name[GLIA_NAME_MAX + 1];
            glia_entry_t *e;
            glia_experiment_session_name(x->name, label,
                                         (uint32_t)json_integer_value(json_array_get(seeds, k)),
                                         name, sizeof(name));
            e = ents[c * ns + k] = glia_registry_get(&srv->registry, name);
            if (e == NULL || e->is_broken || e->is_deleting)
                incomplete = 1;
            else if (e->state == GLIA_STATE_RUNNING || e->state == GLIA_STATE_PAUSED ||
                     e->in_worker)
                waiting = 1;
            else if (e->state != GLIA_STATE_COMPLETED || e->counters.episodes > target)
                incomplete = 1;
            else if (e->counters.episodes < target)
                behind = 1;
        }
    }
    /* Startup and shutdown do not start runs: the loop's first turn, or the next start,
     * takes the study on from what is stored. */
    if (waiting ||
        ((all_of(srv)->is_starting || atomic_load(&srv->is_shutting_down)) && !incomplete)) {
        rc = PRUNE_GOES_ON;
        goto done;
    }
    if (incomplete || (!behind && target >= study_episodes(x)))
        goto done;
    if (behind) { /* the target moved on before a crash; these did not */
        for (size_t a = 0; a < n_alive; a++) {
            for (size_t k = 0; k < ns; k++) {
                glia_entry_t *e = ents[alive[a] * ns + k];
                if (e->counters.episodes < target)
                    glia_lifecycle_run(srv, e, target - e->counters.episodes, NULL, NULL);
            }
        }
        rc = PRUNE_GOES_ON;
        goto done;
    }
    /* Every run of the conditions still in the study is at the rung: rank them there. */
    for (size_t a = 0; a < n_alive; a++) {
        for (size_t k = 0; k < ns; k++) {
            json_t *r = recs[alive[a] * ns + k] =
                glia_experiment_record(ents[alive[a] * ns + k]->session);
            bits[a] += json_integer_value(json_object_get(r, "correct_bits"));
            total[a] += json_integer_value(json_object_get(r, "total_bits"));
        }
    }
    if (glia_experiment_prune_rung(
            (int)n_alive, bits, total,
            json_number_value(json_object_get(json_object_get(x->doc, "prune"), "keep")),
            keep) < 0) {
        glia_log("error", NULL, "experiment %s: out of memory while pruning", x->name);
        goto done;
    }
    next = next_target(x, target);
    for (size_t a = 0; a < n_alive; a++) {
        const char *label =
            json_string_value(json_object_get(json_array_get(conds, alive[a]), "label"));
        if (keep[a])
            continue;
        if (json_object_get(records, label) == NULL)
            json_object_set_new(records, label, json_object());
        for (size_t k = 0; k < ns; k++) {
            char seed[24];
            json_t **r = &recs[alive[a] * ns + k];
            snprintf(seed, sizeof(seed), "%lld",
                     (long long)json_integer_value(json_array_get(seeds, k)));
            json_object_set_new(*r, "pruned_at", json_integer((json_int_t)target));
            json_object_set_new(json_object_get(records, label), seed, *r);
            *r = NULL;
        }
    }
    json_object_set_new(x->doc, "pruning", json_pack("{s:I}", "target", (json_int_t)next));
    {
        int kept = 0;
        for (size_t a = 0; a < n_alive; a++)
            kept += keep[a];
        glia_log("info", NULL, "experiment %s: at episode %llu, %d of %zu conditions go on to %llu",
                 x->name, (unsigned long long)target, kept, n_alive, (unsigned long long)next);
    }
    persist(srv, x, 0, NULL, 0, NULL); /* before the runs go on: the store keeps the order */
    for (size_t a = 0; a < n_alive; a++) {
        for (size_t k = 0; keep[a] && k < ns; k++)
            glia_lifecycle_run(srv, ents[alive[a] * ns + k], next - target, NULL, NULL);
    }
    rc = PRUNE_STORED;
done:
    for (size_t i = 0; ents != NULL && recs != NULL && i < nc * ns; i++) {
        glia_entry_unref(ents[i]);
        json_decref(recs[i]);
    }
    free(ents);
    free(recs);
    free(alive);
    free(bits);
    free(total);
    free(keep);
    return rc;
}

void glia_study_session_settled(glia_server_t *srv, glia_entry_t *e)
{
    glia_study_t *x = glia_study_find(srv, e->experiment);
    char label[GLIA_LABEL_MAX + 8], seed[16];

    if (x == NULL ||
        split_session_name(e->name, x->name, label, sizeof(label), seed, sizeof(seed)) != 0)
        return;
    /* A pruned study's run that completed at a rung is not final: the rung decides. */
    if (e->state == GLIA_STATE_COMPLETED &&
        (!is_pruned(x) || e->counters.episodes >= study_episodes(x))) {
        json_t *records = json_object_get(x->doc, "records");
        if (json_object_get(records, label) == NULL)
            json_object_set_new(records, label, json_object());
        json_object_set_new(json_object_get(records, label), seed,
                            glia_experiment_record(e->session));
    }
    if (e->state == GLIA_STATE_RUNNING || e->state == GLIA_STATE_PAUSED)
        return;
    if (x->state == GLIA_STATE_RUNNING && is_pruned(x)) {
        int rc = prune_advance(srv, x);
        if (rc == PRUNE_STORED)
            return;
        if (rc == PRUNE_DONE)
            settle(srv, x);
    } else if (x->state == GLIA_STATE_RUNNING) {
        settle(srv, x);
    } else { /* cancelled earlier: a run that still finished joins the results */
        json_object_set_new(x->doc, "results", glia_experiment_results(x->doc));
    }
    persist(srv, x, 0, NULL, 0, NULL);
}

/* ---- what readers see ------------------------------------------------------------------ */

static json_t *progress_json(glia_server_t *srv, glia_study_t *x)
{
    tally_t t = tally(srv, x);
    return json_pack("{s:i, s:i, s:i, s:f}", "sessions", t.total, "completed", t.recorded,
                     "running", t.running, "fraction",
                     t.total ? (double)t.recorded / t.total : 0.0);
}

/* The experiment as `doc` says (x->doc for the answer to a write, which waits for its
 * store; x->shown for reads), with live progress. */
static json_t *experiment_json(glia_server_t *srv, glia_study_t *x, json_t *doc, int full)
{
    json_t *o =
        full ? json_deep_copy(doc)
             : json_pack("{s:O, s:O, s:O, s:O, s:O}", "name", json_object_get(doc, "name"), "state",
                         json_object_get(doc, "state"), "created_at",
                         json_object_get(doc, "created_at"), "episodes",
                         json_object_get(doc, "episodes"), "seeds", json_object_get(doc, "seeds"));
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "progress", progress_json(srv, x));
    if (full && json_object_get(o, "results") == NULL)
        json_object_set_new(o, "results", json_null());
    return o;
}

const char *glia_study_name(const glia_study_t *x)
{
    return x->name;
}

int glia_study_state(const glia_study_t *x)
{
    return x->state;
}

json_t *glia_study_shown(const glia_study_t *x)
{
    return x->shown;
}

json_t *glia_study_json(glia_server_t *srv, glia_study_t *x, int full)
{
    return experiment_json(srv, x, x->shown, full);
}

json_t *glia_study_progress(glia_server_t *srv, glia_study_t *x)
{
    return progress_json(srv, x);
}

json_t *glia_study_list(glia_server_t *srv)
{
    json_t *items = json_array();

    for (glia_study_t *x = all_of(srv)->head; x; x = x->next)
        if (x->shown != NULL)
            json_array_append_new(items, experiment_json(srv, x, x->shown, 0));
    return items;
}

/* ---- creating a study ------------------------------------------------------------------ */

/* A session of an experiment was built and stored, or could not be (`arg`: the
 * experiment's name). Once the last one is, the experiment is stored and its creator
 * told: a stored creation means every session it started is stored. */
static void session_built_cb(glia_server_t *srv, glia_entry_t *e, const glia_outcome_t *out,
                             void *arg)
{
    char *name = arg;
    glia_study_t *x = glia_study_find(srv, name);

    (void)e;
    if (out->status != 0 && out->status != GLIA_ESTATE)
        glia_log("error", NULL, "experiment %s: a session could not be started: %s", name,
                 out->error);
    free(name);
    if (x == NULL || x->building == 0 || --x->building > 0 || !x->is_creating)
        return;
    persist(srv, x, 0, x->create_cb, x->create_arg, x->create_body);
    x->is_creating = 0;
    x->create_cb = NULL;
    x->create_arg = NULL;
    x->create_body = NULL;
}

/* Create and start one session of the experiment: built on the pool, then started. */
static int start_session(glia_server_t *srv, const glia_experiment_spec_t *spec, int condition,
                         int seed_index, uint64_t episodes)
{
    const glia_condition_t *cond = &spec->conditions[condition];
    glia_session_spec_t s_spec;
    uint64_t need;
    int rc;

    memset(&s_spec, 0, sizeof(s_spec));
    glia_experiment_session_name(spec->name, cond->label, spec->seeds[seed_index], s_spec.name,
                                 sizeof(s_spec.name));
    snprintf(s_spec.preset, sizeof(s_spec.preset), "%s", cond->preset);
    s_spec.config = cond->config;
    s_spec.seed = spec->seeds[seed_index];
    s_spec.query_budget = spec->budget_queries;
    char *arg = strdup(spec->name);

    if (arg == NULL)
        return GLIA_ENOMEM;
    /* Counted for the whole study's points (a pruned study runs it on, rung by rung). */
    rc = glia_lifecycle_build(srv, &s_spec, NULL, 0,
                              glia_config_points(&cond->config, spec->episodes), spec->name,
                              episodes, session_built_cb, arg, &need);
    if (rc != 0)
        free(arg);
    if (rc != 0)
        glia_log("error", s_spec.name, "experiment %s: cannot start session %s: %s", spec->name,
                 s_spec.name,
                 rc == GLIA_EEXIST   ? "the name is taken"
                 : rc == GLIA_ELIMIT ? "not enough memory"
                                     : glia_strerror(rc));
    return rc;
}

int glia_study_admit(glia_server_t *srv, const glia_experiment_spec_t *spec, glia_admit_t *a)
{
    if (glia_study_find(srv, spec->name) != NULL) {
        memset(a, 0, sizeof(*a));
        a->code = GLIA_ADMIT_EXISTS;
        snprintf(a->reason, sizeof(a->reason), "an experiment named \"%s\" already exists",
                 spec->name);
        return a->code;
    }
    return glia_lifecycle_admit_study(srv, spec, a);
}

int glia_study_create(glia_server_t *srv, const glia_experiment_spec_t *spec, json_t *description,
                      glia_study_cb cb, void *arg)
{
    int n = spec->n_conditions * spec->n_seeds;
    glia_study_t *x;
    char created[40];

    if ((x = calloc(1, sizeof(*x))) == NULL)
        return GLIA_ENOMEM;
    if ((x->doc = glia_experiment_doc_new(spec)) == NULL)
        goto fail_study;
    snprintf(x->name, sizeof(x->name), "%s", spec->name);
    glia_format_time(glia_wall(), created, sizeof(created));
    if (json_object_set_new(x->doc, "created_at", json_string(created)) != 0)
        goto fail_study;
    if (json_is_string(description) && json_object_set(x->doc, "description", description) != 0)
        goto fail_study;
    /* A pruned study runs to its first rung first. */
    if (spec->n_rungs > 0 &&
        json_object_set_new(x->doc, "pruning",
                            json_pack("{s:I}", "target", (json_int_t)spec->rungs[0])) != 0)
        goto fail_study;
    set_state(x, GLIA_STATE_RUNNING);
    insert_sorted(all_of(srv), x);

    /* Seeds outermost, so early results cover every condition. A session that cannot
     * start is logged and counted as not finished (the experiment ends cancelled). */
    for (int k = 0; k < spec->n_seeds; k++) {
        for (int c = 0; c < spec->n_conditions; c++)
            x->building += start_session(srv, spec, c, k,
                                         spec->n_rungs > 0 ? spec->rungs[0] : spec->episodes) == 0;
    }
    glia_log("info", NULL, "experiment %s: %d sessions started", x->name, n);
    /* Stored (and told) after its sessions are built and stored: the store applies them
     * in order. */
    if (x->building > 0) {
        x->is_creating = 1;
        x->create_cb = cb;
        x->create_arg = arg;
        x->create_body = experiment_json(srv, x, x->doc, 1);
    } else {
        persist(srv, x, 0, cb, arg, experiment_json(srv, x, x->doc, 1));
    }
    return 0;

fail_study:
    experiment_free(x);
    return GLIA_ENOMEM;
}

/* ---- cancelling and deleting ----------------------------------------------------------- */

static void cancel_session(glia_server_t *srv, glia_entry_t *e, void *ctx)
{
    (void)ctx;
    if (e == NULL)
        return;
    if (e->state == GLIA_STATE_RUNNING)
        glia_lifecycle_stop(srv, e, GLIA_STATE_CANCELLED);
    else if (e->state == GLIA_STATE_PAUSED && !e->in_worker)
        glia_lifecycle_cancel(srv, e, NULL, NULL);
}

void glia_study_cancel(glia_server_t *srv, glia_study_t *x, glia_study_cb cb, void *arg)
{
    if (x->state == GLIA_STATE_RUNNING) {
        glia_lifecycle_forget_builds(srv, x->name);
        for_each_session(srv, x, cancel_session, NULL);
        set_state(x, GLIA_STATE_CANCELLED);
        json_object_set_new(x->doc, "results", glia_experiment_results(x->doc));
    }
    persist(srv, x, 0, cb, arg, experiment_json(srv, x, x->doc, 1));
}

static void delete_session(glia_server_t *srv, glia_entry_t *e, void *ctx)
{
    (void)ctx;
    if (e != NULL && !e->is_deleting)
        glia_lifecycle_delete(srv, e, NULL, NULL);
}

void glia_study_delete(glia_server_t *srv, glia_study_t *x, glia_study_cb cb, void *arg)
{
    glia_study_t **pp;

    glia_lifecycle_forget_builds(srv, x->name);
    if (x->is_creating) /* deleted before its sessions were all built */
        tell(srv, x->create_cb, x->create_arg, x->name, GLIA_ESTATE,
             "deleted while its sessions were being created", NULL);
    x->is_creating = 0;
    x->create_cb = NULL;
    json_decref(x->create_body);
    x->create_body = NULL;
    for_each_session(srv, x, delete_session, NULL);
    for (pp = &all_of(srv)->head; *pp; pp = &(*pp)->next) {
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    }
    persist(srv, x, 1, cb, arg, NULL); /* after its sessions' deletions */
    experiment_free(x);
}

/* ---- curves aggregated over seeds ------------------------------------------------------ */

typedef struct runs_ctx {
    const char *experiment;
    json_t *runs; /* {"<label>": {"<seed>": [point, ...]}} */
    int is_oom;
} runs_ctx_t;

/* Add a session's published points (shared, immutable JSON) under its label and seed. */
static void add_run(glia_server_t *srv, glia_entry_t *e, void *arg)
{
    runs_ctx_t *ctx = arg;
    char label[GLIA_LABEL_MAX + 1], seed[16];
    json_t *by_seed, *list;
    (void)srv;

    if (e == NULL || ctx->is_oom ||
        split_session_name(e->name, ctx->experiment, label, sizeof(label), seed, sizeof(seed)) != 0)
        return;
    if ((by_seed = json_object_get(ctx->runs, label)) == NULL &&
        json_object_set_new(ctx->runs, label, by_seed = json_object()) != 0) {
        ctx->is_oom = 1;
        return;
    }
    if ((list = json_array()) == NULL || json_object_set_new(by_seed, seed, list) != 0) {
        ctx->is_oom = 1;
        return;
    }
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->n_points && !ctx->is_oom; i++)
        ctx->is_oom = json_array_append(list, e->points[i]) != 0;
    pthread_mutex_unlock(&e->mu);
}

json_t *glia_study_curves(glia_server_t *srv, glia_study_t *x, size_t max_points, int axis)
{
    runs_ctx_t ctx;
    json_t *curves;

    ctx.experiment = x->name;
    ctx.runs = json_object();
    ctx.is_oom = ctx.runs == NULL;
    for_each_session(srv, x, add_run, &ctx);
    curves = ctx.is_oom ? NULL
                        : glia_experiment_curves_x(x->shown ? x->shown : x->doc, ctx.runs,
                                                   max_points, axis);
    json_decref(ctx.runs);
    return curves;
}

/* ---- startup and shutdown ------------------------------------------------------------ */

static int load_cb(json_t *doc, void *arg)
{
    glia_server_t *srv = arg;
    glia_study_t *x = calloc(1, sizeof(*x));
    const char *state = json_string_value(json_object_get(doc, "state"));

    if (x == NULL)
        return GLIA_ENOMEM;
    snprintf(x->name, sizeof(x->name), "%s", json_string_value(json_object_get(doc, "name")));
    x->doc = json_incref(doc);
    x->shown = json_deep_copy(doc); /* x->doc changes from here on */
    x->state = state ? glia_state_from_name(state) : GLIA_STATE_RUNNING;
    if (x->state < 0)
        x->state = GLIA_STATE_FAILED;
    insert_sorted(all_of(srv), x);
    return 0;
}

/* A restored run of a study with a budget: it stops at the budget again (the budget is
 * the document's, not stored with the session). */
static void set_budget(glia_server_t *srv, glia_entry_t *e, void *ctx)
{
    (void)srv;
    if (e != NULL && e->state == GLIA_STATE_RUNNING)
        e->query_budget = *(const uint64_t *)ctx;
}

static void record_if_done(glia_server_t *srv, glia_entry_t *e, void *ctx)
{
    (void)ctx;
    if (e != NULL && e->state == GLIA_STATE_COMPLETED && !e->is_broken)
        glia_study_session_settled(srv, e);
}

/* The loop's first turn after startup: stored runs have resumed; pruned studies whose
 * runs all stopped at a rung (or behind a target) go on now. */
static void resume_timer_cb(uv_timer_t *t)
{
    glia_server_t *srv = t->data;

    all_of(srv)->is_starting = 0;
    for (glia_study_t *x = all_of(srv)->head; x; x = x->next) {
        if (x->state == GLIA_STATE_RUNNING && is_pruned(x)) {
            int rc = prune_advance(srv, x);
            if (rc == PRUNE_DONE)
                settle(srv, x);
            if (rc != PRUNE_STORED)
                persist(srv, x, 0, NULL, 0, NULL);
        }
    }
    uv_close((uv_handle_t *)t, NULL);
}

int glia_study_start(glia_server_t *srv)
{
    int rc;

    if ((srv->experiments = calloc(1, sizeof(experiments_t))) == NULL)
        return GLIA_ENOMEM;
    all_of(srv)->is_starting = 1;
    if ((rc = glia_store_load_experiments(srv->store, load_cb, srv)) != 0)
        return rc;
    /* A crash between a session's completion and the experiment's next write leaves a
     * finished run unrecorded: record it now (its checkpoint is its final state). A pruned
     * study is settled once the loop runs (resume_timer_cb), after its stored runs. */
    for (glia_study_t *x = all_of(srv)->head; x; x = x->next) {
        if (x->state == GLIA_STATE_RUNNING) {
            uint64_t budget = (uint64_t)json_integer_value(
                json_object_get(json_object_get(x->doc, "budget"), "reward_queries"));
            if (budget > 0) /* before the stored runs resume (serve.c) */
                for_each_session(srv, x, set_budget, &budget);
            for_each_session(srv, x, record_if_done, NULL);
            if (!is_pruned(x))
                settle(srv, x);
        }
    }
    uv_timer_init(&srv->loop, &all_of(srv)->resume_timer);
    all_of(srv)->resume_timer.data = srv;
    uv_timer_start(&all_of(srv)->resume_timer, resume_timer_cb, 0, 0);
    return 0;
}

void glia_study_stop(glia_server_t *srv)
{
    experiments_t *r = srv->experiments;

    if (r == NULL)
        return;
    while (r->head) {
        glia_study_t *x = r->head;
        r->head = x->next;
        experiment_free(x);
    }
    free(r);
    srv->experiments = NULL;
}
