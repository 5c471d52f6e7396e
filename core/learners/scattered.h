/* scattered.h: the draw the "scattered" learner perturbs by, for white-box tests. */
#ifndef GLIA_SCATTERED_H
#define GLIA_SCATTERED_H

#include <stdint.h>

#include "core/rng.h"

/* k distinct indices of [0, total) drawn uniformly (Floyd's algorithm, one draw each),
 * marked with `stamp` in mark[] (which must hold no `stamp` yet) and listed ascending
 * into out. Returns min(k, total). (scattered.c) */
int glia__sample_distinct(glia_rng_t *rng, int total, int k, uint32_t *mark, uint32_t stamp,
                          int *out);

#endif
