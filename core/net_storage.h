/* net_storage.h: a network's struct layout and the arrays' allocation (net_storage.c),
 * for the core's files that build or read a network (net.c, net_phase1a.c, the learners,
 * the session; and white-box tests). Public code sees only net.h's opaque glia_net_t.
 * Nothing outside core/ and tests/ includes this. */
#ifndef GLIA_NET_STORAGE_H
#define GLIA_NET_STORAGE_H

#include <stdint.h>

typedef struct glia_net glia_net_t; /* as in net.h */

struct glia_net {
    int n;        /* neurons */
    int id_space; /* length of arrays indexed by id: max(n, largest id + 1) */
    int n_syn;
    int *id; /* [n] id of the neuron at each position */
    uint8_t *role;
    int *cluster;
    double *x, *y, *z;
    double *thr; /* [n] firing threshold per position */
    int *pre;    /* [n_syn] positions; synapses are sorted by pre (creation order) */
    int *post;
    double *w;
    int *out_start; /* [n+1] synapses of pre j are out_start[j] .. out_start[j+1]-1 */
    int n_driven;
    int *driven; /* positions driven by input bit i */
    int n_readout;
    int *readout; /* positions read as output bit i */
    int n_bias;
    int *bias;    /* positions of the bias units (network.bias), fired in every pass */
    int v8_exp;   /* soft reward with V8's exp (sample.c), not the platform's: every
                     generator but xoshiro256ss stream 1, whose results predate it */
    /* Last pass. `act` is written at post positions and read at ids (spec 3). */
    uint8_t *fired; /* [n] */
    double *act;    /* [id_space] */
    uint8_t fire_ge; /* fire on act >= thr (else >) */
    uint8_t carry;   /* a forward pass starts from the last outputs, not from silence */

    /* For glia_net_forward_update: the non-input positions that read act[x] are
     * reader[reader_start[x] .. reader_start[x+1]); driven_syn[i*n + x] is the synapse
     * from driven input i to position x (-1: none); driven_rank lists the driven inputs
     * by position. can_update is 0 when a driven input has two synapses to one post or
     * two inputs share a position (then every pass is a full one). */
    int *reader_start, *reader;
    int *driven_syn;
    int *driven_rank;
    int can_update;
    uint32_t *touched; /* [id_space] stamps of the positions an update recomputed */
    uint32_t stamp;
    /* The soft reward's terms of its last call, reused for readouts whose -sign*(act -
     * threshold) did not change. */
    double *soft_e, *soft_term; /* [n_readout] */
    int has_soft;
};

/* A network's arrays, for the layouts (net.c, net_phase1a.c): 0 or GLIA_ENOMEM. */
int glia__net_alloc_neurons(glia_net_t *net, int n, int id_space);
int glia__net_alloc_synapses(glia_net_t *net, int cap);
/* Append synapse (pre, post, w), growing the arrays geometrically. */
int glia__net_push_synapse(glia_net_t *net, int *cap, int pre, int post, double w);
/* Free a network and its arrays (NULL is a no-op); net.h declares it for everyone. */
void glia_net_free(glia_net_t *net);

#endif
