/* session.c: session lifecycle, the training loop, trajectory and inference.
 *
 * A step is: draw the pattern, let the learner take its step (learner.h; perturbation
 * learners use perturb.c), then book the outcome into the episode's accumulators. An
 * episode ends after steps_per_episode steps; its point is kept every
 * trajectory_interval episodes, and the latest one is always remembered so a result
 * can close its trajectory. The learner is reached only through its ops table and
 * never calls back into this file.
 */
#include "core/session_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void glia_session_free(glia_session_t *s)
{
    if (s == NULL)
        return;
    if (s->learner_state != NULL && s->learner->destroy != NULL)
        s->learner->destroy(s->learner_state);
    free(s->learner_state);
    glia_perturb_destroy(&s->perturb);
    glia_territories_destroy(&s->territories);
    glia_net_free(s->net);
    free(s->w_init);
    free(s->traj);
    free(s->traj_outputs);
    free(s->last_outputs);
    free(s->fire_count);
    glia_diag_destroy(&s->diag);
    free(s);
}

int glia_session_new(const glia_config_t *cfg, uint32_t seed, glia_session_t **out,
                     glia_error_t *err)
{
    glia_session_t *s;
    int rc;
    size_t nsyn;

    *out = NULL;
    if ((rc = glia_config_validate(cfg, err)) != 0)
        return rc;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return GLIA_ENOMEM;
    rc = GLIA_ENOMEM;
    s->cfg = *cfg;
    s->seed = seed;
    s->learner = glia_learner_ops(cfg->learner.kind);
    glia_rng_seed(&s->rng, cfg->rng, seed);

    s->net = glia_net_new(&s->cfg, &s->rng);
    if (s->net == NULL)
        goto fail;
    s->build_draws = glia_rng_draws(&s->rng, seed);
    nsyn = (size_t)s->net->n_syn;
    s->w_init = malloc((nsyn ? nsyn : 1) * sizeof(double));
    if (s->w_init == NULL)
        goto fail;
    memcpy(s->w_init, s->net->w, nsyn * sizeof(double));
    s->init_weight_sum = glia_net_weight_sum(s->net);
    s->init_mean_abs = glia_net_mean_abs_weight(s->net);

    if (glia_territories_init(&s->territories, &s->cfg, s->net) != 0)
        goto fail;
    if (glia_perturb_init(&s->perturb, s->net) != 0)
        goto fail;
    if (glia_diag_init(&s->diag, &s->cfg, s->net, s->territories.count) != 0)
        goto fail;
    s->fire_count = calloc((size_t)s->net->n, sizeof(uint32_t));
    s->last_outputs = calloc((size_t)cfg->task.count, sizeof(uint64_t));
    if (s->fire_count == NULL || s->last_outputs == NULL)
        goto fail;

    s->ctx.cfg = &s->cfg;
    s->ctx.rng = &s->rng;
    s->ctx.net = s->net;
    s->ctx.perturb = &s->perturb;
    s->ctx.territories = &s->territories;
    s->ctx.fire_count = s->cfg.training.homeostasis ? s->fire_count : NULL;

    /* The learner's state block last: its init may use everything above. */
    s->learner_state = calloc(1, s->learner->state_size ? s->learner->state_size : 1);
    if (s->learner_state == NULL)
        goto fail;
    if (s->learner->init != NULL && (rc = s->learner->init(s->learner_state, &s->ctx)) != 0)
        goto fail;

    *out = s;
    return 0;

fail:
    glia_session_free(s);
    return rc;
}

static void homeostasis(glia_session_t *s)
{
    const double steps = s->cfg.training.steps_per_episode;

    if (!s->cfg.training.homeostasis)
        return;
    glia_perturb_invalidate(&s->perturb); /* thresholds move: no cached score survives */
    for (int j = 0; j < s->net->n; j++) {
        if (!GLIA_ROLE_IS_SOURCE(s->net->role[j]))
            s->net->thr[j] += s->cfg.training.homeostasis_rate *
                              (s->fire_count[j] / steps - s->cfg.training.homeostasis_target);
        s->fire_count[j] = 0;
    }
}

int glia__reserve_points(glia_session_t *s, size_t cap)
{
    const size_t count = (size_t)s->cfg.task.count;
    glia_point_t *t;
    uint64_t *o;

    if (cap <= s->cap_traj)
        return 0;
    if ((t = realloc(s->traj, cap * sizeof(*t))) == NULL)
        return GLIA_ENOMEM;
    s->traj = t;
    if ((o = realloc(s->traj_outputs, cap * count * sizeof(*o))) == NULL)
        return GLIA_ENOMEM;
    s->traj_outputs = o;
    s->cap_traj = cap;
    return 0;
}

/* Inference with the pass's state in caller storage (the session's own network scratch,
 * or scratch of a const caller). With carried state (phase 1a) every pattern starts from
 * the state training left, which stays as it is: inference changes nothing (spec phase
 * 1a, 6); `fired` must then be other storage than the network's. */
static void infer_with(const glia_session_t *s, uint8_t *fired, double *act, glia_inference_t *inf)
{
    const glia_config_t *cfg = &s->cfg;
    double sum = 0.0;

    inf->count = cfg->task.count;
    inf->width = cfg->task.target_width;
    inf->distinct_outputs = 0;
    for (int i = 0; i < cfg->task.count; i++) {
        int seen = 0;
        if (cfg->network.carry_state)
            memcpy(fired, s->net->fired, (size_t)s->net->n);
        inf->outputs[i] = glia_net_forward_to(s->net, cfg->task.patterns[i].input,
                                              cfg->network.passes, fired, act);
        inf->accuracy[i] =
            glia_reward_binary(inf->outputs[i], cfg->task.patterns[i].target, inf->width);
        sum += inf->accuracy[i];
        for (int k = 0; k < i && !seen; k++)
            seen = inf->outputs[k] == inf->outputs[i];
        inf->distinct_outputs += !seen;
    }
    inf->mean_accuracy = sum / cfg->task.count;
    inf->constant_output = inf->distinct_outputs == 1;
}

/* Fill the last point's inference from `inf`. */
static void set_last_inference(glia_session_t *s, const glia_inference_t *inf)
{
    s->last.accuracy = inf->mean_accuracy;
    s->last.distinct_outputs = inf->distinct_outputs;
    memcpy(s->last_outputs, inf->outputs, (size_t)inf->count * sizeof(uint64_t));
    s->last_pending = 0;
}

/* Compute the last point's inference if it is still pending. Valid because nothing
 * moves while it pends: a step computes it first unless its caller runs on to the end
 * of the episode, whose own point replaces it (session_step). */
static void last_materialize(glia_session_t *s)
{
    glia_inference_t inf;

    if (!s->last_pending)
        return;
    glia_session_inference(s, &inf);
    set_last_inference(s, &inf);
}

int glia__last_point(const glia_session_t *s, glia_point_t *p, uint64_t *outputs)
{
    glia_inference_t inf;
    uint8_t *fired;
    double *act;

    *p = s->last;
    if (!s->last_pending) {
        memcpy(outputs, s->last_outputs, (size_t)s->cfg.task.count * sizeof(uint64_t));
        return 0;
    }
    fired = malloc((size_t)s->net->n);
    act = malloc((size_t)s->net->id_space * sizeof(double));
    if (fired == NULL || act == NULL) {
        free(fired);
        free(act);
        return GLIA_ENOMEM;
    }
    infer_with(s, fired, act, &inf);
    free(fired);
    free(act);
    p->accuracy = inf.mean_accuracy;
    p->distinct_outputs = inf.distinct_outputs;
    memcpy(outputs, inf.outputs, (size_t)inf.count * sizeof(uint64_t));
    return 0;
}

/* An episode ends: its point. Inference (task.count forward passes) is computed now only
 * for a trajectory point, or when homeostasis is about to move the thresholds; otherwise
 * the last point's inference waits until something reads it or the weights would move. */
static void end_episode(glia_session_t *s, glia_step_info_t *info)
{
    const int decisions = s->ep_accepted + s->ep_rejected;
    glia_point_t p;
    glia_inference_t inf;

    info->episode_done = 1;
    if (s->learner->end_episode != NULL)
        s->learner->end_episode(s->learner_state, &s->ctx);
    if (s->learner->step != NULL) {
        const int is_point = s->episodes % (uint64_t)s->cfg.training.trajectory_interval == 0;
        p.episode = s->episodes;
        p.avg_reward = s->ep_reward_sum / s->cfg.training.steps_per_episode;
        p.accept_rate = decisions ? (double)s->ep_accepted / decisions : 0.0;
        p.accuracy = 0.0;
        p.distinct_outputs = 0;
        p.reward_queries = s->reward_queries;
        glia_diag_point(&s->diag, &p.grad_cosine, &p.grad_cosine_n, is_point);
        s->last = p;
        s->has_last = 1;
        s->last_pending = 1;
        if (is_point || s->cfg.training.homeostasis) {
            glia_session_inference(s, &inf);
            set_last_inference(s, &inf);
        }
        if (is_point) {
            /* room reserved by session_step */
            memcpy(&s->traj_outputs[s->n_traj * (size_t)inf.count], inf.outputs,
                   (size_t)inf.count * sizeof(uint64_t));
            s->traj[s->n_traj++] = s->last;
            info->point_recorded = 1;
        }
    }
    homeostasis(s);
    s->episodes++;
    s->step_in_episode = 0;
    s->ep_reward_sum = 0.0;
    s->ep_accepted = 0;
    s->ep_rejected = 0;
}

/* One step. `to_episode_end`: the caller goes on stepping to the end of this episode
 * (nothing can fail after its first step), so a pending last point is replaced before
 * anyone can read it and need not be computed. */
static int session_step(glia_session_t *s, glia_step_info_t *info, int to_episode_end)
{
    glia_step_info_t local;

    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof(*info));
    info->step = s->steps;
    info->episode = s->episodes;
    info->pattern = -1;

    /* Reserve the room of an episode's trajectory point before anything of the episode
     * moves (its first step, or the first after a load), so a failure leaves the session
     * unchanged. */
    if (s->episodes % (uint64_t)s->cfg.training.trajectory_interval == 0 &&
        s->n_traj == s->cap_traj &&
        glia__reserve_points(s, s->cap_traj ? 2 * s->cap_traj : 16) != 0)
        return GLIA_ENOMEM;
    if (!to_episode_end)
        last_materialize(s);

    /* A learner without steps draws nothing: no pattern either (control, spec 6). With a
     * reward over more than one pattern, the step has no pattern of its own: perturb.c
     * scores the task, or the minibatch drawn here. */
    if (s->learner->step != NULL) {
        const glia_pattern_t *pat = NULL;
        if (s->cfg.training.reward_scope == GLIA_SCOPE_PATTERN) {
            if (s->cfg.training.pattern_order == GLIA_ORDER_CYCLE)
                info->pattern = (int)(s->steps % (uint64_t)s->cfg.task.count);
            else
                info->pattern = (int)(glia_rng_next(&s->rng) * s->cfg.task.count);
            pat = &s->cfg.task.patterns[info->pattern];
            info->target = pat->target;
            info->scored = 1;
        } else if (s->cfg.training.reward_scope == GLIA_SCOPE_MINIBATCH) {
            glia_perturb_draw_batch(&s->perturb, &s->rng, s->cfg.task.count,
                                    s->cfg.training.minibatch);
            info->scored = s->cfg.training.minibatch;
        } else {
            info->scored = s->cfg.task.count;
        }
        s->ctx.steps = s->steps;
        s->ctx.step_in_episode = s->step_in_episode;
        if (s->diag.interval > 0) {
            /* the patterns the step scores: `pat`, the minibatch, or the task */
            const int batch = s->cfg.training.reward_scope == GLIA_SCOPE_MINIBATCH;
            glia_diag_before(&s->diag, &s->cfg, s->net, s->steps, pat, s->cfg.task.patterns,
                             batch ? s->perturb.drawn : NULL,
                             batch ? s->perturb.n_drawn : s->cfg.task.count);
        }
        s->learner->step(s->learner_state, &s->ctx, pat, info);
        glia_diag_after(&s->diag, s->net, info);
    }
    if (s->learner->step != NULL) {
        s->ep_reward_sum += info->reward;
        if (s->reward_queries != GLIA_QUERIES_UNKNOWN)
            s->reward_queries += info->reward_queries;
        if (info->decided) {
            if (info->kept) {
                s->accepted++;
                s->ep_accepted++;
            } else {
                s->rejected++;
                s->ep_rejected++;
            }
        }
    }
    s->steps++;
    s->step_in_episode++;
    if (s->step_in_episode == s->cfg.training.steps_per_episode)
        end_episode(s, info);
    return 0;
}

int glia_session_step(glia_session_t *s, glia_step_info_t *info)
{
    return session_step(s, info, 0);
}

int64_t glia_session_advance(glia_session_t *s, uint64_t max_steps, uint64_t stop_episode)
{
    return glia_session_advance_to(s, max_steps, stop_episode, 0);
}

int glia_session_spent(const glia_session_t *s, uint64_t queries)
{
    return queries > 0 && s->step_in_episode == 0 && s->reward_queries != GLIA_QUERIES_UNKNOWN &&
           s->reward_queries >= queries;
}

int64_t glia_session_advance_to(glia_session_t *s, uint64_t max_steps, uint64_t stop_episode,
                                uint64_t queries)
{
    const uint64_t spe = (uint64_t)s->cfg.training.steps_per_episode;
    uint64_t done = 0;

    while (done < max_steps && !glia_session_spent(s, queries)) {
        glia_step_info_t info;
        /* it stops early only at the end of an episode */
        int rc = session_step(s, &info, max_steps - done >= spe - (uint64_t)s->step_in_episode);
        if (rc != 0)
            return rc;
        done++;
        if (info.episode_done && info.episode >= stop_episode)
            break;
    }
    return (int64_t)done;
}

int glia_session_run_episodes(glia_session_t *s, uint64_t episodes)
{
    while (s->episodes < episodes) {
        int rc = session_step(s, NULL, 1);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void glia_session_inference(glia_session_t *s, glia_inference_t *inf)
{
    if (s->cfg.network.carry_state) {
        uint8_t fired[GLIA_MAX_NEURONS]; /* the carried state stays as training left it */
        infer_with(s, fired, s->net->act, inf);
    } else {
        infer_with(s, s->net->fired, s->net->act, inf);
    }
}

const glia_config_t *glia_session_config(const glia_session_t *s)
{
    return &s->cfg;
}

uint32_t glia_session_seed(const glia_session_t *s)
{
    return s->seed;
}

void glia_session_counters(const glia_session_t *s, glia_counters_t *c)
{
    c->steps = s->steps;
    c->episodes = s->episodes;
    c->step_in_episode = s->step_in_episode;
    c->accepted = s->accepted;
    c->rejected = s->rejected;
    c->reward_queries = s->reward_queries;
}

const glia_net_t *glia_session_net(const glia_session_t *s)
{
    return s->net;
}

const glia_point_t *glia_session_trajectory(const glia_session_t *s, size_t *count)
{
    *count = s->n_traj;
    return s->traj;
}

int glia_session_last_point(glia_session_t *s, glia_point_t *p)
{
    if (!s->has_last)
        return GLIA_ENOENT;
    last_materialize(s);
    *p = s->last;
    return 0;
}

const uint64_t *glia_session_point_outputs(const glia_session_t *s, size_t i)
{
    return i < s->n_traj ? &s->traj_outputs[i * (size_t)s->cfg.task.count] : NULL;
}

const uint64_t *glia_session_last_outputs(glia_session_t *s)
{
    if (!s->has_last)
        return NULL;
    last_materialize(s);
    return s->last_outputs;
}

const char *glia_session_learner_name(const glia_session_t *s)
{
    return s->learner->name;
}

void glia_session_describe(const glia_session_t *s, int view, glia_emit_t *e)
{
    s->learner->describe(s->learner_state, &s->ctx, view, e);
    if (view == GLIA_VIEW_STATE && s->diag.interval > 0)
        glia_diag_describe(&s->diag, e);
}

const glia_territories_t *glia_session_territories(const glia_session_t *s)
{
    return &s->territories;
}

double glia_session_initial_mean_abs_weight(const glia_session_t *s)
{
    return s->init_mean_abs;
}

double glia_session_initial_weight_sum(const glia_session_t *s)
{
    return s->init_weight_sum;
}

int64_t glia_session_build_draws(const glia_session_t *s)
{
    return s->build_draws;
}

const double *glia_session_initial_weights(const glia_session_t *s)
{
    return s->w_init;
}

double glia_session_initial_weight(const glia_session_t *s, int i)
{
    return s->w_init[i];
}
