/* session.c: session lifecycle, the training loop, trajectory and inference.
 *
 * A step is: draw the pattern, let the learner evaluate one perturbation (cursor.c,
 * astrocyte.c), then book the outcome into the episode's accumulators. An episode ends
 * after steps_per_episode steps; its point is kept every trajectory_interval episodes,
 * and the latest one is always remembered so a result can close its trajectory.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void perturb(glia_session_t *s, int n, uint64_t input);
static void keep(glia_session_t *s);
static void revert(glia_session_t *s);
static void count_fires(glia_session_t *s);

void glia_session_free(glia_session_t *s)
{
    if (s == NULL)
        return;
    glia_net_free(s->net);
    free(s->w_init);
    for (int i = 0; i < s->n_astro; i++)
        glia__astro_destroy(&s->astro[i]);
    free(s->astro);
    free(s->prev_fired);
    free(s->cursor.in_range);
    free(s->traj);
    free(s->traj_outputs);
    free(s->last_outputs);
    free(s->fire_count);
    free(s->eligible);
    free(s->saved);
    free(s->pending);
    free(s->pend_u);
    free(s->live);
    free(s->mark);
    free(s->base_fired);
    free(s->order);
    free(s->score);
    free(s->is_active);
    free(s->by_epsilon);
    free(s);
}

int glia_session_new(const glia_config_t *cfg, uint32_t seed, glia_session_t **out,
                     glia_error_t *err)
{
    glia_session_t *s;
    int rc = GLIA_ENOMEM;
    size_t nsyn, n, ids, na;

    *out = NULL;
    if ((rc = glia_config_validate(cfg, err)) != 0)
        return rc;
    rc = GLIA_ENOMEM;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return GLIA_ENOMEM;
    s->cfg = *cfg;
    s->seed = seed;
    glia_rng_seed(&s->rng, cfg->rng, seed);

    s->net = glia_net_new(&s->cfg, &s->rng);
    if (s->net == NULL)
        goto fail;
    nsyn = (size_t)s->net->n_syn;
    n = (size_t)s->net->n;
    ids = (size_t)s->net->id_space;

    s->w_init = malloc((nsyn ? nsyn : 1) * sizeof(double));
    if (s->w_init == NULL)
        goto fail;
    memcpy(s->w_init, s->net->w, nsyn * sizeof(double));
    s->init_weight_sum = glia_net_weight_sum(s->net);
    s->init_mean_abs = glia_net_mean_abs_weight(s->net);

    s->n_astro = cfg->learner.astrocyte.per_cluster * cfg->network.clusters;
    na = (size_t)s->n_astro;
    s->astro = calloc(na, sizeof(glia_astro_t));
    if (s->astro == NULL || glia__astro_layout(&s->cfg, s->net, s->astro) != 0)
        goto fail;

    s->prev_fired = calloc(ids, 1);
    s->fire_count = calloc(n, sizeof(uint32_t));
    s->eligible = malloc((nsyn ? nsyn : 1) * sizeof(int));
    s->saved = malloc((nsyn ? nsyn : 1) * sizeof(double));
    s->mark = calloc(nsyn ? nsyn : 1, sizeof(uint32_t));
    s->pending = malloc((nsyn ? nsyn : 1) * sizeof(int));
    s->pend_u = malloc(2 * (nsyn ? nsyn : 1) * sizeof(double));
    s->live = calloc(n, 1);
    s->base_fired = calloc(n, 1);
    s->last_outputs = calloc((size_t)cfg->task.count, sizeof(uint64_t));
    s->order = calloc(na, sizeof(int));
    s->score = calloc(na, sizeof(double));
    s->is_active = calloc(na, 1);
    s->by_epsilon = calloc(na, 1);
    if (!s->prev_fired || !s->fire_count || !s->eligible || !s->saved || !s->mark ||
        !s->pending || !s->pend_u || !s->live ||
        !s->base_fired || !s->last_outputs || !s->order || !s->score || !s->is_active || !s->by_epsilon)
        goto fail;
    if (glia__cursor_init(s) != 0)
        goto fail;

    *out = s;
    return 0;

fail:
    glia_session_free(s);
    return rc;
}

/* Perturb the first n eligible synapses: w += gauss * std, then clamp (spec 7), and
 * save the old weights for revert.
 *
 * Only synapses whose pre neuron can fire during the evaluation pass can change its
 * outcome. With one pass those are the driven inputs that are on; their samples are
 * computed and applied now. For every other synapse the generator's uniforms are drawn
 * now, in order, but the log/cos is deferred to keep: a reverted step (most of
 * them) never pays for it. The resulting weights are the same doubles either way. */
static void perturb(glia_session_t *s, int n, uint64_t input)
{
    glia_net_t *net = s->net;
    double *w = net->w;
    const double std = s->cfg.training.perturbation_std;
    const double clamp = s->cfg.training.weight_clamp;
    const int defer = s->rng.kind == GLIA_RNG_MULBERRY32_JS && s->cfg.network.passes == 1;

    if (defer) {
        memset(s->live, 0, (size_t)net->n);
        for (int i = 0; i < net->n_driven; i++)
            s->live[net->driven[i]] = (uint8_t)((input >> i) & 1);
    }
    s->n_applied = 0;
    s->n_pending = 0;
    for (int k = 0; k < n; k++) {
        int syn = s->eligible[k];
        double g, v;
        if (defer) {
            double u1, u2;
            glia_rng_gauss_draw(&s->rng, &u1, &u2);
            if (!s->live[net->pre[syn]]) {
                s->pend_u[2 * s->n_pending] = u1;
                s->pend_u[2 * s->n_pending + 1] = u2;
                s->pending[s->n_pending++] = syn;
                continue;
            }
            g = glia_rng_gauss_from(u1, u2);
        } else {
            g = glia_rng_gauss(&s->rng);
        }
        v = w[syn] + g * std;
        if (v > clamp)
            v = clamp;
        if (v < -clamp)
            v = -clamp;
        s->eligible[s->n_applied] = syn; /* compacts in place: n_applied <= k */
        s->saved[s->n_applied++] = w[syn];
        w[syn] = v;
    }
}

void glia__base_pass(glia_session_t *s, const glia_pattern_t *pat, glia_step_info_t *info)
{
    glia_net_t *net = s->net;

    glia_net_forward(net, pat->input, s->cfg.network.passes);
    count_fires(s);
    info->base_soft = info->after_soft = glia_net_soft_reward(net, pat->target);
    info->output = glia_net_output(net);
    info->reward = glia_reward_binary(info->output, pat->target, s->cfg.task.target_width);
}

int glia__try_perturbation(glia_session_t *s, int n, const glia_pattern_t *pat,
                           glia_step_info_t *info)
{
    glia_net_t *net = s->net;

    perturb(s, n, pat->input);
    glia_net_forward(net, pat->input, s->cfg.network.passes);
    info->after_soft = glia_net_soft_reward(net, pat->target);
    info->decided = 1;
    if (!(info->after_soft > info->base_soft)) { /* strict improvement only */
        revert(s);
        return 0;
    }
    info->kept = 1;
    keep(s);
    info->output = glia_net_output(net);
    info->reward = glia_reward_binary(info->output, pat->target, s->cfg.task.target_width);
    return 1;
}

/* Keep the perturbation: apply the deferred samples. */
static void keep(glia_session_t *s)
{
    double *w = s->net->w;
    const double std = s->cfg.training.perturbation_std;
    const double clamp = s->cfg.training.weight_clamp;

    for (int k = 0; k < s->n_pending; k++) {
        int syn = s->pending[k];
        double v = w[syn] + glia_rng_gauss_from(s->pend_u[2 * k], s->pend_u[2 * k + 1]) * std;
        if (v > clamp)
            v = clamp;
        if (v < -clamp)
            v = -clamp;
        w[syn] = v;
    }
    s->n_applied = s->n_pending = 0;
}

/* Revert the perturbation: restore what was applied, drop what was deferred. */
static void revert(glia_session_t *s)
{
    for (int k = 0; k < s->n_applied; k++)
        s->net->w[s->eligible[k]] = s->saved[k];
    s->n_applied = s->n_pending = 0;
}

/* prev_fired := `fired` (by position) written by id in position order; ids nobody
 * owns stay 0 and for shared ids the later position wins (spec 2). */
void glia__write_by_id(glia_session_t *s, const uint8_t *fired)
{
    memset(s->prev_fired, 0, (size_t)s->net->id_space);
    for (int j = 0; j < s->net->n; j++)
        s->prev_fired[s->net->id[j]] = fired[j];
}

static void count_fires(glia_session_t *s)
{
    if (!s->cfg.training.homeostasis)
        return;
    for (int j = 0; j < s->net->n; j++)
        s->fire_count[j] += s->net->fired[j];
}

static void homeostasis(glia_session_t *s)
{
    const double steps = s->cfg.training.steps_per_episode;

    if (!s->cfg.training.homeostasis)
        return;
    for (int j = 0; j < s->net->n; j++) {
        if (s->net->role[j] != GLIA_ROLE_INPUT)
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

static void end_episode(glia_session_t *s, glia_step_info_t *info)
{
    const int decisions = s->ep_accepted + s->ep_rejected;
    glia_point_t p;
    glia_inference_t inf;

    info->episode_done = 1;
    if (s->cfg.learner.kind != GLIA_LEARNER_CONTROL) {
        p.episode = s->episodes;
        p.avg_reward = s->ep_reward_sum / s->cfg.training.steps_per_episode;
        p.accept_rate = decisions ? (double)s->ep_accepted / decisions : 0.0;
        glia_session_inference(s, &inf);
        p.accuracy = inf.mean_accuracy;
        p.distinct_outputs = inf.distinct_outputs;
        memcpy(s->last_outputs, inf.outputs, (size_t)inf.count * sizeof(uint64_t));
        if (s->episodes % (uint64_t)s->cfg.training.trajectory_interval == 0) {
            /* room reserved by glia_session_step */
            memcpy(&s->traj_outputs[s->n_traj * (size_t)inf.count], inf.outputs,
                   (size_t)inf.count * sizeof(uint64_t));
            s->traj[s->n_traj++] = p;
            info->point_recorded = 1;
        }
        s->last = p;
        s->has_last = 1;
    }
    homeostasis(s);
    s->episodes++;
    s->step_in_episode = 0;
    s->ep_reward_sum = 0.0;
    s->ep_accepted = 0;
    s->ep_rejected = 0;
}

int glia_session_step(glia_session_t *s, glia_step_info_t *info)
{
    glia_step_info_t local;

    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof(*info));
    info->step = s->steps;
    info->episode = s->episodes;
    info->pattern = -1;

    /* Reserve trajectory room first, so a failure leaves the session unchanged. */
    if (s->step_in_episode + 1 == s->cfg.training.steps_per_episode && s->n_traj == s->cap_traj &&
        glia__reserve_points(s, s->cap_traj ? 2 * s->cap_traj : 16) != 0)
        return GLIA_ENOMEM;

    switch (s->cfg.learner.kind) {
    case GLIA_LEARNER_CURSOR:
        glia__cursor_step(s, info);
        break;
    case GLIA_LEARNER_ASTROCYTE:
        glia__astro_step(s, info);
        break;
    default:
        break; /* control: no steps, no draws (spec 6) */
    }
    if (info->pattern >= 0) {
        s->ep_reward_sum += info->reward;
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

int64_t glia_session_advance(glia_session_t *s, uint64_t max_steps, uint64_t stop_episode)
{
    uint64_t done = 0;

    while (done < max_steps) {
        glia_step_info_t info;
        int rc = glia_session_step(s, &info);
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
        int rc = glia_session_step(s, NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void glia_session_inference(glia_session_t *s, glia_inference_t *inf)
{
    const glia_config_t *cfg = &s->cfg;
    double sum = 0.0;

    inf->count = cfg->task.count;
    inf->width = cfg->task.target_width;
    inf->distinct_outputs = 0;
    for (int i = 0; i < cfg->task.count; i++) {
        int seen = 0;
        glia_net_forward(s->net, cfg->task.patterns[i].input, cfg->network.passes);
        inf->outputs[i] = glia_net_output(s->net);
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

int glia_session_last_point(const glia_session_t *s, glia_point_t *p)
{
    if (!s->has_last)
        return GLIA_ENOENT;
    *p = s->last;
    return 0;
}

const uint64_t *glia_session_point_outputs(const glia_session_t *s, size_t i)
{
    return i < s->n_traj ? &s->traj_outputs[i * (size_t)s->cfg.task.count] : NULL;
}

const uint64_t *glia_session_last_outputs(const glia_session_t *s)
{
    return s->has_last ? s->last_outputs : NULL;
}

int glia_session_astrocyte_count(const glia_session_t *s)
{
    return s->cfg.learner.kind == GLIA_LEARNER_ASTROCYTE ? s->n_astro : 0;
}

int glia_session_territory_count(const glia_session_t *s)
{
    return s->n_astro;
}

void glia_session_astrocyte(const glia_session_t *s, int i, glia_astro_info_t *info)
{
    const glia_astro_t *a = &s->astro[i];

    info->id = i;
    info->cluster = a->cluster;
    info->x = a->x;
    info->y = a->y;
    info->territory_neurons = a->n_ids;
    info->territory_synapses = a->n_syn;
    info->territory_ids = a->ids;
    info->territory_synapse_ids = a->syn;
    info->activations = a->activations;
    info->successes = a->successes;
    info->epsilon_activations = a->epsilon_activations;
    info->threshold = a->threshold;
    info->exploration_rate = glia__astro_rate(&s->cfg, a);
    info->success_rate = a->hist_len ? (double)a->hist_sum / a->hist_len : 0.0;
    info->history_len = a->hist_len;
    info->activations_by_pattern = a->by_pattern;
}

int glia_session_cursor(const glia_session_t *s, double xyz[3])
{
    if (s->cfg.learner.kind != GLIA_LEARNER_CURSOR)
        return GLIA_ENOENT;
    memcpy(xyz, s->cursor.pos, sizeof(s->cursor.pos));
    return 0;
}

double glia_session_initial_mean_abs_weight(const glia_session_t *s)
{
    return s->init_mean_abs;
}

double glia_session_initial_weight_sum(const glia_session_t *s)
{
    return s->init_weight_sum;
}

double glia_session_initial_weight(const glia_session_t *s, int i)
{
    return s->w_init[i];
}
