/* net_storage.c: a network's arrays: allocated by a layout's builder (net.c's clusters,
 * net_phase1a.c's phase 1a layout), grown while it draws synapses, freed. */
#include <stdlib.h>

#include "core/error.h"
#include "core/net_storage.h"

int glia__net_alloc_neurons(glia_net_t *net, int n, int id_space)
{
    net->n = n;
    net->id_space = id_space;
    net->id = calloc((size_t)n, sizeof(int));
    net->role = calloc((size_t)n, 1);
    net->cluster = calloc((size_t)n, sizeof(int));
    net->x = calloc((size_t)n, sizeof(double));
    net->y = calloc((size_t)n, sizeof(double));
    net->z = calloc((size_t)n, sizeof(double));
    net->thr = calloc((size_t)n, sizeof(double));
    net->out_start = calloc((size_t)n + 1, sizeof(int));
    net->fired = calloc((size_t)n, 1);
    net->act = calloc((size_t)id_space, sizeof(double));
    net->driven = calloc((size_t)n, sizeof(int));
    net->readout = calloc((size_t)n, sizeof(int));
    net->bias = calloc((size_t)n, sizeof(int));
    if (!net->id || !net->role || !net->cluster || !net->x || !net->y || !net->z || !net->thr ||
        !net->out_start || !net->fired || !net->act || !net->driven || !net->readout || !net->bias)
        return GLIA_ENOMEM;
    return 0;
}

int glia__net_alloc_synapses(glia_net_t *net, int cap)
{
    net->pre = malloc((size_t)cap * sizeof(int));
    net->post = malloc((size_t)cap * sizeof(int));
    net->w = malloc((size_t)cap * sizeof(double));
    return (net->pre && net->post && net->w) ? 0 : GLIA_ENOMEM;
}

/* The count is only known at the end of a build: the arrays grow geometrically. */
int glia__net_push_synapse(glia_net_t *net, int *cap, int pre, int post, double w)
{
    if (net->pre == NULL) {
        net->n_syn = 0;
        if (glia__net_alloc_synapses(net, *cap) != 0)
            return GLIA_ENOMEM;
    }
    if (net->n_syn == *cap) {
        size_t ncap = (size_t)*cap * 2;
        int *npre, *npost;
        double *nw;
        npre = realloc(net->pre, ncap * sizeof(int));
        if (npre)
            net->pre = npre;
        npost = realloc(net->post, ncap * sizeof(int));
        if (npost)
            net->post = npost;
        nw = realloc(net->w, ncap * sizeof(double));
        if (nw)
            net->w = nw;
        if (!npre || !npost || !nw)
            return GLIA_ENOMEM;
        *cap = (int)ncap;
    }
    net->pre[net->n_syn] = pre;
    net->post[net->n_syn] = post;
    net->w[net->n_syn] = w;
    net->n_syn++;
    return 0;
}

void glia_net_free(glia_net_t *net)
{
    if (net == NULL)
        return;
    free(net->id);
    free(net->role);
    free(net->cluster);
    free(net->x);
    free(net->y);
    free(net->z);
    free(net->thr);
    free(net->pre);
    free(net->post);
    free(net->w);
    free(net->out_start);
    free(net->driven);
    free(net->readout);
    free(net->bias);
    free(net->fired);
    free(net->act);
    free(net->reader_start);
    free(net->reader);
    free(net->driven_syn);
    free(net->driven_rank);
    free(net->touched);
    free(net->soft_e);
    free(net->soft_term);
    free(net);
}
