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
 * Before a change, the glia_lifecycle_admit_* functions (admit.c) say whether the API allows
 * it now and whether it fits the server's limits, with a code and a reason that handlers
 * only map to HTTP; the operations below refuse anything else with GLIA_ESTATE.
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
                         const char *experiment, uint64_t episodes, glia_lifecycle_cb cb, void *arg,
                         uint64_t *need);

/* Sessions being built (counted against --max-sessions). */
size_t glia_lifecycle_building(const glia_server_t *srv);

/* Call off the builds of an experiment's sessions: they are dropped when built. */
void glia_lifecycle_forget_builds(glia_server_t *srv, const char *experiment);

/* Make e's memory reservation cover `points` trajectory points (taking more of the budget
 * if needed; admit.c). 0, or GLIA_ELIMIT with *need the bytes the session would then be counted for. */
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

/* Paused -> running (cb once stored), and paused -> cancelled. */
int glia_lifecycle_resume(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg);
int glia_lifecycle_cancel(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg);

/* Running: end the run (GLIA_STATE_PAUSED or GLIA_STATE_CANCELLED) when the running slice
 * returns; the hooks report it. Paused with a step request running (GLIA_STATE_CANCELLED
 * only): end the steps after their slice, and cancel the session then. GLIA_ESTATE
 * otherwise. */
int glia_lifecycle_stop(glia_server_t *srv, glia_entry_t *e, int state);

/* Delete the session and everything stored of it: gone for readers at once, removed once
 * stored; if the store refuses, it is back as it was (cb with GLIA_EIO). */
int glia_lifecycle_delete(glia_server_t *srv, glia_entry_t *e, glia_lifecycle_cb cb, void *arg);

/* ---- admission (admit.c) ------------------------------------------------------------- */

/* What an admission answers. The questions come in the API's order: the state first, then
 * a job that holds the session, then --max-points, then --max-memory. */
enum {
    GLIA_ADMIT_YES = 0,  /* go ahead */
    GLIA_ADMIT_DONE,     /* it is already as asked: nothing to change */
    GLIA_ADMIT_WAIT,     /* a job holds the session: ask again once it has returned */
    GLIA_ADMIT_STOP,     /* a job holds it and must end first: glia_lifecycle_stop, then wait */
    GLIA_ADMIT_STATE,    /* not in its state (reason: what would be needed) */
    GLIA_ADMIT_EXISTS,   /* the name is taken (reason) */
    GLIA_ADMIT_SESSIONS, /* past --max-sessions (reason) */
    GLIA_ADMIT_POINTS,   /* past --max-points (reason, at `field`; `limit`) */
    GLIA_ADMIT_MEMORY    /* past --max-memory (`need` bytes for what `reason` names) */
};

typedef struct glia_admit {
    int code;                      /* GLIA_ADMIT_* */
    const char *field;             /* POINTS: JSON pointer of what is too large (static) */
    int limit;                     /* POINTS: the --max-points to show (0: not shown) */
    uint64_t need;                 /* MEMORY: the bytes it would take */
    char reason[GLIA_MESSAGE_MAX]; /* why not, in plain language ("" when admitted) */
} glia_admit_t;

/* Each fills *a and returns a->code. Loop thread. */

/* A new session: --max-sessions (builds count), and the points of the snapshot it is
 * loaded from (NULL: none) against --max-points. */
int glia_lifecycle_admit_create(glia_server_t *srv, const uint64_t *snapshot_points,
                                glia_admit_t *a);
/* Replacing the config: only before the first step, when no job holds it. */
int glia_lifecycle_admit_configure(const glia_entry_t *e, glia_admit_t *a);
/* `steps` steps by hand: not while running; their points must fit. Admitted, e's memory
 * reservation covers them (glia_lifecycle_reserve). */
int glia_lifecycle_admit_step(glia_server_t *srv, glia_entry_t *e, int steps, glia_admit_t *a);
/* A run of `episodes` more: not while running or paused; its points must fit. Admitted,
 * e's memory reservation covers them. */
int glia_lifecycle_admit_run(glia_server_t *srv, glia_entry_t *e, uint64_t episodes,
                             glia_admit_t *a);
/* Pause, resume or cancel (`want`: GLIA_STATE_PAUSED, RUNNING or CANCELLED). YES: a paused
 * session nothing holds, for glia_lifecycle_resume or glia_lifecycle_cancel. */
int glia_lifecycle_admit_control(const glia_entry_t *e, int want, glia_admit_t *a);
/* Reading the result: once an episode has finished, not while running. */
int glia_lifecycle_admit_result(const glia_entry_t *e, glia_admit_t *a);
/* The sessions of a study (one per condition and seed): --max-sessions, their names
 * free, and --max-points and --max-memory for all of them together. */
int glia_lifecycle_admit_study(glia_server_t *srv, const glia_experiment_spec_t *spec,
                               glia_admit_t *a);

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
