/* test_scope.c: the update-scope learners: global (every synapse) and scattered (as
 * many synapses as the astrocytes would perturb, drawn from the whole network). Both
 * are the astrocyte learner but for which synapses a step perturbs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/learners/astrocyte.h"
#include "core/learners/scattered.h"
#include "core/session_internal.h"

static glia_session_t *make(const char *preset, int kind, int count, uint32_t seed)
{
    glia_config_t cfg;
    glia_session_t *s;
    glia_error_t err;

    cr_assert_eq(glia_config_preset(&cfg, preset), 0);
    cfg.learner.kind = kind;
    cfg.learner.scattered.count = count;
    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(&cfg, seed, &s, &err), 0, "%s", err.message);
    return s;
}

/* Synapses whose weight differs from before[]: into out (NULL: just count). */
static int changed(const glia_session_t *s, const double *before, uint8_t *out)
{
    int n = 0;
    for (int k = 0; k < s->net->n_syn; k++) {
        int c = s->net->w[k] != before[k];
        if (out != NULL)
            out[k] = (uint8_t)c;
        n += c;
    }
    return n;
}

Test(scope, global_perturbs_every_synapse_and_keeps_or_reverts_them_together)
{
    glia_session_t *s = make("maturity", GLIA_LEARNER_GLOBAL, 0, 42);
    const int n_syn = s->net->n_syn;
    double *before = malloc((size_t)n_syn * sizeof(double));
    int kept = 0, reverted = 0;

    cr_assert_not_null(before);
    for (int step = 0; step < 400; step++) {
        glia_step_info_t info;
        int c;
        memcpy(before, s->net->w, (size_t)n_syn * sizeof(double));
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.n_eligible, n_syn, "step %d perturbs all %d synapses", step, n_syn);
        cr_assert(info.decided);
        c = changed(s, before, NULL);
        if (info.kept) {
            /* Every weight moved, but for those pinned at the clamp. */
            int pinned = 0;
            for (int k = 0; k < n_syn; k++)
                pinned +=
                    before[k] == s->net->w[k] && fabs(before[k]) == s->cfg.training.weight_clamp;
            cr_assert_eq(c + pinned, n_syn, "step %d: %d changed, %d pinned", step, c, pinned);
            kept++;
        } else {
            cr_assert_eq(c, 0, "step %d: a reverted step leaves every weight", step);
            reverted++;
        }
    }
    cr_assert(kept > 0 && reverted > 0, "kept %d, reverted %d", kept, reverted);
    free(before);
    glia_session_free(s);
}

/* With no exploration the first selection draws nothing: all three learners select the
 * same astrocytes; scattered perturbs as many synapses as the astrocytes' territories
 * hold, global all of them. */
Test(scope, first_step_selects_like_the_astrocytes)
{
    glia_session_t *a = make("astrocyte-firing", GLIA_LEARNER_ASTROCYTE, 0, 137);
    glia_session_t *g = make("astrocyte-firing", GLIA_LEARNER_GLOBAL, 0, 137);
    glia_session_t *sc = make("astrocyte-firing", GLIA_LEARNER_SCATTERED, 0, 137);
    glia_step_info_t ia, ig, is;

    cr_assert_eq(glia_session_step(a, &ia), 0);
    cr_assert_eq(glia_session_step(g, &ig), 0);
    cr_assert_eq(glia_session_step(sc, &is), 0);
    cr_assert_eq(ia.pattern, ig.pattern);
    cr_assert_eq(ia.pattern, is.pattern);
    cr_assert(ia.n_active > 0);
    cr_assert_eq(ig.n_active, ia.n_active);
    cr_assert_eq(is.n_active, ia.n_active);
    for (int i = 0; i < ia.n_active; i++) {
        cr_assert_eq(ig.active[i], ia.active[i]);
        cr_assert_eq(is.active[i], ia.active[i]);
    }
    cr_assert_eq(is.n_eligible, ia.n_eligible, "scattered keeps the count");
    cr_assert_eq(ig.n_eligible, g->net->n_syn);
    cr_assert_eq(ig.base_soft, ia.base_soft, "same base pass");
    glia_session_free(a);
    glia_session_free(g);
    glia_session_free(sc);
}

/* Scattered: the count follows the astrocytes step by step (or is fixed), and the
 * perturbed synapses are not the selected territories'. */
Test(scope, scattered_keeps_the_count_and_drops_the_locality)
{
    glia_session_t *s = make("maturity", GLIA_LEARNER_SCATTERED, 0, 271);
    const int n_syn = s->net->n_syn;
    double *before = malloc((size_t)n_syn * sizeof(double));
    uint8_t *moved = malloc((size_t)n_syn);
    uint8_t *local = malloc((size_t)n_syn);
    int kept = 0, outside = 0;

    cr_assert(before && moved && local);
    for (int step = 0; step < 600; step++) {
        glia_step_info_t info;
        int terr = 0, c;
        memcpy(before, s->net->w, (size_t)n_syn * sizeof(double));
        cr_assert_eq(glia_session_step(s, &info), 0);
        /* The territories the astrocytes selected: their union's size is the count. */
        memset(local, 0, (size_t)n_syn);
        for (int a = 0; a < info.n_active; a++) {
            const glia_territory_t *t = &s->territories.t[info.active[a]];
            for (int k = 0; k < t->n_syn; k++)
                local[t->syn[k]] = 1;
        }
        for (int k = 0; k < n_syn; k++)
            terr += local[k];
        cr_assert_eq(info.n_eligible, terr, "step %d: as many as the territories hold", step);
        c = changed(s, before, moved);
        if (info.kept) {
            kept++;
            cr_assert(c <= info.n_eligible);
            for (int k = 0; k < n_syn; k++)
                outside += moved[k] && !local[k];
        }
    }
    cr_assert(kept > 10, "kept %d", kept);
    cr_assert(outside > 0, "perturbed synapses outside the selected territories");
    free(before);
    free(moved);
    free(local);
    glia_session_free(s);

    s = make("maturity", GLIA_LEARNER_SCATTERED, 25, 271);
    for (int step = 0; step < 50; step++) {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.n_eligible, 25, "a fixed count");
    }
    glia_session_free(s);
    s = make("maturity", GLIA_LEARNER_SCATTERED, 1000000, 271);
    {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.n_eligible, s->net->n_syn, "at most every synapse");
    }
    glia_session_free(s);
}

/* The sampler: k distinct indices, ascending, every index equally likely (a chi-square
 * statistic over 20,000 draws of 100 of 2,000, fixed seed: df = 1999, sd = 63.2; the
 * bound is 5 sd), and one uniform draw per index. */
Test(scope, floyd_sample_is_distinct_ascending_and_uniform)
{
    enum { TOTAL = 2000, K = 100, ROUNDS = 20000 };
    static uint32_t mark[TOTAL];
    static int out[TOTAL];
    static double count[TOTAL];
    glia_rng_t rng;
    double chi2 = 0.0, expect = (double)K * ROUNDS / TOTAL;

    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, 7);
    for (uint32_t r = 1; r <= ROUNDS; r++) {
        glia_rng_t after = rng;
        int m = glia__sample_distinct(&rng, TOTAL, K, mark, r, out);
        cr_assert_eq(m, K);
        for (int i = 0; i < m; i++) {
            cr_assert(out[i] >= 0 && out[i] < TOTAL);
            cr_assert(i == 0 || out[i] > out[i - 1], "ascending and distinct");
            count[out[i]]++;
        }
        for (int i = 0; i < K; i++)
            glia_rng_next(&after);
        cr_assert_eq(memcmp(&after, &rng, sizeof(rng)), 0, "one draw per index");
    }
    for (int s = 0; s < TOTAL; s++)
        chi2 += (count[s] - expect) * (count[s] - expect) / expect;
    cr_assert(fabs(chi2 - (TOTAL - 1)) < 5.0 * sqrt(2.0 * (TOTAL - 1)), "chi2 = %.1f", chi2);
    /* k >= total: all of them. */
    cr_assert_eq(glia__sample_distinct(&rng, 10, 50, mark, ROUNDS + 1, out), 10);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(out[i], i);
}

Test(scope, scope_learners_resume_bit_identically_from_a_snapshot)
{
    for (int kind = GLIA_LEARNER_GLOBAL; kind <= GLIA_LEARNER_SCATTERED; kind++) {
        glia_session_t *a = make("maturity", kind, 0, 500), *b;
        glia_error_t err;
        uint8_t *buf, *x, *y;
        size_t len, lx, ly;

        cr_assert_eq(glia_session_advance(a, 1234, UINT64_MAX), 1234);
        cr_assert_eq(glia_session_save(a, &buf, &len), 0);
        glia_error_clear(&err);
        cr_assert_eq(glia_session_load(buf, len, &b, &err), 0, "%s", err.message);
        cr_assert_eq(glia_session_advance(a, 2000, UINT64_MAX), 2000);
        cr_assert_eq(glia_session_advance(b, 2000, UINT64_MAX), 2000);
        cr_assert_eq(glia_session_save(a, &x, &lx), 0);
        cr_assert_eq(glia_session_save(b, &y, &ly), 0);
        cr_assert(lx == ly && memcmp(x, y, lx) == 0, "kind %d diverged after a reload", kind);
        free(buf);
        free(x);
        free(y);
        glia_session_free(a);
        glia_session_free(b);
    }
}
