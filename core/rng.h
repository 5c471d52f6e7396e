/* rng.h: the random generators a config can select.
 *
 * GLIA_RNG_MULBERRY32_JS emulates the reference program's generator bit for bit,
 * including its double-precision state: the state is a double that grows by
 * 1831565813 per draw and starts to round once it passes 2^53 (after ~4.9M draws), so
 * long runs revisit states. Its Gaussian is the reference's one-sample Box-Muller.
 *
 * GLIA_RNG_MULBERRY32 is the phase 1a program's generator: the same hash, but a true
 * 32-bit state (kept in x[0]) seeded with the seed as is. Its stream for seed S equals
 * mulberry32-js's for seed S - 1 until the double state of the latter starts to round.
 * Only uniforms: the phase 1a learner draws nothing but its network.
 *
 * GLIA_RNG_XOSHIRO256SS is the default for new work: xoshiro256** seeded through
 * splitmix64, uniform doubles with 53 random bits, and Marsaglia's polar method for
 * normals (the second value of each pair is kept as part of the state).
 *
 * The whole state is this plain struct: copy it to save, copy it back to restore.
 */
#ifndef GLIA_RNG_H
#define GLIA_RNG_H

#include <stdint.h>

enum glia_rng_kind {
    GLIA_RNG_MULBERRY32_JS = 0,
    GLIA_RNG_XOSHIRO256SS = 1,
    GLIA_RNG_MULBERRY32 = 2,
};

typedef struct glia_rng {
    int kind;        /* enum glia_rng_kind */
    int has_spare;   /* xoshiro: a second polar-method normal is waiting */
    double s;        /* mulberry32-js: the double state */
    double spare;    /* xoshiro: the waiting normal */
    uint64_t x[4];   /* xoshiro256** state; mulberry32: x[0] is the 32-bit state */
} glia_rng_t;

/* Seed `rng` as the reference does (mulberry32-js: s = seed + 1; mulberry32: the seed as
 * is) or through splitmix64. */
void glia_rng_seed(glia_rng_t *rng, int kind, uint32_t seed);

/* Next uniform double in [0, 1). */
double glia_rng_next(glia_rng_t *rng);

/* Next standard normal sample (mulberry32: the reference's Box-Muller, as mulberry32-js). */
double glia_rng_gauss(glia_rng_t *rng);

/* Deferred Gaussian (mulberry32-js only): glia_rng_gauss_draw takes the two uniforms
 * now, in the generator's order; glia_rng_gauss_from turns them into the same value
 * glia_rng_gauss would have returned. Lets a caller skip log/cos for samples it may
 * never need while keeping the generator in lockstep. */
void glia_rng_gauss_draw(glia_rng_t *rng, double *u1, double *u2);
double glia_rng_gauss_from(double u1, double u2);

/* Draws taken since glia_rng_seed(rng, kind, seed), where the state tells: mulberry32
 * (modulo 2^32) and mulberry32-js (while its double state is exact); -1 otherwise. */
int64_t glia_rng_draws(const glia_rng_t *rng, uint32_t seed);

/* Mulberry32 output for an integer state value a (exposed for tests). */
uint32_t glia_rng_mulberry32_hash(uint32_t a);

/* Name <-> kind ("mulberry32-js", "xoshiro256ss", "mulberry32"). Returns -1 for an unknown name. */
int glia_rng_kind_from_name(const char *name);
const char *glia_rng_kind_name(int kind);

#endif
