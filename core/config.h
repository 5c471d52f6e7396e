/* config.h: the one configuration struct, its defaults, the reference presets and the
 * validator.
 *
 * Every number of the learning system is a field here. The field table
 * (glia_config_fields) names each scalar field by its JSON pointer, type and bounds;
 * the validator and the JSON mapping in api/ both walk that one table, so a field is
 * declared exactly once. The task's pattern list is the only non-scalar field.
 *
 * The struct is plain data (no pointers): copy it with `=`.
 */
#ifndef GLIA_CONFIG_H
#define GLIA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define GLIA_MAX_PATTERNS      256  /* task size bound: patterns per task */
#define GLIA_MAX_WIDTH         64   /* pattern bits are stored in a uint64_t */
#define GLIA_MAX_NEURONS       4096 /* network size bound: all clusters together */
#define GLIA_MAX_CLUSTERS      64
#define GLIA_MAX_ASTROCYTES    1024 /* all clusters together */
#define GLIA_MAX_ACTIVE        16   /* astrocytes active in one step */
#define GLIA_MAX_HISTORY       64   /* outcome history slots per astrocyte */
#define GLIA_MAX_PASSES        16
#define GLIA_MAX_STEPS_EPISODE 100000

enum glia_learner_kind {
    GLIA_LEARNER_CONTROL = 0,
    GLIA_LEARNER_CURSOR = 1,
    GLIA_LEARNER_ASTROCYTE = 2,
    GLIA_LEARNER_NEUROMOD = 3,
    GLIA_LEARNER_GLOBAL = 4,    /* astrocytes, every synapse perturbed */
    GLIA_LEARNER_SCATTERED = 5, /* astrocytes, as many synapses drawn from anywhere */
    GLIA_LEARNER_RANDOM_SEARCH = 6, /* every weight and threshold redrawn, the best kept */
    /* The established rules beyond the paper (issue 21): estimators and a ceiling. */
    GLIA_LEARNER_WEIGHT_PERTURBATION = 7, /* antithetic +-delta, SPSA gradient estimate */
    GLIA_LEARNER_NODE_PERTURBATION = 8,   /* noise on net inputs, reward x noise (REINFORCE) */
    GLIA_LEARNER_ES = 9,                  /* (1+1)-ES, or a population ES (OpenAI-ES) */
    GLIA_LEARNER_BACKPROP = 10,           /* surrogate-gradient BPTT: a per-output error */
};

/* What weight perturbation perturbs in a step (weight_perturbation.c). */
enum glia_wp_scope {
    GLIA_WP_GLOBAL = 0,    /* every parameter */
    GLIA_WP_TERRITORY = 1, /* one astrocyte territory's, drawn per step */
};

/* The backprop learner's choices (backprop.c). */
enum glia_optimizer {
    GLIA_OPT_SGD = 0,
    GLIA_OPT_ADAM = 1,
};

enum glia_surrogate {
    GLIA_SURROGATE_SIGMOID = 0,          /* d/du of sigmoid(slope * u) */
    GLIA_SURROGATE_STRAIGHT_THROUGH = 1, /* 1 */
};

/* How the network is laid out and wired (net.c, net_phase1a.c). */
enum glia_layout {
    GLIA_LAYOUT_CLUSTERS = 0, /* phase 1b: per cluster inputs, outputs, modulatory, regular */
    GLIA_LAYOUT_PHASE1A = 1,  /* phase 1a: modulatory then regular; inputs/outputs carved out */
};

enum glia_fire_rule {
    GLIA_FIRE_GT = 0, /* fire when act > threshold (phase 1b) */
    GLIA_FIRE_GE = 1, /* fire when act >= threshold (phase 1a) */
};

enum glia_pattern_order {
    GLIA_ORDER_RANDOM = 0, /* one uniform draw per step */
    GLIA_ORDER_CYCLE = 1,  /* pattern (step mod count), no draw */
};

/* The neuromod learner's choices (neuromod.c, spec phase 1a). */
enum glia_episode_clock {
    GLIA_CLOCK_EPISODE = 0, /* e = the 1-based episode number */
    GLIA_CLOCK_ZERO = 1,    /* e = 0 on every step (the reference's exp 001-005, 009) */
};

enum glia_flag_mode {
    GLIA_FLAGS_NONE = 0,
    GLIA_FLAGS_UNSIGNED = 1,    /* any non-zero trace raises the flag (reference HEAD) */
    GLIA_FLAGS_SIGNED = 2,      /* the flag follows the trace's sign (exp 004-009 tables) */
    GLIA_FLAGS_CONSISTENCY = 3, /* raised after `streak` same-sign traces (exp 010) */
};

enum glia_chem_scope {
    GLIA_CHEM_GLOBAL = 0, /* modulatory neurons broadcast the scalar reward */
    GLIA_CHEM_PER_BIT = 1,/* each output neuron broadcasts its own bit's signal */
};

enum glia_falloff {
    GLIA_FALLOFF_CONSTANT = 0,
    GLIA_FALLOFF_INVERSE = 1,
    GLIA_FALLOFF_INVERSE_SQUARE = 2,
    GLIA_FALLOFF_LINEAR = 3,
};

/* What a keep/revert decision scores (perturb.c). */
enum glia_reward_scope {
    GLIA_SCOPE_PATTERN = 0,   /* the step's one pattern (the paper) */
    GLIA_SCOPE_TASK = 1,      /* every pattern; the current weights' score is cached */
    GLIA_SCOPE_MINIBATCH = 2, /* training.minibatch patterns drawn per step */
};

enum glia_selection {
    GLIA_SELECT_SENSING = 0, /* by sensing score and exploration (the paper) */
    GLIA_SELECT_UNIFORM = 1, /* max_active astrocytes drawn at random */
};

enum glia_sensing {
    GLIA_SENSE_FIRING = 0,
    GLIA_SENSE_TRAFFIC = 1,
};

enum glia_exploration {
    GLIA_EXPLORE_NONE = 0,
    GLIA_EXPLORE_FLAT = 1,
    GLIA_EXPLORE_MATURITY = 2,
};

/* One input -> target pair. Bit i holds character i of the pattern string "10000". */
typedef struct glia_pattern {
    uint64_t input;
    uint64_t target;
} glia_pattern_t;

typedef struct glia_config {
    int rng;         /* enum glia_rng_kind */
    int rng_version; /* xoshiro256ss stream: 1 or 2 (GLIA_RNG_STREAM_LATEST); see rng.h */

    struct {
        int clusters;
        int inputs;     /* per cluster, by role, in this order within a cluster */
        int outputs;
        int modulatory;
        int regular;
        int id_stride;  /* neuron id = stride*cluster + k; 0 = the cluster size (no collision) */
        int input_cluster;  /* whose input neurons the task drives (the first input_width) */
        int output_cluster; /* whose output neurons are read (the first target_width) */
        int passes;         /* forward passes per evaluation */
        double spread;          /* positions uniform in [-spread/2, spread/2) per axis */
        double cluster_spacing; /* x offset between consecutive clusters */
        double p_intra;         /* connection probability within a cluster */
        double p_inter;         /* connection probability across clusters */
        double weight_init;     /* initial weight = (u - 0.5) * weight_init */
        double threshold;       /* firing threshold of every neuron */
        int layout;              /* enum glia_layout */
        int hidden_cluster_size; /* phase1a: size of clusters holding neither inputs nor
                                    outputs; 0 = modulatory + regular */
        int fire_rule;           /* enum glia_fire_rule */
        int carry_state;         /* bool: neuron outputs carry over between passes, steps
                                    and into inference (recurrent state) */
        int bias;               /* bool: one always-on unit per cluster (last in it) */
    } network;

    struct {
        int input_width;
        int target_width;
        int count;
        glia_pattern_t patterns[GLIA_MAX_PATTERNS];
    } task;

    struct {
        int steps_per_episode;
        int trajectory_interval; /* a trajectory point every this many episodes */
        double perturbation_std;
        double weight_clamp;     /* weights are clamped to [-clamp, clamp] */
        int homeostasis;         /* bool: per-episode threshold homeostasis */
        double homeostasis_target;
        double homeostasis_rate;
        int pattern_order;       /* enum glia_pattern_order */
        int reward_scope;        /* enum glia_reward_scope */
        int minibatch;           /* patterns per step with reward_scope minibatch */
        int diagnostics_interval; /* credit-assignment diagnostics every this many steps;
                                     0 = off (core/diagnostics.h) */
    } training;

    struct {
        int kind; /* enum glia_learner_kind */
        int perturb_thresholds; /* bool: non-input thresholds move with the weights */
        double threshold_std;   /* standard deviation of a threshold perturbation */
        double threshold_clamp; /* perturbed thresholds stay in [-clamp, clamp] */
        struct {
            double radius;
            double walk_step;
            double jump_probability;
        } cursor;
        struct {
            int per_cluster; /* a square number: astrocytes sit on a grid */
            int sensing;     /* enum glia_sensing */
            int exploration; /* enum glia_exploration */
            int selection;   /* enum glia_selection */
            int min_active;
            int max_active;
            int history;
            int adapt_interval;
            double territory_radius;
            double flat_rate;
            double maturity_rate;  /* rate = maturity_rate / (1 + activations / maturity_scale) */
            double maturity_scale;
            double success_high;   /* success rate above this: lower the threshold */
            double success_low;    /* success rate below this: raise the threshold */
            double threshold_init;
            double threshold_step;
            double threshold_min;
            double threshold_max;
        } astrocyte;
        struct {
            int count; /* synapses per step; 0 = as many as the selected territories hold */
        } scattered;
        struct {
            int episode_clock; /* enum glia_episode_clock */
            double co_activation, co_silence, mismatch; /* four-quadrant trace */
            double ambient_radius, ambient_threshold;
            double history_decay, history_minimum;
            int dampening; /* bool */
            double learning_rate, max_delta, weight_decay;
            int provisional; /* bool: keep a step's update only if the next step scores as well */
            struct {
                double target_rate, step;
                int in_loop;       /* bool: once per propagation cycle (exp 010b) */
                int fixed_outputs; /* bool: output thresholds never move (exp 018) */
            } homeostasis;
            struct {
                int mode; /* enum glia_flag_mode */
                double gain, decay, threshold, decay_on_flip;
                int streak;
                int gate_warmup; /* the gate opens once e >= gate_warmup */
            } flags;
            struct {
                int scope;   /* enum glia_chem_scope */
                int falloff; /* enum glia_falloff */
                double radius;
                int anneal;  /* bool: radius -> radius_min over anneal_episodes */
                double radius_min;
                int anneal_episodes;
                double decay, positive, negative, correct_silence;
                int cycling; /* bool: one modulatory neuron per step, round robin */
            } chemical;
            struct {
                double exponent;
                int anneal; /* bool: linear -> squared between anneal_start and anneal_end */
                double anneal_start, anneal_end;
            } reward;
            struct {
                int window; /* 0 = off */
                double threshold, flip;
            } frustration;
        } neuromod;
        struct {
            int scope; /* enum glia_wp_scope */
            double learning_rate, delta;
        } weight_perturbation;
        struct {
            double sigma, learning_rate, baseline_rate;
        } node_perturbation;
        struct {
            int population; /* 1: (1+1)-ES; even >= 2: antithetic pairs */
            double sigma, sigma_adapt, sigma_min, sigma_max, learning_rate;
        } es;
        struct {
            int optimizer; /* enum glia_optimizer */
            int surrogate; /* enum glia_surrogate */
            double learning_rate, slope, beta1, beta2;
        } backprop;
    } learner;
} glia_config_t;

enum glia_field_type {
    GLIA_FIELD_INT = 0,
    GLIA_FIELD_DOUBLE = 1,
    GLIA_FIELD_BOOL = 2,
    GLIA_FIELD_ENUM = 3, /* stored as int; JSON is one of `names` */
};

typedef struct glia_config_field {
    const char *pointer;     /* JSON pointer, e.g. "/network/clusters" */
    int type;                /* enum glia_field_type */
    size_t offset;           /* offsetof(glia_config_t, ...) */
    double min;              /* inclusive bounds for INT and DOUBLE */
    double max;
    const char *const *names; /* ENUM: value i is names[i]; NULL-terminated */
    const char *doc;         /* one line for humans */
} glia_config_field_t;

/* The scalar fields in document order, terminated by an entry with pointer == NULL. */
extern const glia_config_field_t glia_config_fields[];

/* Fill `cfg` with the defaults for new work: xoshiro256**, no id collision, the paper's
 * 70-neuron network and 8-pattern task, astrocytes with maturity exploration. */
void glia_config_default(glia_config_t *cfg);

/* Fill `cfg` with a reference preset or alias (exp020..exp024). Returns 0, or
 * GLIA_ENOENT for an unknown name (cfg untouched). */
int glia_config_preset(glia_config_t *cfg, const char *name);

typedef struct glia_preset_info {
    const char *name;
    const char *alias;       /* "exp020".. */
    const char *description;
    int episodes;            /* the published run length */
} glia_preset_info_t;

/* The presets, terminated by an entry with name == NULL. */
extern const glia_preset_info_t glia_presets[];

/* Canonical preset info for a name or alias, or NULL. */
const glia_preset_info_t *glia_preset_find(const char *name);

/* Check every field and every cross-field rule. Returns 0 or GLIA_EINVAL with `err`
 * naming the first offending field. */
int glia_config_validate(const glia_config_t *cfg, glia_error_t *err);

/* Do two configs describe the same learning system (every field and pattern)? */
int glia_config_equal(const glia_config_t *a, const glia_config_t *b);

/* Derived sizes. glia_config_cluster_size is the size of an ordinary cluster; with the
 * phase1a layout a hidden cluster may differ (glia_config_cluster_neurons). */
int glia_config_cluster_size(const glia_config_t *cfg);
int glia_config_cluster_neurons(const glia_config_t *cfg, int cluster);
int glia_config_neurons(const glia_config_t *cfg);
int glia_config_id_stride(const glia_config_t *cfg); /* resolves 0 to the cluster size */

/* Pattern strings: "10110" <-> bits. Returns 0, or GLIA_EINVAL for a character other
 * than 0/1 or a width outside 1..GLIA_MAX_WIDTH. `out` needs width + 1 bytes. */
int glia_pattern_parse(const char *s, uint64_t *bits, int *width);
void glia_pattern_format(uint64_t bits, int width, char *out);

#endif
