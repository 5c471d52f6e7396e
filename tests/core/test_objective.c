/* test_objective.c: scoring a weight vector on a session's task (core/objective.h) leaves
 * the session exactly as it was, and scores the session's own weights as the session
 * itself scores them. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/objective.h"
#include "core/session_internal.h"

static glia_session_t *session_of(const glia_config_t *cfg, uint32_t seed, uint64_t steps)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(cfg, seed, &s, &err), 0, "%s: %s", err.field, err.message);
    cr_assert_eq(glia_session_advance(s, steps, UINT64_MAX), (int64_t)steps);
    return s;
}

static glia_session_t *preset_session(const char *preset, int carry, uint32_t seed, uint64_t steps)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, preset), 0, "%s", preset);
    cfg.network.carry_state = carry;
    return session_of(&cfg, seed, steps);
}

/* The learners' task score (perturb.c's score_many): every pattern through the session's
 * own network, in task order, mean soft reward. Run on a copy, since it moves its state. */
static double task_soft_reward(const glia_session_t *orig, const double *weights)
{
    uint8_t *bytes;
    size_t len;
    glia_session_t *s;
    glia_error_t err;
    double sum = 0.0;

    cr_assert_eq(glia_session_save(orig, &bytes, &len), 0);
    cr_assert_eq(glia_session_load(bytes, len, &s, &err), 0, "%s", err.message);
    free(bytes);
    if (weights != NULL)
        memcpy(glia_net_weights(s->net), weights, (size_t)s->net->n_syn * sizeof(double));
    for (int i = 0; i < s->cfg.task.count; i++) {
        const glia_pattern_t *pat = &s->cfg.task.patterns[i];
        glia_net_forward(s->net, pat->input, s->cfg.network.passes);
        sum += glia_net_soft_reward(s->net, pat->target);
    }
    glia_session_free(s);
    return sum / orig->cfg.task.count;
}

/* Everything a score could touch, compared after: the snapshot and the network's live
 * pass state and caches (which a snapshot does not hold). */
typedef struct picture {
    uint8_t *bytes;
    size_t len;
    uint8_t *fired;
    double *act, *w, *thr;
    double soft_e[GLIA_MAX_WIDTH], soft_term[GLIA_MAX_WIDTH];
    int has_soft;
    uint32_t stamp;
} picture_t;

static void take(const glia_session_t *s, picture_t *p)
{
    const glia_net_t *n = s->net;

    cr_assert_eq(glia_session_save(s, &p->bytes, &p->len), 0);
    p->fired = malloc((size_t)n->n);
    p->act = malloc((size_t)n->id_space * sizeof(double));
    p->w = malloc((size_t)n->n_syn * sizeof(double));
    p->thr = malloc((size_t)n->n * sizeof(double));
    cr_assert(p->fired && p->act && p->w && p->thr);
    memcpy(p->fired, n->fired, (size_t)n->n);
    memcpy(p->act, n->act, (size_t)n->id_space * sizeof(double));
    memcpy(p->w, n->w, (size_t)n->n_syn * sizeof(double));
    memcpy(p->thr, n->thr, (size_t)n->n * sizeof(double));
    memcpy(p->soft_e, n->soft_e, (size_t)n->n_readout * sizeof(double));
    memcpy(p->soft_term, n->soft_term, (size_t)n->n_readout * sizeof(double));
    p->has_soft = n->has_soft;
    p->stamp = n->stamp;
}

static void expect_same(const picture_t *a, const picture_t *b, const glia_net_t *n,
                        const char *what)
{
    cr_expect_eq(a->len, b->len, "%s: snapshot length", what);
    cr_expect(a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0,
              "%s: the snapshot bytes changed", what);
    cr_expect(memcmp(a->fired, b->fired, (size_t)n->n) == 0, "%s: fired", what);
    cr_expect(memcmp(a->act, b->act, (size_t)n->id_space * sizeof(double)) == 0, "%s: act", what);
    cr_expect(memcmp(a->w, b->w, (size_t)n->n_syn * sizeof(double)) == 0, "%s: weights", what);
    cr_expect(memcmp(a->thr, b->thr, (size_t)n->n * sizeof(double)) == 0, "%s: thresholds", what);
    cr_expect(memcmp(a->soft_e, b->soft_e, (size_t)n->n_readout * sizeof(double)) == 0 &&
                  memcmp(a->soft_term, b->soft_term, (size_t)n->n_readout * sizeof(double)) == 0 &&
                  a->has_soft == b->has_soft && a->stamp == b->stamp,
              "%s: the soft reward's cache or the update stamps", what);
}

static void drop(picture_t *p)
{
    free(p->bytes);
    free(p->fired);
    free(p->act);
    free(p->w);
    free(p->thr);
}

static const struct {
    const char *preset;
    int carry;
    uint64_t steps;
} cases[] = {
    {"reach", 0, 1237},    /* reward over the task, thresholds perturbed, mid-episode */
    {"maturity", 0, 2500}, /* the paper's per-pattern reward, reference generator */
    {"maturity", 1, 777},  /* carried state: inference starts from what training left */
    {"control", 0, 0},     /* no learning, no step taken */
};

Test(objective, leaves_the_session_byte_identical)
{
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        glia_session_t *s = preset_session(cases[c].preset, cases[c].carry, 11, cases[c].steps);
        const int dim = glia_net_synapse_count(s->net);
        double *w = malloc((size_t)(dim ? dim : 1) * sizeof(double));
        glia_objective_t *o;
        glia_score_t sc;
        picture_t before, after;
        uint8_t *cont_a, *cont_b;
        size_t len_a, len_b;
        glia_session_t *twin;
        glia_error_t err;

        cr_assert(w != NULL);
        take(s, &before);
        cr_assert_eq(glia_objective_new(s, &o), 0);
        glia_objective_score(o, NULL, &sc);
        for (int i = 0; i < dim; i++)
            w[i] = (i % 7) * 0.3 - 0.9;
        glia_objective_score(o, w, &sc);
        glia_objective_score(o, NULL, &sc);
        glia_objective_free(o);
        take(s, &after);
        expect_same(&before, &after, s->net, cases[c].preset);

        /* And it goes on as its untouched twin does (nothing hidden moved either). */
        cr_assert_eq(glia_session_load(before.bytes, before.len, &twin, &err), 0, "%s",
                     err.message);
        cr_assert_eq(glia_session_advance(s, 300, UINT64_MAX), 300);
        cr_assert_eq(glia_session_advance(twin, 300, UINT64_MAX), 300);
        cr_assert_eq(glia_session_save(s, &cont_a, &len_a), 0);
        cr_assert_eq(glia_session_save(twin, &cont_b, &len_b), 0);
        cr_expect(len_a == len_b && memcmp(cont_a, cont_b, len_a) == 0,
                  "%s: continuing after the scores differs from continuing without them",
                  cases[c].preset);
        free(cont_a);
        free(cont_b);
        glia_session_free(twin);
        drop(&before);
        drop(&after);
        free(w);
        glia_session_free(s);
    }
}

Test(objective, scores_the_session_weights_as_the_session_does)
{
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        glia_session_t *s = preset_session(cases[c].preset, cases[c].carry, 5, cases[c].steps);
        glia_objective_t *o;
        glia_inference_t inf;
        glia_score_t sc, same;

        cr_assert_eq(glia_objective_new(s, &o), 0);
        glia_objective_score(o, NULL, &sc);
        glia_session_inference(s, &inf);
        cr_expect_eq(sc.accuracy, inf.mean_accuracy, "%s: accuracy %.17g, inference %.17g",
                     cases[c].preset, sc.accuracy, inf.mean_accuracy);
        if (!cases[c].carry) /* the learners' task score runs the patterns from silence */
            cr_expect_eq(sc.score, task_soft_reward(s, NULL), "%s: score %.17g", cases[c].preset,
                         sc.score);
        /* The session's own weights, sent as a vector, score the same. */
        glia_objective_score(o, s->net->w, &same);
        cr_expect_eq(same.score, sc.score);
        cr_expect_eq(same.accuracy, sc.accuracy);
        /* With reward over the task the learner caches the current weights' score. */
        if (s->cfg.training.reward_scope == GLIA_SCOPE_TASK && s->perturb.cache_valid)
            cr_expect_eq(sc.score, s->perturb.cur_soft, "%s: the learner's own score %.17g",
                         cases[c].preset, s->perturb.cur_soft);
        glia_objective_free(o);
        glia_session_free(s);
    }
}

Test(objective, scores_given_weights_as_if_the_network_had_them)
{
    glia_session_t *s = preset_session("reach", 0, 9, 400);
    const int dim = glia_net_synapse_count(s->net);
    double *w = malloc((size_t)dim * sizeof(double));
    glia_objective_t *o;
    glia_score_t sc;

    cr_assert(w != NULL);
    for (int i = 0; i < dim; i++)
        w[i] = ((i * 37) % 11 - 5) * 0.25;
    cr_assert_eq(glia_objective_new(s, &o), 0);
    glia_objective_score(o, w, &sc);
    cr_expect_eq(sc.score, task_soft_reward(s, w), "score %.17g", sc.score);
    cr_expect(sc.accuracy >= 0.0 && sc.accuracy <= 1.0);
    cr_expect(glia_objective_work(s) >= (uint64_t)s->cfg.task.count * (uint64_t)dim);
    glia_objective_free(o);
    free(w);
    glia_session_free(s);
}
