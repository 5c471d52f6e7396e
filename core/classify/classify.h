/* classify.h: learning to classify a dataset, held out, with a layered binary network.
 *
 * The bit tasks of the paper (session.h) hold at most 256 patterns of 64 bits inline in the
 * config, score the patterns they train on and read bits. Classification is the other
 * question: does the same kind of learning work on real data, judged on samples the
 * learner never saw? Here:
 *
 *   data     a dataset's features (samples x features, real or byte values) encoded as
 *            bits (threshold, per feature or global, or a thermometer code of k levels),
 *            split by (split seed) into train and test, stratified by class.
 *   network  input bits -> hidden binary threshold units -> one output unit per class.
 *            Each hidden unit listens to each input bit with probability p_in, each
 *            output unit to each hidden unit with probability p_out. A hidden unit fires
 *            when its net input exceeds its threshold; the class read out is the argmax of
 *            output net input minus threshold (ties: the lowest class).
 *   learner  keep-or-revert on one scalar over the whole training set:
 *              astrocyte  one territory (a group of hidden units, their incoming and
 *                         outgoing synapses and thresholds) perturbed per step;
 *              global     every weight and threshold perturbed per step;
 *              random     every parameter drawn afresh per step (random search).
 *            A step is kept iff the reward rises. Each step asks one reward query per
 *            training sample scored.
 *   reward   balanced  per sample, half the soft correctness of the target unit and
 *                      half the mean over the other units, averaged per class and then
 *                      over classes (so "all silent" scores 0.5, not 0.9);
 *            margin    per sample clamp((a_target - max other a) / scale, -1, 1), averaged
 *                      per class then over classes;
 *            soft      the paper's kind: the mean soft correctness over all output bits
 *                      (kept for comparison: nine of ten targets are 0).
 *
 * Everything is a function of (config, data, seed): the training samples are evaluated in
 * fixed chunks (GLIA_CLS_CHUNK), each chunk's sums kept apart and added in chunk order, so
 * a host running chunks on several threads (glia_cls_exec_t) gets the same bits as one
 * thread. Nothing here does I/O or starts threads.
 */
#ifndef GLIA_CLASSIFY_H
#define GLIA_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define GLIA_CLS_MAX_BITS    4096     /* encoded input bits */
#define GLIA_CLS_MAX_CLASSES 64
#define GLIA_CLS_MAX_HIDDEN  65536
#define GLIA_CLS_MAX_SYNAPSES 20000000 /* input->hidden plus hidden->output */
#define GLIA_CLS_MAX_LEVELS  16
#define GLIA_CLS_CHUNK       256      /* samples per evaluation chunk (fixed: see above) */

enum glia_cls_encoding {
    GLIA_CLS_ENC_FEATURE = 0,     /* bit = x > midpoint of that feature's training range */
    GLIA_CLS_ENC_GLOBAL = 1,      /* bit = x > `threshold` (one value for every feature) */
    GLIA_CLS_ENC_THERMOMETER = 2, /* k bits per feature: x > lo + (l+1)(hi-lo)/(k+1) */
};
enum glia_cls_learner { GLIA_CLS_ASTROCYTE = 0, GLIA_CLS_GLOBAL = 1, GLIA_CLS_RANDOM = 2 };
enum glia_cls_reward { GLIA_CLS_BALANCED = 0, GLIA_CLS_MARGIN = 1, GLIA_CLS_SOFT = 2 };

extern const char *const glia_cls_encoding_names[]; /* NULL-terminated, enum order */
extern const char *const glia_cls_learner_names[];
extern const char *const glia_cls_reward_names[];

typedef struct glia_cls_config {
    struct {
        int kind;         /* enum glia_cls_encoding */
        double threshold; /* global: the value compared */
        int levels;       /* thermometer: bits per feature */
    } encoding;
    struct {
        double test_fraction; /* of each class, rounded down, at least one sample kept */
        uint32_t seed;        /* the split's own seed: same (data, seed), same split */
    } split;
    struct {
        int hidden;          /* hidden units */
        int territory_size;  /* hidden units per territory (the last may hold fewer) */
        double p_in;         /* input bit -> hidden unit connection probability */
        double p_out;        /* hidden unit -> output unit */
        double weight_init;  /* initial weight uniform in [-weight_init/2, weight_init/2) */
        double threshold_init; /* every hidden and output threshold at the start */
    } network;
    struct {
        int kind;             /* enum glia_cls_learner */
        double sigma;         /* weight perturbation standard deviation */
        double threshold_std; /* threshold perturbation standard deviation */
        double clamp;         /* weights and thresholds stay in [-clamp, clamp] */
    } learner;
    struct {
        int reward;           /* enum glia_cls_reward */
        double margin_scale;  /* the net-input difference that scores 1 (margin), or the
                                 ramp's half width (balanced, soft) */
        uint64_t steps;       /* steps of a run */
        uint64_t eval_interval; /* a trajectory point every this many steps */
    } training;
} glia_cls_config_t;

/* The defaults (a digits-sized network). */
void glia_cls_config_default(glia_cls_config_t *cfg);
/* Check every field; 0 or GLIA_EINVAL with err->field a JSON pointer ("/network/hidden"). */
int glia_cls_config_validate(const glia_cls_config_t *cfg, glia_error_t *err);

/* The data a run learns from: features as the caller holds them (bytes or floats,
 * row-major), one label each. Borrowed for the call of glia_cls_data_new only. */
typedef struct glia_cls_source {
    uint32_t samples, features, classes;
    const uint8_t *x8; /* or NULL, then xf */
    const float *xf;
    const int32_t *labels;
} glia_cls_source_t;

typedef struct glia_cls_data glia_cls_data_t;

/* Encode and split `src` as cfg says. 0 and *out, or GLIA_EINVAL (err names the field:
 * too many bits, a class with too few samples to split), GLIA_ENOMEM. */
int glia_cls_data_new(const glia_cls_config_t *cfg, const glia_cls_source_t *src,
                      glia_cls_data_t **out, glia_error_t *err);
void glia_cls_data_free(glia_cls_data_t *d);
uint32_t glia_cls_data_bits(const glia_cls_data_t *d);
uint32_t glia_cls_data_classes(const glia_cls_data_t *d);
uint32_t glia_cls_data_train(const glia_cls_data_t *d); /* training samples */
uint32_t glia_cls_data_test(const glia_cls_data_t *d);
/* Sample i of the split (train first, then test) is source sample index[i]. */
const uint32_t *glia_cls_data_index(const glia_cls_data_t *d);
/* Bit b of split sample i (0 or 1). */
int glia_cls_data_bit(const glia_cls_data_t *d, uint32_t i, uint32_t b);

/* How a host runs n independent tasks (fn(arg, 0..n-1), in any order, on any threads) and
 * returns when all are done. run NULL: one after the other on the caller's thread. */
typedef struct glia_cls_exec {
    void (*run)(void *team, int n, void (*fn)(void *arg, int i), void *arg);
    void *team;
} glia_cls_exec_t;

typedef struct glia_cls glia_cls_t;

/* Build the network for (cfg, data, seed) and score it. data is borrowed for the run's life.
 * 0 and *out, GLIA_EINVAL (err names the field: a network past the bounds), GLIA_ENOMEM. */
int glia_cls_new(const glia_cls_config_t *cfg, const glia_cls_data_t *data, uint32_t seed,
                 const glia_cls_exec_t *exec, glia_cls_t **out, glia_error_t *err);
void glia_cls_free(glia_cls_t *c);

/* What one step did. */
typedef struct glia_cls_step {
    int territory;        /* the territory perturbed, -1 for every parameter */
    int kept;
    double base, after;   /* reward before and after the perturbation */
} glia_cls_step_t;

/* One step. info may be NULL. */
void glia_cls_step(glia_cls_t *c, glia_cls_step_t *info);

/* Scores of the current weights. */
typedef struct glia_cls_score {
    double reward;          /* on the training set (what the learner climbs) */
    double train_accuracy;  /* class read out == label */
    double test_accuracy;
    double test_balanced;   /* mean over classes of the per-class test accuracy */
    uint32_t classes;
    uint32_t *confusion;    /* classes x classes, row = label, column = class read out,
                               on the test set; owned by the run, valid until the next
                               glia_cls_score call */
} glia_cls_score_t;

/* Score train and test from scratch (the cached training state is rebuilt from the
 * weights, which is also what keeps a long run's sums from drifting). */
void glia_cls_score(glia_cls_t *c, glia_cls_score_t *s);

typedef struct glia_cls_counts {
    uint64_t steps, kept;
    uint64_t reward_queries;  /* training samples scored, summed over evaluations */
    uint64_t synapse_updates; /* sample x synapse products computed (the evaluation work) */
} glia_cls_counts_t;
void glia_cls_counts(const glia_cls_t *c, glia_cls_counts_t *out);

/* The network's size: hidden units, territories, synapses (input->hidden, hidden->output). */
typedef struct glia_cls_shape {
    uint32_t bits, hidden, outputs, territories;
    uint64_t in_synapses, out_synapses;
} glia_cls_shape_t;
void glia_cls_shape(const glia_cls_t *c, glia_cls_shape_t *out);

/* Bytes glia_cls_new would hold for (cfg, data), counted before building (a budget). */
uint64_t glia_cls_footprint(const glia_cls_config_t *cfg, const glia_cls_data_t *data);

#endif
