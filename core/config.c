/* config.c: defaults, reference presets, the field table and the validator. */
#include "core/config.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"

static const char *const rng_names[] = {"mulberry32-js", "xoshiro256ss", "mulberry32", NULL};
static const char *const learner_names[] = {
    "control",   "cursor",        "astrocyte",           "neuromod",
    "global",    "scattered",     "random-search",       "weight-perturbation",
    "node-perturbation", "es",    "backprop",            NULL};
static const char *const sensing_names[] = {"firing", "traffic", NULL};
static const char *const exploration_names[] = {"none", "flat", "maturity", NULL};
static const char *const layout_names[] = {"clusters", "phase1a", NULL};
static const char *const fire_rule_names[] = {"gt", "ge", NULL};
static const char *const order_names[] = {"random", "cycle", NULL};
static const char *const clock_names[] = {"episode", "zero", NULL};
static const char *const flag_mode_names[] = {"none", "unsigned", "signed", "consistency", NULL};
static const char *const chem_scope_names[] = {"global", "per-bit", NULL};
static const char *const falloff_names[] = {"constant", "inverse", "inverse-square", "linear",
                                            NULL};
static const char *const scope_names[] = {"pattern", "task", "minibatch", NULL};
static const char *const selection_names[] = {"sensing", "uniform", NULL};
static const char *const wp_scope_names[] = {"global", "territory", NULL};
static const char *const optimizer_names[] = {"sgd", "adam", NULL};
static const char *const surrogate_names[] = {"sigmoid", "straight-through", NULL};

#define OFF(member) offsetof(glia_config_t, member)
#define F_INT(ptr, member, lo, hi, doc) {ptr, GLIA_FIELD_INT, OFF(member), lo, hi, NULL, doc}
#define F_DBL(ptr, member, lo, hi, doc) {ptr, GLIA_FIELD_DOUBLE, OFF(member), lo, hi, NULL, doc}
#define F_BOOL(ptr, member, doc)        {ptr, GLIA_FIELD_BOOL, OFF(member), 0, 1, NULL, doc}
#define F_ENUM(ptr, member, names, doc) {ptr, GLIA_FIELD_ENUM, OFF(member), 0, 0, names, doc}

const glia_config_field_t glia_config_fields[] = {
    F_ENUM("/rng", rng, rng_names, "random generator"),
    F_INT("/rng_version", rng_version, 1, 2,
          "xoshiro256ss stream: 2 draws one 64-bit key per perturbation and each synapse's "
          "sample from (key, synapse); 1 is the stream of earlier releases (one polar-method "
          "sample per synapse, in order). Ignored by mulberry32-js"),
    F_INT("/network/clusters", network.clusters, 1, GLIA_MAX_CLUSTERS, "number of clusters"),
    F_INT("/network/inputs", network.inputs, 0, GLIA_MAX_NEURONS, "input neurons per cluster"),
    F_INT("/network/outputs", network.outputs, 0, GLIA_MAX_NEURONS, "output neurons per cluster"),
    F_INT("/network/modulatory", network.modulatory, 0, GLIA_MAX_NEURONS,
          "modulatory neurons per cluster (never driven, never read)"),
    F_INT("/network/regular", network.regular, 0, GLIA_MAX_NEURONS,
          "regular neurons per cluster"),
    F_INT("/network/id_stride", network.id_stride, 0, GLIA_MAX_NEURONS,
          "neuron id = id_stride*cluster + k; 0 means the cluster size (no id collision); "
          "30 reproduces the reference's collision"),
    F_INT("/network/input_cluster", network.input_cluster, 0, GLIA_MAX_CLUSTERS - 1,
          "cluster whose first input_width input neurons the task drives"),
    F_INT("/network/output_cluster", network.output_cluster, 0, GLIA_MAX_CLUSTERS - 1,
          "cluster whose first target_width output neurons are read"),
    F_INT("/network/passes", network.passes, 1, GLIA_MAX_PASSES, "forward passes per evaluation"),
    F_DBL("/network/spread", network.spread, 0, 1e6, "side of the cube neurons are placed in"),
    F_DBL("/network/cluster_spacing", network.cluster_spacing, 0, 1e6,
          "x distance between consecutive clusters"),
    F_DBL("/network/p_intra", network.p_intra, 0, 1, "connection probability within a cluster"),
    F_DBL("/network/p_inter", network.p_inter, 0, 1, "connection probability across clusters"),
    F_DBL("/network/weight_init", network.weight_init, 0, 4,
          "initial weights are (u - 0.5) * weight_init, u uniform in [0,1) (phase1a layout: "
          "-weight_init/2 + u * weight_init)"),
    F_DBL("/network/threshold", network.threshold, -1e6, 1e6,
          "initial neuron firing threshold (strict > unless fire_rule is ge)"),
    F_BOOL("/network/bias", network.bias,
           "one always-on bias unit per cluster (its last neuron), with outgoing synapses "
           "like any neuron (clusters layout)"),
    F_INT("/training/steps_per_episode", training.steps_per_episode, 1, GLIA_MAX_STEPS_EPISODE,
          "steps per episode"),
    F_INT("/training/trajectory_interval", training.trajectory_interval, 1, 1000000000,
          "a trajectory point every this many episodes (plus the last one)"),
    F_DBL("/training/perturbation_std", training.perturbation_std, 0, 100,
          "standard deviation of a weight perturbation"),
    F_DBL("/training/weight_clamp", training.weight_clamp, 0, 1e6,
          "weights are clamped to [-weight_clamp, weight_clamp]"),
    F_BOOL("/training/homeostasis", training.homeostasis,
           "per-episode neuron threshold homeostasis (off in every preset)"),
    F_DBL("/training/homeostasis_target", training.homeostasis_target, 0, 1,
          "homeostasis target firing rate"),
    F_DBL("/training/homeostasis_rate", training.homeostasis_rate, 0, 10,
          "homeostasis threshold change per unit of rate error"),
    F_ENUM("/training/reward_scope", training.reward_scope, scope_names,
           "what a keep/revert decision scores: the step's pattern (the paper), every pattern "
           "of the task (the current weights' score cached), or a minibatch drawn per step"),
    F_INT("/training/minibatch", training.minibatch, 1, GLIA_MAX_PATTERNS,
          "patterns per step with reward_scope minibatch (drawn without repeats)"),
    F_INT("/training/diagnostics_interval", training.diagnostics_interval, 0, 1000000000,
          "credit-assignment diagnostics: 0 = off; N = count each territory's decided and kept "
          "steps and their reward gain, and every N steps measure the cosine between the "
          "step's weight update and the surrogate gradient (networks of at most 20000 "
          "synapses, carry_state off)"),
    F_ENUM("/learner/kind", learner.kind, learner_names, "which learner changes the weights"),
    F_BOOL("/learner/perturb_thresholds", learner.perturb_thresholds,
           "a perturbation also moves the thresholds of the non-input neurons in the learner's "
           "scope; kept or reverted with the weights (weight-perturbation, node-perturbation, "
           "es, backprop: the non-source thresholds in scope are trained like the weights)"),
    F_DBL("/learner/threshold_std", learner.threshold_std, 0, 100,
          "standard deviation of a threshold perturbation"),
    F_DBL("/learner/threshold_clamp", learner.threshold_clamp, 0, 1e6,
          "perturbed (or redrawn) thresholds are clamped to [-threshold_clamp, threshold_clamp]"),
    F_DBL("/learner/cursor/radius", learner.cursor.radius, 0, 1e6, "cursor radius (3-D)"),
    F_DBL("/learner/cursor/walk_step", learner.cursor.walk_step, 0, 1e6,
          "largest walk move per axis"),
    F_DBL("/learner/cursor/jump_probability", learner.cursor.jump_probability, 0, 1,
          "probability of a jump instead of a walk"),
    F_INT("/learner/astrocyte/per_cluster", learner.astrocyte.per_cluster, 1, GLIA_MAX_ASTROCYTES,
          "astrocytes per cluster, a square number (they sit on a grid)"),
    F_ENUM("/learner/astrocyte/sensing", learner.astrocyte.sensing, sensing_names,
           "activation score: fraction of territory neurons that fired, or mean traffic"),
    F_ENUM("/learner/astrocyte/exploration", learner.astrocyte.exploration, exploration_names,
           "spontaneous activation of astrocytes below threshold"),
    F_ENUM("/learner/astrocyte/selection", learner.astrocyte.selection, selection_names,
           "sensing: the best-scoring astrocytes (and exploration); uniform: max_active "
           "astrocytes drawn at random each step"),
    F_INT("/learner/astrocyte/min_active", learner.astrocyte.min_active, 1, GLIA_MAX_ACTIVE,
          "astrocytes active per step, at least"),
    F_INT("/learner/astrocyte/max_active", learner.astrocyte.max_active, 1, GLIA_MAX_ACTIVE,
          "astrocytes active per step, at most"),
    F_INT("/learner/astrocyte/history", learner.astrocyte.history, 1, GLIA_MAX_HISTORY,
          "outcomes remembered per astrocyte"),
    F_INT("/learner/astrocyte/adapt_interval", learner.astrocyte.adapt_interval, 1, 1000000000,
          "steps between threshold adaptations"),
    F_DBL("/learner/astrocyte/territory_radius", learner.astrocyte.territory_radius, 0, 1e6,
          "territory radius (2-D, same-cluster neurons)"),
    F_DBL("/learner/astrocyte/flat_rate", learner.astrocyte.flat_rate, 0, 1,
          "exploration rate when exploration is flat"),
    F_DBL("/learner/astrocyte/maturity_rate", learner.astrocyte.maturity_rate, 0, 1,
          "initial exploration rate when exploration is maturity"),
    F_DBL("/learner/astrocyte/maturity_scale", learner.astrocyte.maturity_scale, 1e-9, 1e12,
          "activations at which the maturity rate halves"),
    F_DBL("/learner/astrocyte/success_high", learner.astrocyte.success_high, 0, 1,
          "success rate above which the threshold drops"),
    F_DBL("/learner/astrocyte/success_low", learner.astrocyte.success_low, 0, 1,
          "success rate below which the threshold rises"),
    F_DBL("/learner/astrocyte/threshold_init", learner.astrocyte.threshold_init, -1e6, 1e6,
          "initial activation threshold"),
    F_DBL("/learner/astrocyte/threshold_step", learner.astrocyte.threshold_step, 0, 1e6,
          "threshold change per adaptation"),
    F_DBL("/learner/astrocyte/threshold_min", learner.astrocyte.threshold_min, -1e6, 1e6,
          "lowest threshold"),
    F_DBL("/learner/astrocyte/threshold_max", learner.astrocyte.threshold_max, -1e6, 1e6,
          "highest threshold"),
    F_INT("/learner/scattered/count", learner.scattered.count, 0, 1000000000,
          "scattered: synapses perturbed per step, drawn uniformly from the whole network; 0 = "
          "as many as the selected astrocyte territories hold in that step"),
    /* Phase 1a: its network, task order and the neuromod learner (spec phase 1a). */
    F_ENUM("/network/layout", network.layout, layout_names,
           "clusters: per cluster inputs, outputs, modulatory, regular (phase 1b); phase1a: "
           "per cluster modulatory then regular neurons, inputs the first regular neurons of "
           "input_cluster, outputs the last regular neurons of output_cluster, no synapse to "
           "or from a modulatory neuron, weights uniform in [-weight_init/2, weight_init/2)"),
    F_INT("/network/hidden_cluster_size", network.hidden_cluster_size, 0, GLIA_MAX_NEURONS,
          "phase1a layout: neurons of a cluster that is neither input_cluster nor "
          "output_cluster; 0 = modulatory + regular like the others"),
    F_ENUM("/network/fire_rule", network.fire_rule, fire_rule_names,
           "a neuron fires when its input sum is > (gt) or >= (ge) its threshold"),
    F_BOOL("/network/carry_state", network.carry_state,
           "neuron outputs carry over from pass to pass, step to step and into inference "
           "(recurrent state; inference restores it after each pattern)"),
    F_ENUM("/training/pattern_order", training.pattern_order, order_names,
           "random: one uniform draw per step; cycle: pattern (step mod count), no draw"),
    F_ENUM("/learner/neuromod/episode_clock", learner.neuromod.episode_clock, clock_names,
           "the episode e the learner sees: the 1-based episode number, or 0 on every step "
           "(the reference's exp 001-005 and 009 loops pass none)"),
    F_DBL("/learner/neuromod/trace/co_activation", learner.neuromod.co_activation, -1e6, 1e6,
          "trace when pre and post both fired"),
    F_DBL("/learner/neuromod/trace/co_silence", learner.neuromod.co_silence, -1e6, 1e6,
          "trace when neither fired and post's ambient field exceeds ambient/threshold"),
    F_DBL("/learner/neuromod/trace/mismatch", learner.neuromod.mismatch, -1e6, 1e6,
          "trace when exactly one of pre and post fired"),
    F_DBL("/learner/neuromod/ambient/radius", learner.neuromod.ambient_radius, 0, 1e6,
          "neighbours within this 3-D distance make a neuron's ambient field (sum of 1/d over "
          "firing neighbours); 0 = no field"),
    F_DBL("/learner/neuromod/ambient/threshold", learner.neuromod.ambient_threshold, -1e6, 1e6,
          "an ambient field above this is active"),
    F_DBL("/learner/neuromod/history/decay", learner.neuromod.history_decay, 0, 1,
          "activity history = decay*history + (1-decay)*(trace != 0)"),
    F_DBL("/learner/neuromod/history/minimum", learner.neuromod.history_minimum, 0, 1e6,
          "dampening scales traces of synapses with history below this by history/minimum"),
    F_BOOL("/learner/neuromod/dampening", learner.neuromod.dampening,
           "scale traces by history, 4r(1-r) of post's fire rate and post's ambient relevance"),
    F_DBL("/learner/neuromod/learning_rate", learner.neuromod.learning_rate, 0, 1e6,
          "weight change = gate * chemical * learning_rate"),
    F_DBL("/learner/neuromod/max_delta", learner.neuromod.max_delta, 0, 1e6,
          "largest weight change per step"),
    F_DBL("/learner/neuromod/weight_decay", learner.neuromod.weight_decay, 0, 1,
          "every step w *= 1 - weight_decay before the update (weights are clamped to "
          "training/weight_clamp)"),
    F_BOOL("/learner/neuromod/provisional", learner.neuromod.provisional,
           "undo a step's update (all weights) when the next step scores fewer correct bits"),
    F_DBL("/learner/neuromod/homeostasis/target_rate", learner.neuromod.homeostasis.target_rate,
          0, 1, "cumulative fire rate above this raises a threshold by step, below lowers it"),
    F_DBL("/learner/neuromod/homeostasis/step", learner.neuromod.homeostasis.step, 0, 1e6,
          "threshold change per step (0 = no homeostasis)"),
    F_BOOL("/learner/neuromod/homeostasis/in_loop", learner.neuromod.homeostasis.in_loop,
           "count firing and move thresholds in every propagation cycle, not once per step "
           "(the code behind the published exp 010b)"),
    F_BOOL("/learner/neuromod/homeostasis/fixed_outputs",
           learner.neuromod.homeostasis.fixed_outputs,
           "output neurons keep their thresholds (exp 018)"),
    F_ENUM("/learner/neuromod/flags/mode", learner.neuromod.flags.mode, flag_mode_names,
           "none; unsigned: a non-zero trace raises the flag; signed: the flag follows the "
           "trace's sign (the code behind the published exp 004-008); consistency: raised after "
           "streak same-sign traces"),
    F_DBL("/learner/neuromod/flags/gain", learner.neuromod.flags.gain, 0, 1e6,
          "flag increase per qualifying step (flags stay within [-1, 1])"),
    F_DBL("/learner/neuromod/flags/decay", learner.neuromod.flags.decay, 0, 1,
          "flag *= decay on a step with a zero trace"),
    F_DBL("/learner/neuromod/flags/threshold", learner.neuromod.flags.threshold, 0, 1e6,
          "the gate passes the flag itself when |flag| >= threshold, else nothing"),
    F_INT("/learner/neuromod/flags/streak", learner.neuromod.flags.streak, 0, 1000000000,
          "consistency mode: same-sign traces needed before the flag grows"),
    F_DBL("/learner/neuromod/flags/decay_on_flip", learner.neuromod.flags.decay_on_flip, 0, 1,
          "consistency mode: flag *= this when the trace changes sign"),
    F_INT("/learner/neuromod/flags/gate_warmup", learner.neuromod.flags.gate_warmup, 0,
          1000000000, "the gate is bypassed (raw trace) while e < gate_warmup"),
    F_ENUM("/learner/neuromod/chemical/scope", learner.neuromod.chemical.scope,
           chem_scope_names,
           "global: every modulatory neuron broadcasts the reward; per-bit: each output neuron "
           "broadcasts its own bit's signal"),
    F_ENUM("/learner/neuromod/chemical/falloff", learner.neuromod.chemical.falloff,
           falloff_names, "contribution by distance d to a synapse's post neuron"),
    F_DBL("/learner/neuromod/chemical/radius", learner.neuromod.chemical.radius, 0, 1e6,
          "synapses whose post neuron is farther from the source get nothing"),
    F_BOOL("/learner/neuromod/chemical/anneal", learner.neuromod.chemical.anneal,
           "shrink the radius linearly to radius_min over anneal_episodes (exp 015)"),
    F_DBL("/learner/neuromod/chemical/radius_min", learner.neuromod.chemical.radius_min, 0, 1e6,
          "the annealed radius at anneal_episodes"),
    F_INT("/learner/neuromod/chemical/anneal_episodes",
          learner.neuromod.chemical.anneal_episodes, 1, 1000000000,
          "length of the radius anneal (the reference's trainingEpisodes, not the run length)"),
    F_DBL("/learner/neuromod/chemical/decay", learner.neuromod.chemical.decay, 0, 1,
          "chemical *= decay after every update"),
    F_DBL("/learner/neuromod/chemical/positive", learner.neuromod.chemical.positive, -1e6, 1e6,
          "strength of a positive reward (per-bit: of a correct firing bit)"),
    F_DBL("/learner/neuromod/chemical/negative", learner.neuromod.chemical.negative, -1e6, 1e6,
          "strength of a negative reward (global: its magnitude is used; per-bit: the signal "
          "of a wrong bit)"),
    F_DBL("/learner/neuromod/chemical/correct_silence",
          learner.neuromod.chemical.correct_silence, -1e6, 1e6,
          "per-bit: the signal of a correctly silent bit"),
    F_BOOL("/learner/neuromod/chemical/cycling", learner.neuromod.chemical.cycling,
           "global: one modulatory neuron per step, round robin (exp 015)"),
    F_DBL("/learner/neuromod/reward/exponent", learner.neuromod.reward.exponent, 0, 64,
          "reward = sign(r)*|r|^exponent, r = 2*(accuracy - 0.5)"),
    F_BOOL("/learner/neuromod/reward/anneal", learner.neuromod.reward.anneal,
           "blend the reward from r to sign(r)*r^2 between anneal_start and anneal_end (exp 006)"),
    F_DBL("/learner/neuromod/reward/anneal_start", learner.neuromod.reward.anneal_start, -1e12,
          1e12, "episode e where the blend starts"),
    F_DBL("/learner/neuromod/reward/anneal_end", learner.neuromod.reward.anneal_end, -1e12,
          1e12, "episode e where it is all squared"),
    F_INT("/learner/neuromod/frustration/window", learner.neuromod.frustration.window, 0,
          1000000000,
          "flip a weight after this many same-direction changes under negative chemical "
          "(0 = off; exp 011)"),
    F_DBL("/learner/neuromod/frustration/threshold", learner.neuromod.frustration.threshold,
          -1e6, 1e6, "flip when the chemical average while adjusting is below this"),
    F_DBL("/learner/neuromod/frustration/flip", learner.neuromod.frustration.flip, 0, 1,
          "a flip sets w = -w * flip"),
    /* The established rules beyond the paper (issue 21; docs/model.md, "The learners"). */
    F_ENUM("/learner/weight_perturbation/scope", learner.weight_perturbation.scope,
           wp_scope_names,
           "global: every weight (and, with perturb_thresholds, every non-source threshold) is "
           "probed each step; territory: the synapses (and neuron thresholds) of one astrocyte "
           "territory drawn uniformly per step"),
    F_DBL("/learner/weight_perturbation/learning_rate", learner.weight_perturbation.learning_rate,
          0, 1e6,
          "eta: each probed parameter moves by eta * (R+ - R-) / (2 * delta) times its probe "
          "sign (ascent on the soft reward), then is clamped"),
    F_DBL("/learner/weight_perturbation/delta", learner.weight_perturbation.delta, 1e-9, 100,
          "probe size: the parameters in scope move by +delta or -delta (a sign drawn per "
          "parameter) for the first evaluation and by the opposite for the second"),
    F_DBL("/learner/node_perturbation/sigma", learner.node_perturbation.sigma, 0, 100,
          "standard deviation of the Gaussian noise added to every unit's net input in every "
          "pass of an evaluation"),
    F_DBL("/learner/node_perturbation/learning_rate", learner.node_perturbation.learning_rate, 0,
          1e6,
          "eta: w_ij += eta * (R - baseline) * e_ij / sigma^2, e_ij the noise on i's net input "
          "times j's firing, summed over the passes (REINFORCE's Gaussian eligibility); clamped"),
    F_DBL("/learner/node_perturbation/baseline_rate", learner.node_perturbation.baseline_rate, 0,
          1,
          "the running reward baseline moves by baseline_rate * (R - baseline) after each step "
          "(it starts at the first step's reward)"),
    F_INT("/learner/es/population", learner.es.population, 1, 256,
          "1: (1+1)-ES, one offspring kept on a strict improvement, sigma by the 1/5th success "
          "rule; an even n >= 2: n perturbed copies in antithetic pairs, rank-shaped (OpenAI-ES)"),
    F_DBL("/learner/es/sigma", learner.es.sigma, 1e-9, 100,
          "standard deviation of the perturbation of every parameter (weights and, with "
          "perturb_thresholds, thresholds): the initial one for (1+1)-ES"),
    F_DBL("/learner/es/sigma_adapt", learner.es.sigma_adapt, 1, 100,
          "(1+1)-ES: sigma *= sigma_adapt after a kept step and *= sigma_adapt^(-1/4) after a "
          "reverted one (steady at a 1/5 success rate); 1 = fixed sigma"),
    F_DBL("/learner/es/sigma_min", learner.es.sigma_min, 1e-9, 100,
          "(1+1)-ES: the smallest sigma"),
    F_DBL("/learner/es/sigma_max", learner.es.sigma_max, 1e-9, 100,
          "(1+1)-ES: the largest sigma"),
    F_DBL("/learner/es/learning_rate", learner.es.learning_rate, 0, 1e6,
          "population ES: theta += learning_rate / (population * sigma) * sum over the copies "
          "of rank weight * noise (ascent)"),
    F_ENUM("/learner/backprop/optimizer", learner.backprop.optimizer, optimizer_names,
           "sgd: theta -= learning_rate * gradient; adam: Adam with beta1, beta2 and epsilon "
           "1e-8"),
    F_ENUM("/learner/backprop/surrogate", learner.backprop.surrogate, surrogate_names,
           "the derivative the backward pass gives a threshold unit's step: sigmoid: slope * "
           "s * (1 - s), s = sigmoid(slope * (act - threshold)); straight-through: 1"),
    F_DBL("/learner/backprop/learning_rate", learner.backprop.learning_rate, 0, 1e6,
          "step size of the optimizer"),
    F_DBL("/learner/backprop/slope", learner.backprop.slope, 1e-6, 1e6,
          "steepness of the sigmoid surrogate"),
    F_DBL("/learner/backprop/beta1", learner.backprop.beta1, 0, 0.9999,
          "adam: decay of the gradient's running mean"),
    F_DBL("/learner/backprop/beta2", learner.backprop.beta2, 0, 0.999999,
          "adam: decay of the squared gradient's running mean"),
    {NULL, 0, 0, 0, 0, NULL, NULL},
};

/* The paper's task: P1..P8, input -> target. */
static const char *const paper_task[8][2] = {
    {"00000", "10101"}, {"10000", "01010"}, {"01000", "11001"}, {"00100", "00110"},
    {"00010", "10011"}, {"00001", "01100"}, {"11000", "00101"}, {"00110", "11010"},
};

int glia_pattern_parse(const char *s, uint64_t *bits, int *width)
{
    size_t n = strlen(s);

    if (n == 0 || n > GLIA_MAX_WIDTH)
        return GLIA_EINVAL;
    *bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '1')
            *bits |= (uint64_t)1 << i;
        else if (s[i] != '0')
            return GLIA_EINVAL;
    }
    *width = (int)n;
    return 0;
}

void glia_pattern_format(uint64_t bits, int width, char *out)
{
    for (int i = 0; i < width; i++)
        out[i] = (bits >> i) & 1 ? '1' : '0';
    out[width] = '\0';
}

void glia_config_default(glia_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->rng = GLIA_RNG_XOSHIRO256SS;
    cfg->rng_version = 2;

    cfg->network.clusters = 2;
    cfg->network.inputs = 5;
    cfg->network.outputs = 5;
    cfg->network.modulatory = 2;
    cfg->network.regular = 23;
    cfg->network.id_stride = 0;
    cfg->network.input_cluster = 0;
    cfg->network.output_cluster = 0;
    cfg->network.passes = 1;
    cfg->network.spread = 10.0;
    cfg->network.cluster_spacing = 15.0;
    cfg->network.p_intra = 0.6;
    cfg->network.p_inter = 0.5;
    cfg->network.weight_init = 0.2;
    cfg->network.threshold = 0.5;
    cfg->network.bias = 0;

    cfg->task.count = 8;
    for (int i = 0; i < 8; i++) {
        glia_pattern_parse(paper_task[i][0], &cfg->task.patterns[i].input, &cfg->task.input_width);
        glia_pattern_parse(paper_task[i][1], &cfg->task.patterns[i].target,
                           &cfg->task.target_width);
    }

    cfg->training.steps_per_episode = 10;
    cfg->training.trajectory_interval = 250;
    cfg->training.perturbation_std = 0.1;
    cfg->training.weight_clamp = 2.0;
    cfg->training.homeostasis = 0;
    cfg->training.homeostasis_target = 0.2;
    cfg->training.homeostasis_rate = 0.01;
    cfg->training.reward_scope = GLIA_SCOPE_PATTERN;
    cfg->training.minibatch = 2;
    cfg->training.diagnostics_interval = 0;

    cfg->learner.kind = GLIA_LEARNER_ASTROCYTE;
    cfg->learner.perturb_thresholds = 0;
    cfg->learner.threshold_std = 0.1;
    cfg->learner.threshold_clamp = 2.0;
    cfg->learner.cursor.radius = 2.0;
    cfg->learner.cursor.walk_step = 1.5;
    cfg->learner.cursor.jump_probability = 0.05;
    cfg->learner.astrocyte.per_cluster = 4;
    cfg->learner.astrocyte.sensing = GLIA_SENSE_FIRING;
    cfg->learner.astrocyte.exploration = GLIA_EXPLORE_MATURITY;
    cfg->learner.astrocyte.selection = GLIA_SELECT_SENSING;
    cfg->learner.astrocyte.min_active = 1;
    cfg->learner.astrocyte.max_active = 3;
    cfg->learner.astrocyte.history = 20;
    cfg->learner.astrocyte.adapt_interval = 50;
    cfg->learner.astrocyte.territory_radius = 3.0;
    cfg->learner.astrocyte.flat_rate = 0.01;
    cfg->learner.astrocyte.maturity_rate = 0.30;
    cfg->learner.astrocyte.maturity_scale = 2000.0;
    cfg->learner.astrocyte.success_high = 0.15;
    cfg->learner.astrocyte.success_low = 0.05;
    cfg->learner.astrocyte.threshold_init = 0.5;
    cfg->learner.astrocyte.threshold_step = 0.01;
    cfg->learner.astrocyte.threshold_min = 0.1;
    cfg->learner.astrocyte.threshold_max = 0.9;

    cfg->network.layout = GLIA_LAYOUT_CLUSTERS;
    cfg->network.hidden_cluster_size = 0;
    cfg->network.fire_rule = GLIA_FIRE_GT;
    cfg->network.carry_state = 0;
    cfg->training.pattern_order = GLIA_ORDER_RANDOM;
    cfg->learner.scattered.count = 0;

    /* The neuromod learner: the phase 1a base (exp 002, Full model). */
    cfg->learner.neuromod.episode_clock = GLIA_CLOCK_EPISODE;
    cfg->learner.neuromod.co_activation = 1.0;
    cfg->learner.neuromod.co_silence = 0.5;
    cfg->learner.neuromod.mismatch = -0.5;
    cfg->learner.neuromod.ambient_radius = 3.0;
    cfg->learner.neuromod.ambient_threshold = 0.3;
    cfg->learner.neuromod.history_decay = 0.95;
    cfg->learner.neuromod.history_minimum = 0.1;
    cfg->learner.neuromod.dampening = 1;
    cfg->learner.neuromod.learning_rate = 0.01;
    cfg->learner.neuromod.max_delta = 0.1;
    cfg->learner.neuromod.weight_decay = 0.005;
    cfg->learner.neuromod.provisional = 0;
    cfg->learner.neuromod.homeostasis.target_rate = 0.2;
    cfg->learner.neuromod.homeostasis.step = 0.01;
    cfg->learner.neuromod.homeostasis.in_loop = 0;
    cfg->learner.neuromod.homeostasis.fixed_outputs = 0;
    cfg->learner.neuromod.flags.mode = GLIA_FLAGS_NONE;
    cfg->learner.neuromod.flags.gain = 0.3;
    cfg->learner.neuromod.flags.decay = 0.7;
    cfg->learner.neuromod.flags.threshold = 0.5;
    cfg->learner.neuromod.flags.streak = 5;
    cfg->learner.neuromod.flags.decay_on_flip = 0.5;
    cfg->learner.neuromod.flags.gate_warmup = 0;
    cfg->learner.neuromod.chemical.scope = GLIA_CHEM_GLOBAL;
    cfg->learner.neuromod.chemical.falloff = GLIA_FALLOFF_INVERSE;
    cfg->learner.neuromod.chemical.radius = 15.0;
    cfg->learner.neuromod.chemical.anneal = 0;
    cfg->learner.neuromod.chemical.radius_min = 5.0;
    cfg->learner.neuromod.chemical.anneal_episodes = 1000;
    cfg->learner.neuromod.chemical.decay = 0.5;
    cfg->learner.neuromod.chemical.positive = 1.0;
    cfg->learner.neuromod.chemical.negative = -1.0;
    cfg->learner.neuromod.chemical.correct_silence = 0.0;
    cfg->learner.neuromod.chemical.cycling = 0;
    cfg->learner.neuromod.reward.exponent = 1.0;
    cfg->learner.neuromod.reward.anneal = 0;
    cfg->learner.neuromod.reward.anneal_start = 350.0;
    cfg->learner.neuromod.reward.anneal_end = 700.0;
    cfg->learner.neuromod.frustration.window = 0;
    cfg->learner.neuromod.frustration.threshold = -0.1;
    cfg->learner.neuromod.frustration.flip = 0.5;

    /* The established rules beyond the paper (issue 21). */
    cfg->learner.weight_perturbation.scope = GLIA_WP_GLOBAL;
    cfg->learner.weight_perturbation.learning_rate = 0.1;
    cfg->learner.weight_perturbation.delta = 0.2;
    cfg->learner.node_perturbation.sigma = 0.3;
    cfg->learner.node_perturbation.learning_rate = 0.01;
    cfg->learner.node_perturbation.baseline_rate = 0.1;
    cfg->learner.es.population = 1;
    cfg->learner.es.sigma = 0.1;
    cfg->learner.es.sigma_adapt = 1.5;
    cfg->learner.es.sigma_min = 0.001;
    cfg->learner.es.sigma_max = 1.0;
    cfg->learner.es.learning_rate = 0.05;
    cfg->learner.backprop.optimizer = GLIA_OPT_ADAM;
    cfg->learner.backprop.surrogate = GLIA_SURROGATE_SIGMOID;
    cfg->learner.backprop.learning_rate = 0.01;
    cfg->learner.backprop.slope = 4.0;
    cfg->learner.backprop.beta1 = 0.9;
    cfg->learner.backprop.beta2 = 0.999;
}

int glia_config_equal(const glia_config_t *a, const glia_config_t *b)
{
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        size_t size = f->type == GLIA_FIELD_DOUBLE ? sizeof(double) : sizeof(int);
        if (memcmp((const char *)a + f->offset, (const char *)b + f->offset, size) != 0)
            return 0;
    }
    if (a->task.count != b->task.count || a->task.input_width != b->task.input_width ||
        a->task.target_width != b->task.target_width)
        return 0;
    return memcmp(a->task.patterns, b->task.patterns,
                  (size_t)a->task.count * sizeof(a->task.patterns[0])) == 0;
}

int glia_config_cluster_size(const glia_config_t *cfg)
{
    if (cfg->network.layout == GLIA_LAYOUT_PHASE1A)
        return cfg->network.modulatory + cfg->network.regular;
    return cfg->network.inputs + cfg->network.outputs + cfg->network.modulatory +
           cfg->network.regular + (cfg->network.bias ? 1 : 0);
}

int glia_config_cluster_neurons(const glia_config_t *cfg, int c)
{
    if (cfg->network.layout == GLIA_LAYOUT_PHASE1A && cfg->network.hidden_cluster_size > 0 &&
        c != cfg->network.input_cluster && c != cfg->network.output_cluster)
        return cfg->network.hidden_cluster_size;
    return glia_config_cluster_size(cfg);
}

int glia_config_neurons(const glia_config_t *cfg)
{
    long n = 0;
    for (int c = 0; c < cfg->network.clusters; c++)
        n += glia_config_cluster_neurons(cfg, c);
    return n > GLIA_MAX_NEURONS * 2L ? GLIA_MAX_NEURONS * 2 : (int)n;
}

int glia_config_id_stride(const glia_config_t *cfg)
{
    return cfg->network.id_stride > 0 ? cfg->network.id_stride : glia_config_cluster_size(cfg);
}

static int check_field(const glia_config_t *cfg, const glia_config_field_t *f, glia_error_t *err)
{
    const char *base = (const char *)cfg + f->offset;
    int iv;
    double dv;

    switch (f->type) {
    case GLIA_FIELD_INT:
        memcpy(&iv, base, sizeof(iv));
        if (iv < f->min || iv > f->max)
            return glia_error_set(err, GLIA_EINVAL, f->pointer, "must be an integer in [%.0f, %.0f]",
                                  f->min, f->max);
        break;
    case GLIA_FIELD_DOUBLE:
        memcpy(&dv, base, sizeof(dv));
        if (!isfinite(dv) || dv < f->min || dv > f->max)
            return glia_error_set(err, GLIA_EINVAL, f->pointer, "must be a number in [%g, %g]",
                                  f->min, f->max);
        break;
    case GLIA_FIELD_BOOL:
        memcpy(&iv, base, sizeof(iv));
        if (iv != 0 && iv != 1)
            return glia_error_set(err, GLIA_EINVAL, f->pointer, "must be true or false");
        break;
    case GLIA_FIELD_ENUM: {
        int n = 0;
        memcpy(&iv, base, sizeof(iv));
        while (f->names[n] != NULL)
            n++;
        if (iv < 0 || iv >= n)
            return glia_error_set(err, GLIA_EINVAL, f->pointer, "unknown value");
        break;
    }
    }
    return 0;
}

#define FAIL(ptr, ...) return glia_error_set(err, GLIA_EINVAL, ptr, __VA_ARGS__)

int glia_config_validate(const glia_config_t *cfg, glia_error_t *err)
{
    int csize, stride, rc;

    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        if ((rc = check_field(cfg, f, err)) != 0)
            return rc;
    }
    /* Derived sizes only once every field is in range: a config read from bytes (a
     * snapshot) may hold any int, and their sum would overflow. */
    csize = glia_config_cluster_size(cfg);
    stride = glia_config_id_stride(cfg);

    /* Network shape. */
    if (csize < 1)
        FAIL("/network/regular", "a cluster must hold at least one neuron");
    if ((long)cfg->network.clusters * csize > GLIA_MAX_NEURONS ||
        glia_config_neurons(cfg) > GLIA_MAX_NEURONS)
        FAIL("/network/clusters", "the network would hold %ld neurons; at most %d are allowed",
             cfg->network.layout == GLIA_LAYOUT_PHASE1A ? (long)glia_config_neurons(cfg)
                                                       : (long)cfg->network.clusters * csize,
             GLIA_MAX_NEURONS);
    if ((long)stride * (cfg->network.clusters - 1) + csize > 2L * GLIA_MAX_NEURONS)
        FAIL("/network/id_stride", "ids would reach beyond %d", 2 * GLIA_MAX_NEURONS);
    if (cfg->network.input_cluster >= cfg->network.clusters)
        FAIL("/network/input_cluster", "there are only %d clusters", cfg->network.clusters);
    if (cfg->network.output_cluster >= cfg->network.clusters)
        FAIL("/network/output_cluster", "there are only %d clusters", cfg->network.clusters);

    /* Task. */
    if (cfg->task.count < 1)
        FAIL("/task/patterns", "the task needs at least one pattern");
    if (cfg->task.count > GLIA_MAX_PATTERNS)
        FAIL("/task/patterns", "at most %d patterns are allowed", GLIA_MAX_PATTERNS);
    if (cfg->task.input_width < 1 || cfg->task.input_width > GLIA_MAX_WIDTH)
        FAIL("/task/patterns/0/input", "pattern width must be 1..%d", GLIA_MAX_WIDTH);
    if (cfg->task.target_width < 1 || cfg->task.target_width > GLIA_MAX_WIDTH)
        FAIL("/task/patterns/0/target", "pattern width must be 1..%d", GLIA_MAX_WIDTH);
    if (cfg->task.input_width > cfg->network.inputs)
        FAIL("/task/patterns/0/input",
             "the task drives %d inputs but a cluster has only %d input neurons",
             cfg->task.input_width, cfg->network.inputs);
    if (cfg->task.target_width > cfg->network.outputs)
        FAIL("/task/patterns/0/target",
             "the task reads %d outputs but a cluster has only %d output neurons",
             cfg->task.target_width, cfg->network.outputs);

    if (cfg->network.layout == GLIA_LAYOUT_PHASE1A) {
        const int same = cfg->network.input_cluster == cfg->network.output_cluster;
        if (cfg->network.id_stride != 0)
            FAIL("/network/id_stride", "must be 0 with the phase1a layout (ids are positions)");
        if (cfg->network.regular < cfg->network.inputs + (same ? cfg->network.outputs : 0))
            FAIL("/network/regular",
                 "the phase1a layout carves the %d inputs%s out of the regular neurons: "
                 "at least %d are needed",
                 cfg->network.inputs, same ? " and outputs" : "",
                 cfg->network.inputs + (same ? cfg->network.outputs : 0));
        if (cfg->network.regular < cfg->network.outputs)
            FAIL("/network/regular",
                 "the phase1a layout carves the %d outputs out of the regular neurons",
                 cfg->network.outputs);
    }

    /* Training. */
    if (cfg->training.homeostasis && cfg->training.homeostasis_rate <= 0)
        FAIL("/training/homeostasis_rate", "must be positive when homeostasis is on");
    if (cfg->training.homeostasis && cfg->training.reward_scope != GLIA_SCOPE_PATTERN)
        FAIL("/training/homeostasis",
             "needs reward_scope pattern (it counts the firing of one pattern per step)");
    if (cfg->training.reward_scope == GLIA_SCOPE_MINIBATCH &&
        cfg->training.minibatch > cfg->task.count)
        FAIL("/training/minibatch", "the task has only %d patterns", cfg->task.count);
    /* The mechanisms beyond the paper live in the keep/revert step (perturb.c): the
     * neuromod learner has none, and a carried state would make a score depend on the
     * order the patterns are scored in. */
    if (cfg->training.reward_scope != GLIA_SCOPE_PATTERN &&
        cfg->learner.kind == GLIA_LEARNER_NEUROMOD)
        FAIL("/training/reward_scope",
             "the neuromod learner learns from one pattern per step (a keep/revert learner "
             "is needed)");
    if (cfg->training.reward_scope != GLIA_SCOPE_PATTERN && cfg->network.carry_state)
        FAIL("/training/reward_scope", "needs network.carry_state off");
    if (cfg->learner.perturb_thresholds && cfg->learner.kind == GLIA_LEARNER_NEUROMOD)
        FAIL("/learner/perturb_thresholds",
             "the neuromod learner makes no keep/revert perturbations");
    if (cfg->network.bias && cfg->network.layout != GLIA_LAYOUT_CLUSTERS)
        FAIL("/network/bias", "needs layout clusters");

    /* Astrocytes: the layout is checked for every learner, since every result reports
     * the territories the astrocyte configuration would have. */
    {
        const int per = cfg->learner.astrocyte.per_cluster;
        int g = (int)lround(sqrt((double)per));
        if (g * g != per)
            FAIL("/learner/astrocyte/per_cluster",
                 "must be a square number (1, 4, 9, ...): astrocytes sit on a grid");
        if ((long)per * cfg->network.clusters > GLIA_MAX_ASTROCYTES)
            FAIL("/learner/astrocyte/per_cluster", "at most %d astrocytes in all",
                 GLIA_MAX_ASTROCYTES);
        if (cfg->learner.astrocyte.min_active > cfg->learner.astrocyte.max_active)
            FAIL("/learner/astrocyte/min_active", "must not exceed max_active (%d)",
                 cfg->learner.astrocyte.max_active);
        if ((cfg->learner.kind == GLIA_LEARNER_ASTROCYTE ||
             cfg->learner.kind == GLIA_LEARNER_GLOBAL ||
             cfg->learner.kind == GLIA_LEARNER_SCATTERED) &&
            cfg->learner.astrocyte.min_active > per * cfg->network.clusters)
            FAIL("/learner/astrocyte/min_active", "there are only %d astrocytes",
                 per * cfg->network.clusters);
        if ((cfg->learner.kind == GLIA_LEARNER_ASTROCYTE ||
             cfg->learner.kind == GLIA_LEARNER_GLOBAL ||
             cfg->learner.kind == GLIA_LEARNER_SCATTERED) &&
            cfg->learner.astrocyte.selection == GLIA_SELECT_UNIFORM &&
            cfg->learner.astrocyte.max_active > per * cfg->network.clusters)
            FAIL("/learner/astrocyte/max_active",
                 "uniform selection draws max_active astrocytes; there are only %d",
                 per * cfg->network.clusters);
        if (cfg->learner.astrocyte.success_low > cfg->learner.astrocyte.success_high)
            FAIL("/learner/astrocyte/success_low", "must not exceed success_high");
        if (cfg->learner.astrocyte.threshold_min > cfg->learner.astrocyte.threshold_max)
            FAIL("/learner/astrocyte/threshold_min", "must not exceed threshold_max");
        if (cfg->learner.astrocyte.threshold_init < cfg->learner.astrocyte.threshold_min ||
            cfg->learner.astrocyte.threshold_init > cfg->learner.astrocyte.threshold_max)
            FAIL("/learner/astrocyte/threshold_init",
                 "must lie within [threshold_min, threshold_max]");
    }

    /* The established rules (issue 21). */
    if (cfg->learner.es.population > 1 && cfg->learner.es.population % 2 != 0)
        FAIL("/learner/es/population", "must be 1 or even (the copies come in antithetic pairs)");
    if (cfg->learner.es.sigma_min > cfg->learner.es.sigma_max)
        FAIL("/learner/es/sigma_min", "must not exceed sigma_max");
    if (cfg->learner.es.sigma < cfg->learner.es.sigma_min ||
        cfg->learner.es.sigma > cfg->learner.es.sigma_max)
        FAIL("/learner/es/sigma", "must lie within [sigma_min, sigma_max]");
    /* Their own passes start from silence, as every pass without carried state does. */
    if ((cfg->learner.kind == GLIA_LEARNER_NODE_PERTURBATION ||
         cfg->learner.kind == GLIA_LEARNER_BACKPROP) &&
        cfg->network.carry_state)
        FAIL("/network/carry_state", "the %s learner needs carry_state off",
             cfg->learner.kind == GLIA_LEARNER_BACKPROP ? "backprop" : "node-perturbation");

    /* Neuromod. */
    if (cfg->learner.neuromod.reward.anneal &&
        !(cfg->learner.neuromod.reward.anneal_end > cfg->learner.neuromod.reward.anneal_start))
        FAIL("/learner/neuromod/reward/anneal_end", "must be greater than anneal_start");
    return 0;
}
