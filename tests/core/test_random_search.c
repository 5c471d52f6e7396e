/* test_random_search.c: the floor baseline: every step redraws all weights and all
 * non-source thresholds within their clamps, and the network is always the best
 * candidate drawn so far (under task-level reward: the best task score).
 *
 * White-box through core/session_internal.h. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/session_internal.h"

static glia_session_t *new_session(const glia_config_t *cfg, uint32_t seed)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(cfg, seed, &s, &err), 0, "%s: %s", err.field, err.message);
    return s;
}

Test(random_search, keeps_the_best_candidate_drawn)
{
    glia_config_t cfg;
    glia_session_t *s;
    glia_net_t *net;
    double *w, *thr, best;
    int kept = 0;

    glia_config_default(&cfg);
    cfg.learner.kind = GLIA_LEARNER_RANDOM_SEARCH;
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    cfg.training.weight_clamp = 1.5;
    cfg.learner.threshold_clamp = 0.8;
    s = new_session(&cfg, 21);
    net = s->net;
    w = malloc((size_t)net->n_syn * sizeof(double));
    thr = malloc((size_t)net->n * sizeof(double));
    cr_assert(w && thr);
    best = -1.0;
    for (int k = 0; k < 600; k++) {
        glia_step_info_t info;
        memcpy(w, net->w, (size_t)net->n_syn * sizeof(double));
        memcpy(thr, net->thr, (size_t)net->n * sizeof(double));
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.n_eligible, net->n_syn, "every synapse is redrawn");
        cr_assert(info.decided);
        if (k == 0)
            best = info.base_soft; /* the network as built */
        cr_assert_eq(info.base_soft, best, "step %d: the network is the best so far", k);
        cr_assert_eq(info.kept, info.after_soft > best, "step %d", k);
        if (!info.kept) {
            cr_assert(memcmp(w, net->w, (size_t)net->n_syn * sizeof(double)) == 0);
            cr_assert(memcmp(thr, net->thr, (size_t)net->n * sizeof(double)) == 0);
            continue;
        }
        kept++;
        best = info.after_soft;
        /* A kept candidate is a new draw: every weight and non-source threshold moved
         * (a draw equal to the old value has probability 0), within the clamps. */
        for (int i = 0; i < net->n_syn; i++) {
            cr_assert_neq(net->w[i], w[i], "step %d synapse %d", k, i);
            cr_assert(fabs(net->w[i]) <= 1.5);
        }
        for (int j = 0; j < net->n; j++) {
            if (GLIA_ROLE_IS_SOURCE(net->role[j])) {
                cr_assert_eq(net->thr[j], cfg.network.threshold);
            } else {
                cr_assert_neq(net->thr[j], thr[j], "step %d neuron %d", k, j);
                cr_assert(fabs(net->thr[j]) <= 0.8);
            }
        }
    }
    cr_assert(kept >= 2, "%d improvements in 600 draws", kept);
    free(w);
    free(thr);
    glia_session_free(s);
}

Test(random_search, under_pattern_reward_it_compares_on_the_step_pattern)
{
    glia_config_t cfg;
    glia_session_t *s;

    glia_config_default(&cfg);
    cfg.learner.kind = GLIA_LEARNER_RANDOM_SEARCH;
    s = new_session(&cfg, 22);
    for (int k = 0; k < 200; k++) {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert(info.pattern >= 0 && info.pattern < 8);
        cr_assert_eq(info.scored, 1);
        cr_assert_eq(info.kept, info.after_soft > info.base_soft);
    }
    glia_session_free(s);
}
