/* study.h: the study engine: seeds x conditions studies hosted by the daemon, each run as
 * one ordinary session per (condition, seed). Its routes are in
 * server/routes/handle_experiments.c, which only parse, call this and answer. Every
 * function here is for the loop thread.
 */
#ifndef GLIA_STUDY_H
#define GLIA_STUDY_H

#include "server/server.h"
#include "server/sessions/lifecycle.h"

typedef struct glia_study glia_study_t;

/* How a write of a study ended, once stored. */
typedef struct glia_study_outcome {
    int status; /* 0; GLIA_EIO: the store refused (error says why); GLIA_ENOMEM;
                   GLIA_ESTATE: the study was deleted before its creation was stored */
    const char *error;
    const char *name; /* the study's */
    json_t *body;     /* 0: the study as this write left it (the callback's reference; NULL
                         for a delete, or when out of memory) */
} glia_study_outcome_t;

typedef void (*glia_study_cb)(glia_server_t *srv, const glia_study_outcome_t *out, void *arg);

/* Load stored experiments (after sessions are restored). 0 or a negative code. */
int glia_study_start(glia_server_t *srv);
void glia_study_stop(glia_server_t *srv);

/* Hook (glia_hooks_t.session_settled_cb): a session of an experiment settled after a job;
 * a completed one is recorded. */
void glia_study_session_settled(glia_server_t *srv, glia_entry_t *e);

/* The study named `name`, or NULL. Borrowed: valid until it is deleted. */
glia_study_t *glia_study_find(glia_server_t *srv, const char *name);
const char *glia_study_name(const glia_study_t *x);
/* GLIA_STATE_RUNNING, COMPLETED, CANCELLED or FAILED. */
int glia_study_state(const glia_study_t *x);
/* What readers see: the last stored document (borrowed; NULL before the first is stored). */
json_t *glia_study_shown(const glia_study_t *x);
/* The shown document with live progress, in full (with "results") or as the summary a
 * list shows. New reference; NULL when out of memory. */
json_t *glia_study_json(glia_server_t *srv, glia_study_t *x, int full);
/* {"sessions", "completed", "running", "fraction"}: new reference. */
json_t *glia_study_progress(glia_server_t *srv, glia_study_t *x);
/* The summaries of the stored studies, in name order: a new array. */
json_t *glia_study_list(glia_server_t *srv);
/* The learning curves over seeds along `axis` (GLIA_CURVES_X_*), at most `max_points` per
 * curve (api/experiment_curves.h). New reference; NULL when out of memory. */
json_t *glia_study_curves(glia_server_t *srv, glia_study_t *x, size_t max_points, int axis);

/* May `spec` be created now? Its name is free (EXISTS), and its sessions fit the server's
 * limits (glia_lifecycle_admit_study). Fills *a, returns a->code. */
int glia_study_admit(glia_server_t *srv, const glia_experiment_spec_t *spec, glia_admit_t *a);

/* Create an admitted study and start its sessions (built on the pool). `description` (a
 * JSON string, borrowed; anything else is ignored) is kept in its document. The study is
 * stored once its sessions are, and `cb` told then (possibly before this returns). Returns
 * 0 (cb to come) or GLIA_ENOMEM (nothing was done, no cb). */
int glia_study_create(glia_server_t *srv, const glia_experiment_spec_t *spec, json_t *description,
                      glia_study_cb cb, void *arg);

/* Cancel a running study (its sessions stop; its results are computed from the runs that
 * finished); one that is not running is stored as it is. `cb` is told once stored. */
void glia_study_cancel(glia_server_t *srv, glia_study_t *x, glia_study_cb cb, void *arg);

/* Delete the study and its sessions: gone at once (x is freed), removed from the store
 * after its sessions; `cb` is told once stored. A creation still waiting for its sessions
 * is told GLIA_ESTATE. */
void glia_study_delete(glia_server_t *srv, glia_study_t *x, glia_study_cb cb, void *arg);

#endif
