/* territory.h: where astrocytes would sit and what each would own (spec 6).
 *
 * Astrocytes sit on a grid over each cluster's x/y extent. A territory is the set of
 * neuron ids of the same cluster within territory_radius (2-D); it owns the synapses
 * whose pre or post *position* is in that id set (the reference's id/position mix,
 * reproduced on purpose; with no id collision it is just "touches a territory
 * neuron"). The layout is a pure function of (config, network). Every session lays it
 * out, whatever its learner, because results report the territories the astrocyte
 * configuration would have; the astrocyte and scattered learners use it to learn.
 */
#ifndef GLIA_TERRITORY_H
#define GLIA_TERRITORY_H

#include "core/config.h"
#include "core/net.h"

typedef struct glia_territory {
    int cluster;
    double x, y;
    int n_ids;
    int *ids; /* territory: neuron ids, position order */
    int *pos; /* [n_ids] the same neurons' positions */
    int n_syn;
    int *syn; /* owned synapses, ascending */
} glia_territory_t;

typedef struct glia_territories {
    int count;
    glia_territory_t *t;
} glia_territories_t;

/* Lay out per_cluster * clusters territories. Returns 0 or GLIA_ENOMEM (then `out`
 * holds nothing to free). Free with glia_territories_destroy(). */
int glia_territories_init(glia_territories_t *out, const glia_config_t *cfg, const glia_net_t *net);
void glia_territories_destroy(glia_territories_t *t);

#endif
