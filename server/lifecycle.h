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

#include "server.h"
#include "store.h"

/* How an operation ended, once stored. */
typedef struct glia_outcome {
    int status; /* 0; GLIA_EIO: the store refused (error says why); GLIA_ENOMEM (error says
                   what); GLIA_ENOENT: the session was deleted meanwhile */
    const char *error;
    const glia_counters_t *counters; /* step: the counters as stored */
    json_t *steps;                   /* step: one record per step (borrowed) */
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

/* Replace the session, config, preset, seed and export flag of a session that has taken no
 * step (always takes `s`): idle again. GLIA_ESTATE, GLIA_ENOMEM or 0 (cb to come). */
int glia_lifecycle_configure(glia_server_t *srv, glia_entry_t *e, const glia_session_spec_t *spec,
                             glia_session_t *s, glia_lifecycle_cb cb, void *arg);

/* Run `episodes` more episodes (idle, completed, cancelled or failed -> running); `cb` is
 * called once the running state is stored, the first slice is queued at once. */
int glia_lifecycle_run(glia_server_t *srv, glia_entry_t *e, uint64_t episodes, glia_lifecycle_cb cb,
                       void *arg);

/* Take `steps` steps on the pool (not while running); `cb` gets the records once the
 * steps are stored. */
int glia_lifecycle_step(glia_server_t *srv, glia_entry_t *e, int steps, glia_lifecycle_cb cb,
                        void *arg);

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
