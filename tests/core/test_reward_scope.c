/* test_reward_scope.c: the shared keep/revert step beyond one pattern per step: the reward
 * scopes (task: a cached score of the current weights; minibatch: base and candidate on
 * the same drawn patterns), perturbed thresholds kept or reverted with the weights, and
 * the firing rates sensing reads. Every expectation is recomputed here with fresh
 * forward passes, not read back from perturb.c.
 *
 * White-box: the session and its perturbation scratch through core/session_internal.h. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/session_internal.h"

static glia_session_t *new_session(const glia_config_t *cfg, uint32_t seed)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(cfg, seed, &s, &err), 0, "%s: %s", err.field, err.message);
    return s;
}

/* A fresh score of the session's current network over patterns idx[0..m) (all of them
 * when idx is NULL): mean soft and binary reward, mean firing per position. */
static void fresh_score(glia_session_t *s, const int *idx, int m, double *soft, double *reward,
                        double *rate)
{
    const glia_config_t *cfg = &s->cfg;
    glia_net_t *net = s->net;
    double so = 0.0, re = 0.0;

    if (rate != NULL)
        memset(rate, 0, (size_t)net->n * sizeof(double));
    for (int i = 0; i < m; i++) {
        const glia_pattern_t *p = &cfg->task.patterns[idx ? idx[i] : i];
        glia_net_forward(net, p->input, cfg->network.passes);
        so += glia_net_soft_reward(net, p->target);
        re += glia_reward_binary(glia_net_output(net), p->target, cfg->task.target_width);
        for (int j = 0; rate != NULL && j < net->n; j++)
            rate[j] += net->fired[j];
    }
    for (int j = 0; rate != NULL && j < net->n; j++)
        rate[j] /= m;
    *soft = so / m;
    *reward = re / m;
}

static void task_config(glia_config_t *cfg, int kind)
{
    glia_config_default(cfg);
    cfg->training.reward_scope = GLIA_SCOPE_TASK;
    cfg->learner.kind = kind;
}

/* Under task reward the cached score is a fresh evaluation of the current weights after
 * every step, decisions compare the task's mean soft reward, and the next step's base is
 * the cached score. */
static void check_task_cache(const glia_config_t *cfg, uint32_t seed, int steps, const char *what)
{
    glia_session_t *s = new_session(cfg, seed);
    double *rate = malloc((size_t)s->net->n * sizeof(double));
    double prev_soft = NAN;
    int kept = 0;

    cr_assert_not_null(rate);
    for (int k = 0; k < steps; k++) {
        glia_step_info_t info;
        double soft, reward;
        glia_inference_t inf;

        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.pattern, -1, "%s: a task step has no pattern of its own", what);
        cr_assert_eq(info.scored, s->cfg.task.count, "%s", what);
        if (!info.decided) /* the cursor with nothing in range */
            cr_assert(!info.kept && info.after_soft == info.base_soft, "%s step %d", what, k);
        if (k > 0)
            cr_assert_eq(info.base_soft, prev_soft, "%s step %d: the base is the cached score",
                         what, k);
        cr_assert_eq(info.kept, info.after_soft > info.base_soft, "%s step %d", what, k);
        kept += info.kept;
        prev_soft = info.kept ? info.after_soft : info.base_soft;

        cr_assert(s->perturb.cache_valid, "%s step %d", what, k);
        fresh_score(s, NULL, s->cfg.task.count, &soft, &reward, rate);
        cr_assert_eq(s->perturb.cur_soft, soft, "%s step %d: cached %.17g, fresh %.17g", what, k,
                     s->perturb.cur_soft, soft);
        cr_assert_eq(s->perturb.cur_reward, reward, "%s step %d", what, k);
        cr_assert_eq(info.reward, reward, "%s step %d: the step scores the task", what, k);
        cr_assert_eq(prev_soft, soft, "%s step %d", what, k);
        if (s->perturb.want_rates) {
            for (int j = 0; j < s->net->n; j++)
                cr_assert_eq(s->perturb.cur_rate[j], rate[j], "%s step %d neuron %d", what, k, j);
        }
        /* The task's binary reward is inference's accuracy. */
        glia_session_inference(s, &inf);
        cr_assert_eq(inf.mean_accuracy, reward, "%s step %d", what, k);
    }
    cr_assert(kept > 0 && kept < steps, "%s: %d of %d kept", what, kept, steps);
    free(rate);
    glia_session_free(s);
}

Test(reward_scope, task_reward_cache_equals_a_fresh_evaluation)
{
    glia_config_t cfg;

    task_config(&cfg, GLIA_LEARNER_ASTROCYTE); /* sensing reads the cached rates */
    check_task_cache(&cfg, 42, 400, "astrocyte, sensing, 1 pass");
    cfg.network.passes = 2;
    cfg.learner.perturb_thresholds = 1;
    check_task_cache(&cfg, 7, 400, "astrocyte, thresholds, 2 passes");
    cfg.learner.astrocyte.selection = GLIA_SELECT_UNIFORM;
    cfg.learner.astrocyte.max_active = 1;
    check_task_cache(&cfg, 8, 400, "astrocyte, uniform");
    cfg.network.bias = 1;
    check_task_cache(&cfg, 9, 400, "astrocyte, uniform, bias");

    task_config(&cfg, GLIA_LEARNER_CURSOR);
    check_task_cache(&cfg, 43, 400, "cursor");
    task_config(&cfg, GLIA_LEARNER_RANDOM_SEARCH);
    check_task_cache(&cfg, 44, 300, "random search");
    /* The update-scope learners: every synapse, or as many drawn from anywhere; their
     * thresholds are the post neurons of what they perturb. */
    task_config(&cfg, GLIA_LEARNER_GLOBAL);
    cfg.learner.perturb_thresholds = 1;
    check_task_cache(&cfg, 45, 300, "global, thresholds");
    task_config(&cfg, GLIA_LEARNER_SCATTERED);
    cfg.learner.perturb_thresholds = 1;
    cfg.learner.astrocyte.selection = GLIA_SELECT_UNIFORM;
    check_task_cache(&cfg, 46, 300, "scattered, uniform, thresholds");

    /* The reference generator with one pass: samples of synapses whose pre neuron no
     * pattern drives are deferred to keep; the cache must still be exact. */
    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    check_task_cache(&cfg, 314, 400, "maturity preset, task reward");
    cfg.network.bias = 1;
    check_task_cache(&cfg, 315, 400, "maturity preset, task reward, bias");
}

Test(reward_scope, a_reloaded_session_recomputes_the_same_cache)
{
    glia_config_t cfg;
    glia_session_t *a, *b;
    glia_error_t err;
    uint8_t *buf;
    size_t len;

    glia_config_preset(&cfg, "reach");
    a = new_session(&cfg, 271);
    cr_assert_eq(glia_session_advance(a, 537, UINT64_MAX), 537);
    cr_assert(a->perturb.cache_valid);
    cr_assert_eq(glia_session_save(a, &buf, &len), 0);
    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &b, &err), 0, "%s", err.message);
    cr_assert_not(b->perturb.cache_valid, "a cache is recomputed, not stored");
    for (int k = 0; k < 50; k++) {
        glia_step_info_t ia, ib;
        cr_assert_eq(glia_session_step(a, &ia), 0);
        cr_assert_eq(glia_session_step(b, &ib), 0);
        cr_assert_eq(ia.base_soft, ib.base_soft, "step %d", k);
        cr_assert_eq(ia.after_soft, ib.after_soft, "step %d", k);
        cr_assert_eq(ia.kept, ib.kept, "step %d", k);
    }
    free(buf);
    glia_session_free(a);
    glia_session_free(b);
}

/* Minibatch: the session draws m distinct patterns per step, and base and candidate are
 * scored on those same m. Session `b` takes the step; `a`, in the same state, scores
 * the drawn patterns freshly before and after. */
Test(reward_scope, minibatch_scores_base_and_candidate_on_the_same_patterns)
{
    glia_config_t cfg;
    glia_session_t *a, *b;
    int kept = 0, reverted = 0, hits[8] = {0};

    glia_config_default(&cfg);
    cfg.training.reward_scope = GLIA_SCOPE_MINIBATCH;
    cfg.training.minibatch = 3;
    a = new_session(&cfg, 5);
    b = new_session(&cfg, 5);
    for (int k = 0; k < 300; k++) {
        glia_step_info_t ia, ib;
        double soft, reward;
        const int *idx = b->perturb.drawn;

        cr_assert_eq(glia_session_step(b, &ib), 0);
        cr_assert_eq(ib.pattern, -1);
        cr_assert_eq(ib.scored, 3);
        cr_assert_eq(b->perturb.n_drawn, 3);
        for (int i = 0; i < 3; i++) {
            cr_assert(idx[i] >= 0 && idx[i] < 8);
            hits[idx[i]]++;
            for (int j = 0; j < i; j++)
                cr_assert_neq(idx[i], idx[j], "step %d: a pattern drawn twice", k);
        }
        fresh_score(a, idx, 3, &soft, &reward, NULL);
        cr_assert_eq(ib.base_soft, soft, "step %d: the base is scored on the drawn patterns", k);
        if (ib.kept) {
            fresh_score(b, idx, 3, &soft, &reward, NULL);
            cr_assert_eq(ib.after_soft, soft, "step %d: the candidate too", k);
            cr_assert_eq(ib.reward, reward, "step %d", k);
            kept++;
        } else {
            cr_assert(memcmp(a->net->w, b->net->w, (size_t)a->net->n_syn * sizeof(double)) == 0,
                      "step %d: reverted", k);
            reverted++;
        }
        cr_assert_eq(glia_session_step(a, &ia), 0); /* a follows b */
        cr_assert(memcmp(a->net->w, b->net->w, (size_t)a->net->n_syn * sizeof(double)) == 0);
    }
    cr_assert(kept > 0 && reverted > 0);
    for (int p = 0; p < 8; p++)
        cr_expect(hits[p] > 60, "pattern %d drawn %d times in 900 draws", p, hits[p]);
    glia_session_free(a);
    glia_session_free(b);
}

/* With perturbed thresholds a reverted step restores weights and thresholds exactly; a
 * kept one moves thresholds only of non-source neurons in the selected territories,
 * within the clamp. */
static void check_thresholds(glia_config_t *cfg, uint32_t seed, const char *what)
{
    glia_session_t *s = new_session(cfg, seed);
    const glia_net_t *net = s->net;
    double *w = malloc((size_t)net->n_syn * sizeof(double));
    double *thr = malloc((size_t)net->n * sizeof(double));
    uint8_t *in_scope = malloc((size_t)net->n);
    int kept = 0, moved = 0;

    cr_assert(w && thr && in_scope);
    for (int k = 0; k < 400; k++) {
        glia_step_info_t info;
        memcpy(w, net->w, (size_t)net->n_syn * sizeof(double));
        memcpy(thr, net->thr, (size_t)net->n * sizeof(double));
        cr_assert_eq(glia_session_step(s, &info), 0);
        if (!info.kept) {
            cr_assert(memcmp(w, net->w, (size_t)net->n_syn * sizeof(double)) == 0,
                      "%s step %d: weights reverted", what, k);
            cr_assert(memcmp(thr, net->thr, (size_t)net->n * sizeof(double)) == 0,
                      "%s step %d: thresholds reverted with them", what, k);
            continue;
        }
        kept++;
        memset(in_scope, 0, (size_t)net->n);
        for (int a = 0; a < info.n_active; a++) {
            const glia_territory_t *t = &s->territories.t[info.active[a]];
            for (int i = 0; i < t->n_ids; i++)
                in_scope[t->pos[i]] = 1;
        }
        for (int j = 0; j < net->n; j++) {
            if (net->thr[j] == thr[j])
                continue;
            moved++;
            cr_assert(in_scope[j], "%s step %d: neuron %d outside the territories moved", what, k,
                      j);
            cr_assert_not(GLIA_ROLE_IS_SOURCE(net->role[j]), "%s: a source threshold moved", what);
            cr_assert(fabs(net->thr[j]) <= cfg->learner.threshold_clamp, "%s", what);
        }
    }
    cr_assert(kept > 0, "%s", what);
    cr_assert(moved > kept, "%s: %d thresholds moved over %d kept steps", what, moved, kept);
    free(w);
    free(thr);
    free(in_scope);
    glia_session_free(s);
}

Test(reward_scope, thresholds_are_kept_or_reverted_with_the_weights)
{
    glia_config_t cfg;

    glia_config_default(&cfg);
    cfg.learner.perturb_thresholds = 1;
    cfg.learner.threshold_clamp = 0.7;
    check_thresholds(&cfg, 3, "pattern reward");
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    cfg.network.bias = 1;
    check_thresholds(&cfg, 4, "task reward, bias");
    cr_assert_eq(glia_config_preset(&cfg, "reach"), 0);
    check_thresholds(&cfg, 5, "reach");
}

Test(reward_scope, without_the_switch_thresholds_never_move)
{
    glia_config_t cfg;
    glia_session_t *s;

    glia_config_default(&cfg);
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    s = new_session(&cfg, 11);
    cr_assert_eq(glia_session_advance(s, 500, UINT64_MAX), 500);
    cr_assert(s->accepted > 0);
    for (int j = 0; j < s->net->n; j++)
        cr_assert_eq(s->net->thr[j], cfg.network.threshold);
    glia_session_free(s);
}

/* Learners that list no neurons (random search lists them all; a learner with only
 * synapses) get the post neurons of their eligible synapses. */
Test(reward_scope, unlisted_thresholds_are_the_eligible_synapses_post_neurons)
{
    glia_config_t cfg;
    glia_session_t *s;
    glia_step_info_t info = {0};
    double *thr;
    uint8_t *post;
    int n = 0;

    glia_config_default(&cfg);
    cfg.learner.perturb_thresholds = 1;
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    s = new_session(&cfg, 12);
    thr = malloc((size_t)s->net->n * sizeof(double));
    post = calloc((size_t)s->net->n, 1);
    cr_assert(thr && post);
    memcpy(thr, s->net->thr, (size_t)s->net->n * sizeof(double));
    /* Synapses 0..9 leave neuron 0 (an input). */
    for (int k = 0; k < 10; k++) {
        s->perturb.eligible[n++] = k;
        post[s->net->post[k]] = 1;
    }
    glia_perturb_base(&s->ctx, NULL, &info);
    /* Force a keep: the candidate cannot lose against an impossible base. */
    info.base_soft = -1.0;
    cr_assert(glia_perturb_try(&s->ctx, n, NULL, &info));
    for (int j = 0; j < s->net->n; j++) {
        if (post[j])
            cr_expect_neq(s->net->thr[j], thr[j], "post neuron %d", j);
        else
            cr_expect_eq(s->net->thr[j], thr[j], "neuron %d", j);
    }
    free(thr);
    free(post);
    glia_session_free(s);
}
