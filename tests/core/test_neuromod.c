/* test_neuromod.c: the phase 1a learner, driven directly, against the reference
 * program's traced runs (tests/data/phase1a-500: 63 runs, every step traced).
 *
 * Each fixture records the reference's resolved config; it is translated here, field by
 * field, into a glia config (an unknown reference key fails the test, so nothing is
 * silently dropped). Then the network is built and checked (counts, draws, hashes of
 * positions, synapse pairs and weights), every step is run and compared (output vector,
 * correct bits, firing, non-zero traces, changed weights, and the sums of w, |w|,
 * thresholds and chemical levels), and finally the hashes, summaries, counters and the
 * inference vectors. Everything is compared with ==: phase 1a has no transcendental
 * function, so the weights agree bit for bit. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/result_json.h"
#include "core/learners/neuromod.h"
#include "core/net_storage.h"
#include "core/presets_phase1a.h"
#include "core/session.h"

static const char *const known_keys[] = {"_skipDampening",
                                         "activityHistoryDecay",
                                         "activityHistoryMinimum",
                                         "ambientFalloff",
                                         "ambientRadius",
                                         "ambientThreshold",
                                         "chemicalDecayRate",
                                         "chemicalDiffusionRadius",
                                         "chemicalDiffusionRadiusMin",
                                         "chemicalFalloff",
                                         "clusterSpacing",
                                         "clustersCount",
                                         "coActivationStrength",
                                         "coSilenceStrength",
                                         "consistencyThreshold",
                                         "fixedOutputThreshold",
                                         "flagDecayOnFlip",
                                         "flagDecayRate",
                                         "flagGateWarmup",
                                         "flagStrengthGain",
                                         "flagStrengthThreshold",
                                         "frustrationFlipStrength",
                                         "frustrationThreshold",
                                         "frustrationWindow",
                                         "hiddenNeuronsPerCluster",
                                         "initialThreshold",
                                         "initialWeightRange",
                                         "inputSize",
                                         "interClusterConnectionProb",
                                         "intraClusterConnectionProb",
                                         "learningRate",
                                         "maxWeightDelta",
                                         "maxWeightMagnitude",
                                         "mismatchStrength",
                                         "modCycling",
                                         "modulatoryPerCluster",
                                         "negativeRewardStrength",
                                         "neuronSpread",
                                         "neuronsPerCluster",
                                         "outputSize",
                                         "perBitReward",
                                         "positiveRewardStrength",
                                         "propagationCycles",
                                         "provisionalWeights",
                                         "rewardAnnealEnd",
                                         "rewardAnnealStart",
                                         "rewardExponent",
                                         "targetFireRate",
                                         "thresholdAdjustRate",
                                         "trainingEpisodes",
                                         "weightDecay",
                                         NULL};

static const char *const task[4][2] = {
    {"10101", "01010"}, {"11000", "00111"}, {"10001", "01110"}, {"01010", "10101"}};

static double num(const json_t *c, const char *key, double dflt)
{
    const json_t *v = json_object_get(c, key);
    return v == NULL || json_is_null(v) ? dflt : json_number_value(v);
}

static int flag_of(const json_t *c, const char *key)
{
    return json_is_true(json_object_get(c, key));
}

static int has(const json_t *c, const char *key)
{
    const json_t *v = json_object_get(c, key);
    return v != NULL && !json_is_null(v);
}

static int falloff_of(const char *name)
{
    if (strcmp(name, "constant") == 0)
        return GLIA_FALLOFF_CONSTANT;
    if (strcmp(name, "inverse") == 0)
        return GLIA_FALLOFF_INVERSE;
    if (strcmp(name, "inverseSquare") == 0)
        return GLIA_FALLOFF_INVERSE_SQUARE;
    cr_assert_str_eq(name, "linear", "unknown falloff %s", name);
    return GLIA_FALLOFF_LINEAR;
}

/* The reference's resolved config (plus which src/ ran and whether the loop passed the
 * episode) as a glia config. A key the reference leaves out is a mechanism that run does
 * not use: its field keeps glia's default. */
static void phase1a_config_from_fixture(const json_t *fx, glia_config_t *cfg)
{
    const json_t *c = json_object_get(fx, "config");
    const char *src = json_string_value(json_object_get(fx, "src"));
    const char *key;
    json_t *v;
    double wlo, whi;

    json_object_foreach((json_t *)c, key, v)
    {
        int known = 0;
        for (int i = 0; known_keys[i]; i++)
            known |= strcmp(known_keys[i], key) == 0;
        cr_assert(known, "fixture config key %s is not translated", key);
    }
    glia_config_default(cfg);
    cfg->rng = GLIA_RNG_MULBERRY32;
    cfg->network.layout = GLIA_LAYOUT_PHASE1A;
    cfg->network.fire_rule = GLIA_FIRE_GE;
    cfg->network.carry_state = 1;
    cfg->network.clusters = (int)num(c, "clustersCount", 0);
    cfg->network.modulatory = (int)num(c, "modulatoryPerCluster", 0);
    cfg->network.regular = (int)num(c, "neuronsPerCluster", 0) - cfg->network.modulatory;
    cfg->network.hidden_cluster_size = (int)num(c, "hiddenNeuronsPerCluster", 0);
    cfg->network.inputs = (int)num(c, "inputSize", 0);
    cfg->network.outputs = (int)num(c, "outputSize", 0);
    cfg->network.input_cluster = 0;
    cfg->network.output_cluster = 1;
    cfg->network.passes = (int)num(c, "propagationCycles", 1);
    cfg->network.spread = 2.0 * num(c, "neuronSpread", 0);
    cfg->network.cluster_spacing = num(c, "clusterSpacing", 0);
    cfg->network.p_intra = num(c, "intraClusterConnectionProb", 0);
    cfg->network.p_inter = num(c, "interClusterConnectionProb", 0);
    wlo = json_number_value(json_array_get(json_object_get(c, "initialWeightRange"), 0));
    whi = json_number_value(json_array_get(json_object_get(c, "initialWeightRange"), 1));
    cr_assert_eq(wlo, -whi, "a symmetric weight range");
    cfg->network.weight_init = whi - wlo;
    cfg->network.threshold = num(c, "initialThreshold", 0);

    cfg->task.count = 4;
    for (int i = 0; i < 4; i++) {
        glia_pattern_parse(task[i][0], &cfg->task.patterns[i].input, &cfg->task.input_width);
        glia_pattern_parse(task[i][1], &cfg->task.patterns[i].target, &cfg->task.target_width);
    }
    cfg->training.steps_per_episode = 1;
    cfg->training.pattern_order = GLIA_ORDER_CYCLE;
    cfg->training.weight_clamp = num(c, "maxWeightMagnitude", 0);

    cfg->learner.kind = GLIA_LEARNER_NEUROMOD;
    cfg->learner.neuromod.episode_clock = json_is_true(json_object_get(fx, "step_gets_episode"))
                                              ? GLIA_CLOCK_EPISODE
                                              : GLIA_CLOCK_ZERO;
    cfg->learner.neuromod.co_activation =
        num(c, "coActivationStrength", cfg->learner.neuromod.co_activation);
    cfg->learner.neuromod.co_silence =
        num(c, "coSilenceStrength", cfg->learner.neuromod.co_silence);
    cfg->learner.neuromod.mismatch = num(c, "mismatchStrength", cfg->learner.neuromod.mismatch);
    cfg->learner.neuromod.ambient_radius =
        num(c, "ambientRadius", cfg->learner.neuromod.ambient_radius);
    cfg->learner.neuromod.ambient_threshold =
        num(c, "ambientThreshold", cfg->learner.neuromod.ambient_threshold);
    cfg->learner.neuromod.history_decay =
        num(c, "activityHistoryDecay", cfg->learner.neuromod.history_decay);
    cfg->learner.neuromod.history_minimum =
        num(c, "activityHistoryMinimum", cfg->learner.neuromod.history_minimum);
    cfg->learner.neuromod.dampening = !flag_of(c, "_skipDampening");
    cfg->learner.neuromod.learning_rate =
        num(c, "learningRate", cfg->learner.neuromod.learning_rate);
    cfg->learner.neuromod.max_delta = num(c, "maxWeightDelta", cfg->learner.neuromod.max_delta);
    cfg->learner.neuromod.weight_decay = num(c, "weightDecay", cfg->learner.neuromod.weight_decay);
    cfg->learner.neuromod.provisional = flag_of(c, "provisionalWeights");
    cfg->learner.neuromod.homeostasis.target_rate =
        num(c, "targetFireRate", cfg->learner.neuromod.homeostasis.target_rate);
    cfg->learner.neuromod.homeostasis.step =
        num(c, "thresholdAdjustRate", cfg->learner.neuromod.homeostasis.step);
    /* The iteration 10b-12 backups count firing and move thresholds every cycle. */
    cfg->learner.neuromod.homeostasis.in_loop =
        strstr(src, "iteration10b") || strstr(src, "iteration11") || strstr(src, "iteration12");
    cfg->learner.neuromod.homeostasis.fixed_outputs = flag_of(c, "fixedOutputThreshold");
    if (num(c, "flagStrengthThreshold", 0) > 0) {
        if (has(c, "consistencyThreshold"))
            cfg->learner.neuromod.flags.mode = GLIA_FLAGS_CONSISTENCY;
        else if (strstr(src, "iteration4") || strstr(src, "iteration5") ||
                 strstr(src, "iteration6") || strstr(src, "iteration8+9"))
            cfg->learner.neuromod.flags.mode = GLIA_FLAGS_SIGNED;
        else
            cfg->learner.neuromod.flags.mode = GLIA_FLAGS_UNSIGNED;
    } else {
        cfg->learner.neuromod.flags.mode = GLIA_FLAGS_NONE;
    }
    cfg->learner.neuromod.flags.gain = num(c, "flagStrengthGain", cfg->learner.neuromod.flags.gain);
    cfg->learner.neuromod.flags.decay = num(c, "flagDecayRate", cfg->learner.neuromod.flags.decay);
    cfg->learner.neuromod.flags.threshold =
        num(c, "flagStrengthThreshold", cfg->learner.neuromod.flags.threshold);
    cfg->learner.neuromod.flags.streak =
        (int)num(c, "consistencyThreshold", cfg->learner.neuromod.flags.streak);
    cfg->learner.neuromod.flags.decay_on_flip =
        num(c, "flagDecayOnFlip", cfg->learner.neuromod.flags.decay_on_flip);
    cfg->learner.neuromod.flags.gate_warmup =
        (int)num(c, "flagGateWarmup", cfg->learner.neuromod.flags.gate_warmup);
    cfg->learner.neuromod.chemical.scope =
        flag_of(c, "perBitReward") ? GLIA_CHEM_PER_BIT : GLIA_CHEM_GLOBAL;
    cfg->learner.neuromod.chemical.falloff =
        falloff_of(json_string_value(json_object_get(c, "chemicalFalloff")));
    cfg->learner.neuromod.chemical.radius =
        num(c, "chemicalDiffusionRadius", cfg->learner.neuromod.chemical.radius);
    cfg->learner.neuromod.chemical.anneal = has(c, "chemicalDiffusionRadiusMin");
    cfg->learner.neuromod.chemical.radius_min =
        num(c, "chemicalDiffusionRadiusMin", cfg->learner.neuromod.chemical.radius_min);
    cfg->learner.neuromod.chemical.anneal_episodes =
        (int)num(c, "trainingEpisodes", cfg->learner.neuromod.chemical.anneal_episodes);
    cfg->learner.neuromod.chemical.decay =
        num(c, "chemicalDecayRate", cfg->learner.neuromod.chemical.decay);
    cfg->learner.neuromod.chemical.positive =
        num(c, "positiveRewardStrength", cfg->learner.neuromod.chemical.positive);
    cfg->learner.neuromod.chemical.negative =
        num(c, "negativeRewardStrength", cfg->learner.neuromod.chemical.negative);
    cfg->learner.neuromod.chemical.cycling = flag_of(c, "modCycling");
    cfg->learner.neuromod.reward.exponent =
        num(c, "rewardExponent", cfg->learner.neuromod.reward.exponent);
    cfg->learner.neuromod.reward.anneal = has(c, "rewardAnnealStart");
    cfg->learner.neuromod.reward.anneal_start =
        num(c, "rewardAnnealStart", cfg->learner.neuromod.reward.anneal_start);
    cfg->learner.neuromod.reward.anneal_end =
        num(c, "rewardAnnealEnd", cfg->learner.neuromod.reward.anneal_end);
    cfg->learner.neuromod.frustration.window =
        (int)num(c, "frustrationWindow", cfg->learner.neuromod.frustration.window);
    cfg->learner.neuromod.frustration.threshold =
        num(c, "frustrationThreshold", cfg->learner.neuromod.frustration.threshold);
    cfg->learner.neuromod.frustration.flip =
        num(c, "frustrationFlipStrength", cfg->learner.neuromod.frustration.flip);
}

static void hex(uint64_t h, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, h);
}

/* Compare and count: the label is a printf format for what is compared. */
static void eq_num(int *diffs, const char *name, double got, double want, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    if (got == want)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    (*diffs)++;
    cr_expect(0, "%s: %s: want %.17g, got %.17g", name, what, want, got);
}

static void eq_str(int *diffs, const char *name, const char *got, const char *want, const char *fmt,
                   ...)
{
    char what[160];
    va_list ap;

    if (want != NULL && strcmp(got, want) == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    (*diffs)++;
    cr_expect(0, "%s: %s: want %s, got %s", name, what, want ? want : "(none)", got);
}

#define EQ_NUM(got, want, ...) eq_num(diffs, name, (double)(got), (want), __VA_ARGS__)
#define EQ_STR(got, want, ...) eq_str(diffs, name, (got), (want), __VA_ARGS__)

static uint32_t draws_since(uint32_t seed, uint32_t state)
{
    /* state = seed + draws * 0x6D2B79F5 (mod 2^32); the increment is odd, so invert it. */
    uint32_t inv = 0x6D2B79F5u;
    for (int i = 0; i < 5; i++)
        inv *= 2u - 0x6D2B79F5u * inv;
    return (state - seed) * inv;
}

static void check_initial(const char *name, const json_t *want, const glia_net_t *net,
                          const glia_neuromod_t *m, uint32_t seed, const glia_rng_t *rng,
                          int *diffs)
{
    static const char *const role_names[] = {"input", "output", "modulatory", "regular"};
    int by_type[4] = {0};
    double *buf;
    char h[17];
    int k;
    const json_t *a, *v;
    size_t i;

    EQ_NUM(net->n, num(want, "neurons", -1), "neurons");
    for (int j = 0; j < net->n; j++)
        by_type[net->role[j]]++;
    for (int r = 0; r < 4; r++)
        EQ_NUM(by_type[r], num(json_object_get(want, "by_type"), role_names[r], -1), "by_type %s",
               role_names[r]);
    k = 0;
    json_array_foreach(json_object_get(want, "input_index"), i, v)
        EQ_NUM(net->driven[k++], json_number_value(v), "input_index %zu", i);
    k = 0;
    json_array_foreach(json_object_get(want, "output_index"), i, v)
        EQ_NUM(net->readout[k++], json_number_value(v), "output_index %zu", i);
    a = json_object_get(want, "modulatory_index");
    EQ_NUM(m->n_mod, json_array_size(a), "modulatory count");
    json_array_foreach(a, i, v) EQ_NUM(m->mod[i], json_number_value(v), "modulatory_index %zu", i);
    json_array_foreach(json_object_get(want, "first_neurons"), i, v)
    {
        int j = (int)num(v, "index", -1);
        char cl[32];
        EQ_STR(role_names[net->role[j]], json_string_value(json_object_get(v, "type")),
               "neuron %d type", j);
        snprintf(cl, sizeof(cl), "cluster_%d", net->cluster[j]);
        EQ_STR(cl, json_string_value(json_object_get(v, "cluster")), "neuron %d cluster", j);
        EQ_NUM(net->x[j], num(v, "x", NAN), "neuron %d x", j);
        EQ_NUM(net->y[j], num(v, "y", NAN), "neuron %d y", j);
        EQ_NUM(net->z[j], num(v, "z", NAN), "neuron %d z", j);
    }
    buf = malloc((size_t)(3 * net->n + 2 * net->n_syn) * sizeof(double));
    cr_assert_not_null(buf);
    for (int j = 0; j < net->n; j++) {
        buf[3 * j] = net->x[j];
        buf[3 * j + 1] = net->y[j];
        buf[3 * j + 2] = net->z[j];
    }
    hex(glia_hash_f64(buf, (size_t)(3 * net->n)), h);
    EQ_STR(h, json_string_value(json_object_get(want, "positions_fnv1a64")), "positions hash");
    for (int s = 0; s < net->n_syn; s++) {
        buf[2 * s] = net->pre[s];
        buf[2 * s + 1] = net->post[s];
    }
    hex(glia_hash_f64(buf, (size_t)(2 * net->n_syn)), h);
    EQ_STR(h, json_string_value(json_object_get(want, "synapse_pairs_fnv1a64")), "pairs hash");
    free(buf);
    {
        glia_net_hashes_t nh;
        glia_net_hashes(net, &nh);
        hex(nh.positions, h);
        EQ_STR(h, json_string_value(json_object_get(want, "positions_fnv1a64")),
               "glia_net_hashes positions");
        hex(nh.pairs, h);
        EQ_STR(h, json_string_value(json_object_get(want, "synapse_pairs_fnv1a64")),
               "glia_net_hashes pairs");
    }
    EQ_NUM(net->n_syn, num(want, "synapses", -1), "synapses");
    json_array_foreach(json_object_get(want, "first_synapses"), i, v)
    {
        EQ_NUM(net->pre[i], num(v, "pre", -1), "synapse %zu pre", i);
        EQ_NUM(net->post[i], num(v, "post", -1), "synapse %zu post", i);
        EQ_NUM(net->w[i], num(v, "weight", NAN), "synapse %zu weight", i);
    }
    v = json_object_get(want, "last_synapse");
    EQ_NUM(net->pre[net->n_syn - 1], num(v, "pre", -1), "last synapse pre");
    EQ_NUM(net->post[net->n_syn - 1], num(v, "post", -1), "last synapse post");
    EQ_NUM(net->w[net->n_syn - 1], num(v, "weight", NAN), "last synapse weight");
    hex(glia_hash_f64(net->w, (size_t)net->n_syn), h);
    EQ_STR(h, json_string_value(json_object_get(want, "weights_fnv1a64")), "weights hash");
    EQ_NUM(glia_net_weight_sum(net), num(want, "weight_sum", NAN), "weight sum");
    EQ_NUM(m->nb_start[net->n], num(want, "neighbour_count_sum", -1), "neighbour count sum");
    EQ_NUM(draws_since(seed, (uint32_t)rng->x[0]), num(want, "rng_draws", -1), "rng draws");
    EQ_NUM(glia_rng_draws(rng, seed), num(want, "rng_draws", -1), "glia_rng_draws");
}

/* Frozen-weight inference from the state training left (spec 6): save, clamp, P
 * cycles, read, restore. */
static uint64_t infer(glia_net_t *net, uint64_t input, int passes)
{
    uint8_t saved[GLIA_MAX_NEURONS];
    uint64_t out;

    memcpy(saved, net->fired, (size_t)net->n);
    glia_net_forward(net, input, passes);
    out = glia_net_output(net);
    memcpy(net->fired, saved, (size_t)net->n);
    return out;
}

static void run_fixture(const char *file)
{
    char path[512], name[256];
    json_error_t jerr;
    json_t *fx, *trace, *fin, *inf, *cnt;
    glia_config_t cfg;
    glia_error_t err;
    glia_rng_t rng;
    glia_net_t *net;
    glia_neuromod_t m;
    glia_neuromod_summary_t sum;
    uint32_t seed;
    int episodes, stride, diffs_v = 0, *diffs = &diffs_v;
    size_t next = 0;
    const json_t *eps;
    char h[17];
    double acc_sum = 0.0, *thr_copy;
    uint64_t outs[4];

    snprintf(name, sizeof(name), "%s", file);
    snprintf(path, sizeof(path), "%s/phase1a-500/%s", GLIA_TEST_DATA, file);
    fx = json_load_file(path, 0, &jerr);
    cr_assert_not_null(fx, "%s: %s", path, jerr.text);
    phase1a_config_from_fixture(fx, &cfg);
    glia_error_clear(&err);
    cr_assert_eq(glia_config_validate(&cfg, &err), 0, "%s: %s %s", name, err.field, err.message);
    seed = (uint32_t)num(fx, "seed", 0);
    episodes = (int)num(fx, "episodes", 0);
    glia_rng_seed(&rng, GLIA_RNG_MULBERRY32, seed);
    net = glia_net_new(&cfg, &rng);
    cr_assert_not_null(net);
    cr_assert_eq(glia__neuromod_init(&m, &cfg, net), 0);
    check_initial(name, json_object_get(fx, "initial"), net, &m, seed, &rng, diffs);

    trace = json_object_get(fx, "trace");
    stride = (int)num(trace, "stride", 1);
    eps = json_object_get(trace, "episode");
    cr_assert(stride >= 1 && json_array_size(eps) > 0);
    for (int ep = 1; ep <= episodes; ep++) {
        glia_neuromod_step_t st;
        const glia_pattern_t *pat = &cfg.task.patterns[(ep - 1) % 4];
        glia__neuromod_step(&m, &cfg, net, pat, (uint64_t)ep, &st);
        if (next < json_array_size(eps) && json_integer_value(json_array_get(eps, next)) == ep) {
            char outv[8];
            double wsum = 0, asum = 0, tsum = 0, csum = 0;
            int before = diffs_v;
            glia_pattern_format(st.output, 5, outv);
#define AT(key) json_array_get(json_object_get(trace, key), next)
            EQ_STR(outv, json_string_value(AT("outputs")), "step %d outputs", ep);
            EQ_NUM(st.correct, json_number_value(AT("correct")), "step %d correct", ep);
            EQ_NUM(st.fired, json_number_value(AT("fired")), "step %d fired", ep);
            EQ_NUM(st.trace_nonzero, json_number_value(AT("trace_nonzero")),
                   "step %d trace_nonzero", ep);
            EQ_NUM(st.changed, json_number_value(AT("changed")), "step %d changed", ep);
            for (int s = 0; s < net->n_syn; s++) {
                wsum += net->w[s];
                asum += fabs(net->w[s]);
                csum += m.chem[s];
            }
            for (int j = 0; j < net->n; j++)
                tsum += net->thr[j];
            EQ_NUM(wsum, json_number_value(AT("weight_sum")), "step %d weight_sum", ep);
            EQ_NUM(asum, json_number_value(AT("abs_weight_sum")), "step %d abs_weight_sum", ep);
            EQ_NUM(tsum, json_number_value(AT("threshold_sum")), "step %d threshold_sum", ep);
            EQ_NUM(csum, json_number_value(AT("chemical_sum")), "step %d chemical_sum", ep);
#undef AT
            next++;
            if (diffs_v != before)
                break; /* the first diverging step says it all */
        }
    }
    cr_expect_eq(diffs_v, 0, "%s: diverged", name);
    if (diffs_v != 0)
        goto done;
    cr_expect_eq(next, json_array_size(eps), "%s: every traced step was checked", name);

    cnt = json_object_get(fx, "counters");
    for (int c = 0; c <= 5; c++)
        EQ_NUM(m.steps_by_correct[c],
               json_number_value(json_array_get(json_object_get(cnt, "steps_by_correct"), c)),
               "steps_by_correct[%d]", c);
    EQ_NUM(m.changed_total, num(cnt, "changed_total", -1), "changed_total");
    EQ_NUM(m.trace_nonzero_total, num(cnt, "trace_nonzero_total", -1), "trace_nonzero_total");
    EQ_NUM(m.provisional_reverts, num(cnt, "provisional_reverts", -1), "provisional_reverts");

    fin = json_object_get(fx, "final");
    EQ_NUM(glia_net_weight_sum(net), num(fin, "weight_sum", NAN), "final weight_sum");
    EQ_NUM(glia_net_mean_abs_weight(net), num(fin, "mean_abs_weight", NAN), "mean_abs_weight");
    hex(glia_hash_f64(net->w, (size_t)net->n_syn), h);
    EQ_STR(h, json_string_value(json_object_get(fin, "weights_fnv1a64")), "final weights hash");
    for (size_t i = 0; i < json_array_size(json_object_get(fin, "weights_head")); i++)
        EQ_NUM(net->w[i],
               json_number_value(json_array_get(json_object_get(fin, "weights_head"), i)),
               "weights_head[%zu]", i);
    thr_copy = net->thr;
    hex(glia_hash_f64(thr_copy, (size_t)net->n), h);
    EQ_STR(h, json_string_value(json_object_get(fin, "thresholds_fnv1a64")), "thresholds hash");
    {
        double tsum = 0;
        for (int j = 0; j < net->n; j++)
            tsum += net->thr[j];
        EQ_NUM(tsum, num(fin, "threshold_sum", NAN), "threshold_sum");
    }
    for (int i = 0; i < net->n_readout; i++)
        EQ_NUM(net->thr[net->readout[i]],
               json_number_value(json_array_get(json_object_get(fin, "output_thresholds"), i)),
               "output threshold %d", i);
    glia__neuromod_summary(&m, &cfg, net, &sum);
    EQ_NUM(sum.fire_counts_sum, num(fin, "fire_counts_sum", -1), "fire_counts_sum");
    EQ_NUM(sum.flag_sum, num(fin, "flag_sum", NAN), "flag_sum");
    if (json_is_null(json_object_get(fin, "flags_latched")))
        EQ_NUM(sum.flags_latched, -1, "flags_latched (null: flags off)");
    else
        EQ_NUM(sum.flags_latched, num(fin, "flags_latched", -2), "flags_latched");
    EQ_NUM(sum.frustration_flips, num(fin, "frustration_flips", -1), "frustration_flips");
    EQ_NUM(sum.frustration_flipped_synapses, num(fin, "frustration_flipped_synapses", -1),
           "frustration_flipped_synapses");
    EQ_NUM(sum.chemical_sum, num(fin, "chemical_sum", NAN), "chemical_sum");
    EQ_NUM(sum.activity_history_sum, num(fin, "activity_history_sum", NAN), "activity_history_sum");
    EQ_NUM(sum.chemical_radius, num(fin, "chemical_radius", NAN), "chemical_radius");
    {
        const json_t *ob = json_object_get(fin, "output_bound_flags");
        EQ_NUM(sum.output_bound_n, num(ob, "n", -1), "output_bound n");
        EQ_NUM(sum.output_bound_latched, num(ob, "latched", -1), "output_bound latched");
        EQ_NUM(sum.output_bound_building, num(ob, "building", -1), "output_bound building");
        EQ_NUM(sum.output_bound_mean_abs, num(ob, "mean_abs", NAN), "output_bound mean_abs");
    }

    inf = json_object_get(fx, "inference");
    {
        int distinct = 0, exact = 0;
        for (int p = 0; p < 4; p++) {
            const json_t *wp = json_array_get(json_object_get(inf, "patterns"), (size_t)p);
            char outv[8];
            double acc;
            outs[p] = infer(net, cfg.task.patterns[p].input, cfg.network.passes);
            glia_pattern_format(outs[p], 5, outv);
            acc = glia_reward_binary(outs[p], cfg.task.patterns[p].target, 5);
            EQ_STR(outv, json_string_value(json_object_get(wp, "output")), "inference P%d", p + 1);
            EQ_NUM(acc, num(wp, "accuracy", NAN), "inference P%d accuracy", p + 1);
            acc_sum += acc;
            distinct += 1;
            for (int q = 0; q < p; q++) {
                if (outs[q] == outs[p]) {
                    distinct--;
                    break;
                }
            }
            exact += outs[p] == cfg.task.patterns[p].target;
        }
        EQ_NUM(acc_sum / 4, num(inf, "mean_accuracy", NAN), "inference mean");
        EQ_NUM(distinct, num(inf, "distinct_outputs", -1), "distinct outputs");
        EQ_NUM(distinct == 1, json_is_true(json_object_get(inf, "constant_output")),
               "constant output");
        EQ_NUM(exact, num(inf, "exact_matches", -1), "exact matches");
    }
    cr_expect_eq(diffs_v, 0, "%s: %d differences", name, diffs_v);

done:
    glia__neuromod_destroy(&m);
    glia_net_free(net);
    json_decref(fx);
}

Test(neuromod, every_phase1a_fixture_matches_bit_for_bit, .timeout = 600)
{
    char dir[512];
    DIR *d;
    struct dirent *de;
    int n = 0;

    snprintf(dir, sizeof(dir), "%s/phase1a-500", GLIA_TEST_DATA);
    d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        run_fixture(de->d_name);
        n++;
    }
    closedir(d);
    cr_assert_eq(n, 63, "63 fixtures, found %d", n);
}

/* The first field where two configs differ, for messages. */
static const char *first_difference(const glia_config_t *a, const glia_config_t *b)
{
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        size_t size = f->type == GLIA_FIELD_DOUBLE ? sizeof(double) : sizeof(int);
        if (memcmp((const char *)a + f->offset, (const char *)b + f->offset, size) != 0)
            return f->pointer;
    }
    return glia_config_equal(a, b) ? "(none)" : "/task";
}

Test(neuromod, presets_are_the_configurations_the_fixtures_ran)
{
    char dir[512];
    DIR *d;
    struct dirent *de;
    int n = 0;

    cr_assert(glia__preset_phase1a_check(), "every parent and pointer of the preset table exists");
    snprintf(dir, sizeof(dir), "%s/phase1a-500", GLIA_TEST_DATA);
    d = opendir(dir);
    cr_assert_not_null(d);
    while ((de = readdir(d)) != NULL) {
        char path[1024], preset[64];
        json_error_t jerr;
        json_t *fx;
        glia_config_t want, got;
        const char *exp, *src;
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        fx = json_load_file(path, 0, &jerr);
        cr_assert_not_null(fx, "%s", jerr.text);
        phase1a_config_from_fixture(fx, &want);
        exp = json_string_value(json_object_get(fx, "experiment"));
        src = json_string_value(json_object_get(fx, "src"));
        snprintf(preset, sizeof(preset), "exp%s-%s",
                 json_string_value(json_object_get(fx, "variant")),
                 json_string_value(json_object_get(fx, "condition")));
        cr_assert_eq(glia_config_preset(&got, preset), 0, "%s: no preset %s", de->d_name, preset);
        /* The published 004-006 ran signed flags; the fixtures without "signedflags" ran
         * the reference's final code, one field away. */
        if (strcmp(src, "phase1a/src") == 0 &&
            (strcmp(exp, "004") == 0 || strcmp(exp, "005") == 0 || strcmp(exp, "006") == 0)) {
            cr_assert_eq(got.learner.neuromod.flags.mode, GLIA_FLAGS_SIGNED, "%s", preset);
            got.learner.neuromod.flags.mode = GLIA_FLAGS_UNSIGNED;
        }
        want.training.trajectory_interval = got.training.trajectory_interval;
        cr_expect(glia_config_equal(&want, &got), "%s: preset %s differs at %s", de->d_name, preset,
                  first_difference(&want, &got));
        json_decref(fx);
        n++;
    }
    closedir(d);
    cr_assert_eq(n, 63);
}

/* Spec section 11: exp 012b Full model, seed 42, 1000 steps. */
Test(neuromod, exp012b_full_seed42_1000_steps_is_the_attractor)
{
    glia_config_t cfg;
    glia_rng_t rng;
    glia_net_t *net;
    glia_neuromod_t m;
    char h[17];
    int first_11111 = 0, all_11111_after = 1;

    cr_assert_eq(glia_config_preset(&cfg, "exp012b-full"), 0);
    glia_rng_seed(&rng, cfg.rng, 42);
    net = glia_net_new(&cfg, &rng);
    cr_assert_not_null(net);
    cr_assert_eq(draws_since(42, (uint32_t)rng.x[0]), 4908);
    cr_assert_eq(net->n_syn, 1648);
    cr_assert_eq(glia__neuromod_init(&m, &cfg, net), 0);
    for (int ep = 1; ep <= 1000; ep++) {
        glia_neuromod_step_t st;
        glia__neuromod_step(&m, &cfg, net, &cfg.task.patterns[(ep - 1) % 4], (uint64_t)ep, &st);
        if (ep <= 4)
            cr_assert_eq(st.output, 0, "step %d outputs 00000", ep);
        if (st.output == 0x1f && first_11111 == 0)
            first_11111 = ep;
        if (ep >= 49 && st.output != 0x1f)
            all_11111_after = 0;
    }
    cr_assert_eq(first_11111, 49);
    cr_assert(all_11111_after, "[11111] at every step from step 49 on");
    cr_assert_eq(m.steps_by_correct[3], 729);
    cr_assert_eq(m.steps_by_correct[2], 269);
    cr_assert_eq(glia_net_weight_sum(net), 1659.0194842789535);
    cr_assert_eq(glia_net_mean_abs_weight(net), 1.0066865802663554);
    hex(glia_hash_f64(net->w, (size_t)net->n_syn), h);
    cr_assert_str_eq(h, "a5523ca3818ad8e2");
    /* The spec gives "output thresholds = 9.38-9.44"; this run (whose weights hash
     * equal) ends at 9.38, 9.36, 9.44, 9.41, 9.36 (each 0.01 steps from 0.5, summed in
     * doubles): the regulated outputs climb without bound in the attractor. */
    {
        static const double want[5] = {9.38, 9.36, 9.44, 9.41, 9.36};
        for (int i = 0; i < net->n_readout; i++) {
            double t = net->thr[net->readout[i]];
            cr_assert(fabs(t - want[i]) < 1e-9, "output threshold %d = %.17g", i, t);
        }
    }
    for (int p = 0; p < 4; p++)
        cr_assert_eq(infer(net, cfg.task.patterns[p].input, 1), 0x1f, "P%d infers 11111", p + 1);
    glia__neuromod_destroy(&m);
    glia_net_free(net);
}

/* want ⊆ got, numbers with ==. */
static void subset(const json_t *want, const json_t *got, const char *path, const char *name,
                   int *diffs)
{
    char sub[256];

    if (json_is_object(want)) {
        const char *key;
        json_t *v;
        if (!json_is_object(got)) {
            (*diffs)++;
            cr_expect(0, "%s: %s: not an object", name, path);
            return;
        }
        json_object_foreach((json_t *)want, key, v)
        {
            snprintf(sub, sizeof(sub), "%s/%s", path, key);
            if (json_object_get(got, key) == NULL) {
                (*diffs)++;
                cr_expect(0, "%s: %s: missing", name, sub);
                continue;
            }
            subset(v, json_object_get(got, key), sub, name, diffs);
        }
    } else if (json_is_array(want)) {
        if (!json_is_array(got) || json_array_size(got) != json_array_size(want)) {
            (*diffs)++;
            cr_expect(0, "%s: %s: array of %zu expected", name, path, json_array_size(want));
            return;
        }
        for (size_t i = 0; i < json_array_size(want); i++) {
            snprintf(sub, sizeof(sub), "%s/%zu", path, i);
            subset(json_array_get(want, i), json_array_get(got, i), sub, name, diffs);
        }
    } else if (json_is_number(want)) {
        eq_num(diffs, name, json_is_number(got) ? json_number_value(got) : NAN,
               json_number_value(want), "%s", path);
    } else if (!json_equal((json_t *)want, (json_t *)got)) {
        (*diffs)++;
        cr_expect(0, "%s: %s differs", name, path);
    }
}

/* What `gliad run --preset <p> --seed <s> --episodes <n>` prints carries the fixtures'
 * initial, counters, final and inference members with the same values. */
Test(neuromod, session_results_carry_the_fixture_fields, .timeout = 600)
{
    char dir[512];
    DIR *d;
    struct dirent *de;
    int n = 0;

    snprintf(dir, sizeof(dir), "%s/phase1a-500", GLIA_TEST_DATA);
    d = opendir(dir);
    cr_assert_not_null(d);
    while ((de = readdir(d)) != NULL) {
        char path[1024], preset[64];
        json_error_t jerr;
        json_t *fx, *res, *want_initial, *fn;
        glia_config_t cfg;
        glia_session_t *s;
        glia_error_t err;
        const char *exp, *src, *name = de->d_name;
        int diffs = 0;
        size_t len = strlen(name);
        if (len < 6 || strcmp(name + len - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fx = json_load_file(path, 0, &jerr);
        cr_assert_not_null(fx, "%s", jerr.text);
        exp = json_string_value(json_object_get(fx, "experiment"));
        src = json_string_value(json_object_get(fx, "src"));
        snprintf(preset, sizeof(preset), "exp%s-%s",
                 json_string_value(json_object_get(fx, "variant")),
                 json_string_value(json_object_get(fx, "condition")));
        glia_error_clear(&err);
        if (strcmp(src, "phase1a/src") == 0 &&
            (strcmp(exp, "004") == 0 || strcmp(exp, "005") == 0 || strcmp(exp, "006") == 0)) {
            /* The reference's final code: one field away from the published preset. */
            json_t *o = json_loads("{\"learner\": {\"neuromod\": {\"flags\": {\"mode\": "
                                   "\"unsigned\"}}}}",
                                   0, NULL);
            cr_assert_eq(glia_config_resolve(&cfg, preset, "/preset", o, "/config", &err), 0, "%s",
                         err.message);
            json_decref(o);
        } else {
            cr_assert_eq(glia_config_resolve(&cfg, preset, "/preset", NULL, "/config", &err), 0,
                         "%s: %s", preset, err.message);
        }
        cr_assert_eq(glia_session_new(&cfg, (uint32_t)num(fx, "seed", 0), &s, &err), 0);
        cr_assert_eq(glia_session_run_episodes(s, (uint64_t)num(fx, "episodes", 0)), 0);
        res = glia_result_to_json(s, NULL, 0);
        cr_assert_not_null(res);

        /* first_neurons: the result names a neuron by position and cluster number. */
        want_initial = json_deep_copy(json_object_get(fx, "initial"));
        fn = json_object_get(want_initial, "first_neurons");
        for (size_t i = 0; i < json_array_size(fn); i++) {
            json_t *w = json_array_get(fn, i);
            json_t *g = json_array_get(
                json_object_get(json_object_get(res, "initial"), "first_neurons"), i);
            char cl[32];
            snprintf(cl, sizeof(cl), "cluster_%d", (int)num(g, "cluster", -1));
            eq_num(&diffs, name, num(g, "position", -1), num(w, "index", -2), "neuron %zu", i);
            eq_str(&diffs, name, cl, json_string_value(json_object_get(w, "cluster")),
                   "neuron %zu cluster", i);
            json_object_del(w, "index");
            json_object_del(w, "cluster");
        }
        subset(want_initial, json_object_get(res, "initial"), "/initial", name, &diffs);
        subset(json_object_get(fx, "counters"), json_object_get(res, "counters"), "/counters", name,
               &diffs);
        subset(json_object_get(fx, "final"), json_object_get(res, "final"), "/final", name, &diffs);
        subset(json_object_get(fx, "inference"), json_object_get(res, "inference"), "/inference",
               name, &diffs);
        cr_expect_eq(diffs, 0, "%s (%s): %d differences", name, preset, diffs);
        json_decref(want_initial);
        json_decref(res);
        glia_session_free(s);
        json_decref(fx);
        n++;
    }
    closedir(d);
    cr_assert_eq(n, 63);
}
