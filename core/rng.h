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
 * normals (the second value of each pair is kept as part of the state). How a
 * perturbation takes its samples is the stream version (config /rng_version, perturb.c):
 * version 1 takes one polar-method normal per synapse; version 2 one 64-bit key
 * (glia_rng_next_u64) and each synapse's sample from (key, synapse) (sample.c).
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

/* Next raw 64-bit output (xoshiro256** only). */
uint64_t glia_rng_next_u64(glia_rng_t *rng);

/* mulberry32-js draws planned without taking them.
 *
 * The state is a double that grows by 1831565813 per draw: exactly below 2^53, and
 * above it by an increment that IEEE rounding makes constant within each binade (after
 * at most one irregular step: the spacing-2 binade rounds its ties to even). A plan
 * walks n draws in O(binades crossed): it cuts them into runs in which ToUint32 of the
 * state is a + i * step (mod 2^32), and gives the state after the last draw, the same
 * double n calls of glia_rng_next would leave. */
#define GLIA_MULBERRY_MAX_RUNS 16

typedef struct glia_mulberry_run {
    uint64_t first; /* index of its first draw, counting from the plan's start */
    uint64_t count;
    uint32_t a;    /* ToUint32 of the state at its first draw */
    uint32_t step; /* ToUint32 of the increment between its draws */
} glia_mulberry_run_t;

typedef struct glia_mulberry_plan {
    int n_runs;
    glia_mulberry_run_t run[GLIA_MULBERRY_MAX_RUNS];
    double s_after; /* the state after the plan's draws */
} glia_mulberry_plan_t;

/* Plan the next n draws of a mulberry32-js generator (not changed). Returns 0, or -1 when
 * they need more than GLIA_MULBERRY_MAX_RUNS runs (only for n in the millions: then take
 * the draws one by one). */
int glia_rng_mulberry_plan(const glia_rng_t *rng, uint64_t n, glia_mulberry_plan_t *plan);

/* ToUint32 of the state at draw j of a plan (j < the planned count). */
uint32_t glia_mulberry_plan_state(const glia_mulberry_plan_t *plan, uint64_t j);

/* out[i] = ToUint32 of the state at draw first + i, for i < n. */
void glia_mulberry_plan_fill(const glia_mulberry_plan_t *plan, uint64_t first, uint64_t n,
                             uint32_t *out);

/* Advance past n draws as if they were taken (any generator). */
void glia_rng_skip(glia_rng_t *rng, uint64_t n);
/* Draws taken since glia_rng_seed(rng, kind, seed), where the state tells: mulberry32
 * (modulo 2^32) and mulberry32-js (while its double state is exact); -1 otherwise. */
int64_t glia_rng_draws(const glia_rng_t *rng, uint32_t seed);

/* Mulberry32 output for an integer state value a (exposed for tests). */
uint32_t glia_rng_mulberry32_hash(uint32_t a);

/* Name <-> kind ("mulberry32-js", "xoshiro256ss", "mulberry32"). Returns -1 for an unknown name. */
int glia_rng_kind_from_name(const char *name);
const char *glia_rng_kind_name(int kind);

/* The stream a (kind, version) draws, as results name it: "mulberry32-js",
 * "xoshiro256ss" (version 1, as every earlier release named it) or "xoshiro256ss-v2". A
 * result of a (config, seed) never changes without this name changing. */
#define GLIA_RNG_STREAM_LATEST 2
const char *glia_rng_stream_name(int kind, int version);

#endif
