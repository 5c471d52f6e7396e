/* team.h: a fixed team of threads that runs n independent tasks and waits for them.
 *
 * For one computation split into parts (core/classify: chunks of samples), where a
 * libuv pool's queue would cost more than a part: the caller's thread works too, the
 * others spin briefly between jobs and then sleep. Which thread runs which task is not
 * fixed; what a task writes must be its own (then the result is the same for any team).
 */
#ifndef GLIA_TEAM_H
#define GLIA_TEAM_H

typedef struct glia_team glia_team_t;

/* A team of `threads` (>= 1: the caller plus threads-1 started here). 0 and *out, or
 * GLIA_ENOMEM / GLIA_EIO (a thread could not start; none is left running). */
int glia_team_new(int threads, glia_team_t **out);
/* Stop and join the threads. NULL is a no-op. */
void glia_team_free(glia_team_t *t);
/* Run fn(arg, i) for i in [0, n) on the team; returns when all are done. The signature
 * is glia_cls_exec_t's run: pass the team as its `team`. */
void glia_team_run(void *team, int n, void (*fn)(void *arg, int i), void *arg);

#endif
