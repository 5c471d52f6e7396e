/* astrocyte.c: the exp 021-024 learner (spec 6, "Astrocytes").
 *
 * Astrocytes sit on a grid over each cluster's x/y extent. A territory is a set of
 * neuron ids of the same cluster within territory_radius (2-D); an astrocyte owns the
 * synapses whose pre or post *position* is in that id set (the reference's id/position
 * mix, reproduced on purpose; with no id collision it is just "touches a territory
 * neuron"). Each step they sense, the best (by score, ties in id order) are selected,
 * their synapses are perturbed together, and the change is kept on a strict soft-reward
 * improvement.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void glia__astro_destroy(glia_astro_t *a)
{
    free(a->ids);
    free(a->syn);
    free(a->by_pattern);
    memset(a, 0, sizeof(*a));
}

static int territory(const glia_config_t *cfg, const glia_net_t *net, glia_astro_t *a,
                     uint8_t *in_terr)
{
    const double radius = cfg->learner.astrocyte.territory_radius;

    a->ids = malloc((size_t)net->n * sizeof(int));
    if (a->ids == NULL)
        return GLIA_ENOMEM;
    memset(in_terr, 0, (size_t)net->id_space);
    for (int j = 0; j < net->n; j++) {
        double dx, dy;
        if (net->cluster[j] != a->cluster)
            continue;
        dx = net->x[j] - a->x;
        dy = net->y[j] - a->y;
        /* The square root is taken, then compared (not d^2 against r^2). */
        if (sqrt(dx * dx + dy * dy) <= radius) {
            a->ids[a->n_ids++] = net->id[j];
            in_terr[net->id[j]] = 1;
        }
    }
    a->n_syn = 0;
    for (int k = 0; k < net->n_syn; k++)
        a->n_syn += in_terr[net->pre[k]] || in_terr[net->post[k]];
    a->syn = malloc((size_t)(a->n_syn ? a->n_syn : 1) * sizeof(int));
    if (a->syn == NULL)
        return GLIA_ENOMEM;
    for (int k = 0, i = 0; k < net->n_syn; k++) {
        if (in_terr[net->pre[k]] || in_terr[net->post[k]])
            a->syn[i++] = k;
    }
    return 0;
}

int glia__astro_layout(const glia_config_t *cfg, const glia_net_t *net, glia_astro_t *astros)
{
    const int per = cfg->learner.astrocyte.per_cluster;
    const int g = (int)lround(sqrt((double)per));
    uint8_t *in_terr = malloc((size_t)net->id_space);
    int rc = 0;

    if (in_terr == NULL)
        return GLIA_ENOMEM;
    for (int c = 0; c < cfg->network.clusters && rc == 0; c++) {
        double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
        double midx, midy, qx, qy;
        for (int j = 0; j < net->n; j++) {
            if (net->cluster[j] != c)
                continue;
            minx = fmin(minx, net->x[j]);
            maxx = fmax(maxx, net->x[j]);
            miny = fmin(miny, net->y[j]);
            maxy = fmax(maxy, net->y[j]);
        }
        midx = (minx + maxx) / 2.0;
        midy = (miny + maxy) / 2.0;
        /* Cell centres mid + k*q, k = 2i-(g-1); for the reference's 2x2 grid this is
         * exactly mid -/+ (max-min)/4, in the order (-,-), (+,-), (-,+), (+,+). */
        qx = (maxx - minx) / (2.0 * g);
        qy = (maxy - miny) / (2.0 * g);
        for (int iy = 0; iy < g && rc == 0; iy++) {
            for (int ix = 0; ix < g && rc == 0; ix++) {
                glia_astro_t *a = &astros[c * per + iy * g + ix];
                a->cluster = c;
                a->x = midx + (double)(2 * ix - (g - 1)) * qx;
                a->y = midy + (double)(2 * iy - (g - 1)) * qy;
                a->threshold = cfg->learner.astrocyte.threshold_init;
                a->by_pattern = calloc((size_t)cfg->task.count, sizeof(uint64_t));
                if (a->by_pattern == NULL)
                    rc = GLIA_ENOMEM;
                else
                    rc = territory(cfg, net, a, in_terr);
            }
        }
    }
    free(in_terr);
    return rc;
}

double glia__astro_rate(const glia_config_t *cfg, const glia_astro_t *a)
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

static double sense(const glia_session_t *s, const glia_astro_t *a)
{
    if (s->cfg.learner.astrocyte.sensing == GLIA_SENSE_FIRING) {
        double sum = 0.0;
        if (a->n_ids == 0)
            return 0.0;
        for (int i = 0; i < a->n_ids; i++)
            sum += s->prev_fired[a->ids[i]];
        return sum / a->n_ids;
    } else {
        const glia_net_t *net = s->net;
        double sum = 0.0;
        if (a->n_syn == 0)
            return 0.0;
        for (int i = 0; i < a->n_syn; i++) {
            int k = a->syn[i];
            if (s->prev_fired[net->pre[k]]) /* read at the pre *position* (spec 2) */
                sum += fabs(net->w[k]);
        }
        return sum / a->n_syn;
    }
}

/* Choose the active astrocytes into info->active; returns how many. */
static int select_active(glia_session_t *s, glia_step_info_t *info)
{
    const glia_config_t *cfg = &s->cfg;
    const int n = s->n_astro;
    const int explore = cfg->learner.astrocyte.exploration != GLIA_EXPLORE_NONE;
    int count = 0;

    for (int i = 0; i < n; i++) {
        s->score[i] = sense(s, &s->astro[i]);
        s->order[i] = i;
    }
    /* Stable insertion sort, score descending: ties keep id order. */
    for (int i = 1; i < n; i++) {
        int key = s->order[i], j = i - 1;
        while (j >= 0 && s->score[s->order[j]] < s->score[key]) {
            s->order[j + 1] = s->order[j];
            j--;
        }
        s->order[j + 1] = key;
    }
    /* Walk the order: active by score, else (exploring) by one draw each. */
    for (int r = 0; r < n; r++) {
        int i = s->order[r];
        s->by_epsilon[i] = 0;
        if (s->score[i] > s->astro[i].threshold) {
            s->is_active[i] = 1;
        } else if (explore) {
            s->is_active[i] = glia_rng_next(&s->rng) < glia__astro_rate(cfg, &s->astro[i]);
            s->by_epsilon[i] = s->is_active[i];
        } else {
            s->is_active[i] = 0;
        }
    }
    for (int r = 0; r < n && count < cfg->learner.astrocyte.max_active; r++) {
        if (s->is_active[s->order[r]])
            info->active[count++] = s->order[r];
    }
    /* Too few: top up from the sorted order (not counted as exploration). */
    for (int r = 0; r < n && count < cfg->learner.astrocyte.min_active; r++) {
        int i = s->order[r];
        if (!s->is_active[i]) {
            s->by_epsilon[i] = 0;
            info->active[count++] = i;
        }
    }
    return count;
}

/* Union of the selected astrocytes' synapses: selected order, then id order, once. */
static int gather_eligible(glia_session_t *s, const glia_step_info_t *info)
{
    int n = 0;

    if (++s->stamp == 0) { /* wrapped: clear the stamps once every 2^32 steps */
        memset(s->mark, 0, (size_t)s->net->n_syn * sizeof(uint32_t));
        s->stamp = 1;
    }
    for (int a = 0; a < info->n_active; a++) {
        const glia_astro_t *as = &s->astro[info->active[a]];
        for (int i = 0; i < as->n_syn; i++) {
            int k = as->syn[i];
            if (s->mark[k] != s->stamp) {
                s->mark[k] = s->stamp;
                s->eligible[n++] = k;
            }
        }
    }
    return n;
}

static void adapt(glia_session_t *s)
{
    const glia_config_t *cfg = &s->cfg;

    for (int i = 0; i < s->n_astro; i++) {
        glia_astro_t *a = &s->astro[i];
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

static void record(glia_session_t *s, glia_astro_t *a, int kept)
{
    const int cap = s->cfg.learner.astrocyte.history;

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

void glia__astro_step(glia_session_t *s, glia_step_info_t *info)
{
    glia_net_t *net = s->net;
    const glia_config_t *cfg = &s->cfg;
    const glia_pattern_t *pat;
    int n;

    /* 1. Pattern; at an episode's first step the sensing state restarts from it. */
    info->pattern = (int)(glia_rng_next(&s->rng) * cfg->task.count);
    pat = &cfg->task.patterns[info->pattern];
    info->target = pat->target;
    if (s->step_in_episode == 0) {
        memset(s->prev_fired, 0, (size_t)net->id_space);
        for (int i = 0; i < net->n_driven; i++)
            s->prev_fired[net->id[net->driven[i]]] = (uint8_t)((pat->input >> i) & 1);
    }

    /* 2-3. Sense and select. */
    info->n_active = select_active(s, info);
    for (int a = 0; a < info->n_active; a++) {
        glia_astro_t *as = &s->astro[info->active[a]];
        as->epsilon_activations += s->by_epsilon[info->active[a]];
        as->by_pattern[info->pattern]++;
    }

    /* 4. Eligible synapses. */
    n = gather_eligible(s, info);
    info->n_eligible = n;

    /* 5. Base pass; remember its state. */
    glia__base_pass(s, pat, info);
    memcpy(s->base_fired, net->fired, (size_t)net->n);

    /* 6-7. Perturb, evaluate, keep on strict improvement, else revert; the sensing state
     * follows the pass that was kept. */
    glia__write_by_id(s, glia__try_perturbation(s, n, pat, info) ? net->fired : s->base_fired);

    /* 8. Book-keeping and threshold adaptation (counted in learner steps). */
    for (int a = 0; a < info->n_active; a++)
        record(s, &s->astro[info->active[a]], info->kept);
    if ((s->steps + 1) % (uint64_t)cfg->learner.astrocyte.adapt_interval == 0)
        adapt(s);
}
