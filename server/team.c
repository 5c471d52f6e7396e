/* team.c: see team.h.
 *
 * A job is published under the mutex (function, argument, count, a new generation) only
 * once no thread is still inside the previous one (`busy` is 0), so a thread never takes
 * an index of one job with the function of another. Tasks are handed out by an atomic
 * counter; the caller returns when `done` reaches the count.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/error.h"
#include "server/team.h"

#define SPINS 20000 /* checks of the generation before a thread sleeps */

struct glia_team {
    int threads;
    pthread_t *tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned gen; /* under mu */
    int stop;     /* under mu */
    atomic_uint seen_gen;
    void (*fn)(void *, int);
    void *arg;
    int n;
    atomic_int next, done, busy;
};

static void work(glia_team_t *t, void (*fn)(void *, int), void *arg, int n)
{
    int i;
    while ((i = atomic_fetch_add(&t->next, 1)) < n) {
        fn(arg, i);
        atomic_fetch_add(&t->done, 1);
    }
}

static void *worker(void *p)
{
    glia_team_t *t = p;
    unsigned mine = 0;
    for (;;) {
        for (int s = 0; s < SPINS && atomic_load(&t->seen_gen) == mine; s++)
            if (s > 64)
                sched_yield();
        pthread_mutex_lock(&t->mu);
        while (t->gen == mine && !t->stop)
            pthread_cond_wait(&t->cv, &t->mu);
        if (t->stop) {
            pthread_mutex_unlock(&t->mu);
            return NULL;
        }
        mine = t->gen;
        void (*fn)(void *, int) = t->fn;
        void *arg = t->arg;
        int n = t->n;
        atomic_fetch_add(&t->busy, 1);
        pthread_mutex_unlock(&t->mu);
        work(t, fn, arg, n);
        atomic_fetch_sub(&t->busy, 1);
    }
}

int glia_team_new(int threads, glia_team_t **out)
{
    glia_team_t *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return GLIA_ENOMEM;
    t->threads = threads < 1 ? 1 : threads;
    t->tid = calloc((size_t)t->threads, sizeof *t->tid);
    if (!t->tid) {
        free(t);
        return GLIA_ENOMEM;
    }
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    for (int i = 1; i < t->threads; i++)
        if (pthread_create(&t->tid[i], NULL, worker, t) != 0) {
            t->threads = i;
            glia_team_free(t);
            return GLIA_EIO;
        }
    *out = t;
    return 0;
}

void glia_team_free(glia_team_t *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    for (int i = 1; i < t->threads; i++)
        pthread_join(t->tid[i], NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t->tid);
    free(t);
}

void glia_team_run(void *team, int n, void (*fn)(void *arg, int i), void *arg)
{
    glia_team_t *t = team;
    if (t->threads == 1 || n <= 1) {
        for (int i = 0; i < n; i++)
            fn(arg, i);
        return;
    }
    for (;;) {
        pthread_mutex_lock(&t->mu);
        if (atomic_load(&t->busy) == 0)
            break;
        pthread_mutex_unlock(&t->mu);
        sched_yield();
    }
    t->fn = fn;
    t->arg = arg;
    t->n = n;
    atomic_store(&t->next, 0);
    atomic_store(&t->done, 0);
    t->gen++;
    atomic_store(&t->seen_gen, t->gen);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    work(t, fn, arg, n);
    for (int s = 0; atomic_load(&t->done) < n; s++)
        if (s > 64)
            sched_yield();
}
