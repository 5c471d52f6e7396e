/* rng.c: mulberry32-js (exact emulation of the reference), mulberry32 (its 32-bit form,
 * the phase 1a program's) and xoshiro256**. */
#include "rng.h"

#include <math.h>
#include <string.h>

#define MULBERRY_INC 1831565813.0
#define MULBERRY_INC32 0x6D2B79F5u
#define TWO_POW_32   4294967296.0
#define TWO_POW_64   18446744073709551616.0

static const double glia_pi = 3.141592653589793;

uint32_t glia_rng_mulberry32_hash(uint32_t a)
{
    uint32_t t = (a ^ (a >> 15)) * (1u | a);
    t = t ^ (t + (t ^ (t >> 7)) * (61u | t));
    return t ^ (t >> 14);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void glia_rng_seed(glia_rng_t *rng, int kind, uint32_t seed)
{
    uint64_t sm = seed;

    memset(rng, 0, sizeof(*rng));
    rng->kind = kind;
    if (kind == GLIA_RNG_MULBERRY32_JS) {
        rng->s = (double)seed + 1.0;
        return;
    }
    if (kind == GLIA_RNG_MULBERRY32) {
        rng->x[0] = seed;
        return;
    }
    for (int i = 0; i < 4; i++)
        rng->x[i] = splitmix64(&sm);
}

static inline double mulberry_next(glia_rng_t *rng)
{
    uint32_t a;

    /* Double addition: exact below 2^53, rounds above, as in the reference. */
    rng->s = rng->s + MULBERRY_INC;
    /* ToUint32(s). For s < 2^64 the integer conversion keeps the same low 32 bits. */
    if (rng->s < TWO_POW_64)
        a = (uint32_t)(uint64_t)rng->s;
    else
        a = (uint32_t)fmod(rng->s, TWO_POW_32);
    return (double)glia_rng_mulberry32_hash(a) / TWO_POW_32;
}

static inline double mulberry32_next(glia_rng_t *rng)
{
    uint32_t a = (uint32_t)rng->x[0] + MULBERRY_INC32; /* wraps: a true 32-bit state */

    rng->x[0] = a;
    return (double)glia_rng_mulberry32_hash(a) / TWO_POW_32;
}

static inline double xoshiro_next(glia_rng_t *rng)
{
    uint64_t *s = rng->x;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return (double)(result >> 11) * 0x1.0p-53;
}

double glia_rng_next(glia_rng_t *rng)
{
    if (rng->kind == GLIA_RNG_MULBERRY32_JS)
        return mulberry_next(rng);
    if (rng->kind == GLIA_RNG_MULBERRY32)
        return mulberry32_next(rng);
    return xoshiro_next(rng);
}

void glia_rng_gauss_draw(glia_rng_t *rng, double *u1, double *u2)
{
    /* Reference order: u1 first, then u2. */
    if (rng->kind == GLIA_RNG_MULBERRY32_JS) {
        *u1 = mulberry_next(rng);
        *u2 = mulberry_next(rng);
        return;
    }
    *u1 = glia_rng_next(rng);
    *u2 = glia_rng_next(rng);
}

double glia_rng_gauss_from(double u1, double u2)
{
    /* The reference's Box-Muller; 2*PI*u2 evaluates as (2*PI)*u2. */
    return sqrt(-2.0 * log(u1 + 1e-12)) * cos(2.0 * glia_pi * u2);
}

double glia_rng_gauss(glia_rng_t *rng)
{
    if (rng->kind == GLIA_RNG_MULBERRY32_JS || rng->kind == GLIA_RNG_MULBERRY32) {
        double u1, u2;
        glia_rng_gauss_draw(rng, &u1, &u2);
        return glia_rng_gauss_from(u1, u2);
    }
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    for (;;) {
        double u = 2.0 * xoshiro_next(rng) - 1.0;
        double v = 2.0 * xoshiro_next(rng) - 1.0;
        double q = u * u + v * v;
        if (q > 0.0 && q < 1.0) {
            double f = sqrt(-2.0 * log(q) / q);
            rng->spare = v * f;
            rng->has_spare = 1;
            return u * f;
        }
    }
}

int glia_rng_kind_from_name(const char *name)
{
    if (strcmp(name, "mulberry32-js") == 0)
        return GLIA_RNG_MULBERRY32_JS;
    if (strcmp(name, "xoshiro256ss") == 0)
        return GLIA_RNG_XOSHIRO256SS;
    if (strcmp(name, "mulberry32") == 0)
        return GLIA_RNG_MULBERRY32;
    return -1;
}

const char *glia_rng_kind_name(int kind)
{
    if (kind == GLIA_RNG_MULBERRY32_JS)
        return "mulberry32-js";
    return kind == GLIA_RNG_MULBERRY32 ? "mulberry32" : "xoshiro256ss";
}

int64_t glia_rng_draws(const glia_rng_t *rng, uint32_t seed)
{
    if (rng->kind == GLIA_RNG_MULBERRY32) {
        /* state = seed + draws * inc (mod 2^32); inc is odd: multiply by its inverse
         * (Newton's iteration doubles the correct low bits each round). */
        uint32_t inv = MULBERRY_INC32;
        for (int i = 0; i < 5; i++)
            inv *= 2u - MULBERRY_INC32 * inv;
        return (int64_t)(uint32_t)(((uint32_t)rng->x[0] - seed) * inv);
    }
    if (rng->kind == GLIA_RNG_MULBERRY32_JS && rng->s < 9007199254740992.0) {
        double d = (rng->s - ((double)seed + 1.0)) / MULBERRY_INC;
        return d >= 0 ? (int64_t)d : -1;
    }
    return -1;
}
