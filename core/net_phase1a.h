/* net_phase1a.h: the phase 1a network layout (net_phase1a.c), as net.c builds it. */
#ifndef GLIA_NET_PHASE1A_H
#define GLIA_NET_PHASE1A_H

#include "core/config.h"
#include "core/net_storage.h"
#include "core/rng.h"

/* The phase1a layout (spec phase 1a, 2): NULL on out of memory. */
glia_net_t *glia__net_new_phase1a(const glia_config_t *cfg, glia_rng_t *rng);

#endif
