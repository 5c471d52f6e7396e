/* neuromod.c: the phase 1a learner (spec phase 1a, section 4), step for step.
 *
 * Parity: there is no transcendental function here, and every sum is accumulated in
 * the reference's order (synapses in creation order, neurons in position order), so
 * weights, thresholds and chemical levels agree bit for bit with the reference. Keep
 * the parenthesisation of each product as written: (a*b)*c is not a*(b*c) in doubles.
 */
#include "core/learners/neuromod.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/learners/learner.h"
#include "core/net_storage.h"

static double falloff(int mode, double d, double radius);

static double dist3(const glia_net_t *net, int a, int b)
{
    double dx = net->x[a] - net->x[b];
    double dy = net->y[a] - net->y[b];
    double dz = net->z[a] - net->z[b];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

void glia__neuromod_destroy(glia_neuromod_t *m)
{
    if (m == NULL)
        return;
    free(m->nb_start);
    free(m->nb);
    free(m->nb_d);
    free(m->mod);
    free(m->mod_d);
    free(m->out_d);
    free(m->mod_f);
    free(m->out_f);
    free(m->fire_count);
    free(m->cycle_count);
    free(m->fire_rate);
    free(m->ambient);
    free(m->trace);
    free(m->history);
    free(m->chem);
    free(m->flag);
    free(m->adj_reward);
    free(m->last_sign);
    free(m->adj_dir);
    free(m->streak);
    free(m->adj_count);
    free(m->flips);
    free(m->record_w);
    free(m->w_before);
    memset(m, 0, sizeof(*m));
}

/* Neighbour lists: the other neurons within the ambient radius, in position order. */
static int neighbours(glia_neuromod_t *m, const glia_config_t *cfg, const glia_net_t *net)
{
    const double r = cfg->learner.neuromod.ambient_radius;
    const int n = net->n;
    int count = 0, cap = 0;

    m->nb_start = calloc((size_t)n + 1, sizeof(int));
    if (m->nb_start == NULL)
        return GLIA_ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        count = 0;
        for (int j = 0; j < n; j++) {
            m->nb_start[j] = count;
            for (int k = 0; k < n; k++) {
                double d;
                if (k == j || (d = dist3(net, j, k)) > r)
                    continue;
                if (pass == 1) {
                    m->nb[count] = k;
                    m->nb_d[count] = d;
                }
                count++;
            }
        }
        m->nb_start[n] = count;
        if (pass == 0) {
            cap = count > 0 ? count : 1;
            m->nb = malloc((size_t)cap * sizeof(int));
            m->nb_d = malloc((size_t)cap * sizeof(double));
            if (m->nb == NULL || m->nb_d == NULL)
                return GLIA_ENOMEM;
        }
    }
    return 0;
}

int glia__neuromod_init(glia_neuromod_t *m, const glia_config_t *cfg, const glia_net_t *net)
{
    const size_t n = (size_t)net->n, ns = net->n_syn > 0 ? (size_t)net->n_syn : 1;
    const size_t nr = net->n_readout > 0 ? (size_t)net->n_readout : 1;

    memset(m, 0, sizeof(*m));
    m->n = net->n;
    m->n_syn = net->n_syn;
    if (neighbours(m, cfg, net) != 0)
        return GLIA_ENOMEM;
    for (int j = 0; j < net->n; j++)
        m->n_mod += net->role[j] == GLIA_ROLE_MODULATORY;
    m->mod = malloc((size_t)(m->n_mod ? m->n_mod : 1) * sizeof(int));
    m->mod_d = malloc((size_t)(m->n_mod ? m->n_mod : 1) * n * sizeof(double));
    m->out_d = malloc(nr * n * sizeof(double));
    m->fire_count = calloc(n, sizeof(uint64_t));
    m->cycle_count = calloc(n, sizeof(uint64_t));
    m->fire_rate = calloc(n, sizeof(double));
    m->ambient = calloc(n, sizeof(double));
    m->trace = calloc(ns, sizeof(double));
    m->history = calloc(ns, sizeof(double));
    m->chem = calloc(ns, sizeof(double));
    m->flag = calloc(ns, sizeof(double));
    m->adj_reward = calloc(ns, sizeof(double));
    m->last_sign = calloc(ns, 1);
    m->adj_dir = calloc(ns, 1);
    m->streak = calloc(ns, sizeof(int32_t));
    m->adj_count = calloc(ns, sizeof(int32_t));
    m->flips = calloc(ns, sizeof(int32_t));
    m->record_w = malloc(ns * sizeof(double));
    m->w_before = malloc(ns * sizeof(double));
    if (!m->mod || !m->mod_d || !m->out_d || !m->fire_count || !m->cycle_count || !m->fire_rate ||
        !m->ambient || !m->trace || !m->history || !m->chem || !m->flag || !m->adj_reward ||
        !m->last_sign || !m->adj_dir || !m->streak || !m->adj_count || !m->flips || !m->record_w ||
        !m->w_before)
        return GLIA_ENOMEM;
    for (int j = 0, i = 0; j < net->n; j++) {
        if (net->role[j] == GLIA_ROLE_MODULATORY)
            m->mod[i++] = j;
    }
    for (int i = 0; i < m->n_mod; i++) {
        for (int j = 0; j < net->n; j++)
            m->mod_d[(size_t)i * n + (size_t)j] = dist3(net, m->mod[i], j);
    }
    for (int i = 0; i < net->n_readout; i++) {
        for (int j = 0; j < net->n; j++)
            m->out_d[(size_t)i * n + (size_t)j] = dist3(net, net->readout[i], j);
    }
    /* F(d) is computed once per (source, neuron) unless it depends on the radius: the
     * same double as computing it per synapse and step. */
    if (cfg->learner.neuromod.chemical.falloff != GLIA_FALLOFF_LINEAR) {
        const int mode = cfg->learner.neuromod.chemical.falloff;
        const size_t nm = (size_t)(m->n_mod ? m->n_mod : 1) * n;
        m->mod_f = malloc(nm * sizeof(double));
        m->out_f = malloc(nr * n * sizeof(double));
        if (m->mod_f == NULL || m->out_f == NULL)
            return GLIA_ENOMEM;
        for (size_t k = 0; k < (size_t)m->n_mod * n; k++)
            m->mod_f[k] = falloff(mode, m->mod_d[k], 0.0);
        for (size_t k = 0; k < (size_t)net->n_readout * n; k++)
            m->out_f[k] = falloff(mode, m->out_d[k], 0.0);
    }
    m->radius = cfg->learner.neuromod.chemical.radius;
    return 0;
}

/* Cumulative fire rate, then the homeostatic threshold step (spec step 3). */
static void homeostasis(glia_neuromod_t *m, const glia_config_t *cfg, glia_net_t *net)
{
    const double target = cfg->learner.neuromod.homeostasis.target_rate;
    const double step = cfg->learner.neuromod.homeostasis.step;
    const int fixed_outputs = cfg->learner.neuromod.homeostasis.fixed_outputs;

    for (int j = 0; j < net->n; j++) {
        if (net->role[j] == GLIA_ROLE_INPUT)
            continue;
        m->cycle_count[j]++;
        m->fire_count[j] += net->fired[j];
        m->fire_rate[j] = (double)m->fire_count[j] / (double)m->cycle_count[j];
        if (fixed_outputs && net->role[j] == GLIA_ROLE_OUTPUT)
            continue;
        if (m->fire_rate[j] > target)
            net->thr[j] += step;
        else if (m->fire_rate[j] < target)
            net->thr[j] -= step;
    }
}

static double sign(double v)
{
    return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
}

/* |x|^p; the two exponents the experiments use are written out (pow(x, 2) is x*x bit
 * for bit for these values, spec 4 step 9, but a libm need not promise it). */
static double power(double x, double p)
{
    if (p == 1.0)
        return x;
    if (p == 2.0)
        return x * x;
    return pow(x, p);
}

static double falloff(int mode, double d, double radius)
{
    if (d <= 0)
        return 1.0;
    switch (mode) {
    case GLIA_FALLOFF_INVERSE:
        return 1.0 / d;
    case GLIA_FALLOFF_INVERSE_SQUARE:
        return 1.0 / (d * d);
    case GLIA_FALLOFF_LINEAR: {
        double v = 1.0 - d / radius;
        return v > 0 ? v : 0.0;
    }
    default:
        return 1.0;
    }
}

/* chem[s] += signal * F(d(source, post(s))) for the synapses within the radius. `f_src`
 * holds F by neuron when it does not depend on the radius (NULL: linear falloff). */
static void diffuse(glia_neuromod_t *m, const glia_config_t *cfg, const glia_net_t *net,
                    const double *d_src, const double *f_src, double signal)
{
    const int mode = cfg->learner.neuromod.chemical.falloff;
    const double radius = m->radius;

    for (int s = 0; s < net->n_syn; s++) {
        const int post = net->post[s];
        const double d = d_src[post];
        if (d <= radius)
            m->chem[s] += signal * (f_src != NULL ? f_src[post] : falloff(mode, d, radius));
    }
}

static void update_flags(glia_neuromod_t *m, const glia_config_t *cfg, int n_syn)
{
    const double gain = cfg->learner.neuromod.flags.gain;
    const double decay = cfg->learner.neuromod.flags.decay;

    switch (cfg->learner.neuromod.flags.mode) {
    case GLIA_FLAGS_UNSIGNED:
        for (int s = 0; s < n_syn; s++) {
            if (m->trace[s] != 0) {
                double f = m->flag[s] + gain;
                m->flag[s] = f < 1.0 ? f : 1.0;
            } else {
                m->flag[s] = m->flag[s] * decay;
            }
        }
        break;
    case GLIA_FLAGS_SIGNED:
        for (int s = 0; s < n_syn; s++) {
            double t = m->trace[s], f = m->flag[s];
            if (t == 0) {
                m->flag[s] = f * decay;
            } else if (sign(t) == sign(f) || f == 0) {
                double v = f + sign(t) * gain;
                v = v < 1.0 ? v : 1.0;
                m->flag[s] = v > -1.0 ? v : -1.0;
            } else {
                m->flag[s] = sign(t) * gain;
            }
        }
        break;
    case GLIA_FLAGS_CONSISTENCY: {
        const int streak = cfg->learner.neuromod.flags.streak;
        const double on_flip = cfg->learner.neuromod.flags.decay_on_flip;
        for (int s = 0; s < n_syn; s++) {
            double t = m->trace[s];
            if (t != 0) {
                int8_t sg = t > 0 ? 1 : -1;
                if (sg == m->last_sign[s]) {
                    m->streak[s]++;
                } else {
                    m->streak[s] = 0;
                    m->flag[s] = m->flag[s] * on_flip;
                }
                m->last_sign[s] = sg;
                if (m->streak[s] >= streak) {
                    double f = m->flag[s] + gain;
                    m->flag[s] = f < 1.0 ? f : 1.0;
                }
            } else {
                m->flag[s] = m->flag[s] * decay;
            }
        }
        break;
    }
    default:
        break;
    }
}

/* 1. Clamp the inputs, counting their firing. */
static void clamp_inputs(glia_neuromod_t *m, glia_net_t *net, const glia_pattern_t *pat)
{
    uint8_t *fired = net->fired;

    if (!net->carry)
        memset(fired, 0, (size_t)net->n);
    for (int i = 0; i < net->n_driven; i++) {
        int j = net->driven[i];
        fired[j] = (uint8_t)((pat->input >> i) & 1);
        m->cycle_count[j]++;
        m->fire_count[j] += fired[j];
        m->fire_rate[j] = (double)m->fire_count[j] / (double)m->cycle_count[j];
    }
}

/* 2-3. Propagate from the carried outputs; homeostasis once per step, or once per cycle
 * (the code behind the published exp 010b). */
static void propagate(glia_neuromod_t *m, const glia_config_t *cfg, glia_net_t *net)
{
    for (int p = 0; p < cfg->network.passes; p++) {
        glia_net_cycle(net);
        if (cfg->learner.neuromod.homeostasis.in_loop)
            homeostasis(m, cfg, net);
    }
    if (!cfg->learner.neuromod.homeostasis.in_loop)
        homeostasis(m, cfg, net);
}

/* 4. Ambient field: sum of 1/d over the firing neighbours. */
static void ambient_field(glia_neuromod_t *m, const glia_net_t *net)
{
    const uint8_t *fired = net->fired;

    for (int j = 0; j < net->n; j++) {
        double a = 0.0;
        for (int k = m->nb_start[j]; k < m->nb_start[j + 1]; k++) {
            double d = m->nb_d[k];
            if (d > 0)
                a += (double)fired[m->nb[k]] / d;
        }
        m->ambient[j] = a;
    }
}

/* 5-7. Four-quadrant trace, activity history from the raw trace, dampening. Returns the
 * damped traces that are not zero. */
static int update_traces(glia_neuromod_t *m, const glia_config_t *cfg, const glia_net_t *net)
{
    const double amb_thr = cfg->learner.neuromod.ambient_threshold;
    const double co_act = cfg->learner.neuromod.co_activation;
    const double co_sil = cfg->learner.neuromod.co_silence;
    const double mismatch = cfg->learner.neuromod.mismatch;
    const double hdecay = cfg->learner.neuromod.history_decay;
    const double hmin = cfg->learner.neuromod.history_minimum;
    const int damp = cfg->learner.neuromod.dampening;
    const uint8_t *fired = net->fired;
    int nonzero = 0;

    for (int s = 0; s < net->n_syn; s++) {
        const int pre = net->pre[s], post = net->post[s];
        double t;
        if (fired[pre] && fired[post])
            t = co_act;
        else if (!fired[pre] && !fired[post])
            t = m->ambient[post] > amb_thr ? co_sil : 0.0;
        else
            t = mismatch;
        m->history[s] = hdecay * m->history[s] + (1.0 - hdecay) * (t != 0 ? 1.0 : 0.0);
        if (damp) {
            const double r = m->fire_rate[post];
            const double h = m->history[s] < hmin ? m->history[s] / hmin : 1.0;
            const double info = (4.0 * r) * (1.0 - r);
            const double a = fired[post] ? (m->ambient[post] > amb_thr ? 1.0 : 0.5)
                                         : (m->ambient[post] > amb_thr ? 1.0 : 0.0);
            t = t * ((h * info) * a);
        }
        m->trace[s] = t;
        nonzero += t != 0;
    }
    return nonzero;
}

/* 9. The training-time output, its matching bits and accuracy, and the shaped global
 * reward R (returned, and in out->reward). */
static double shaped_reward(const glia_config_t *cfg, const glia_net_t *net,
                            const glia_pattern_t *pat, double e, glia_neuromod_step_t *out)
{
    const int width = cfg->task.target_width;
    uint64_t output = 0;
    int correct = 0;
    double lin, reward;

    for (int i = 0; i < net->n_readout; i++)
        output |= (uint64_t)net->fired[net->readout[i]] << i;
    for (int i = 0; i < width; i++)
        correct += ((output >> i) & 1) == ((pat->target >> i) & 1);
    out->output = output;
    out->correct = correct;
    out->accuracy = (double)correct / width;
    lin = (out->accuracy - 0.5) * 2.0;
    if (cfg->learner.neuromod.reward.anneal) {
        const double start = cfg->learner.neuromod.reward.anneal_start;
        const double end = cfg->learner.neuromod.reward.anneal_end;
        double b = (e - start) / (end - start);
        double sq = sign(lin) * (fabs(lin) * fabs(lin));
        b = b < 1.0 ? b : 1.0;
        b = b > 0.0 ? b : 0.0;
        reward = (1.0 - b) * lin + b * sq;
    } else {
        reward = sign(lin) * power(fabs(lin), cfg->learner.neuromod.reward.exponent);
    }
    out->reward = reward;
    return reward;
}

/* 10. Provisional weights: restore the last update if this step scores worse than the
 * previous one (two different patterns are compared, as in the reference). */
static void provisional_check(glia_neuromod_t *m, const glia_config_t *cfg, glia_net_t *net,
                              glia_neuromod_step_t *out)
{
    if (cfg->learner.neuromod.provisional && m->has_record) {
        if (!(out->accuracy >= m->record_accuracy)) {
            memcpy(net->w, m->record_w, (size_t)net->n_syn * sizeof(double));
            m->provisional_reverts++;
            out->reverted = 1;
        }
        m->has_record = 0;
    }
}

/* 11. Modulatory neurons fire on any non-zero reward: all of them, or one in turn. */
static void fire_modulatory(glia_neuromod_t *m, const glia_config_t *cfg, glia_net_t *net,
                            double reward)
{
    uint8_t *fired = net->fired;

    if (cfg->learner.neuromod.chemical.cycling) {
        const int active = m->n_mod > 0 ? (int)(m->mod_cursor % (uint64_t)m->n_mod) : -1;
        for (int i = 0; i < m->n_mod; i++)
            fired[m->mod[i]] = (uint8_t)(i == active && reward != 0);
        m->mod_cursor++;
    } else {
        for (int i = 0; i < m->n_mod; i++)
            fired[m->mod[i]] = (uint8_t)(reward != 0);
    }
}

/* 12. Radius anneal over anneal_episodes (not the run length), from e. */
static void anneal_radius(glia_neuromod_t *m, const glia_config_t *cfg, double e)
{
    if (cfg->learner.neuromod.chemical.anneal) {
        const double start = cfg->learner.neuromod.chemical.radius;
        const double total = cfg->learner.neuromod.chemical.anneal_episodes;
        const double den = total - 1.0 > 1.0 ? total - 1.0 : 1.0;
        double t = (e - 1.0) / den;
        t = t < 1.0 ? t : 1.0;
        m->radius = start + (cfg->learner.neuromod.chemical.radius_min - start) * t;
    } else {
        m->radius = cfg->learner.neuromod.chemical.radius;
    }
}

/* 13. Chemical diffusion, located at each synapse's post neuron: a signal per output bit,
 * or the reward from each firing modulatory neuron. */
static void release_chemicals(glia_neuromod_t *m, const glia_config_t *cfg, const glia_net_t *net,
                              const glia_pattern_t *pat, double reward)
{
    const size_t n = (size_t)net->n;
    const uint8_t *fired = net->fired;

    if (cfg->learner.neuromod.chemical.scope == GLIA_CHEM_PER_BIT) {
        for (int i = 0; i < net->n_readout; i++) {
            const int actual = fired[net->readout[i]];
            const int expected = (int)((pat->target >> i) & 1);
            double signal;
            if (actual && expected)
                signal = cfg->learner.neuromod.chemical.positive;
            else if (actual || expected)
                signal = cfg->learner.neuromod.chemical.negative;
            else
                signal = cfg->learner.neuromod.chemical.correct_silence;
            diffuse(m, cfg, net, &m->out_d[(size_t)i * n],
                    m->out_f ? &m->out_f[(size_t)i * n] : NULL, signal);
        }
    } else {
        for (int i = 0; i < m->n_mod; i++) {
            double strength;
            if (!fired[m->mod[i]])
                continue;
            strength = reward > 0 ? reward * cfg->learner.neuromod.chemical.positive
                                  : reward * fabs(cfg->learner.neuromod.chemical.negative);
            diffuse(m, cfg, net, &m->mod_d[(size_t)i * n],
                    m->mod_f ? &m->mod_f[(size_t)i * n] : NULL, strength);
        }
    }
}

/* Frustration: a synapse pushed `window` times in one direction while its chemical
 * stays below the threshold has its weight flipped, and its flag and count cleared. */
static void frustration(glia_neuromod_t *m, const glia_config_t *cfg, double *w, int s,
                        double delta)
{
    const int window = cfg->learner.neuromod.frustration.window;
    const double fthr = cfg->learner.neuromod.frustration.threshold;
    const double flip = cfg->learner.neuromod.frustration.flip;
    const int8_t dir = delta > 0 ? 1 : -1;

    if (dir == m->adj_dir[s]) {
        m->adj_count[s]++;
        m->adj_reward[s] = 0.95 * m->adj_reward[s] + 0.05 * m->chem[s];
    } else {
        m->adj_dir[s] = dir;
        m->adj_count[s] = 1;
        m->adj_reward[s] = m->chem[s];
    }
    if (m->adj_count[s] >= window && m->adj_reward[s] < fthr) {
        w[s] = (w[s] * -1.0) * flip;
        m->adj_dir[s] = 0;
        m->adj_count[s] = 0;
        m->adj_reward[s] = 0.0;
        m->flag[s] = 0.0;
        m->flips[s]++;
    }
}

/* 14. Weight update (decay first), frustration flips. Returns the weights that moved
 * beyond their decay. */
static int update_weights(glia_neuromod_t *m, const glia_config_t *cfg, glia_net_t *net, double e)
{
    const double wd = cfg->learner.neuromod.weight_decay;
    const double clamp = cfg->training.weight_clamp;
    const double max_delta = cfg->learner.neuromod.max_delta;
    const double lr = cfg->learner.neuromod.learning_rate;
    const int window = cfg->learner.neuromod.frustration.window;
    const double fgate = cfg->learner.neuromod.flags.threshold;
    const int flags_on = cfg->learner.neuromod.flags.mode != GLIA_FLAGS_NONE;
    const int gated = flags_on && !(e < cfg->learner.neuromod.flags.gate_warmup);
    double *w = net->w;
    int changed = 0;

    for (int s = 0; s < net->n_syn; s++) {
        double g = m->trace[s], delta, v;
        w[s] = w[s] * (1.0 - wd);
        if (gated)
            g = fabs(m->flag[s]) >= fgate ? m->flag[s] : 0.0;
        delta = (g * m->chem[s]) * lr;
        delta = delta < -max_delta ? -max_delta : delta;
        delta = delta > max_delta ? max_delta : delta;
        v = w[s] + delta;
        v = v < clamp ? v : clamp;
        w[s] = v > -clamp ? v : -clamp;
        if (window > 0 && delta != 0)
            frustration(m, cfg, w, s, delta);
        changed += w[s] != m->w_before[s] * (1.0 - wd);
    }
    return changed;
}

/* The step's facts into `out`, the live view and the run's counters. */
static void count_step(glia_neuromod_t *m, const glia_net_t *net, int nonzero, int changed,
                       glia_neuromod_step_t *out)
{
    int n_fired = 0;

    for (int j = 0; j < net->n; j++)
        n_fired += net->fired[j] && net->role[j] != GLIA_ROLE_INPUT &&
                   net->role[j] != GLIA_ROLE_MODULATORY;
    out->fired = n_fired;
    out->trace_nonzero = nonzero;
    out->changed = changed;
    m->steps_by_correct[out->correct]++;
    m->last.fired = n_fired;
    m->last.trace_nonzero = nonzero;
    m->last.changed = changed;
    m->last.reverted = out->reverted;
    m->last.reward = out->reward;
    m->changed_total += (uint64_t)changed;
    m->trace_nonzero_total += (uint64_t)nonzero;
}

/* Steps 1-15 of spec 4 in the reference's order (each helper's comment names its
 * steps): reordering them changes the weights. */
void glia__neuromod_step(glia_neuromod_t *m, const glia_config_t *cfg, glia_net_t *net,
                         const glia_pattern_t *pat, uint64_t episode, glia_neuromod_step_t *out)
{
    const double e = cfg->learner.neuromod.episode_clock == GLIA_CLOCK_ZERO ? 0.0 : (double)episode;
    const int provisional = cfg->learner.neuromod.provisional;
    int nonzero, changed;
    double reward;

    memset(out, 0, sizeof(*out));
    memcpy(m->w_before, net->w, (size_t)net->n_syn * sizeof(double));
    clamp_inputs(m, net, pat);
    propagate(m, cfg, net);
    ambient_field(m, net);
    nonzero = update_traces(m, cfg, net);
    /* 8. Flags from the damped trace. */
    if (cfg->learner.neuromod.flags.mode != GLIA_FLAGS_NONE)
        update_flags(m, cfg, net->n_syn);
    reward = shaped_reward(cfg, net, pat, e, out);
    provisional_check(m, cfg, net, out);
    fire_modulatory(m, cfg, net, reward);
    anneal_radius(m, cfg, e);
    release_chemicals(m, cfg, net, pat, reward);
    if (provisional)
        memcpy(m->record_w, net->w, (size_t)net->n_syn * sizeof(double));
    changed = update_weights(m, cfg, net, e);
    if (provisional) {
        m->has_record = 1;
        m->record_accuracy = out->accuracy;
    }
    /* 15. Chemical decay. */
    for (int s = 0; s < net->n_syn; s++)
        m->chem[s] = m->chem[s] * cfg->learner.neuromod.chemical.decay;
    count_step(m, net, nonzero, changed, out);
}

void glia__neuromod_summary(const glia_neuromod_t *m, const glia_config_t *cfg,
                            const glia_net_t *net, glia_neuromod_summary_t *sum)
{
    const int flags_on = cfg->learner.neuromod.flags.mode != GLIA_FLAGS_NONE;
    double ob_abs = 0.0;

    memset(sum, 0, sizeof(*sum));
    sum->flags_latched = flags_on ? 0 : -1;
    for (int s = 0; s < net->n_syn; s++) {
        const double f = m->flag[s];
        sum->flag_sum += f;
        if (flags_on && fabs(f) >= cfg->learner.neuromod.flags.threshold)
            sum->flags_latched++;
        sum->frustration_flips += (uint64_t)m->flips[s];
        sum->frustration_flipped_synapses += m->flips[s] > 0;
        sum->chemical_sum += m->chem[s];
        sum->activity_history_sum += m->history[s];
        if (net->role[net->post[s]] == GLIA_ROLE_OUTPUT) {
            sum->output_bound_n++;
            if (fabs(f) >= 0.5)
                sum->output_bound_latched++;
            else if (f != 0)
                sum->output_bound_building++;
            ob_abs += fabs(f);
        }
    }
    sum->output_bound_mean_abs = sum->output_bound_n ? ob_abs / sum->output_bound_n : 0.0;
    sum->chemical_radius = m->radius;
    for (int j = 0; j < net->n; j++)
        sum->fire_counts_sum += m->fire_count[j];
}

/* The learner behind core/learners/learner.h: no perturbation and no draw; the session's step
 * scores the training-time output of the step (before its update). */

static int nm_init(void *state, const glia_learner_ctx_t *ctx)
{
    return glia__neuromod_init(state, ctx->cfg, ctx->net);
}

static void nm_destroy(void *state)
{
    glia__neuromod_destroy(state);
}

static void nm_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                    glia_step_info_t *info)
{
    glia_neuromod_step_t st;

    /* e: the 1-based episode number (the reference's `ep`); the clock may zero it. */
    glia__neuromod_step(state, ctx->cfg, ctx->net, pat, info->episode + 1, &st);
    info->output = st.output;
    info->reward = st.accuracy;
    info->n_eligible = st.changed;
    info->reward_queries = 1; /* the shaped reward of the step's one pattern */
}

/* Section: per neuron fire and cycle counts; per synapse history, chemical, flag,
 * frustration state; the provisional record; the round-robin cursor, the radius and the
 * counters. Traces and the ambient field are recomputed by every step before use. */
static void nm_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    const glia_neuromod_t *m = state;
    const int width = ctx->cfg->task.target_width;

    glia_put_i32(w, m->n);
    for (int j = 0; j < m->n; j++) {
        glia_put_u64(w, m->fire_count[j]);
        glia_put_u64(w, m->cycle_count[j]);
    }
    glia_put_i32(w, m->n_syn);
    for (int s = 0; s < m->n_syn; s++) {
        glia_put_f64(w, m->history[s]);
        glia_put_f64(w, m->chem[s]);
        glia_put_f64(w, m->flag[s]);
        glia_put_f64(w, m->adj_reward[s]);
        glia_put_i32(w, m->last_sign[s]);
        glia_put_i32(w, m->adj_dir[s]);
        glia_put_i32(w, m->streak[s]);
        glia_put_i32(w, m->adj_count[s]);
        glia_put_i32(w, m->flips[s]);
    }
    glia_put_i32(w, m->has_record);
    glia_put_f64(w, m->record_accuracy);
    for (int s = 0; m->has_record && s < m->n_syn; s++)
        glia_put_f64(w, m->record_w[s]);
    glia_put_u64(w, m->mod_cursor);
    glia_put_f64(w, m->radius);
    for (int c = 0; c <= width; c++)
        glia_put_u64(w, m->steps_by_correct[c]);
    glia_put_u64(w, m->changed_total);
    glia_put_u64(w, m->trace_nonzero_total);
    glia_put_u64(w, m->provisional_reverts);
    glia_put_i32(w, m->last.fired);
    glia_put_i32(w, m->last.trace_nonzero);
    glia_put_i32(w, m->last.changed);
    glia_put_i32(w, m->last.reverted);
    glia_put_f64(w, m->last.reward);
}

static int nm_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    glia_neuromod_t *m = state;
    const glia_config_t *cfg = ctx->cfg;
    const glia_net_t *net = ctx->net;
    const int width = cfg->task.target_width;
    const uint64_t steps = ctx->steps;
    const uint64_t cycles =
        cfg->learner.neuromod.homeostasis.in_loop ? steps * (uint64_t)cfg->network.passes : steps;
    const double flag_lo = cfg->learner.neuromod.flags.mode == GLIA_FLAGS_SIGNED ? -1.0 : 0.0;
    uint64_t by_correct = 0;

    if (glia_get_i32(r) != m->n)
        return GLIA_EFORMAT;
    for (int j = 0; j < m->n; j++) {
        m->fire_count[j] = glia_get_u64(r);
        m->cycle_count[j] = glia_get_u64(r);
        /* Driven inputs count one cycle per step, the others one per cycle. */
        if (m->fire_count[j] > m->cycle_count[j] || m->cycle_count[j] > cycles)
            return GLIA_EFORMAT;
        m->fire_rate[j] =
            m->cycle_count[j] ? (double)m->fire_count[j] / (double)m->cycle_count[j] : 0.0;
    }
    if (glia_get_i32(r) != m->n_syn)
        return GLIA_EFORMAT;
    for (int s = 0; s < m->n_syn && !r->failed; s++) {
        m->history[s] = glia_get_f64_in(r, 0.0, 1.5); /* may pass 1 by an ulp */
        m->chem[s] = glia_get_f64_in(r, -1e300, 1e300);
        m->flag[s] = glia_get_f64_in(r, flag_lo, 1.0);
        m->adj_reward[s] = glia_get_f64_in(r, -1e300, 1e300);
        m->last_sign[s] = (int8_t)glia_get_i32_in(r, -1, 1);
        m->adj_dir[s] = (int8_t)glia_get_i32_in(r, -1, 1);
        m->streak[s] = glia_get_i32_in(r, 0, INT32_MAX);
        m->adj_count[s] = glia_get_i32_in(r, 0, INT32_MAX);
        m->flips[s] = glia_get_i32_in(r, 0, INT32_MAX);
        if ((uint64_t)m->streak[s] > steps || (uint64_t)m->adj_count[s] > steps ||
            (uint64_t)m->flips[s] > steps)
            return GLIA_EFORMAT;
    }
    m->has_record = glia_get_i32_in(r, 0, 1);
    m->record_accuracy = glia_get_f64_in(r, 0.0, 1.0);
    if (m->has_record != (cfg->learner.neuromod.provisional && steps > 0))
        return GLIA_EFORMAT;
    for (int s = 0; m->has_record && s < m->n_syn; s++)
        m->record_w[s] = glia_get_f64_in(r, -1e300, 1e300);
    m->mod_cursor = glia_get_u64(r);
    if (m->mod_cursor != (cfg->learner.neuromod.chemical.cycling ? steps : 0))
        return GLIA_EFORMAT;
    m->radius = glia_get_f64_in(r, -1e300, 1e300);
    for (int c = 0; c <= width; c++) {
        m->steps_by_correct[c] = glia_get_u64(r);
        by_correct += m->steps_by_correct[c];
    }
    m->changed_total = glia_get_u64(r);
    m->trace_nonzero_total = glia_get_u64(r);
    m->provisional_reverts = glia_get_u64(r);
    if (by_correct != steps || m->provisional_reverts > steps ||
        m->changed_total > steps * (uint64_t)net->n_syn ||
        m->trace_nonzero_total > steps * (uint64_t)net->n_syn)
        return GLIA_EFORMAT;
    m->last.fired = glia_get_i32_in(r, 0, net->n);
    m->last.trace_nonzero = glia_get_i32_in(r, 0, net->n_syn);
    m->last.changed = glia_get_i32_in(r, 0, net->n_syn);
    m->last.reverted = glia_get_i32_in(r, 0, 1);
    m->last.reward = glia_get_f64_in(r, -1.0, 1.0);
    return r->failed ? GLIA_EFORMAT : 0;
}

static void emit_summary(const glia_neuromod_t *m, const glia_learner_ctx_t *ctx, glia_emit_t *e)
{
    glia_neuromod_summary_t sum;

    glia__neuromod_summary(m, ctx->cfg, ctx->net, &sum);
    glia_emit_int(e, "fire_counts_sum", (int64_t)sum.fire_counts_sum);
    glia_emit_number(e, "flag_sum", sum.flag_sum);
    if (sum.flags_latched < 0)
        glia_emit_null(e, "flags_latched");
    else
        glia_emit_int(e, "flags_latched", sum.flags_latched);
    glia_emit_int(e, "frustration_flips", (int64_t)sum.frustration_flips);
    glia_emit_int(e, "frustration_flipped_synapses", sum.frustration_flipped_synapses);
    glia_emit_number(e, "chemical_sum", sum.chemical_sum);
    glia_emit_number(e, "activity_history_sum", sum.activity_history_sum);
    glia_emit_number(e, "chemical_radius", sum.chemical_radius);
    glia_emit_object_begin(e, "output_bound_flags");
    glia_emit_int(e, "n", sum.output_bound_n);
    glia_emit_int(e, "latched", sum.output_bound_latched);
    glia_emit_int(e, "building", sum.output_bound_building);
    glia_emit_number(e, "mean_abs", sum.output_bound_mean_abs);
    glia_emit_object_end(e);
}

static void emit_counters(const glia_neuromod_t *m, const glia_learner_ctx_t *ctx, glia_emit_t *e)
{
    glia_emit_array_begin(e, "steps_by_correct");
    for (int c = 0; c <= ctx->cfg->task.target_width; c++)
        glia_emit_int(e, NULL, (int64_t)m->steps_by_correct[c]);
    glia_emit_array_end(e);
    glia_emit_int(e, "changed_total", (int64_t)m->changed_total);
    glia_emit_int(e, "trace_nonzero_total", (int64_t)m->trace_nonzero_total);
    glia_emit_int(e, "provisional_reverts", (int64_t)m->provisional_reverts);
}

/* Result: members merged into the result's "initial", "counters" and "final" (the
 * reference harness's names). Live state: "neuromod": {...}. */
static void nm_describe(const void *state, const glia_learner_ctx_t *ctx, int view, glia_emit_t *e)
{
    const glia_neuromod_t *m = state;

    if (view == GLIA_VIEW_RESULT) {
        glia_emit_object_begin(e, "initial");
        glia_emit_int(e, "neighbour_count_sum", m->nb_start[m->n]);
        glia_emit_object_end(e);
        glia_emit_object_begin(e, "counters");
        emit_counters(m, ctx, e);
        glia_emit_object_end(e);
        glia_emit_object_begin(e, "final");
        emit_summary(m, ctx, e);
        glia_emit_object_end(e);
        return;
    }
    glia_emit_object_begin(e, "neuromod");
    glia_emit_int(e, "neighbour_count_sum", m->nb_start[m->n]);
    glia_emit_int(e, "modulatory_neurons", m->n_mod);
    glia_emit_int(e, "modulatory_cursor", (int64_t)m->mod_cursor);
    glia_emit_object_begin(e, "last_step");
    glia_emit_number(e, "reward", m->last.reward);
    glia_emit_int(e, "fired", m->last.fired);
    glia_emit_int(e, "trace_nonzero", m->last.trace_nonzero);
    glia_emit_int(e, "changed", m->last.changed);
    glia_emit_bool(e, "reverted", m->last.reverted);
    glia_emit_object_end(e);
    glia_emit_object_begin(e, "counters");
    emit_counters(m, ctx, e);
    glia_emit_object_end(e);
    emit_summary(m, ctx, e);
    glia_emit_object_end(e);
}

const glia_learner_ops_t glia_neuromod_learner = {
    .name = "neuromod",
    .state_size = sizeof(glia_neuromod_t),
    .init = nm_init,
    .destroy = nm_destroy,
    .step = nm_step,
    .end_episode = NULL,
    .save = nm_save,
    .load = nm_load,
    .describe = nm_describe,
};
