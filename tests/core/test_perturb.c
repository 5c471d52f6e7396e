/* test_perturb.c: what a perturbation step does to the weights, checked from outside its
 * shortcuts.
 *
 * perturb.c never takes most of a step's draws or samples: it plans mulberry32-js states
 * arithmetically, computes the live synapses' samples first and the others only when a
 * step keeps, walks territory sets as bit sets or cached lists. Here each astrocyte step
 * is redone the plain way, from the spec (section 7): the eligible set is the union of
 * the selected territories' lists, in selection order, each synapse once; sample k is
 * the Box-Muller of the two draws after the 2k-th of the perturbation (mulberry32-js), or
 * the stream-2 sample of (key, synapse), the key being the step's last 64-bit draw; a
 * kept step leaves clamp(w + sample * std) on exactly those synapses, a reverted one the
 * weights it found. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sample.h"
#include "core/session_internal.h"

static double clamp_to(double v, double c)
{
    if (v > c)
        v = c;
    if (v < -c)
        v = -c;
    return v;
}

/* The union of the selected territories' synapses, in order, each once; returns its size. */
static int eligible_of(const glia_session_t *s, const glia_step_info_t *info, int *out,
                       uint8_t *seen)
{
    int n = 0;

    memset(seen, 0, (size_t)s->net->n_syn);
    for (int a = 0; a < info->n_active; a++) {
        const glia_territory_t *t = &s->territories.t[info->active[a]];
        for (int i = 0; i < t->n_syn; i++) {
            if (!seen[t->syn[i]]) {
                seen[t->syn[i]] = 1;
                out[n++] = t->syn[i];
            }
        }
    }
    return n;
}

/* The mulberry32-js states (ToUint32) of the draws from `r0` up to the state `s_after`. */
static uint32_t *mulberry_states(glia_rng_t r0, double s_after, int *count)
{
    uint32_t *st = malloc(1000000 * sizeof(uint32_t));
    int n = 0;

    cr_assert_not_null(st);
    while (r0.s != s_after) {
        glia_rng_next(&r0);
        cr_assert(n < 1000000, "the step's draws were not found");
        st[n++] = r0.s < 18446744073709551616.0 ? (uint32_t)(uint64_t)r0.s
                                                : (uint32_t)fmod(r0.s, 4294967296.0);
    }
    *count = n;
    return st;
}

/* The stream-2 key of a step: its last 64-bit draw. */
static uint64_t keyed_key(glia_rng_t r0, const glia_rng_t *after)
{
    uint64_t key = 0;
    int n = 0;

    while (memcmp(r0.x, after->x, sizeof(r0.x)) != 0) {
        key = glia_rng_next_u64(&r0);
        cr_assert(++n < 1000, "the step's key was not found");
    }
    cr_assert(n > 0);
    return key;
}

static void check_steps(const glia_config_t *cfg, uint32_t seed, int steps)
{
    glia_session_t *s;
    double *w0;
    int *elig;
    uint8_t *seen;
    int kept = 0, reverted = 0;

    cr_assert_eq(glia_session_new(cfg, seed, &s, NULL), 0);
    w0 = malloc((size_t)s->net->n_syn * sizeof(double));
    elig = malloc((size_t)s->net->n_syn * sizeof(int));
    seen = malloc((size_t)s->net->n_syn);
    cr_assert(w0 && elig && seen);
    for (int t = 0; t < steps; t++) {
        const glia_rng_t r0 = s->rng;
        const double std = cfg->training.perturbation_std, clamp = cfg->training.weight_clamp;
        glia_step_info_t info;
        int n;
        memcpy(w0, s->net->w, (size_t)s->net->n_syn * sizeof(double));
        cr_assert_eq(glia_session_step(s, &info), 0);
        if (cfg->learner.kind == GLIA_LEARNER_GLOBAL) {
            n = s->net->n_syn; /* every synapse, in id order */
            for (int k = 0; k < n; k++)
                elig[k] = k;
        } else {
            n = eligible_of(s, &info, elig, seen);
        }
        cr_assert_eq(info.n_eligible, n, "step %d: eligible count", t);
        cr_assert(info.decided);
        if (!info.kept) {
            reverted++;
            cr_assert_eq(memcmp(w0, s->net->w, (size_t)s->net->n_syn * sizeof(double)), 0,
                         "step %d: a reverted step moved weights", t);
            continue;
        }
        kept++;
        if (cfg->rng == GLIA_RNG_MULBERRY32_JS) {
            int count;
            uint32_t *st = mulberry_states(r0, s->rng.s, &count);
            const int first = count - 2 * n; /* the perturbation's draws come last */
            cr_assert(first >= 1, "step %d", t);
            for (int k = 0; k < n; k++) {
                const double g = glia__gauss_mulberry(st[first + 2 * k], st[first + 2 * k + 1]);
                w0[elig[k]] = clamp_to(w0[elig[k]] + g * std, clamp);
            }
            free(st);
        } else {
            const uint64_t key = keyed_key(r0, &s->rng);
            for (int k = 0; k < n; k++)
                w0[elig[k]] = clamp_to(w0[elig[k]] + glia__gauss_keyed(key, elig[k]) * std, clamp);
        }
        for (int k = 0; k < s->net->n_syn; k++)
            cr_assert_eq(s->net->w[k], w0[k], "step %d synapse %d: %.17g, want %.17g", t, k,
                         s->net->w[k], w0[k]);
    }
    cr_assert(kept > 0 && reverted > 0, "kept %d, reverted %d", kept, reverted);
    free(w0);
    free(elig);
    free(seen);
    glia_session_free(s);
}

Test(perturb, mulberry32_js_steps_are_the_spec_s)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    check_steps(&cfg, 5, 2000);
    cr_assert_eq(glia_config_preset(&cfg, "astrocyte-traffic"), 0);
    check_steps(&cfg, 6, 2000);
}

Test(perturb, mulberry32_js_with_more_passes_samples_everything_first)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, "epsilon"), 0);
    cfg.network.passes = 2;
    check_steps(&cfg, 7, 1500);
}

Test(perturb, stream2_steps_are_the_spec_s)
{
    glia_config_t cfg;

    glia_config_default(&cfg);
    check_steps(&cfg, 8, 3000);
    /* the reference's id collision: territory ids read at positions, ids 65-69 own nothing */
    cfg.network.id_stride = 30;
    check_steps(&cfg, 9, 2000);
    /* more passes: every synapse is live, nothing is cached */
    glia_config_default(&cfg);
    cfg.network.passes = 3;
    check_steps(&cfg, 10, 1500);
}

Test(perturb, sparse_networks)
{
    /* few synapses a neuron: runs of one or two, synapses that pair with no neighbour */
    glia_config_t cfg;

    glia_config_default(&cfg);
    cfg.network.p_intra = 0.12;
    cfg.network.p_inter = 0.05;
    check_steps(&cfg, 14, 2000);
    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cfg.network.p_intra = 0.12;
    cfg.network.p_inter = 0.05;
    check_steps(&cfg, 15, 2000);
}

Test(perturb, a_learners_own_list_replaces_the_territories)
{
    /* global: the astrocytes' step, every synapse perturbed */
    glia_config_t cfg;

    glia_config_default(&cfg);
    cfg.learner.kind = GLIA_LEARNER_GLOBAL;
    check_steps(&cfg, 16, 1000);
    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cfg.learner.kind = GLIA_LEARNER_GLOBAL;
    check_steps(&cfg, 17, 1000);
}

Test(perturb, stream2_with_more_than_64_territories)
{
    /* 20 clusters of 35: 80 astrocytes, past the cache of territory sets */
    glia_config_t cfg;

    glia_config_default(&cfg);
    cfg.network.clusters = 20;
    check_steps(&cfg, 11, 300);
}

Test(perturb, mulberry32_js_on_a_large_network)
{
    /* 80 territories over ~245k synapses: the bit sets still fit their budget */
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cfg.network.clusters = 20;
    check_steps(&cfg, 12, 200);
    /* 30 clusters: 120 territories over ~550k synapses, past the bit sets' budget; the
     * union is built as a list */
    cfg.network.clusters = 30;
    check_steps(&cfg, 13, 60);
}
