/* task.h: generated tasks (random mappings, n-bit parity, XOR), resolved into the
 * config's explicit pattern list.
 *
 * A generated task is stored as the patterns it produced, never as its recipe, so what
 * a session learned is always visible in its config. The generators use their own
 * splitmix64 stream seeded from the spec, not the session's generator: a task depends
 * only on its spec, in every release.
 */
#ifndef GLIA_TASK_H
#define GLIA_TASK_H

#include <stdint.h>

#include "core/config.h"
#include "core/error.h"

enum glia_task_kind {
    GLIA_TASK_RANDOM = 0, /* `patterns` distinct random inputs, each with a random target */
    GLIA_TASK_PARITY = 1, /* all 2^bits inputs; target: 1 when an odd number of bits are 1 */
    GLIA_TASK_XOR = 2,    /* parity of 2 bits */
};

#define GLIA_TASK_MAX_PARITY_BITS 8 /* 2^8 = GLIA_MAX_PATTERNS */

typedef struct glia_task_spec {
    int kind;         /* enum glia_task_kind */
    int patterns;     /* random: 1..GLIA_MAX_PATTERNS, at most 2^input_width */
    int input_width;  /* random: 1..GLIA_MAX_WIDTH */
    int target_width; /* random: 1..GLIA_MAX_WIDTH */
    uint32_t seed;    /* random */
    int bits;         /* parity: 1..GLIA_TASK_MAX_PARITY_BITS */
} glia_task_spec_t;

/* Replace cfg->task with the patterns `spec` generates. Pattern i of parity (and XOR)
 * has input bit k = bit k of i. Returns 0, or GLIA_EINVAL with err naming the spec's
 * field ("/task/generate/bits", ...); cfg is then untouched. */
int glia_task_generate(glia_config_t *cfg, const glia_task_spec_t *spec, glia_error_t *err);

#endif
