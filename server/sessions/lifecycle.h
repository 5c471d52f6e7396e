/* lifecycle.h: a session's state machine, and the only writer of its state.
 *
 *            run                pause (slice returns)
 *   idle ---------> running ----------------------> paused
 *    ^  \             | | \  <---------------------   | |
 *    |   \ step       | |  \        resume            | | cancel
 *    |    '--> idle   | |   '-> completed (target)    | '--------> cancelled
 *    |                | '-----> cancelled (slice returns)
 *    | configure      '-------> failed (out of memory, the store refused a write)
 *
 * Every change is stored before it is published (commit.c) and reported through the
 * operation's callback, on the loop thread, once the store has answered. Runs go to the
 * pool in slices (runner.c); when a slice returns, this module books it, decides the next
 * state and tells the layers above through the server's hooks (glia_hooks_t): the
 * dispatcher serves the requests that waited for the session, experiments record runs.
 * Handlers check what the HTTP API allows (and answer 409 with their own words); the
 * functions here refuse anything else with GLIA_ESTATE.
 */
#ifndef GLIA_LIFECYCLE_H
#define GLIA_LIFECYCLE_H

#include "server/server.h"
#include "server/store/store.h"

typedef struct glia_build glia_build_t;

/* How an operation ended, once stored. */
typedef struct glia_outcome {
    int status; /* 0; GLIA_EIO: the store refused (error says why); GLIA_ENOMEM (error says
                   what); GLIA_ENOENT: the session was deleted meanwhile; build:
                   GLIA_EINVAL, GLIA_EFORMAT or GLIA_EVERSION (a snapshot that does not load:
                   `err`), GLIA_ELIMIT (it is larger than the memory left: `need`),
                   GLIA_ESTATE (the build was called off) */
    const char *error;
    const glia_error_t *err;         /* build: why the snapshot did not load */
    uint64_t need;                   /* build: bytes it needs (GLIA_ELIMIT) */
    const glia_counters_t *counters; /* step: the counters as stored */
    json_t *steps;                   /* step: one record per step taken (borrowed) */
    const char *stopped;             /* step: why it ended before every step was taken */
} glia_outcome_t;

/* Loop thread. `e` is referenced for the duration of the call. */
typedef void (*glia_lifecycle_cb)(glia_server_t *srv, glia_entry_t *e, const glia_outcome_t *out,
                                  void *arg);

/* Register a new session for `s` (always taken) and store it: idle, or running toward
 * `episodes` more episodes when episodes > 0. A session that has taken steps (a fork)
 * stores its history and checkpoint too. If the store refuses, the session is withdrawn.
 * Returns 0 and the entry in *out (borrowed: the registry holds it) with `cb` to come
 * (may be NULL), or GLIA_EEXIST (the name is taken) or GLIA_ENOMEM. */
int glia_lifecycle_create(glia_server_t *srv, const glia_session_spec_t *spec, glia_session_t *s,
                          const char *experiment, uint64_t episodes, glia_lifecycle_cb cb,
                          void *arg, glia_entry_t **out);

/* Build a session on the pool (from spec->config and spec->seed, or by loading `snapshot`,
 * which is copied) and then register it as glia_lifecycle_create does; `cb` reports both
 * (the entry is NULL when the build failed). The memory budget is taken first, for the
 * session with `points` trajectory points and the points a run of `episodes` adds. Returns
 * 0 (cb to come), GLIA_EEXIST (the name is taken or being built), GLIA_ELIMIT (*need: the
 * bytes it would take) or GLIA_ENOMEM. */
int glia_lifecycle_build(glia_server_t *srv, const glia_session_spec_t *spec,
                         const uint8_t *snapshot, size_t snapshot_len, uint64_t points,
                         const char *experiment, uint64_t episodes, glia_lifecycle_cb cb,
                         void *arg, uint64_t *need);

/* Sessions being built (counted against --max-sessions). */
size_t glia_lifecycle_building(const glia_server_t *srv);

/* Call off the builds of an experiment's sessions: they are dropped when built. */
void glia_lifecycle_forget_builds(glia_server_t *srv, const char *experiment);

/* Make e's memory reservation cover `points` trajectory points (taking more of the budget
 * if needed). 0, or GLIA_ELIMIT with *need the bytes the session would then be counted for. */
int glia_lifecycle_reserve(glia_server_t *srv, glia_entry_t *e, uint64_t points, uint64_t *need);

/* Build a replacement session for `spec` on the pool, with e held, then configure e with
 * it as glia_lifecycle_configure does; cb reports both. The budget is taken for the
 * difference first. 0, GLIA_ESTATE, GLIA_ELIMIT (*need) or GLIA_ENOMEM. */
int glia_lifecycle_rebuild(glia_server_t *srv, glia_entry_t *e, const glia_session_spec_t *spec,
                           glia_lifecycle_cb cb, void *arg, uint64_t *need);

/* Replace the session, config, preset, seed and export flag of a session that has taken no
 * step (always takes `s`): idle again. GLIA_ESTATE, GLIA_ENOMEM or 0 (cb to come). */
int glia_lifecycle_configure(glia_server_t *srv, glia_entry_t *e, const glia_session_spec_t *spec,
                             glia_session_t *s, glia_lifecycle_cb cb, void *arg);

/* Run `episodes` more episodes (idle, completed, cancelled or failed -> running); `cb` is
 * called once the running state is stored, the first slice is queued at once. */
int glia_lifecycle_run(glia_server_t *srv, glia_entry_t *e, uint64_t episodes, glia_lifecycle_cb cb,
                       void *arg);

/* Take `steps` steps on the pool (not while running), in slices like a run; `cb` gets the
 * records once the steps are stored. A delete ends it within a slice (GLIA_ENOENT), and so
 * does a cancel of a paused session, the failure of the session or shutdown (the steps
 * taken are stored and reported, with `stopped` saying why). */
int glia_lifecycle_step(glia_server_t *srv, glia_entry_t *e, int steps, glia_lifecycle_cb cb,
                        void *arg);

/* A paused session whose step request is running: end it after its slice, and cancel the
 * session then (the cancel request waits for it). GLIA_ESTATE otherwise. */
int glia_lifecycle_stop_step(glia_server_t *srv, glia_entry_t *e);

/* Paused -> running (cb once stored), and paused -> cancelled. */
int glia_lifecycle_resume(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg);
int glia_lifecycle_cancel(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg);

/* Running: end the run (GLIA_STATE_PAUSED or GLIA_STATE_CANCELLED) when the running slice
 * returns; the hooks report it. GLIA_ESTATE when not running. */
int glia_lifecycle_stop(glia_server_t *srv, glia_entry_t *e, int state);

/* Delete the session and everything stored of it: gone for readers at once, removed once
 * stored; if the store refuses, it is back as it was (cb with GLIA_EIO). */
int glia_lifecycle_delete(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg);

/* Startup: register a stored session as it was stored. One that cannot be rebuilt is kept,
 * failed and marked broken (it serves what is published and can only be deleted).
 * 0, GLIA_ENOMEM or GLIA_EEXIST. */
int glia_lifecycle_restore(glia_server_t *srv, const glia_stored_session_t *ss);

/* Startup: sessions stored as running go on from their checkpoints. */
void glia_lifecycle_resume_running(glia_server_t *srv);

/* Shutdown: running slices end early; they stay "running" in the store, so a restart
 * resumes them. */
void glia_lifecycle_stop_all(glia_server_t *srv);

#endif
