/* astrocyte.c: the exp 021-024 learner (spec 6, "Astrocytes").
 *
 * One astrocyte per territory (territory.c). Each step they sense, the best (by score,
 * ties in id order) are selected, their synapses are perturbed together, and the change
 * is kept on a strict soft-reward improvement (perturb.c). Each astrocyte remembers its
 * recent outcomes and moves its activation threshold by its success rate.
 *
 * Beyond the paper: `selection: uniform` draws max_active astrocytes at random instead
 * of sensing. When a step scores more than one pattern (training.reward_scope), there is
 * no previous pattern's pass to sense: an astrocyte senses the mean firing of the
 * current weights over the patterns scored (the last kept evaluation, under task
 * reward), which perturb.c computes with the base score.
 */
#include "core/learners/astrocyte.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/learners/perturb.h"
#include "core/net_storage.h"

double glia_astro_rate(const glia_config_t *cfg, const glia_astro_t *a)
{
    switch (cfg->learner.astrocyte.exploration) {
    case GLIA_EXPLORE_FLAT:
        return cfg->learner.astrocyte.flat_rate;
    case GLIA_EXPLORE_MATURITY:
        return cfg->learner.astrocyte.maturity_rate /
               (1.0 + (double)a->activations / cfg->learner.astrocyte.maturity_scale);
    default:
        return 0.0;
    }
}

static void astro_destroy(void *state)
{
    glia_astro_state_t *st = state;

    for (int i = 0; st->astro != NULL && i < st->n; i++)
        free(st->astro[i].by_pattern);
    free(st->astro);
    free(st->prev_fired);
    free(st->rate);
    free(st->base_fired);
    free(st->order);
    free(st->score);
    free(st->is_active);
    free(st->by_epsilon);
}

static int astro_init(void *state, const glia_learner_ctx_t *ctx)
{
    glia_astro_state_t *st = state;
    const size_t n = (size_t)ctx->territories->count;

    st->n = ctx->territories->count;
    st->id_space = ctx->net->id_space;
    st->astro = calloc(n ? n : 1, sizeof(glia_astro_t));
    st->prev_fired = calloc((size_t)st->id_space, 1);
    st->rate = calloc((size_t)st->id_space, sizeof(double));
    st->base_fired = calloc((size_t)ctx->net->n, 1);
    st->order = calloc(n ? n : 1, sizeof(int));
    st->score = calloc(n ? n : 1, sizeof(double));
    st->is_active = calloc(n ? n : 1, 1);
    st->by_epsilon = calloc(n ? n : 1, 1);
    if (!st->astro || !st->prev_fired || !st->rate || !st->base_fired || !st->order || !st->score ||
        !st->is_active || !st->by_epsilon)
        return GLIA_ENOMEM;
    if (ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN &&
        ctx->cfg->learner.astrocyte.selection == GLIA_SELECT_SENSING)
        ctx->perturb->want_rates = 1;
    for (int i = 0; i < st->n; i++) {
        st->astro[i].threshold = ctx->cfg->learner.astrocyte.threshold_init;
        st->astro[i].by_pattern = calloc((size_t)ctx->cfg->task.count, sizeof(uint64_t));
        if (st->astro[i].by_pattern == NULL)
            return GLIA_ENOMEM;
    }
    return 0;
}

/* Sensing over several patterns: the same scores with firing rates for fired bits. */
static double sense_rates(const glia_astro_state_t *st, const glia_learner_ctx_t *ctx, int i)
{
    const glia_territory_t *t = &ctx->territories->t[i];
    double sum = 0.0;

    if (ctx->cfg->learner.astrocyte.sensing == GLIA_SENSE_FIRING) {
        if (t->n_ids == 0)
            return 0.0;
        for (int k = 0; k < t->n_ids; k++)
            sum += st->rate[t->ids[k]];
        return sum / t->n_ids;
    }
    if (t->n_syn == 0)
        return 0.0;
    for (int k = 0; k < t->n_syn; k++) {
        int syn = t->syn[k];
        sum += st->rate[ctx->net->pre[syn]] * fabs(ctx->net->w[syn]); /* as sense() reads */
    }
    return sum / t->n_syn;
}

static double sense(const glia_astro_state_t *st, const glia_learner_ctx_t *ctx, int i)
{
    const glia_territory_t *t = &ctx->territories->t[i];

    if (ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN)
        return sense_rates(st, ctx, i);
    if (ctx->cfg->learner.astrocyte.sensing == GLIA_SENSE_FIRING) {
        double sum = 0.0;
        if (t->n_ids == 0)
            return 0.0;
        for (int k = 0; k < t->n_ids; k++)
            sum += st->prev_fired[t->ids[k]];
        return sum / t->n_ids;
    } else {
        const glia_net_t *net = ctx->net;
        double sum = 0.0;
        if (t->n_syn == 0)
            return 0.0;
        for (int k = 0; k < t->n_syn; k++) {
            int syn = t->syn[k];
            if (st->prev_fired[net->pre[syn]]) /* read at the pre *position* (spec 2) */
                sum += fabs(net->w[syn]);
        }
        return sum / t->n_syn;
    }
}

/* Choose the active astrocytes into info->active; returns how many. */
static int select_active(glia_astro_state_t *st, glia_learner_ctx_t *ctx, glia_step_info_t *info)
{
    const glia_config_t *cfg = ctx->cfg;
    const int n = st->n;
    const int explore = cfg->learner.astrocyte.exploration != GLIA_EXPLORE_NONE;
    int count = 0;

    for (int i = 0; i < n; i++) {
        st->score[i] = sense(st, ctx, i);
        st->order[i] = i;
    }
    /* Stable insertion sort, score descending: ties keep id order. */
    for (int i = 1; i < n; i++) {
        int key = st->order[i], j = i - 1;
        while (j >= 0 && st->score[st->order[j]] < st->score[key]) {
            st->order[j + 1] = st->order[j];
            j--;
        }
        st->order[j + 1] = key;
    }
    /* Walk the order: active by score, else (exploring) by one draw each. */
    for (int r = 0; r < n; r++) {
        int i = st->order[r];
        st->by_epsilon[i] = 0;
        if (st->score[i] > st->astro[i].threshold) {
            st->is_active[i] = 1;
        } else if (explore) {
            st->is_active[i] = glia_rng_next(ctx->rng) < glia_astro_rate(cfg, &st->astro[i]);
            st->by_epsilon[i] = st->is_active[i];
        } else {
            st->is_active[i] = 0;
        }
    }
    for (int r = 0; r < n && count < cfg->learner.astrocyte.max_active; r++) {
        if (st->is_active[st->order[r]])
            info->active[count++] = st->order[r];
    }
    /* Too few: top up from the sorted order (not counted as exploration). */
    for (int r = 0; r < n && count < cfg->learner.astrocyte.min_active; r++) {
        int i = st->order[r];
        if (!st->is_active[i]) {
            st->by_epsilon[i] = 0;
            info->active[count++] = i;
        }
    }
    return count;
}

/* Uniform selection: max_active distinct astrocytes, one draw each (a partial
 * Fisher-Yates shuffle of the ids). */
static int select_uniform(glia_astro_state_t *st, glia_learner_ctx_t *ctx, glia_step_info_t *info)
{
    const int n = st->n, k = ctx->cfg->learner.astrocyte.max_active;

    for (int i = 0; i < n; i++) {
        st->order[i] = i;
        st->by_epsilon[i] = 0;
    }
    for (int r = 0; r < k; r++) {
        int j = r + (int)(glia_rng_next(ctx->rng) * (n - r));
        int t = st->order[j];
        st->order[j] = st->order[r];
        st->order[r] = t;
        info->active[r] = t;
    }
    return k;
}

static void adapt(glia_astro_state_t *st, const glia_config_t *cfg)
{
    for (int i = 0; i < st->n; i++) {
        glia_astro_t *a = &st->astro[i];
        double rate;
        if (a->hist_len == 0)
            continue;
        rate = (double)a->hist_sum / a->hist_len;
        /* In doubles, as the reference: thresholds carry its rounding. */
        if (rate > cfg->learner.astrocyte.success_high)
            a->threshold = fmax(cfg->learner.astrocyte.threshold_min,
                                a->threshold - cfg->learner.astrocyte.threshold_step);
        else if (rate < cfg->learner.astrocyte.success_low)
            a->threshold = fmin(cfg->learner.astrocyte.threshold_max,
                                a->threshold + cfg->learner.astrocyte.threshold_step);
    }
}

static void record(glia_astro_t *a, int cap, int kept)
{
    if (a->hist_len == cap)
        a->hist_sum -= a->hist[a->hist_pos];
    else
        a->hist_len++;
    a->hist[a->hist_pos] = (uint8_t)kept;
    a->hist_sum += kept;
    a->hist_pos = (a->hist_pos + 1) % cap;
    a->activations++;
    a->successes += (uint64_t)kept;
}

/* prev_fired := `fired` (by position) written by id in position order; ids nobody
 * owns stay 0 and for shared ids the later position wins (spec 2). */
static void write_by_id(glia_astro_state_t *st, const glia_net_t *net, const uint8_t *fired)
{
    memset(st->prev_fired, 0, (size_t)net->id_space);
    for (int j = 0; j < net->n; j++)
        st->prev_fired[net->id[j]] = fired[j];
}

/* rate := `r` (by position) written by id, as write_by_id does. */
static void rates_by_id(glia_astro_state_t *st, const glia_net_t *net, const double *r)
{
    memset(st->rate, 0, (size_t)net->id_space * sizeof(double));
    for (int j = 0; j < net->n; j++)
        st->rate[net->id[j]] = r[j];
}

void glia_astro_step_with(glia_astro_state_t *st, glia_learner_ctx_t *ctx,
                          const glia_pattern_t *pat, glia_step_info_t *info,
                          glia_astro_choose_cb choose_cb, void *arg)
{
    glia_net_t *net = ctx->net;
    const glia_config_t *cfg = ctx->cfg;
    const int many = cfg->training.reward_scope != GLIA_SCOPE_PATTERN;
    const int uniform = cfg->learner.astrocyte.selection == GLIA_SELECT_UNIFORM;
    int n, kept;

    if (many) {
        /* 1. The current weights' score over the patterns, and what sensing reads. */
        glia_perturb_base(ctx, pat, info);
        if (!uniform)
            rates_by_id(st, net, glia_perturb_rates(ctx->perturb));
    } else if (ctx->step_in_episode == 0) {
        /* 1. At an episode's first step the sensing state restarts from the pattern. */
        memset(st->prev_fired, 0, (size_t)net->id_space);
        for (int i = 0; i < net->n_driven; i++)
            st->prev_fired[net->id[net->driven[i]]] = (uint8_t)((pat->input >> i) & 1);
    }

    /* 2-3. Sense and select. */
    info->n_active = uniform ? select_uniform(st, ctx, info) : select_active(st, ctx, info);
    for (int a = 0; a < info->n_active; a++) {
        glia_astro_t *as = &st->astro[info->active[a]];
        as->epsilon_activations += st->by_epsilon[info->active[a]];
        if (info->pattern >= 0)
            as->by_pattern[info->pattern]++;
    }

    /* 4. Eligible synapses: the union of the selected territories' synapses, in
     * selection order, then id order, each once; with perturbed thresholds, the
     * territories' neurons too. */
    n = glia_perturb_union_territories(ctx, info->active, info->n_active);
    if (choose_cb != NULL) {
        /* the learner's own list replaces the territories' (it may use their size) */
        glia_perturb_union_begin(ctx->perturb, net);
        n = choose_cb(arg, ctx, n);
    }
    info->n_eligible = n;
    /* Synapses chosen elsewhere (global, scattered) move the thresholds of their post
     * neurons, perturb.c's default. */
    if (cfg->learner.perturb_thresholds && choose_cb == NULL) {
        glia_perturb_neurons_begin(ctx->perturb, net);
        for (int a = 0; a < info->n_active; a++) {
            const glia_territory_t *t = &ctx->territories->t[info->active[a]];
            glia_perturb_neurons_add(ctx->perturb, net, t->pos, t->n_ids);
        }
    }

    /* 5. Base pass; remember its state. */
    if (!many) {
        glia_perturb_base(ctx, pat, info);
        memcpy(st->base_fired, net->fired, (size_t)net->n);
    }

    /* 6-7. Perturb, evaluate, keep on strict improvement, else revert; the sensing state
     * follows the pass that was kept. */
    kept = glia_perturb_try(ctx, n, pat, info);
    if (!many)
        write_by_id(st, net, kept ? net->fired : st->base_fired);

    /* 8. Book-keeping and threshold adaptation (counted in learner steps). */
    for (int a = 0; a < info->n_active; a++)
        record(&st->astro[info->active[a]], cfg->learner.astrocyte.history, info->kept);
    if ((ctx->steps + 1) % (uint64_t)cfg->learner.astrocyte.adapt_interval == 0)
        adapt(st, cfg);
}

static void astro_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                       glia_step_info_t *info)
{
    glia_astro_step_with(state, ctx, pat, info, NULL, NULL);
}

/* Section layout (the v2 snapshot's, unchanged): i32 id_space, the sensing bytes, i32
 * count, then per astrocyte f64 threshold, i32 history length/position/sum, the
 * GLIA_MAX_HISTORY history bytes, u64 activations/successes/epsilon activations, and
 * u64 activations per pattern. */
static void astro_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    const glia_astro_state_t *st = state;

    glia_put_i32(w, st->id_space);
    glia_put(w, st->prev_fired, (size_t)st->id_space);
    glia_put_i32(w, st->n);
    for (int i = 0; i < st->n; i++) {
        const glia_astro_t *a = &st->astro[i];
        glia_put_f64(w, a->threshold);
        glia_put_i32(w, a->hist_len);
        glia_put_i32(w, a->hist_pos);
        glia_put_i32(w, a->hist_sum);
        glia_put(w, a->hist, GLIA_MAX_HISTORY);
        glia_put_u64(w, a->activations);
        glia_put_u64(w, a->successes);
        glia_put_u64(w, a->epsilon_activations);
        for (int p = 0; p < ctx->cfg->task.count; p++)
            glia_put_u64(w, a->by_pattern[p]);
    }
}

/* One astrocyte as a run leaves it: history bytes are outcomes (0/1) written in ring
 * order, the sum and the counters agree with them. */
static int astro_ok(const glia_astro_t *a, const glia_config_t *cfg)
{
    const int cap = cfg->learner.astrocyte.history;
    uint64_t by_sum = 0;
    int sum = 0;

    if (!isfinite(a->threshold) || a->threshold < cfg->learner.astrocyte.threshold_min ||
        a->threshold > cfg->learner.astrocyte.threshold_max)
        return 0;
    if (a->hist_len < 0 || a->hist_len > cap || a->hist_pos < 0 || a->hist_pos >= cap ||
        (a->hist_len < cap && a->hist_pos != a->hist_len))
        return 0;
    for (int k = 0; k < GLIA_MAX_HISTORY; k++) {
        if (a->hist[k] > 1 || (k >= a->hist_len && a->hist[k] != 0))
            return 0;
        sum += a->hist[k];
    }
    if (sum != a->hist_sum ||
        (uint64_t)a->hist_len != (a->activations < (uint64_t)cap ? a->activations : (uint64_t)cap))
        return 0;
    if (a->successes > a->activations || a->epsilon_activations > a->activations ||
        (uint64_t)a->hist_sum > a->successes)
        return 0;
    for (int p = 0; p < cfg->task.count; p++) {
        if (a->by_pattern[p] > a->activations - by_sum)
            return 0;
        by_sum += a->by_pattern[p];
    }
    /* Steps that score several patterns have none of their own to count. */
    return by_sum == (cfg->training.reward_scope == GLIA_SCOPE_PATTERN ? a->activations : 0);
}

static int astro_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    glia_astro_state_t *st = state;
    const uint8_t *p;

    if (glia_get_i32(r) != st->id_space || (p = glia_get(r, (size_t)st->id_space)) == NULL)
        return GLIA_EFORMAT;
    for (int k = 0; k < st->id_space; k++) {
        if (p[k] > 1)
            return GLIA_EFORMAT;
    }
    memcpy(st->prev_fired, p, (size_t)st->id_space);
    if (glia_get_i32(r) != st->n)
        return GLIA_EFORMAT;
    for (int i = 0; i < st->n; i++) {
        glia_astro_t *a = &st->astro[i];
        a->threshold = glia_get_f64(r);
        a->hist_len = glia_get_i32(r);
        a->hist_pos = glia_get_i32(r);
        a->hist_sum = glia_get_i32(r);
        if ((p = glia_get(r, GLIA_MAX_HISTORY)) == NULL)
            return GLIA_EFORMAT;
        memcpy(a->hist, p, GLIA_MAX_HISTORY);
        a->activations = glia_get_u64(r);
        a->successes = glia_get_u64(r);
        a->epsilon_activations = glia_get_u64(r);
        for (int k = 0; k < ctx->cfg->task.count; k++)
            a->by_pattern[k] = glia_get_u64(r);
        if (r->failed || !astro_ok(a, ctx->cfg))
            return GLIA_EFORMAT;
    }
    return r->failed ? GLIA_EFORMAT : 0;
}

static void describe_one(const glia_astro_state_t *st, const glia_learner_ctx_t *ctx, int i,
                         glia_emit_t *e)
{
    const glia_astro_t *a = &st->astro[i];
    const glia_territory_t *t = &ctx->territories->t[i];

    glia_emit_object_begin(e, NULL);
    glia_emit_int(e, "id", i);
    glia_emit_int(e, "activations", (int64_t)a->activations);
    glia_emit_int(e, "successes", (int64_t)a->successes);
    glia_emit_int(e, "epsilon_activations", (int64_t)a->epsilon_activations);
    glia_emit_number(e, "final_threshold", a->threshold);
    glia_emit_array_begin(e, "activations_by_pattern");
    for (int p = 0; p < ctx->cfg->task.count; p++)
        glia_emit_int(e, NULL, (int64_t)a->by_pattern[p]);
    glia_emit_array_end(e);
    glia_emit_int(e, "cluster", t->cluster);
    glia_emit_number(e, "x", t->x);
    glia_emit_number(e, "y", t->y);
    glia_emit_int(e, "territory_neurons", t->n_ids);
    glia_emit_int(e, "territory_synapses", t->n_syn);
    glia_emit_number(e, "threshold", a->threshold);
    glia_emit_number(e, "exploration_rate", glia_astro_rate(ctx->cfg, a));
    glia_emit_number(e, "success_rate", a->hist_len ? (double)a->hist_sum / a->hist_len : 0.0);
    glia_emit_int(e, "history_length", a->hist_len);
    glia_emit_object_end(e);
}

/* Both views: "astrocytes", one object per astrocyte: counters, thresholds, its place
 * and territory size, exploration and success rates. */
static void astro_describe(const void *state, const glia_learner_ctx_t *ctx, int view,
                           glia_emit_t *e)
{
    const glia_astro_state_t *st = state;

    (void)view;
    glia_emit_array_begin(e, "astrocytes");
    for (int i = 0; i < st->n; i++)
        describe_one(st, ctx, i, e);
    glia_emit_array_end(e);
}

const glia_learner_ops_t glia_astrocyte_learner = {
    .name = "astrocyte",
    .state_size = sizeof(glia_astro_state_t),
    .init = astro_init,
    .destroy = astro_destroy,
    .step = astro_step,
    .end_episode = NULL,
    .save = astro_save,
    .load = astro_load,
    .describe = astro_describe,
};
