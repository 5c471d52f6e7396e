/* classify_internal.h: the structs behind classify.h, shared by data.c, network.c and
 * learn.c only. */
#ifndef GLIA_CLASSIFY_INTERNAL_H
#define GLIA_CLASSIFY_INTERNAL_H

#include "core/classify/classify.h"
#include "core/rng.h"

/* The training cache is rebuilt from the weights every this many steps, so that what a
 * run holds at such a step is a function of its weights alone. */
#define GLIA_CLS_REFRESH 1000

struct glia_cls_data {
    uint32_t samples, classes, bits;
    uint32_t n_train, n_test; /* split samples 0..n_train-1 train, the rest test */
    uint32_t *index;          /* split sample -> source sample */
    uint32_t *label;          /* split sample -> class */
    uint8_t *col;             /* bits x samples, 0/1: bit b of split sample i at b*samples+i */
};

/* The parameters: input->hidden synapses grouped by hidden unit (in_start), hidden->output
 * synapses grouped by hidden unit (out_start), hidden and output thresholds. */
typedef struct glia_cls_params {
    double *in_w, *out_w, *th, *oth;
} glia_cls_params_t;

/* What a parallel job is: a kind and its inputs; the chunk index comes from the host. */
enum { JOB_FORWARD_TRAIN, JOB_TRIAL_TERRITORY, JOB_TRIAL_ALL, JOB_TEST };

struct glia_cls {
    glia_cls_config_t cfg;
    const glia_cls_data_t *data;
    glia_cls_exec_t exec;
    glia_rng_t rng;
    uint32_t H, C, T, n; /* hidden, classes, territories, training samples */
    uint32_t *in_start, *in_src, *out_start, *out_dst;
    uint64_t n_in, n_out;
    glia_cls_params_t cur, try_; /* the weights, and the ones a step tries */
    uint8_t *h, *h_try;          /* H x n firing of each hidden unit on each training sample */
    double *o, *o_try;           /* C x n output net input (before the output threshold) */
    double reward;               /* of cur, on the training set */
    uint32_t correct;            /* training samples read out right by cur */
    /* per chunk results, added in chunk order */
    int n_chunks, n_test_chunks;
    double *part;      /* n_chunks x C: per-class sums of the per-sample reward */
    uint32_t *hits;    /* n_chunks: correct samples */
    uint32_t *conf;    /* n_test_chunks x C x C */
    uint32_t *confusion; /* C x C, the last score's */
    uint32_t *class_n;   /* C: training samples of each class */
    /* the job the chunks run */
    int job;
    int territory; /* JOB_TRIAL_TERRITORY: which */
    glia_cls_counts_t counts;
};

/* network.c, for learn.c: run a job over every chunk (training or test), reduce the
 * training-set reward of the last trial job into *reward and *correct. */
void glia__cls_run(glia_cls_t *c, int job, int territory);
void glia__cls_reduce(const glia_cls_t *c, double *reward, uint32_t *correct);
/* Territory t's hidden units: [first, end). */
void glia__cls_territory(const glia_cls_t *c, int t, uint32_t *first, uint32_t *end);

#endif
