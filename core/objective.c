/* objective.c: scoring a weight vector on a session's task (objective.h).
 *
 * The view is a copy of the session's struct glia_net whose mutable members (weights, pass
 * state, the soft reward's cache, the update stamps) point at the objective's own storage;
 * the rest (topology, thresholds, lookups) is shared and only read. The forward pass and
 * the soft reward are the network's own functions, so a score is computed exactly as the
 * learners compute theirs.
 */
#include "core/objective.h"

#include <stdlib.h>
#include <string.h>

#include "core/session_internal.h"

struct glia_objective {
    const glia_session_t *s;
    glia_net_t view;
};

static size_t at_least_one(int n)
{
    return n > 0 ? (size_t)n : 1;
}

void glia_objective_free(glia_objective_t *o)
{
    if (o == NULL)
        return;
    free(o->view.w);
    free(o->view.fired);
    free(o->view.act);
    free(o->view.soft_e);
    free(o->view.soft_term);
    free(o->view.touched);
    free(o);
}

int glia_objective_new(const glia_session_t *s, glia_objective_t **out)
{
    const glia_net_t *net = s->net;
    glia_objective_t *o;

    *out = NULL;
    if ((o = calloc(1, sizeof(*o))) == NULL)
        return GLIA_ENOMEM;
    o->s = s;
    o->view = *net;
    o->view.w = malloc(at_least_one(net->n_syn) * sizeof(double));
    o->view.fired = calloc(at_least_one(net->n), 1);
    o->view.act = calloc(at_least_one(net->id_space), sizeof(double));
    o->view.soft_e = malloc(at_least_one(net->n_readout) * sizeof(double));
    o->view.soft_term = malloc(at_least_one(net->n_readout) * sizeof(double));
    o->view.touched = calloc(at_least_one(net->id_space), sizeof(uint32_t));
    o->view.stamp = 0;
    o->view.has_soft = 0;
    if (o->view.w == NULL || o->view.fired == NULL || o->view.act == NULL ||
        o->view.soft_e == NULL || o->view.soft_term == NULL || o->view.touched == NULL) {
        glia_objective_free(o);
        return GLIA_ENOMEM;
    }
    *out = o;
    return 0;
}

void glia_objective_score(glia_objective_t *o, const double *weights, glia_score_t *out)
{
    const glia_session_t *s = o->s;
    const glia_config_t *cfg = &s->cfg;
    glia_net_t *view = &o->view;
    double soft = 0.0, correct = 0.0;

    memcpy(view->w, weights != NULL ? weights : s->net->w, (size_t)view->n_syn * sizeof(double));
    view->has_soft = 0;
    for (int i = 0; i < cfg->task.count; i++) {
        const glia_pattern_t *pat = &cfg->task.patterns[i];
        uint64_t bits;
        /* As inference: with carried state every pattern starts from what training left. */
        if (cfg->network.carry_state)
            memcpy(view->fired, s->net->fired, (size_t)view->n);
        bits = glia_net_forward_to(view, pat->input, cfg->network.passes, view->fired, view->act);
        soft += glia_net_soft_reward(view, pat->target);
        correct += glia_reward_binary(bits, pat->target, cfg->task.target_width);
    }
    out->score = soft / cfg->task.count;
    out->accuracy = correct / cfg->task.count;
}

uint64_t glia_objective_work(const glia_session_t *s)
{
    const glia_net_t *net = s->net;

    return (uint64_t)s->cfg.task.count * (uint64_t)s->cfg.network.passes *
           ((uint64_t)net->n_syn + (uint64_t)net->n + (uint64_t)net->id_space);
}

uint64_t glia_objective_scratch_bytes(const glia_session_t *s)
{
    const glia_net_t *net = s->net;

    return sizeof(glia_objective_t) + 8 * at_least_one(net->n_syn) + at_least_one(net->n) +
           12 * at_least_one(net->id_space) + 16 * at_least_one(net->n_readout);
}
