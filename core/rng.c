/* rng.c: mulberry32-js (exact emulation of the reference), mulberry32 (its 32-bit form,
 * the phase 1a program's) and xoshiro256**. */
#include "core/rng.h"

#include <math.h>
#include <string.h>

#include "core/sample.h"

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

/* ToUint32 of a non-negative integral double. For s < 2^64 the integer conversion keeps
 * the same low 32 bits. */
static inline uint32_t to_uint32(double s)
{
    return s < TWO_POW_64 ? (uint32_t)(uint64_t)s : (uint32_t)fmod(s, TWO_POW_32);
}

static inline double mulberry_next(glia_rng_t *rng)
{
    /* Double addition: exact below 2^53, rounds above, as in the reference. */
    rng->s = rng->s + MULBERRY_INC;
    return (double)glia_rng_mulberry32_hash(to_uint32(rng->s)) / TWO_POW_32;
}

/* The power of two above s (s >= 1): the end of its binade. */
static double binade_end(double s)
{
    int e;
    frexp(s, &e);
    return ldexp(1.0, e);
}

static int add_run(glia_mulberry_plan_t *plan, uint64_t first, uint64_t count, double s0,
                   double step)
{
    glia_mulberry_run_t *r;

    if (plan == NULL)
        return 0;
    if (plan->n_runs == GLIA_MULBERRY_MAX_RUNS)
        return -1;
    r = &plan->run[plan->n_runs++];
    r->first = first;
    r->count = count;
    r->a = to_uint32(s0);
    r->step = to_uint32(step);
    return 0;
}

/* Walk n draws from state s; record runs in `plan` (may be NULL). Every state it
 * reports is the one the reference's additions produce:
 * - up to 2^53 the additions are exact, so s + k * inc is the state after k draws;
 * - above, a real addition is taken, one at a time, until two consecutive increments
 *   agree inside one binade: from there on the increment is constant until the binade
 *   ends (the rounding of s + inc depends only on the spacing, and for the spacing-2
 *   binade, where every sum is a tie, on the parity of s/2, which the first rounded
 *   step settles: inc - 1 = 2 * 915782906 keeps it). s + k * d stays a multiple of the
 *   spacing below the binade's end, so it is exact too. */
static int mulberry_walk(double s, uint64_t n, glia_mulberry_plan_t *plan, double *s_after)
{
    const double exact_top = 9007199254740992.0; /* 2^53 */
    uint64_t j = 0;
    double prev_d = -1.0;

    if (plan != NULL)
        plan->n_runs = 0;
    while (j < n) {
        double next, d;
        if (s + MULBERRY_INC <= exact_top) {
            /* exact: the largest m with s + m * inc <= 2^53, in integers */
            uint64_t m = ((uint64_t)1 << 53) - (uint64_t)s;
            m /= (uint64_t)MULBERRY_INC;
            if (m > n - j)
                m = n - j;
            if (add_run(plan, j, m, s + MULBERRY_INC, MULBERRY_INC) != 0)
                return -1;
            s += (double)m * MULBERRY_INC;
            j += m;
            prev_d = -1.0;
            continue;
        }
        next = s + MULBERRY_INC; /* a real, rounded step */
        d = next - s;            /* exact: next and s are within a factor of two */
        if (add_run(plan, j, 1, next, 0.0) != 0)
            return -1;
        j++;
        if (d == prev_d && binade_end(next) == binade_end(s) && j < n) {
            /* the regime holds from `next`: jump while next + k * d < end */
            const double end = binade_end(next);
            uint64_t m = (uint64_t)((end - next) / d);
            while (m > 0 && next + (double)m * d >= end)
                m--;
            if (m > n - j)
                m = n - j;
            if (m > 0) {
                if (add_run(plan, j, m, next + d, d) != 0)
                    return -1;
                next += (double)m * d;
                j += m;
            }
            prev_d = -1.0;
        } else {
            prev_d = d;
        }
        s = next;
    }
    *s_after = s;
    return 0;
}

int glia_rng_mulberry_plan(const glia_rng_t *rng, uint64_t n, glia_mulberry_plan_t *plan)
{
    return mulberry_walk(rng->s, n, plan, &plan->s_after);
}

uint32_t glia_mulberry_plan_state(const glia_mulberry_plan_t *plan, uint64_t j)
{
    int r = plan->n_runs - 1;

    while (r > 0 && plan->run[r].first > j)
        r--;
    return plan->run[r].a + (uint32_t)(j - plan->run[r].first) * plan->run[r].step;
}

void glia_mulberry_plan_fill(const glia_mulberry_plan_t *plan, uint64_t first, uint64_t n,
                             uint32_t *out)
{
    for (int r = 0; r < plan->n_runs && n > 0; r++) {
        const glia_mulberry_run_t *run = &plan->run[r];
        uint64_t lo, hi;
        uint32_t a;
        if (run->first + run->count <= first)
            continue;
        lo = first;
        hi = run->first + run->count < first + n ? run->first + run->count : first + n;
        a = run->a + (uint32_t)(lo - run->first) * run->step;
        for (uint64_t i = 0; i < hi - lo; i++)
            out[i] = a + (uint32_t)i * run->step;
        out += hi - lo;
        n -= hi - lo;
        first = hi;
    }
}

void glia_rng_skip(glia_rng_t *rng, uint64_t n)
{
    if (rng->kind == GLIA_RNG_MULBERRY32_JS) {
        double s;
        if (mulberry_walk(rng->s, n, NULL, &s) == 0) {
            rng->s = s;
            return;
        }
    }
    while (n-- > 0)
        glia_rng_next(rng);
}


static inline double mulberry32_next(glia_rng_t *rng)
{
    uint32_t a = (uint32_t)rng->x[0] + MULBERRY_INC32; /* wraps: a true 32-bit state */

    rng->x[0] = a;
    return (double)glia_rng_mulberry32_hash(a) / TWO_POW_32;
}

static inline uint64_t xoshiro_u64(glia_rng_t *rng)
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
    return result;
}

static inline double xoshiro_next(glia_rng_t *rng)
{
    return (double)(xoshiro_u64(rng) >> 11) * 0x1.0p-53;
}

uint64_t glia_rng_next_u64(glia_rng_t *rng)
{
    return xoshiro_u64(rng);
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
    /* The reference's Box-Muller, with its engine's log and cos (sample.c); 2*PI*u2
     * evaluates as (2*PI)*u2. */
    return sqrt(-2.0 * glia__fd_log(u1 + 1e-12)) * glia__fd_cos(2.0 * glia_pi * u2);
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

const char *glia_rng_stream_name(int kind, int version)
{
    if (kind == GLIA_RNG_XOSHIRO256SS && version >= 2)
        return "xoshiro256ss-v2";
    return glia_rng_kind_name(kind);
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
