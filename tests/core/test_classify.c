/* test_classify.c: classification runs (core/classify): the split, the encodings, the
 * network's evaluation against a from-scratch reference, keep-or-revert, determinism for
 * (config, seed) and the same bits on 1, 2 and 3 threads.
 *
 * White-box through core/classify/classify_internal.h. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/classify_json.h"
#include "core/classify/classify_internal.h"
#include "server/team.h"

#define N  1000 /* samples: four chunks of training samples and more */
#define F  12
#define K  4

static uint8_t x8[N * F];
static int32_t labels[N];

/* A task with structure: the class is which quarter of the features is brightest. */
static void make_data(void)
{
    uint32_t s = 12345;
    for (int i = 0; i < N; i++) {
        int y = i % K;
        labels[i] = y;
        for (int f = 0; f < F; f++) {
            s = s * 1103515245u + 12345u;
            int v = (int)((s >> 16) % 9);
            x8[i * F + f] = (uint8_t)(f / (F / K) == y ? v + 6 : v);
        }
    }
}

static glia_cls_source_t source(void)
{
    make_data();
    glia_cls_source_t src = {N, F, K, x8, NULL, labels};
    return src;
}

static void small_config(glia_cls_config_t *cfg)
{
    glia_cls_config_default(cfg);
    cfg->encoding.kind = GLIA_CLS_ENC_THERMOMETER;
    cfg->encoding.levels = 3;
    cfg->network.hidden = 24;
    cfg->network.territory_size = 4;
    cfg->network.p_in = 0.4;
    cfg->network.p_out = 0.8;
    cfg->learner.sigma = 0.2;
    cfg->learner.threshold_std = 0.2;
    cfg->training.margin_scale = 3;
}

static glia_cls_data_t *new_data(const glia_cls_config_t *cfg)
{
    glia_cls_source_t src = source();
    glia_cls_data_t *d;
    glia_error_t err;
    glia_error_clear(&err);
    cr_assert_eq(glia_cls_data_new(cfg, &src, &d, &err), 0, "%s: %s", err.field, err.message);
    return d;
}

static glia_cls_t *new_run(const glia_cls_config_t *cfg, const glia_cls_data_t *d, uint32_t seed,
                           const glia_cls_exec_t *exec)
{
    glia_cls_t *c;
    glia_error_t err;
    glia_error_clear(&err);
    cr_assert_eq(glia_cls_new(cfg, d, seed, exec, &c, &err), 0, "%s: %s", err.field, err.message);
    return c;
}

Test(classify, split_is_stratified_disjoint_and_fixed_by_its_seed)
{
    glia_cls_config_t cfg;
    small_config(&cfg);
    cfg.split.test_fraction = 0.25;
    glia_cls_data_t *a = new_data(&cfg), *b = new_data(&cfg);
    cr_assert_eq(a->n_test, 4 * 62); /* floor(250 x 0.25) per class */
    cr_assert_eq(a->n_train + a->n_test, N);
    cr_assert_eq(memcmp(a->index, b->index, N * sizeof *a->index), 0);
    uint8_t seen[N] = {0};
    uint32_t per[K] = {0};
    for (uint32_t i = 0; i < N; i++) {
        cr_assert_eq(seen[a->index[i]], 0, "sample %u twice", a->index[i]);
        seen[a->index[i]] = 1;
        cr_assert_eq(a->label[i], (uint32_t)labels[a->index[i]]);
        if (i >= a->n_train)
            per[a->label[i]]++;
        if (i > 0 && i != a->n_train) /* each part keeps source order */
            cr_assert_gt(a->index[i], a->index[i - 1]);
    }
    for (int k = 0; k < K; k++)
        cr_assert_eq(per[k], 62);
    cfg.split.seed = 1;
    glia_cls_data_t *c = new_data(&cfg);
    cr_assert_neq(memcmp(a->index, c->index, N * sizeof *a->index), 0);
    glia_cls_data_free(a);
    glia_cls_data_free(b);
    glia_cls_data_free(c);
}

Test(classify, thermometer_cuts_come_from_the_training_samples_only)
{
    /* 3 classes x 4 samples of one feature, one of each class held out: every bit must be
     * cut from the range of the training samples alone. */
    uint8_t v[12] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 250};
    int32_t y[12] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};
    glia_cls_source_t src = {12, 1, 3, v, NULL, y};
    glia_cls_config_t cfg;
    glia_cls_data_t *d;
    glia_error_t err;
    glia_cls_config_default(&cfg);
    cfg.encoding.kind = GLIA_CLS_ENC_THERMOMETER;
    cfg.encoding.levels = 3;
    cfg.split.test_fraction = 0.25; /* one of each class's four */
    cr_assert_eq(glia_cls_data_new(&cfg, &src, &d, &err), 0, "%s", err.message);
    cr_assert_eq(d->bits, 3);
    double lo = 1e9, hi = -1e9;
    for (uint32_t i = 0; i < d->n_train; i++) {
        double x = v[d->index[i]];
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    for (uint32_t i = 0; i < d->samples; i++)
        for (uint32_t l = 0; l < 3; l++) {
            double cut = lo + (hi - lo) * (l + 1) / 4.0;
            cr_assert_eq(glia_cls_data_bit(d, i, l), v[d->index[i]] > cut, "sample %u level %u",
                         i, l);
        }
    glia_cls_data_free(d);
}

/* The training reward and hits of the current weights, from scratch, sample by sample. */
static double reference_reward(const glia_cls_t *c, uint32_t *hits)
{
    double sum[K] = {0};
    uint32_t count[K] = {0};
    *hits = 0;
    for (uint32_t s = 0; s < c->n; s++) {
        double o[K] = {0};
        for (uint32_t j = 0; j < c->H; j++) {
            float net = 0;
            for (uint32_t k = c->in_start[j]; k < c->in_start[j + 1]; k++)
                net += (float)c->cur.in_w[k] * (float)glia_cls_data_bit(c->data, s, c->in_src[k]);
            if (net > (float)c->cur.th[j])
                for (uint32_t k = c->out_start[j]; k < c->out_start[j + 1]; k++)
                    o[c->out_dst[k]] += c->cur.out_w[k];
        }
        uint32_t y = c->data->label[s], best = 0;
        double m = c->cfg.training.margin_scale, rest = 0;
        for (uint32_t k = 0; k < K; k++) {
            double a = o[k] - c->cur.oth[k];
            if (a > o[best] - c->cur.oth[best])
                best = k;
            if (k != y) {
                double u = 0.5 - a / (2 * m);
                rest += u < 0 ? 0 : u > 1 ? 1 : u;
            }
        }
        double u = 0.5 + (o[y] - c->cur.oth[y]) / (2 * m);
        u = u < 0 ? 0 : u > 1 ? 1 : u;
        sum[y] += 0.5 * u + 0.5 * rest / (K - 1);
        count[y]++;
        *hits += best == y;
    }
    double r = 0;
    for (int k = 0; k < K; k++)
        r += sum[k] / count[k];
    return r / K;
}

Test(classify, incremental_evaluation_agrees_with_a_from_scratch_reference)
{
    glia_cls_config_t cfg;
    small_config(&cfg);
    glia_cls_data_t *d = new_data(&cfg);
    glia_cls_t *c = new_run(&cfg, d, 7, NULL);
    uint32_t hits;
    double r0 = reference_reward(c, &hits);
    cr_assert_float_eq(c->reward, r0, 1e-12);
    cr_assert_eq(c->correct, hits);
    for (int i = 0; i < 600; i++)
        glia_cls_step(c, NULL);
    double r = reference_reward(c, &hits);
    cr_assert_float_eq(c->reward, r, 1e-9, "incremental %.17g, reference %.17g", c->reward, r);
    cr_assert_eq(c->correct, hits);
    cr_assert_gt(c->reward, r0, "600 steps learned nothing: %g -> %g", r0, c->reward);
    glia_cls_free(c);
    glia_cls_data_free(d);
}

/* What a run's parameters are, to compare two runs bit for bit. */
static int same_params(const glia_cls_t *a, const glia_cls_t *b)
{
    return a->n_in == b->n_in && a->n_out == b->n_out &&
           !memcmp(a->cur.in_w, b->cur.in_w, a->n_in * sizeof(double)) &&
           !memcmp(a->cur.out_w, b->cur.out_w, a->n_out * sizeof(double)) &&
           !memcmp(a->cur.th, b->cur.th, a->H * sizeof(double)) &&
           !memcmp(a->cur.oth, b->cur.oth, a->C * sizeof(double)) &&
           !memcmp(&a->reward, &b->reward, sizeof(double));
}

Test(classify, a_step_keeps_iff_the_reward_rises_and_a_revert_restores_everything)
{
    glia_cls_config_t cfg;
    small_config(&cfg);
    glia_cls_data_t *d = new_data(&cfg);
    glia_cls_t *c = new_run(&cfg, d, 3, NULL);
    double *w = malloc(c->n_in * sizeof *w), *wo = malloc(c->n_out * sizeof *wo);
    int kept = 0, reverted = 0;
    for (int i = 0; i < 300; i++) {
        glia_cls_step_t st;
        double before = c->reward;
        memcpy(w, c->cur.in_w, c->n_in * sizeof *w);
        memcpy(wo, c->cur.out_w, c->n_out * sizeof *wo);
        glia_cls_step(c, &st);
        cr_assert_eq(st.base, before);
        cr_assert_eq(st.kept, st.after > st.base);
        if (st.kept) {
            kept++;
            cr_assert_eq(c->reward, st.after);
            /* only the chosen territory's synapses moved */
            uint32_t first = 0, end = 0;
            if (st.territory < (int)c->T)
                glia__cls_territory(c, st.territory, &first, &end);
            for (uint32_t j = 0; j < c->H; j++) {
                int inside = j >= first && j < end;
                for (uint32_t k = c->in_start[j]; k < c->in_start[j + 1]; k++)
                    if (!inside)
                        cr_assert_eq(c->cur.in_w[k], w[k]);
            }
        } else {
            reverted++;
            cr_assert_eq(c->reward, before);
            cr_assert_eq(memcmp(w, c->cur.in_w, c->n_in * sizeof *w), 0);
            cr_assert_eq(memcmp(wo, c->cur.out_w, c->n_out * sizeof *wo), 0);
        }
    }
    cr_assert_gt(kept, 0);
    cr_assert_gt(reverted, 0);
    free(w);
    free(wo);
    glia_cls_free(c);
    glia_cls_data_free(d);
}

/* A host that runs chunks last to first: order must not matter. */
static void backwards(void *team, int n, void (*fn)(void *, int), void *arg)
{
    (void)team;
    for (int i = n - 1; i >= 0; i--)
        fn(arg, i);
}

static void run_steps(glia_cls_t *c, int steps)
{
    for (int i = 0; i < steps; i++)
        glia_cls_step(c, NULL);
}

Test(classify, same_bits_for_one_two_and_three_threads_and_any_chunk_order)
{
    for (int kind = 0; kind <= GLIA_CLS_RANDOM; kind++) {
        glia_cls_config_t cfg;
        small_config(&cfg);
        cfg.learner.kind = kind;
        glia_cls_data_t *d = new_data(&cfg);
        glia_cls_t *one = new_run(&cfg, d, 11, NULL);
        run_steps(one, 1200); /* past a refresh of the cache (GLIA_CLS_REFRESH) */
        glia_cls_exec_t back = {backwards, NULL};
        glia_cls_t *rev = new_run(&cfg, d, 11, &back);
        run_steps(rev, 1200);
        cr_assert(same_params(one, rev), "learner %d: chunk order changed the result", kind);
        for (int threads = 2; threads <= 3; threads++) {
            glia_team_t *team;
            cr_assert_eq(glia_team_new(threads, &team), 0);
            glia_cls_exec_t exec = {glia_team_run, team};
            glia_cls_t *t = new_run(&cfg, d, 11, &exec);
            run_steps(t, 1200);
            cr_assert(same_params(one, t), "learner %d: %d threads differ from one", kind,
                      threads);
            glia_cls_score_t s1, s2;
            glia_cls_score(one, &s1);
            double test1 = s1.test_accuracy;
            glia_cls_score(t, &s2);
            cr_assert_eq(test1, s2.test_accuracy);
            glia_cls_free(t);
            glia_team_free(team);
        }
        glia_cls_free(one);
        glia_cls_free(rev);
        glia_cls_data_free(d);
    }
}

Test(classify, a_run_is_a_function_of_config_and_seed)
{
    glia_cls_config_t cfg;
    small_config(&cfg);
    glia_cls_data_t *d = new_data(&cfg);
    glia_cls_t *a = new_run(&cfg, d, 5, NULL), *b = new_run(&cfg, d, 5, NULL);
    glia_cls_t *other = new_run(&cfg, d, 6, NULL);
    run_steps(a, 400);
    run_steps(b, 400);
    run_steps(other, 400);
    cr_assert(same_params(a, b));
    cr_assert(!same_params(a, other));
    glia_cls_counts_t n;
    glia_cls_counts(a, &n);
    cr_assert_eq(n.steps, 400);
    cr_assert_eq(n.reward_queries, 400ull * d->n_train); /* no refresh before step 1000 */
    glia_cls_free(a);
    glia_cls_free(b);
    glia_cls_free(other);
    glia_cls_data_free(d);
}

Test(classify, score_counts_the_test_set_in_a_confusion_matrix)
{
    glia_cls_config_t cfg;
    small_config(&cfg);
    glia_cls_data_t *d = new_data(&cfg);
    glia_cls_t *c = new_run(&cfg, d, 2, NULL);
    run_steps(c, 2000);
    glia_cls_score_t s;
    glia_cls_score(c, &s);
    uint32_t total = 0, diag = 0;
    for (int y = 0; y < K; y++)
        for (int k = 0; k < K; k++) {
            total += s.confusion[y * K + k];
            diag += y == k ? s.confusion[y * K + k] : 0;
        }
    cr_assert_eq(total, d->n_test);
    cr_assert_float_eq(s.test_accuracy, (double)diag / d->n_test, 1e-15);
    cr_assert_gt(s.test_accuracy, 0.5, "a learnable task stayed at %.3f", s.test_accuracy);
    glia_cls_free(c);
    glia_cls_data_free(d);
}

Test(classify, bounds_are_refused_naming_the_field)
{
    glia_cls_config_t cfg;
    glia_error_t err;
    small_config(&cfg);
    cfg.network.hidden = GLIA_CLS_MAX_HIDDEN + 1;
    glia_error_clear(&err);
    cr_assert_eq(glia_cls_config_validate(&cfg, &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/network/hidden");

    /* 400 input bits x 65,536 hidden units x p_in 1: 2.6e7 synapses, refused before
     * anything is allocated */
    static uint8_t wide[8 * 400];
    int32_t y[8] = {0, 1, 0, 1, 0, 1, 0, 1};
    for (int i = 0; i < 8 * 400; i++)
        wide[i] = (uint8_t)(i % 7);
    glia_cls_source_t src = {8, 400, 2, wide, NULL, y};
    glia_cls_data_t *d;
    glia_cls_t *c;
    small_config(&cfg);
    cfg.encoding.kind = GLIA_CLS_ENC_FEATURE;
    cfg.network.hidden = GLIA_CLS_MAX_HIDDEN;
    cfg.network.p_in = 1;
    glia_error_clear(&err);
    cr_assert_eq(glia_cls_data_new(&cfg, &src, &d, &err), 0, "%s", err.message);
    cr_assert_eq(d->bits, 400);
    glia_error_clear(&err);
    cr_assert_eq(glia_cls_new(&cfg, d, 1, NULL, &c, &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/network");
    cr_assert(strstr(err.message, "at most 20000000"), "%s", err.message);
    glia_cls_data_free(d);

    /* more bits than the encoding allows */
    cfg.encoding.kind = GLIA_CLS_ENC_THERMOMETER;
    cfg.encoding.levels = 16; /* 6,400 bits */
    glia_error_clear(&err);
    cr_assert_eq(glia_cls_data_new(&cfg, &src, &d, &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/encoding");

    json_t *doc = json_pack("{s:{s:s}, s:{s:i}}", "dataset", "name", "x", "network", "hiden", 3);
    glia_cls_dataset_ref_t ref = {{0}, {0}};
    glia_cls_config_default(&cfg);
    glia_error_clear(&err);
    cr_assert_eq(glia_cls_config_apply_json(&cfg, &ref, doc, "/config", &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/config/network/hiden");
    json_decref(doc);
    doc = json_pack("{s:{s:s}}", "learner", "kind", "sgd");
    glia_error_clear(&err);
    cr_assert_eq(glia_cls_config_apply_json(&cfg, &ref, doc, "", &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/learner/kind");
    json_decref(doc);
}
