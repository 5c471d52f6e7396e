/* admit.c: admission, the lifecycle's answer to "may this change now, and does it fit?"
 * (see lifecycle.h).
 *
 * Every question a handler used to answer itself about a session's state and the server's
 * limits (--max-sessions, --max-points, --max-memory) is answered here, in the words the
 * API replies with: handlers map the code to an HTTP status and the reason to the
 * problem's detail. Nothing here changes a session but its memory reservation, which an
 * admitted run or step takes (given back with the session).
 */
#include <stdarg.h>
#include <stdio.h>

#include "core/footprint.h"
#include "server/sessions/entry.h"
#include "server/sessions/lifecycle.h"
#include "server/sessions/registry.h"

/* Fill *a; returns its code. */
static int answer(glia_admit_t *a, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int answer(glia_admit_t *a, int code, const char *fmt, ...)
{
    va_list ap;

    a->code = code;
    a->field = NULL;
    a->limit = 0;
    a->need = 0;
    a->reason[0] = '\0';
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(a->reason, sizeof(a->reason), fmt, ap);
        va_end(ap);
    }
    return code;
}

static int admitted(glia_admit_t *a)
{
    return answer(a, GLIA_ADMIT_YES, NULL);
}

/* --max-points, at `field`: the reason is already in *a. */
static int past_points(const glia_server_t *srv, glia_admit_t *a, const char *field)
{
    a->code = GLIA_ADMIT_POINTS;
    a->field = field;
    a->limit = srv->opt.max_points;
    return a->code;
}

/* Trajectory points a session publishes by the end of `more` episodes (plus its last). */
static uint64_t points_after(const glia_entry_t *e, uint64_t more)
{
    const glia_config_t *cfg = glia_session_config(e->session);
    uint64_t published;

    pthread_mutex_lock((pthread_mutex_t *)&e->mu);
    published = e->n_points;
    pthread_mutex_unlock((pthread_mutex_t *)&e->mu);
    return published + glia_config_points(cfg, e->counters.episodes + more) -
           glia_config_points(cfg, e->counters.episodes) + 1;
}

int glia_lifecycle_reserve(glia_server_t *srv, glia_entry_t *e, uint64_t points, uint64_t *need)
{
    uint64_t bytes = glia_session_bytes(glia_session_config(e->session), points);

    *need = bytes > e->mem_reserved ? bytes - e->mem_reserved : 0;
    if (*need == 0)
        return 0;
    if (glia_budget_take(&srv->budget, *need) != 0)
        return GLIA_ELIMIT;
    e->budget = &srv->budget;
    e->mem_reserved = bytes;
    return 0;
}

/* --max-memory: e's reservation grows to `points`, or MEMORY for `doing` it. */
static int reserve(glia_server_t *srv, glia_entry_t *e, uint64_t points, const char *doing,
                   glia_admit_t *a)
{
    uint64_t need;

    if (glia_lifecycle_reserve(srv, e, points, &need) == 0)
        return admitted(a);
    answer(a, GLIA_ADMIT_MEMORY, "%s session \"%s\" (%llu trajectory points)", doing, e->name,
           (unsigned long long)points);
    a->need = need;
    return a->code;
}

int glia_lifecycle_admit_create(glia_server_t *srv, const uint64_t *snapshot_points,
                                glia_admit_t *a)
{
    size_t held = glia_registry_count(&srv->registry) + glia_lifecycle_building(srv);

    if (held >= (size_t)srv->opt.max_sessions)
        return answer(a, GLIA_ADMIT_SESSIONS,
                      "this server holds its maximum of %d sessions; delete some or start gliad "
                      "with a larger --max-sessions",
                      srv->opt.max_sessions);
    if (snapshot_points != NULL && *snapshot_points + 1 > (uint64_t)srv->opt.max_points) {
        answer(a, GLIA_ADMIT_POINTS,
               "the snapshot holds %llu trajectory points; a session may hold %d (--max-points)",
               (unsigned long long)*snapshot_points, srv->opt.max_points);
        return past_points(srv, a, "/snapshot");
    }
    return admitted(a);
}

int glia_lifecycle_admit_configure(const glia_entry_t *e, glia_admit_t *a)
{
    if (e->state == GLIA_STATE_RUNNING || e->counters.steps > 0)
        return answer(a, GLIA_ADMIT_STATE,
                      "its config can only be replaced before it has taken a step; create a new "
                      "session instead");
    if (e->in_worker)
        return answer(a, GLIA_ADMIT_WAIT, NULL);
    return admitted(a);
}

int glia_lifecycle_admit_step(glia_server_t *srv, glia_entry_t *e, int steps, glia_admit_t *a)
{
    const glia_config_t *cfg;
    uint64_t finishing, points;

    if (e->state == GLIA_STATE_RUNNING)
        return answer(a, GLIA_ADMIT_STATE, "pause it before stepping by hand");
    if (e->in_worker)
        return answer(a, GLIA_ADMIT_WAIT, NULL);
    cfg = glia_session_config(e->session);
    finishing = ((uint64_t)e->counters.step_in_episode + (uint64_t)steps) /
                (uint64_t)cfg->training.steps_per_episode;
    points = points_after(e, finishing);
    if (points > (uint64_t)srv->opt.max_points) {
        answer(a, GLIA_ADMIT_POINTS,
               "these steps would bring session \"%s\" to %llu trajectory points; a session may "
               "hold %d (--max-points)",
               e->name, (unsigned long long)points, srv->opt.max_points);
        return past_points(srv, a, "/steps");
    }
    return reserve(srv, e, points, "stepping", a);
}

int glia_lifecycle_admit_run(glia_server_t *srv, glia_entry_t *e, uint64_t episodes,
                             glia_admit_t *a)
{
    const glia_config_t *cfg;
    uint64_t points, every, held, room, most;

    if (e->state == GLIA_STATE_PAUSED)
        return answer(a, GLIA_ADMIT_STATE, "resume or cancel it first");
    if (e->state == GLIA_STATE_RUNNING)
        return answer(a, GLIA_ADMIT_STATE, "wait for the run to end, or pause or cancel it");
    if (e->in_worker)
        return answer(a, GLIA_ADMIT_WAIT, NULL);
    points = points_after(e, episodes);
    if (points <= (uint64_t)srv->opt.max_points)
        return reserve(srv, e, points, "running", a);
    /* Say how long a run would fit: the points it adds are one every `every` episodes. */
    cfg = glia_session_config(e->session);
    every = (uint64_t)cfg->training.trajectory_interval;
    held = points - (glia_config_points(cfg, e->counters.episodes + episodes) -
                     glia_config_points(cfg, e->counters.episodes) + 1);
    room = (uint64_t)srv->opt.max_points > held + 1 ? (uint64_t)srv->opt.max_points - held - 1 : 0;
    most = every * (glia_config_points(cfg, e->counters.episodes) + room) - e->counters.episodes;
    answer(a, GLIA_ADMIT_POINTS,
           "this run would bring session \"%s\" to %llu trajectory points (one every %llu "
           "episodes, /training/trajectory_interval); a session may hold %d (--max-points): run "
           "at most %llu episodes, or raise the interval",
           e->name, (unsigned long long)points, (unsigned long long)every, srv->opt.max_points,
           (unsigned long long)most);
    return past_points(srv, a, "/episodes");
}

int glia_lifecycle_admit_control(const glia_entry_t *e, int want, glia_admit_t *a)
{
    if (e->state == want)
        return answer(a, GLIA_ADMIT_DONE, NULL);
    /* Running: takes effect when the running slice returns. */
    if (e->state == GLIA_STATE_RUNNING && want != GLIA_STATE_RUNNING)
        return answer(a, GLIA_ADMIT_STOP, NULL);
    if (e->state == GLIA_STATE_PAUSED && want != GLIA_STATE_PAUSED) {
        /* A step request holds it: a cancel ends the steps after their slice. */
        if (e->in_worker)
            return answer(a, want == GLIA_STATE_CANCELLED ? GLIA_ADMIT_STOP : GLIA_ADMIT_WAIT,
                          NULL);
        return admitted(a);
    }
    return answer(a, GLIA_ADMIT_STATE, "%s",
                  want == GLIA_STATE_PAUSED    ? "only a running session can be paused"
                  : want == GLIA_STATE_RUNNING ? "only a paused session can be resumed"
                                               : "only a running or paused session can be "
                                                 "cancelled");
}

int glia_lifecycle_admit_result(const glia_entry_t *e, glia_admit_t *a)
{
    if (e->state == GLIA_STATE_RUNNING)
        return answer(a, GLIA_ADMIT_STATE, "the result is ready when the run ends");
    if (e->counters.episodes == 0)
        return answer(a, GLIA_ADMIT_STATE, "no episode has finished yet; run it first");
    return admitted(a);
}

/* A study's sessions fit in --max-points and in the memory budget, all of them together.
 * Its 422 does not show the limit (a session's does). */
static int study_fits(glia_server_t *srv, const glia_experiment_spec_t *spec, glia_admit_t *a)
{
    uint64_t need = 0;

    for (int c = 0; c < spec->n_conditions; c++) {
        const glia_config_t *cfg = &spec->conditions[c].config;
        uint64_t points = glia_config_points(cfg, spec->episodes) + 1;
        if (points > (uint64_t)srv->opt.max_points) {
            answer(a, GLIA_ADMIT_POINTS,
                   "condition %s would record %llu trajectory points in %llu episodes (one "
                   "every %d); a session may hold %d (--max-points)",
                   spec->conditions[c].label, (unsigned long long)points,
                   (unsigned long long)spec->episodes, cfg->training.trajectory_interval,
                   srv->opt.max_points);
            a->field = "/episodes";
            return a->code;
        }
        need += (uint64_t)spec->n_seeds * glia_session_bytes(cfg, points);
    }
    if (need > glia_budget_left(&srv->budget)) {
        answer(a, GLIA_ADMIT_MEMORY, "experiment \"%s\" (%d sessions)", spec->name,
               spec->n_conditions * spec->n_seeds);
        a->need = need;
        return a->code;
    }
    return admitted(a);
}

int glia_lifecycle_admit_study(glia_server_t *srv, const glia_experiment_spec_t *spec,
                               glia_admit_t *a)
{
    size_t held = glia_registry_count(&srv->registry) + glia_lifecycle_building(srv);
    int n = spec->n_conditions * spec->n_seeds;

    if (held + (size_t)n > (size_t)srv->opt.max_sessions)
        return answer(a, GLIA_ADMIT_SESSIONS,
                      "the experiment needs %d sessions; this server holds at most %d and has %zu",
                      n, srv->opt.max_sessions, held);
    /* Its sessions' names are free. */
    for (int c = 0; c < spec->n_conditions; c++) {
        for (int k = 0; k < spec->n_seeds; k++) {
            char name[GLIA_NAME_MAX + 1];
            glia_entry_t *e;
            glia_experiment_session_name(spec->name, spec->conditions[c].label, spec->seeds[k],
                                         name, sizeof(name));
            if ((e = glia_registry_get(&srv->registry, name)) != NULL) {
                glia_entry_unref(e);
                return answer(a, GLIA_ADMIT_EXISTS,
                              "session \"%s\" already exists; choose another experiment name",
                              name);
            }
        }
    }
    return study_fits(srv, spec, a);
}
