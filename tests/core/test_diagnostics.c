/* test_diagnostics.c: the credit-assignment diagnostics (training.diagnostics_interval):
 * per-territory counts against a hand count, the cosine of backprop's own update and of a
 * random one with the surrogate gradient, nothing changed with them off (or on: the run is
 * the same), and the snapshot round trip.
 *
 * White-box through core/session_internal.h. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/result_json.h"
#include "core/diagnostics.h"
#include "core/learners/surrogate.h"
#include "core/session_internal.h"

static glia_session_t *new_session(const glia_config_t *cfg, uint32_t seed)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(cfg, seed, &s, &err), 0, "%s: %s", err.field, err.message);
    return s;
}

/* The 4-byte section tag occurs in the bytes. */
static int has_tag(const uint8_t *b, size_t n, const char *tag)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if (memcmp(b + i, tag, 4) == 0)
            return 1;
    }
    return 0;
}

static char *result_text(glia_session_t *s)
{
    json_t *o = glia_result_to_json(s, NULL, 1);
    char *t;

    cr_assert_not_null(o);
    t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    cr_assert_not_null(t);
    return t;
}

static char *learner_text(glia_session_t *s)
{
    json_t *o = glia_learner_to_json(s, GLIA_VIEW_STATE);
    char *t;

    cr_assert_not_null(o);
    t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return t;
}

/* Each decided step books its active territories; kept ones their soft-reward gain. */
Test(diagnostics, territory_counts_equal_a_hand_count)
{
    static const int kinds[] = {GLIA_LEARNER_ASTROCYTE, GLIA_LEARNER_GLOBAL,
                                GLIA_LEARNER_SCATTERED};
    for (int k = 0; k < 3; k++) {
        glia_config_t cfg;
        glia_session_t *s;
        uint64_t decided[64] = {0}, kept[64] = {0}, total_kept = 0;
        double gain[64] = {0};
        int n_terr;

        glia_config_default(&cfg);
        cfg.learner.kind = kinds[k];
        cfg.training.diagnostics_interval = 7;
        s = new_session(&cfg, 5);
        n_terr = s->territories.count;
        cr_assert(n_terr > 0 && n_terr <= 64);
        for (int i = 0; i < 400; i++) {
            glia_step_info_t info;
            cr_assert_eq(glia_session_step(s, &info), 0);
            if (!info.decided)
                continue;
            for (int a = 0; a < info.n_active; a++) {
                decided[info.active[a]]++;
                if (info.kept) {
                    kept[info.active[a]]++;
                    gain[info.active[a]] += info.after_soft - info.base_soft;
                }
            }
            total_kept += info.kept != 0;
        }
        cr_assert(total_kept > 0, "the run keeps something");
        for (int t = 0; t < n_terr; t++) {
            cr_assert_eq(s->diag.t[t].decided, decided[t], "kind %d territory %d", k, t);
            cr_assert_eq(s->diag.t[t].kept, kept[t], "kind %d territory %d", k, t);
            cr_assert_eq(s->diag.t[t].gain_sum, gain[t], "kind %d territory %d", k, t);
        }
        {
            /* and the learner route shows them */
            json_t *o = glia_learner_to_json(s, GLIA_VIEW_STATE);
            json_t *a = json_object_get(o, "territories");
            cr_assert(json_is_array(a));
            cr_assert_eq((int)json_array_size(a), n_terr);
            for (int t = 0; t < n_terr; t++) {
                json_t *e = json_array_get(a, (size_t)t);
                cr_assert_eq(json_integer_value(json_object_get(e, "id")), t);
                cr_assert_eq(json_integer_value(json_object_get(e, "decided")),
                             (json_int_t)decided[t]);
                cr_assert_eq(json_integer_value(json_object_get(e, "kept")), (json_int_t)kept[t]);
                if (decided[t] > 0)
                    cr_assert_float_eq(json_real_value(json_object_get(e, "accept_rate")),
                                       (double)kept[t] / decided[t], 1e-15);
                else
                    cr_assert(json_is_null(json_object_get(e, "accept_rate")));
                if (kept[t] > 0)
                    cr_assert_float_eq(json_real_value(json_object_get(e, "mean_gain")),
                                       gain[t] / kept[t], 1e-15);
                else
                    cr_assert(json_is_null(json_object_get(e, "mean_gain")));
            }
            json_decref(o);
        }
        glia_session_free(s);
    }
}

/* Sign convention: grad_cosine is the cosine of the update with the descent direction -g
 * of the surrogate loss, so plain SGD (w -= lr * g, nothing clamped) gives +1. */
Test(diagnostics, backprop_sgd_update_has_cosine_one)
{
    /* over the step's pattern, the task, and a minibatch: the gradient of what it scores */
    static const int scopes[] = {GLIA_SCOPE_PATTERN, GLIA_SCOPE_TASK, GLIA_SCOPE_MINIBATCH};
    for (int sc = 0; sc < 3; sc++) {
        glia_config_t cfg;
        glia_session_t *s;
        const glia_point_t *pts;
        uint64_t samples = 0;
        size_t n;

        glia_config_default(&cfg);
        cfg.learner.kind = GLIA_LEARNER_BACKPROP;
        cfg.learner.backprop.optimizer = GLIA_OPT_SGD;
        cfg.learner.backprop.learning_rate = 0.001; /* far from the clamp */
        cfg.network.passes = 2;
        cfg.training.reward_scope = scopes[sc];
        cfg.training.minibatch = 3;
        cfg.training.trajectory_interval = 1;
        cfg.training.diagnostics_interval = 3;
        s = new_session(&cfg, 11);
        cr_assert_eq(glia_session_run_episodes(s, 6), 0);
        pts = glia_session_trajectory(s, &n);
        cr_assert_eq(n, 6);
        /* steps 0, 3, 6, ...: each a sample unless what it scores fires nothing (P1 alone,
         * all zero, moves no weight) */
        for (size_t i = 0; i < n; i++) {
            samples += pts[i].grad_cosine_n;
            if (pts[i].grad_cosine_n > 0)
                cr_assert_float_eq(pts[i].grad_cosine, 1.0, 1e-9, "scope %d point %zu: %.17g", sc,
                                   i, pts[i].grad_cosine);
        }
        cr_assert(samples >= 10, "scope %d: %llu samples", sc, (unsigned long long)samples);
        glia_session_free(s);
    }
}

/* A random direction in ~1000 dimensions is nearly orthogonal to the gradient. */
Test(diagnostics, random_update_has_small_cosine)
{
    glia_config_t cfg;
    glia_session_t *s;
    glia_bptt_t sg = {0};
    glia_rng_t rng;
    double *g, *dw, mean_abs = 0.0;
    const int trials = 20;
    int nsyn;

    glia_config_default(&cfg);
    s = new_session(&cfg, 3);
    nsyn = s->net->n_syn;
    cr_assert(nsyn > 200);
    g = calloc((size_t)nsyn + (size_t)s->net->n, sizeof(double));
    dw = calloc((size_t)nsyn, sizeof(double));
    cr_assert_eq(glia_surrogate_init(&sg, s->net, cfg.network.passes), 0);
    glia_surrogate_gradient(&sg, &cfg, s->net, cfg.task.patterns, NULL, cfg.task.count, g);
    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, 99);
    for (int t = 0; t < trials; t++) {
        for (int k = 0; k < nsyn; k++)
            dw[k] = glia_rng_gauss(&rng);
        mean_abs += fabs(glia_diag_cosine(dw, g, nsyn)) / trials;
    }
    cr_assert(mean_abs < 0.1, "mean |cosine| %g", mean_abs);
    /* and the gradient's own direction */
    cr_assert_float_eq(glia_diag_cosine(g, g, nsyn), 1.0, 1e-12);
    glia_surrogate_destroy(&sg);
    free(g);
    free(dw);
    glia_session_free(s);
}

/* Off (absent, or 0) the result, the learner state and the snapshot are byte-identical;
 * on, the run itself is the same (diagnostics read, never draw nor write). */
Test(diagnostics, off_is_byte_identical_and_on_changes_no_step)
{
    glia_config_t absent, zero, on;
    glia_session_t *a, *z, *o;
    glia_error_t err;
    json_t *j = json_pack("{s:{s:i}}", "training", "diagnostics_interval", 0);
    uint8_t *ba, *bz, *bo;
    size_t la, lz, lo;
    char *ta, *tz, *sa, *sz;
    size_t na, no;
    const glia_point_t *pa, *po;

    glia_config_default(&absent);
    zero = absent;
    glia_error_clear(&err);
    cr_assert_eq(glia_config_apply_json(&zero, j, "", &err), 0, "%s", err.message);
    json_decref(j);
    on = absent;
    on.training.diagnostics_interval = 1;
    on.training.trajectory_interval = 2;
    absent.training.trajectory_interval = 2;
    zero.training.trajectory_interval = 2;
    a = new_session(&absent, 8);
    z = new_session(&zero, 8);
    o = new_session(&on, 8);
    cr_assert_eq(glia_session_advance(a, 333, UINT64_MAX), 333);
    cr_assert_eq(glia_session_advance(z, 333, UINT64_MAX), 333);
    cr_assert_eq(glia_session_advance(o, 333, UINT64_MAX), 333);

    cr_assert_eq(glia_session_save(a, &ba, &la), 0);
    cr_assert_eq(glia_session_save(z, &bz, &lz), 0);
    cr_assert_eq(glia_session_save(o, &bo, &lo), 0);
    cr_assert_eq(la, lz);
    cr_assert(memcmp(ba, bz, la) == 0);
    cr_assert(!has_tag(ba, la, "DIAG"), "no diagnostics section when off");
    cr_assert(has_tag(bo, lo, "DIAG"));
    ta = result_text(a);
    tz = result_text(z);
    cr_assert_str_eq(ta, tz);
    cr_assert(strstr(ta, "grad_cosine") == NULL);
    sa = learner_text(a);
    sz = learner_text(z);
    cr_assert_str_eq(sa, sz);
    cr_assert(strstr(sa, "\"territories\"") == NULL);

    /* on: the same weights, thresholds, counters and trajectory */
    cr_assert(memcmp(a->net->w, o->net->w, (size_t)a->net->n_syn * sizeof(double)) == 0);
    cr_assert(memcmp(a->net->thr, o->net->thr, (size_t)a->net->n * sizeof(double)) == 0);
    cr_assert_eq(a->accepted, o->accepted);
    cr_assert_eq(a->rejected, o->rejected);
    cr_assert_eq(a->reward_queries, o->reward_queries);
    pa = glia_session_trajectory(a, &na);
    po = glia_session_trajectory(o, &no);
    cr_assert_eq(na, no);
    for (size_t i = 0; i < na; i++) {
        cr_assert_eq(pa[i].episode, po[i].episode);
        cr_assert_eq(pa[i].avg_reward, po[i].avg_reward);
        cr_assert_eq(pa[i].accept_rate, po[i].accept_rate);
        cr_assert_eq(pa[i].accuracy, po[i].accuracy);
        cr_assert_eq(pa[i].grad_cosine_n, 0);
    }
    {
        /* the trajectory carries the cosine (or null) and its count */
        json_t *tr = glia_trajectory_to_json(o);
        uint64_t samples = 0;
        for (size_t i = 0; i < json_array_size(tr); i++) {
            json_t *p = json_array_get(tr, i), *c = json_object_get(p, "grad_cosine");
            json_int_t m = json_integer_value(json_object_get(p, "grad_cosine_n"));
            cr_assert(json_object_get(p, "grad_cosine_n") != NULL);
            cr_assert(m == 0 ? json_is_null(c) : json_is_real(c));
            samples += (uint64_t)m;
        }
        cr_assert(samples > 0, "astrocyte steps keep changes that get sampled");
        json_decref(tr);
    }
    free(ta);
    free(tz);
    free(sa);
    free(sz);
    free(ba);
    free(bz);
    free(bo);
    glia_session_free(a);
    glia_session_free(z);
    glia_session_free(o);
}

/* Saved mid-episode with diagnostics on, the session loads with the same counts and
 * cosines, saves the same bytes, and continues as if never stopped. */
Test(diagnostics, snapshot_round_trip_with_diagnostics_on)
{
    glia_config_t cfg;
    glia_session_t *s, *l;
    uint8_t *b1, *b2;
    size_t l1, l2, n1, n2;
    const glia_point_t *p1, *p2;

    glia_config_default(&cfg);
    cfg.training.diagnostics_interval = 2;
    cfg.training.trajectory_interval = 3;
    s = new_session(&cfg, 4);
    cr_assert_eq(glia_session_advance(s, 457, UINT64_MAX), 457);
    cr_assert_eq(glia_session_save(s, &b1, &l1), 0);
    cr_assert_eq(glia_session_load(b1, l1, &l, NULL), 0);
    cr_assert_eq(glia_session_save(l, &b2, &l2), 0);
    cr_assert_eq(l1, l2);
    cr_assert(memcmp(b1, b2, l1) == 0);
    free(b2);

    cr_assert_eq(glia_session_advance(s, 500, UINT64_MAX), 500);
    cr_assert_eq(glia_session_advance(l, 500, UINT64_MAX), 500);
    for (int t = 0; t < s->diag.count; t++) {
        cr_assert_eq(s->diag.t[t].decided, l->diag.t[t].decided);
        cr_assert_eq(s->diag.t[t].kept, l->diag.t[t].kept);
        cr_assert_eq(s->diag.t[t].gain_sum, l->diag.t[t].gain_sum);
    }
    p1 = glia_session_trajectory(s, &n1);
    p2 = glia_session_trajectory(l, &n2);
    cr_assert_eq(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        cr_assert_eq(p1[i].grad_cosine, p2[i].grad_cosine, "point %zu", i);
        cr_assert_eq(p1[i].grad_cosine_n, p2[i].grad_cosine_n, "point %zu", i);
    }
    {
        char *t1 = result_text(s), *t2 = result_text(l);
        cr_assert_str_eq(t1, t2);
        free(t1);
        free(t2);
    }
    cr_assert_eq(glia_session_save(s, &b2, &l2), 0);
    free(b2);

    /* a session without diagnostics refuses a DIAG section, and one with them needs it */
    {
        glia_config_t off = cfg;
        glia_session_t *x, *y;
        uint8_t *bx;
        size_t lx;
        off.training.diagnostics_interval = 0;
        x = new_session(&off, 4);
        cr_assert_eq(glia_session_advance(x, 457, UINT64_MAX), 457);
        cr_assert_eq(glia_session_save(x, &bx, &lx), 0);
        /* the same run's snapshot is the one with diagnostics minus DIAG and its field */
        cr_assert(lx < l1);
        cr_assert_eq(glia_session_load(bx, lx, &y, NULL), 0);
        glia_session_free(y);
        free(bx);
        glia_session_free(x);
    }
    free(b1);
    glia_session_free(s);
    glia_session_free(l);
}
