/* test_astrocyte.c: the astrocyte learner (spec 6, "Astrocytes"): layout, territories,
 * selection, exploration draws, threshold adaptation and book-keeping.
 *
 * White-box: the selection and the generator are observed through core/session_internal.h, and
 * every expectation is recomputed here from the spec, not read back from the code. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/learners/astrocyte.h"
#include "core/session_internal.h"

#define MULBERRY_INC 1831565813.0

/* The learner's state (white-box) and territories, and one astrocyte seen through them. */
#define ST(s) ((glia_astro_state_t *)(s)->learner_state)
#define TERR(s) glia_session_territories(s)

typedef struct astro_view {
    int id, cluster;
    double x, y;
    int territory_neurons, territory_synapses;
    const int *territory_ids, *territory_synapse_ids;
    uint64_t activations, successes, epsilon_activations;
    double threshold, exploration_rate, success_rate;
    int history_len;
    const uint64_t *activations_by_pattern;
} astro_view_t;

static int astro_count(const glia_session_t *s)
{
    return s->learner == &glia_astrocyte_learner ? ST(s)->n : 0;
}

static void astro_info(const glia_session_t *s, int i, astro_view_t *a)
{
    const glia_territory_t *t = &TERR(s)->t[i];

    memset(a, 0, sizeof(*a));
    a->id = i;
    a->cluster = t->cluster;
    a->x = t->x;
    a->y = t->y;
    a->territory_neurons = t->n_ids;
    a->territory_synapses = t->n_syn;
    a->territory_ids = t->ids;
    a->territory_synapse_ids = t->syn;
    if (astro_count(s) > 0) {
        const glia_astro_t *st = &ST(s)->astro[i];
        a->activations = st->activations;
        a->successes = st->successes;
        a->epsilon_activations = st->epsilon_activations;
        a->threshold = st->threshold;
        a->exploration_rate = glia_astro_rate(&s->cfg, st);
        a->success_rate = st->hist_len ? (double)st->hist_sum / st->hist_len : 0.0;
        a->history_len = st->hist_len;
        a->activations_by_pattern = st->by_pattern;
    }
}

static glia_session_t *new_session(const glia_config_t *cfg, uint32_t seed)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(cfg, seed, &s, &err), 0, "%s: %s", err.field, err.message);
    return s;
}

static glia_session_t *preset_session(const char *preset, uint32_t seed)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, preset), 0);
    return new_session(&cfg, seed);
}

Test(astrocyte, layout_is_a_2x2_grid_per_cluster)
{
    /* tests/data/reference-500/<preset>-seed42.json, "initial" -> "territories": x, y */
    static const double fx[8] = {-2.401286483509466, 2.5316451105754822, -2.401286483509466,
                                 2.5316451105754822, 12.632710665347986, 17.400445063249208,
                                 12.632710665347986, 17.400445063249208};
    static const double fy[8] = {-2.0770728640491143, -2.0770728640491143, 2.6355574309127405,
                                 2.6355574309127405,  -1.6767715255264193, -1.6767715255264193,
                                 2.6945155451539904,  2.6945155451539904};
    glia_session_t *s = preset_session("astrocyte-firing", 42);
    const glia_net_t *net = glia_session_net(s);

    cr_assert_eq(TERR(s)->count, 8);
    cr_assert_eq(astro_count(s), 8);
    for (int c = 0; c < 2; c++) {
        double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
        double midx, midy, qx, qy;
        for (int j = 0; j < glia_net_neuron_count(net); j++) {
            glia_neuron_info_t nf;
            glia_net_neuron(net, j, &nf);
            if (nf.cluster != c)
                continue;
            minx = fmin(minx, nf.x), maxx = fmax(maxx, nf.x);
            miny = fmin(miny, nf.y), maxy = fmax(maxy, nf.y);
        }
        midx = (minx + maxx) / 2, midy = (miny + maxy) / 2;
        qx = (maxx - minx) / 4, qy = (maxy - miny) / 4;
        {
            const double want[4][2] = {{midx - qx, midy - qy},
                                       {midx + qx, midy - qy},
                                       {midx - qx, midy + qy},
                                       {midx + qx, midy + qy}};
            for (int k = 0; k < 4; k++) {
                astro_view_t a;
                astro_info(s, 4 * c + k, &a);
                cr_assert_eq(a.id, 4 * c + k);
                cr_assert_eq(a.cluster, c);
                cr_assert_eq(a.x, want[k][0], "astrocyte %d x %.17g", a.id, a.x);
                cr_assert_eq(a.y, want[k][1], "astrocyte %d y %.17g", a.id, a.y);
                cr_assert_eq(a.x, fx[a.id]);
                cr_assert_eq(a.y, fy[a.id]);
                cr_assert_eq(a.threshold, 0.5);
            }
        }
    }
    glia_session_free(s);
}

Test(astrocyte, territories_are_same_cluster_ids_within_the_radius)
{
    /* seed 42 fixture: territory neurons and owned synapses per astrocyte */
    static const int fixture_neurons[8] = {8, 7, 11, 12, 11, 15, 6, 10};
    static const int fixture_synapses[8] = {467, 415, 683, 770, 690, 849, 365, 567};
    glia_session_t *s = preset_session("astrocyte-traffic", 42);
    const glia_net_t *net = glia_session_net(s);
    const int n = glia_net_neuron_count(net), nsyn = glia_net_synapse_count(net);
    int differs_from_positions = 0;

    for (int i = 0; i < 8; i++) {
        astro_view_t a;
        int ids[70], n_ids = 0, n_own = 0, n_touch = 0;
        uint8_t in_set[70] = {0}, at_pos[70] = {0};
        astro_info(s, i, &a);
        for (int j = 0; j < n; j++) {
            glia_neuron_info_t nf;
            double dx, dy;
            glia_net_neuron(net, j, &nf);
            dx = nf.x - a.x, dy = nf.y - a.y;
            if (nf.cluster == a.cluster && sqrt(dx * dx + dy * dy) <= 3.0) {
                ids[n_ids++] = nf.id;
                in_set[nf.id] = 1;
                at_pos[j] = 1;
            }
        }
        cr_assert_eq(a.territory_neurons, n_ids, "astrocyte %d", i);
        cr_assert_eq(a.territory_neurons, fixture_neurons[i]);
        for (int k = 0; k < n_ids; k++)
            cr_assert_eq(a.territory_ids[k], ids[k], "astrocyte %d territory[%d]", i, k);
        /* Owned: pre or post *position* in the id set, ascending synapse id. */
        for (int k = 0; k < nsyn; k++) {
            int pre, post;
            double w;
            glia_net_synapse(net, k, &pre, &post, &w);
            if (in_set[pre] || in_set[post]) {
                cr_assert(n_own < a.territory_synapses);
                cr_assert_eq(a.territory_synapse_ids[n_own], k, "astrocyte %d", i);
                n_own++;
            }
            n_touch += at_pos[pre] || at_pos[post];
        }
        cr_assert_eq(a.territory_synapses, n_own);
        cr_assert_eq(a.territory_synapses, fixture_synapses[i]);
        differs_from_positions += n_touch != n_own;
        if (a.cluster == 0)
            cr_assert_eq(n_touch, n_own, "cluster 0: ids are positions");
    }
    cr_assert(differs_from_positions > 0, "cluster-1 astrocytes own synapses by id");
    glia_session_free(s);
}

Test(astrocyte, control_and_cursor_still_lay_out_territories)
{
    glia_session_t *s = preset_session("control", 42);
    astro_view_t a;

    cr_assert_eq(TERR(s)->count, 8);
    cr_assert_eq(astro_count(s), 0);
    astro_info(s, 0, &a);
    cr_assert_eq(a.x, -2.401286483509466); /* same network as astrocyte-firing seed 42 */
    glia_session_free(s);
}

/* The selection the spec prescribes, recomputed from the state before the step. */
typedef struct expect {
    double score[GLIA_MAX_ASTROCYTES];
    int order[GLIA_MAX_ASTROCYTES];
    int by_score; /* astrocytes active by score */
} expect_t;

static void expected_scores(const glia_session_t *s, const uint8_t *pf, const double *w,
                            const double *thr, expect_t *e)
{
    const glia_net_t *net = s->net;

    e->by_score = 0;
    for (int i = 0; i < TERR(s)->count; i++) {
        const glia_territory_t *a = &TERR(s)->t[i];
        double sum = 0.0;
        if (s->cfg.learner.astrocyte.sensing == GLIA_SENSE_FIRING) {
            for (int k = 0; k < a->n_ids; k++)
                sum += pf[a->ids[k]];
            e->score[i] = a->n_ids ? sum / a->n_ids : 0.0;
        } else {
            for (int k = 0; k < a->n_syn; k++)
                if (pf[net->pre[a->syn[k]]])
                    sum += fabs(w[a->syn[k]]);
            e->score[i] = a->n_syn ? sum / a->n_syn : 0.0;
        }
        e->by_score += e->score[i] > thr[i];
    }
    /* Stable: repeatedly take the best remaining, the lowest id among equals. */
    {
        uint8_t used[GLIA_MAX_ASTROCYTES] = {0};
        for (int r = 0; r < TERR(s)->count; r++) {
            int best = -1;
            for (int i = 0; i < TERR(s)->count; i++)
                if (!used[i] && (best < 0 || e->score[i] > e->score[best]))
                    best = i;
            used[best] = 1;
            e->order[r] = best;
        }
    }
}

/* Run `steps` steps of a no-exploration session, checking every selection against the
 * sensing state, weights and thresholds from before the step. */
static void check_selection(glia_session_t *s, int steps)
{
    const glia_net_t *net = s->net;
    uint8_t *pf = malloc((size_t)net->id_space);
    double *w = malloc((size_t)net->n_syn * sizeof(double));
    int all_below = 0;

    cr_assert(pf && w);
    for (int t = 0; t < steps; t++) {
        glia_step_info_t info;
        expect_t e;
        double thr[GLIA_MAX_ASTROCYTES];
        int want[3], n_want = 0;
        const int at_start = s->step_in_episode == 0;

        memcpy(pf, ST(s)->prev_fired, (size_t)net->id_space);
        memcpy(w, net->w, (size_t)net->n_syn * sizeof(double));
        for (int i = 0; i < TERR(s)->count; i++)
            thr[i] = ST(s)->astro[i].threshold;
        cr_assert_eq(glia_session_step(s, &info), 0);
        if (at_start) { /* the episode's first step restarts sensing from its pattern */
            memset(pf, 0, (size_t)net->id_space);
            for (int i = 0; i < net->n_driven; i++)
                pf[net->id[net->driven[i]]] = (s->cfg.task.patterns[info.pattern].input >> i) & 1;
        }
        expected_scores(s, pf, w, thr, &e);
        for (int r = 0; r < TERR(s)->count && n_want < 3; r++)
            if (e.score[e.order[r]] > thr[e.order[r]])
                want[n_want++] = e.order[r];
        if (n_want == 0) {
            want[n_want++] = e.order[0];
            all_below++;
        }
        cr_assert(info.n_active >= 1 && info.n_active <= 3, "step %d: %d active", t, info.n_active);
        cr_assert_eq(info.n_active, n_want, "step %d", t);
        for (int k = 0; k < n_want; k++)
            cr_assert_eq(info.active[k], want[k], "step %d: active[%d]", t, k);
    }
    cr_assert(all_below > 0, "the fallback to the best-scoring astrocyte was exercised");
    free(pf);
    free(w);
}

Test(astrocyte, selection_by_firing_score_follows_the_spec)
{
    glia_session_t *s = preset_session("astrocyte-firing", 42);
    check_selection(s, 3000);
    glia_session_free(s);
}

Test(astrocyte, selection_by_traffic_score_follows_the_spec)
{
    glia_session_t *s = preset_session("astrocyte-traffic", 137);
    check_selection(s, 3000);
    glia_session_free(s);
}

Test(astrocyte, selection_ties_keep_id_order)
{
    /* One pattern, input 00000: at every episode start no neuron has fired, all eight
     * scores are 0, nobody is above threshold, and the one selected is the first of a
     * stable sort: astrocyte 0. */
    glia_config_t cfg;
    glia_session_t *s;

    cr_assert_eq(glia_config_preset(&cfg, "astrocyte-firing"), 0);
    cfg.task.count = 1;
    cfg.task.patterns[0].input = 0;
    cfg.task.patterns[0].target = 0x15;
    s = new_session(&cfg, 42);
    for (int ep = 0; ep < 20; ep++) {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.n_active, 1);
        cr_assert_eq(info.active[0], 0, "episode %d selected %d", ep, info.active[0]);
        glia_session_advance(s, 9, UINT64_MAX);
    }
    glia_session_free(s);
}

/* Count generator draws of one step (mulberry32-js below 2^53: one draw adds exactly
 * 1831565813 to the state; a step perturbs ~1000 synapses, so 2^53 is passed after
 * ~2400 steps and the runs below stay short of it). Each step draws: the pattern, one
 * exploration draw per astrocyte not active by score, two uniforms per perturbed
 * synapse. */
static void check_draws(glia_session_t *s, int steps, int exploring)
{
    for (int t = 0; t < steps; t++) {
        glia_step_info_t info;
        double thr[GLIA_MAX_ASTROCYTES], before = s->rng.s, draws;
        int below = 0;
        for (int i = 0; i < TERR(s)->count; i++)
            thr[i] = ST(s)->astro[i].threshold;
        cr_assert_eq(glia_session_step(s, &info), 0);
        for (int i = 0; i < TERR(s)->count; i++)
            below += !(ST(s)->score[i] > thr[i]);
        cr_assert(s->rng.s < 0x1p53, "step %d: past 2^53 draws no longer count exactly", t);
        draws = (s->rng.s - before) / MULBERRY_INC;
        cr_assert_eq(draws, 1.0 + (exploring ? below : 0) + 2.0 * info.n_eligible,
                     "step %d: %.0f draws, %d below threshold, %d eligible", t, draws, below,
                     info.n_eligible);
    }
}

Test(astrocyte, exploration_draws_only_for_astrocytes_below_threshold)
{
    glia_session_t *s = preset_session("epsilon", 42);
    check_draws(s, 1500, 1);
    glia_session_free(s);
    s = preset_session("maturity", 271);
    check_draws(s, 1500, 1);
    glia_session_free(s);
}

Test(astrocyte, no_exploration_takes_no_selection_draws)
{
    glia_session_t *s = preset_session("astrocyte-firing", 42);
    check_draws(s, 1500, 0);
    glia_session_free(s);
    s = preset_session("astrocyte-traffic", 42);
    check_draws(s, 1500, 0);
    glia_session_free(s);
}

Test(astrocyte, epsilon_activations_count_only_selected_astrocytes)
{
    /* flat_rate 1: every astrocyte below threshold activates by exploration, so all eight
     * are active; only the first three (sorted) are selected, and only those of them
     * that were below threshold count an epsilon activation. */
    glia_config_t cfg;
    glia_session_t *s;
    uint64_t eps_total = 0, selected_below = 0, explored = 0;

    cr_assert_eq(glia_config_preset(&cfg, "epsilon"), 0);
    cfg.learner.astrocyte.flat_rate = 1.0;
    s = new_session(&cfg, 42);
    for (int t = 0; t < 2000; t++) {
        glia_step_info_t info;
        uint64_t eps_before[8];
        double thr[8];
        for (int i = 0; i < 8; i++) {
            eps_before[i] = ST(s)->astro[i].epsilon_activations;
            thr[i] = ST(s)->astro[i].threshold;
        }
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.n_active, 3, "step %d", t);
        for (int i = 0; i < 8; i++) {
            int selected = 0, below = !(ST(s)->score[i] > thr[i]);
            for (int k = 0; k < info.n_active; k++)
                selected |= info.active[k] == i;
            cr_assert_eq(ST(s)->astro[i].epsilon_activations - eps_before[i],
                         (uint64_t)(selected && below), "step %d astrocyte %d", t, i);
            selected_below += selected && below;
            explored += below;
        }
    }
    for (int i = 0; i < 8; i++) {
        astro_view_t a;
        astro_info(s, i, &a);
        eps_total += a.epsilon_activations;
        cr_assert(a.epsilon_activations <= a.activations);
    }
    cr_assert_eq(eps_total, selected_below);
    cr_assert(explored > eps_total, "some explorers were not selected and not counted");
    glia_session_free(s);
}

/* Thresholds: every adapt_interval steps, each astrocyte with history moves by one step
 * in doubles, clamped. The history is the last `history` outcomes of its selections. */
static void check_adaptation(glia_config_t *cfg, uint32_t seed, int steps)
{
    const int na = cfg->learner.astrocyte.per_cluster * cfg->network.clusters;
    const int cap = cfg->learner.astrocyte.history;
    glia_session_t *s = new_session(cfg, seed);
    double thr[GLIA_MAX_ASTROCYTES];
    uint8_t hist[GLIA_MAX_ASTROCYTES][GLIA_MAX_HISTORY];
    int len[GLIA_MAX_ASTROCYTES] = {0}, head[GLIA_MAX_ASTROCYTES] = {0};
    int moved = 0, clamped = 0;

    for (int i = 0; i < na; i++)
        thr[i] = cfg->learner.astrocyte.threshold_init;
    for (int t = 1; t <= steps; t++) {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        for (int k = 0; k < info.n_active; k++) {
            int i = info.active[k];
            hist[i][head[i]] = (uint8_t)info.kept;
            head[i] = (head[i] + 1) % cap;
            len[i] += len[i] < cap;
        }
        for (int i = 0; i < na; i++) {
            astro_view_t a;
            int sum = 0;
            astro_info(s, i, &a);
            for (int k = 0; k < len[i]; k++)
                sum += hist[i][k];
            cr_assert_eq(a.history_len, len[i]);
            cr_assert_eq(a.success_rate, len[i] ? (double)sum / len[i] : 0.0);
            if (t % cfg->learner.astrocyte.adapt_interval == 0 && len[i] > 0) {
                double rate = (double)sum / len[i], old = thr[i];
                if (rate > cfg->learner.astrocyte.success_high)
                    thr[i] = fmax(cfg->learner.astrocyte.threshold_min,
                                  thr[i] - cfg->learner.astrocyte.threshold_step);
                else if (rate < cfg->learner.astrocyte.success_low)
                    thr[i] = fmin(cfg->learner.astrocyte.threshold_max,
                                  thr[i] + cfg->learner.astrocyte.threshold_step);
                moved += thr[i] != old;
                clamped += thr[i] == cfg->learner.astrocyte.threshold_min ||
                           thr[i] == cfg->learner.astrocyte.threshold_max;
            }
            cr_assert_eq(a.threshold, thr[i], "step %d astrocyte %d: %.17g, model %.17g", t, i,
                         a.threshold, thr[i]);
            cr_assert(a.threshold >= cfg->learner.astrocyte.threshold_min &&
                      a.threshold <= cfg->learner.astrocyte.threshold_max);
        }
    }
    cr_assert(moved > 0, "thresholds never moved");
    cr_assert(clamped > 0, "no threshold reached a bound");
    glia_session_free(s);
}

Test(astrocyte, thresholds_adapt_every_interval_in_doubles)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, "astrocyte-firing"), 0);
    check_adaptation(&cfg, 42, 5000);
    cr_assert_eq(glia_config_preset(&cfg, "epsilon"), 0);
    cfg.learner.astrocyte.adapt_interval = 7;
    cfg.learner.astrocyte.history = 5;
    cfg.learner.astrocyte.threshold_min = 0.3;
    cfg.learner.astrocyte.threshold_max = 0.6;
    check_adaptation(&cfg, 137, 5000);
}

Test(astrocyte, thresholds_carry_double_rounding_like_the_reference)
{
    /* tests/data/reference-500/epsilon-seed137.json: final thresholds 0.6299999999999998
     * and 0.18999999999999972 - repeated +-0.01 in doubles, not integer hundredths. */
    glia_session_t *s = preset_session("epsilon", 137);
    astro_view_t a4, a5, a0;

    cr_assert_eq(glia_session_run_episodes(s, 500), 0);
    astro_info(s, 0, &a0);
    astro_info(s, 4, &a4);
    astro_info(s, 5, &a5);
    cr_assert_eq(a4.threshold, 0.6299999999999998, "%.17g", a4.threshold);
    cr_assert_neq(a4.threshold, 0.63);
    cr_assert_eq(a5.threshold, 0.18999999999999972, "%.17g", a5.threshold);
    cr_assert_eq(a0.threshold, 0.1, "clamped exactly at the minimum");
    glia_session_free(s);
}

Test(astrocyte, activation_counts_add_up)
{
    static const char *const presets[] = {"astrocyte-firing", "astrocyte-traffic", "epsilon",
                                          "maturity"};
    for (int p = 0; p < 4; p++) {
        glia_session_t *s = preset_session(presets[p], 271);
        uint64_t by[8][8] = {{0}}, act[8] = {0}, succ[8] = {0}, selections = 0;
        for (int t = 0; t < 2000; t++) {
            glia_step_info_t info;
            cr_assert_eq(glia_session_step(s, &info), 0);
            for (int k = 0; k < info.n_active; k++) {
                by[info.active[k]][info.pattern]++;
                act[info.active[k]]++;
                succ[info.active[k]] += (uint64_t)info.kept;
            }
            selections += (uint64_t)info.n_active;
        }
        for (int i = 0; i < 8; i++) {
            astro_view_t a;
            uint64_t sum = 0;
            astro_info(s, i, &a);
            for (int k = 0; k < 8; k++) {
                cr_assert_eq(a.activations_by_pattern[k], by[i][k], "%s astrocyte %d P%d",
                             presets[p], i, k + 1);
                sum += a.activations_by_pattern[k];
            }
            cr_assert_eq(sum, a.activations, "%s astrocyte %d", presets[p], i);
            cr_assert_eq(a.activations, act[i]);
            cr_assert_eq(a.successes, succ[i]);
            selections -= a.activations;
        }
        cr_assert_eq(selections, 0);
        glia_session_free(s);
    }
}

Test(astrocyte, exploration_rate_by_mode)
{
    glia_session_t *s = preset_session("maturity", 42);
    astro_view_t a;

    cr_assert_eq(glia_session_run_episodes(s, 100), 0);
    for (int i = 0; i < 8; i++) {
        astro_info(s, i, &a);
        cr_assert_eq(a.exploration_rate, 0.30 / (1.0 + (double)a.activations / 2000.0));
    }
    glia_session_free(s);
    s = preset_session("epsilon", 42);
    astro_info(s, 3, &a);
    cr_assert_eq(a.exploration_rate, 0.01);
    glia_session_free(s);
    s = preset_session("astrocyte-firing", 42);
    astro_info(s, 3, &a);
    cr_assert_eq(a.exploration_rate, 0.0);
    glia_session_free(s);
}

Test(astrocyte, larger_grids_and_limits)
{
    /* 9 per cluster on a 3x3 grid, up to 5 active: the limits hold and every
     * astrocyte's cell centre lies inside its cluster's box. */
    glia_config_t cfg;
    glia_session_t *s;

    cr_assert_eq(glia_config_preset(&cfg, "epsilon"), 0);
    cfg.learner.astrocyte.per_cluster = 9;
    cfg.learner.astrocyte.min_active = 2;
    cfg.learner.astrocyte.max_active = 5;
    s = new_session(&cfg, 42);
    cr_assert_eq(astro_count(s), 18);
    for (int t = 0; t < 1000; t++) {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert(info.n_active >= 2 && info.n_active <= 5, "step %d: %d", t, info.n_active);
        for (int k = 0; k < info.n_active; k++)
            for (int m = 0; m < k; m++)
                cr_assert_neq(info.active[k], info.active[m], "selected twice");
    }
    {
        astro_view_t a0, a1, a4;
        astro_info(s, 0, &a0);
        astro_info(s, 1, &a1);
        astro_info(s, 4, &a4);
        cr_assert(a0.x < a1.x && a0.y == a1.y, "row-major grid");
        cr_assert(a4.x > a0.x && a4.y > a0.y, "the middle cell");
    }
    glia_session_free(s);
}

/* selection uniform: each step draws max_active distinct astrocytes, one generator draw
 * each (a partial Fisher-Yates shuffle of the ids, recomputed here from a copy of the
 * generator), whatever their sensing scores; over many steps each is chosen about
 * equally often. */
Test(astrocyte, uniform_selection_draws_max_active_distinct_astrocytes)
{
    glia_config_t cfg;
    glia_session_t *s;
    int count[8] = {0};
    const int steps = 4000;

    glia_config_default(&cfg);
    cfg.training.reward_scope = GLIA_SCOPE_TASK; /* no pattern draw: selection draws first */
    cfg.learner.astrocyte.selection = GLIA_SELECT_UNIFORM;
    cfg.learner.astrocyte.max_active = 3;
    s = new_session(&cfg, 77);
    for (int t = 0; t < steps; t++) {
        glia_step_info_t info;
        glia_rng_t copy = s->rng;
        int order[8];
        for (int i = 0; i < 8; i++)
            order[i] = i;
        for (int r = 0; r < 3; r++) {
            int j = r + (int)(glia_rng_next(&copy) * (8 - r)), tmp = order[j];
            order[j] = order[r];
            order[r] = tmp;
        }
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.n_active, 3, "step %d", t);
        for (int k = 0; k < 3; k++) {
            cr_assert_eq(info.active[k], order[k], "step %d, pick %d", t, k);
            count[info.active[k]]++;
        }
    }
    for (int i = 0; i < 8; i++) {
        astro_view_t a;
        astro_info(s, i, &a);
        cr_assert_eq(a.activations, (uint64_t)count[i]);
        cr_assert_eq(a.epsilon_activations, 0, "uniform draws are not exploration");
        /* expected 1500 each; sd about 34 */
        cr_expect(count[i] > 1350 && count[i] < 1650, "astrocyte %d chosen %d times", i, count[i]);
        for (int p = 0; p < 8; p++)
            cr_assert_eq(a.activations_by_pattern[p], 0, "task steps have no pattern");
    }
    glia_session_free(s);
}

/* Under task-level reward, sensing reads the mean firing of the current weights over the
 * task: the astrocyte whose territory fires most is chosen (no exploration). */
Test(astrocyte, task_reward_sensing_reads_firing_rates_over_the_task)
{
    glia_config_t cfg;
    glia_session_t *s;

    glia_config_default(&cfg);
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    cfg.learner.astrocyte.exploration = GLIA_EXPLORE_NONE;
    cfg.learner.astrocyte.threshold_init = 0.1;
    cfg.learner.astrocyte.threshold_min = 0.0;
    cfg.learner.astrocyte.max_active = 1;
    s = new_session(&cfg, 78);
    for (int t = 0; t < 300; t++) {
        glia_step_info_t info;
        double best = -1.0;
        int want = -1;
        /* The rates of the current weights over all 8 patterns, by position. */
        double rate[80] = {0};
        cr_assert(s->net->n <= 80);
        for (int p = 0; p < 8; p++) {
            glia_net_forward(s->net, s->cfg.task.patterns[p].input, 1);
            for (int j = 0; j < s->net->n; j++)
                rate[j] += s->net->fired[j];
        }
        for (int i = 0; i < 8; i++) {
            const glia_territory_t *tr = &TERR(s)->t[i];
            double sum = 0.0, score;
            for (int k = 0; k < tr->n_ids; k++)
                sum += rate[tr->pos[k]] / 8; /* no id collision: ids are positions */
            score = tr->n_ids ? sum / tr->n_ids : 0.0;
            if (score > best && score > ST(s)->astro[i].threshold) {
                best = score;
                want = i;
            }
        }
        cr_assert_eq(glia_session_step(s, &info), 0);
        if (want >= 0)
            cr_assert_eq(info.active[0], want, "step %d", t);
    }
    glia_session_free(s);
}
