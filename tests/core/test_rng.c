/* test_rng.c: the two generators against values derived outside glia.
 *
 * mulberry32-js: the expected uniforms were computed with python3 from the formula in
 * spec section 1 (Python ints masked to 32 bits for imul32, the state as a Python
 * float, i.e. an IEEE double):
 *
 *   def h(a):
 *       t = ((a ^ (a >> 15)) * (1 | a)) & 0xffffffff
 *       t = t ^ ((t + ((t ^ (t >> 7)) * (61 | t))) & 0xffffffff)
 *       return (t ^ (t >> 14)) & 0xffffffff
 *   s = float(seed) + 1
 *   for each draw: s = s + 1831565813.0; yield h(int(s) % 2**32) / 4294967296.0
 *
 * The double-state quirk is checked against an independent integer model of IEEE
 * round-to-nearest-even (round_to_double below), not against double arithmetic.
 *
 * mulberry32 (phase 1a): the same hash over a true 32-bit state seeded as is,
 *   s = seed; for each draw: s = (s + 0x6D2B79F5) & 0xffffffff; yield h(s) / 4294967296.0
 *
 * xoshiro256ss: expected outputs from a python3 transcription of splitmix64 seeding and
 * xoshiro256** (Blackman & Vigna's reference code), 64-bit masked ints.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/rng.h"

#define MULBERRY_INC 1831565813ULL

/* seed 42: the first eight uniforms and the hashed 32-bit outputs behind them. */
static const double seed42_uniform[8] = {
    0.9998110907617956,  0.2764023437630385, 0.5294158514589071,  0.05911232368089259,
    0.06335184047929943, 0.7444168063811958, 0.04357191896997392, 0.06202760012820363,
};
static const uint32_t seed42_hash[8] = {
    4294155937u, 1187139027u, 2273823768u, 253885497u,
    272094083u,  3197245838u, 187139967u,  266406514u,
};
/* seed 137 */
static const double seed137_uniform[8] = {
    0.14137820806354284, 0.79464967478998,   0.813958944985643,  0.568581952014938,
    0.9785107469651848,  0.7000347464345396, 0.3539475461002439, 0.1102422617841512,
};

Test(rng, mulberry32_js_seed42_matches_the_formula)
{
    glia_rng_t r;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 42);
    cr_assert_eq(r.s, 43.0, "seed(42) sets s = 43, got %.17g", r.s);
    for (int i = 0; i < 8; i++) {
        double u = glia_rng_next(&r);
        cr_assert_eq(u, seed42_uniform[i], "draw %d: want %.17g, got %.17g", i, seed42_uniform[i],
                     u);
    }
}

Test(rng, mulberry32_js_seed137_matches_the_formula)
{
    glia_rng_t r;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 137);
    for (int i = 0; i < 8; i++) {
        double u = glia_rng_next(&r);
        cr_assert_eq(u, seed137_uniform[i], "draw %d: want %.17g, got %.17g", i, seed137_uniform[i],
                     u);
    }
}

Test(rng, mulberry32_hash_is_the_imul_mix)
{
    for (uint64_t i = 0; i < 8; i++) {
        uint32_t a = (uint32_t)(43 + (i + 1) * MULBERRY_INC); /* state mod 2^32 */
        cr_assert_eq(glia_rng_mulberry32_hash(a), seed42_hash[i], "draw %d", (int)i);
        cr_assert_eq((double)seed42_hash[i] / 4294967296.0, seed42_uniform[i]);
    }
}

Test(rng, mulberry32_js_largest_seed_wraps_nothing)
{
    /* seed 2^32-1 gives s = 2^32 (the +1 happens in doubles, not in uint32). */
    glia_rng_t r;
    uint64_t s = 4294967296ULL + MULBERRY_INC;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, UINT32_MAX);
    cr_assert_eq(r.s, 4294967296.0);
    cr_assert_eq(glia_rng_next(&r), glia_rng_mulberry32_hash((uint32_t)s) / 4294967296.0);
}

Test(rng, mulberry32_js_state_is_exact_below_2_pow_53)
{
    glia_rng_t r;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 42);
    for (int i = 0; i < 100000; i++)
        glia_rng_next(&r);
    cr_assert_eq(r.s, (double)(43ULL + 100000ULL * MULBERRY_INC));
}

/* The double nearest to the integer x (x < 2^64), ties to even: integer arithmetic only. */
static uint64_t round_to_double(uint64_t x)
{
    int bits = 0, shift;
    uint64_t q, rem, half;

    for (uint64_t t = x; t != 0; t >>= 1)
        bits++;
    if (bits <= 53)
        return x;
    shift = bits - 53;
    q = x >> shift;
    rem = x & ((1ULL << shift) - 1);
    half = 1ULL << (shift - 1);
    if (rem > half || (rem == half && (q & 1)))
        q++;
    return q << shift; /* q may become 2^53: still exact, one more bit of exponent */
}

/* Start the state at `start` (an exact double) and check `steps` draws against the
 * integer model; returns how many advances differed from exact integer addition. */
static int check_rounding_from(uint64_t start, int steps)
{
    glia_rng_t r;
    uint64_t model = start;
    int rounded = 0;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 7);
    r.s = (double)start;
    cr_assert_eq((uint64_t)r.s, start, "start state must be a double");
    for (int i = 0; i < steps; i++) {
        uint64_t exact = model + MULBERRY_INC;
        double u;
        model = round_to_double(exact);
        rounded += model != exact;
        u = glia_rng_next(&r);
        cr_assert_eq(r.s, (double)model, "step %d: state %.17g, model %llu", i, r.s,
                     (unsigned long long)model);
        cr_assert_eq(u, glia_rng_mulberry32_hash((uint32_t)model) / 4294967296.0, "step %d", i);
    }
    return rounded;
}

Test(rng, mulberry32_js_state_rounds_past_2_pow_53_like_a_double)
{
    const uint64_t two53 = 1ULL << 53;
    glia_rng_t r;

    /* 2^53 - 2 + inc = 2^53 + 1831565811: odd, halfway between two doubles; ties go to
     * the even mantissa, 2^53 + 1831565812. The advance is 1831565814, not ...813. */
    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 7);
    r.s = (double)(two53 - 2);
    glia_rng_next(&r);
    cr_assert_eq(r.s, (double)(two53 + 1831565812ULL), "got %.17g", r.s);
    cr_assert_neq(r.s - (double)(two53 - 2), (double)MULBERRY_INC);

    /* Every later advance is a tie too: the model says so, the generator agrees. */
    cr_assert_eq(check_rounding_from(two53 - 2, 2000), 2000);
    /* Just below 2^53 the first advances are exact, then rounding starts. */
    {
        int r1 = check_rounding_from(two53 - 3 * MULBERRY_INC - 1, 10);
        cr_assert(r1 > 0 && r1 < 10, "rounded advances: %d", r1);
    }
    /* Past 2^54 the spacing is 4: a different rounding pattern, still IEEE. */
    cr_assert(check_rounding_from((1ULL << 54) + 4, 2000) > 0);
}

Test(rng, mulberry32_js_state_past_2_pow_64_uses_the_low_32_bits)
{
    /* Above 2^64 doubles are multiples of 4096: s = 2^64 + 4096*5. ToUint32(s) is
     * s mod 2^32, i.e. the offset from 2^64 mod 2^32. The next state is 2^64 plus the
     * offset rounded to a multiple of 4096 (ties to even multiple). */
    glia_rng_t r;
    uint64_t off = 4096 * 5, q;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 7);
    r.s = 18446744073709551616.0 + (double)off;
    for (int i = 0; i < 100; i++) {
        uint64_t exact = off + MULBERRY_INC, rem;
        double u;
        q = exact / 4096;
        rem = exact % 4096;
        if (rem > 2048 || (rem == 2048 && (q & 1)))
            q++;
        off = q * 4096;
        u = glia_rng_next(&r);
        cr_assert_eq(r.s, 18446744073709551616.0 + (double)off, "step %d", i);
        cr_assert_eq(u, glia_rng_mulberry32_hash((uint32_t)off) / 4294967296.0, "step %d", i);
    }
}

Test(rng, box_muller_draws_u1_then_u2)
{
    /* From seed 42: u1 = 0.9998110907617956, u2 = 0.2764023437630385;
     * python3: sqrt(-2*log(u1+1e-12))*cos(2*pi*u2) = -0.0032098939153597226. */
    const double want = -0.0032098939153597226;
    const double swapped = sqrt(-2.0 * log(seed42_uniform[1] + 1e-12)) *
                           cos(2.0 * 3.141592653589793 * seed42_uniform[0]);
    glia_rng_t r;
    double g;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 42);
    g = glia_rng_gauss(&r);
    /* log/cos may differ from Python's libm in the last bit (spec "Floating point"). */
    cr_assert(fabs(g - want) <= 4 * 0x1p-52 * fabs(want), "got %.17g", g);
    cr_assert(fabs(g - swapped) > 1e-3, "the order of u1 and u2 matters");
    /* Two uniforms consumed: the next uniform is the third of the sequence. */
    cr_assert_eq(glia_rng_next(&r), seed42_uniform[2]);
}

Test(rng, box_muller_second_sample_seed137)
{
    /* python3, seed 137: 0.547672509945107 */
    const double want = 0.547672509945107;
    glia_rng_t r;
    double g;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 137);
    g = glia_rng_gauss(&r);
    cr_assert(fabs(g - want) <= 4 * 0x1p-52 * fabs(want), "got %.17g", g);
}

Test(rng, deferred_gauss_equals_gauss)
{
    glia_rng_t a, b;

    glia_rng_seed(&a, GLIA_RNG_MULBERRY32_JS, 271);
    b = a;
    for (int i = 0; i < 10000; i++) {
        double u1, u2, g = glia_rng_gauss(&a);
        glia_rng_gauss_draw(&b, &u1, &u2);
        cr_assert_eq(glia_rng_gauss_from(u1, u2), g, "sample %d", i);
        cr_assert_eq(a.s, b.s, "sample %d: generators out of step", i);
    }
    /* u1 is 0 at its smallest; the 1e-12 keeps log finite. */
    cr_assert(isfinite(glia_rng_gauss_from(0.0, 0.0)));
    cr_assert_eq(glia_rng_gauss_from(0.0, 0.0), sqrt(-2.0 * log(1e-12)));
}

Test(rng, xoshiro256ss_matches_the_reference_algorithm)
{
    /* python3 transcription of splitmix64 seeding + xoshiro256**; double = (x >> 11) * 2^-53 */
    static const uint64_t raw42[4] = {0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                      0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL};
    static const double u42[4] = {0.08386297105988216, 0.3789802506626686, 0.6800434110281394,
                                  0.9246929453253876};
    static const double u0[4] = {0.6012629994179048, 0.7477740925472398, 0.10301998939503632,
                                 0.4165890778296456};
    glia_rng_t r;

    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 42);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq((double)(raw42[i] >> 11) * 0x1p-53, u42[i]);
        cr_assert_eq(glia_rng_next(&r), u42[i], "seed 42 draw %d", i);
    }
    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 0);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(glia_rng_next(&r), u0[i], "seed 0 draw %d", i);
}

Test(rng, xoshiro256ss_struct_copy_saves_and_restores)
{
    glia_rng_t r, saved;
    double first[64];

    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 2024);
    for (int i = 0; i < 1000; i++)
        glia_rng_next(&r);
    saved = r;
    for (int i = 0; i < 64; i++)
        first[i] = (i % 3) ? glia_rng_next(&r) : glia_rng_gauss(&r);
    r = saved;
    for (int i = 0; i < 64; i++) {
        double v = (i % 3) ? glia_rng_next(&r) : glia_rng_gauss(&r);
        cr_assert_eq(v, first[i], "value %d after restore", i);
    }
}

Test(rng, xoshiro256ss_uniform_is_in_unit_interval)
{
    glia_rng_t r;
    double lo = 1.0, hi = 0.0, sum = 0.0;
    const int n = 200000;

    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 9);
    for (int i = 0; i < n; i++) {
        double u = glia_rng_next(&r);
        cr_assert(u >= 0.0 && u < 1.0, "draw %d = %.17g", i, u);
        lo = fmin(lo, u);
        hi = fmax(hi, u);
        sum += u;
    }
    /* Uniform: mean 1/2 with standard error sqrt(1/12/n) ~ 6.5e-4; allow 6 of them. */
    cr_assert(fabs(sum / n - 0.5) < 6 * sqrt(1.0 / 12.0 / n), "mean %.6f", sum / n);
    cr_assert(lo < 1e-4 && hi > 1.0 - 1e-4, "range [%g, %g]", lo, hi);
}

Test(rng, xoshiro256ss_normal_has_mean_0_variance_1)
{
    const int n = 200000;
    glia_rng_t r;
    double sum = 0.0, sq = 0.0, mean, var;
    int beyond3 = 0;

    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 42);
    for (int i = 0; i < n; i++) {
        double g = glia_rng_gauss(&r);
        sum += g;
        sq += g * g;
        beyond3 += fabs(g) > 3.0;
    }
    mean = sum / n;
    var = sq / n - mean * mean;
    /* Standard errors: mean 1/sqrt(n) ~ 2.2e-3, variance sqrt(2/n) ~ 3.2e-3. Five of
     * each: a correct sampler fails this with probability ~1e-6, a wrong scale (e.g. a
     * missing sqrt(2)) is off by 0.5. */
    cr_assert(fabs(mean) < 5.0 / sqrt(n), "mean %.6f", mean);
    cr_assert(fabs(var - 1.0) < 5.0 * sqrt(2.0 / n), "variance %.6f", var);
    /* Tails: P(|g| > 3) = 0.0027, i.e. ~540 of 200k (sd ~23). */
    cr_assert(beyond3 > 400 && beyond3 < 680, "%d samples beyond 3 sd", beyond3);
}

Test(rng, xoshiro256ss_polar_spare_is_part_of_the_state)
{
    glia_rng_t r, copy, dropped;
    double a, b;

    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 5);
    glia_rng_gauss(&r); /* draws a pair, returns the first, keeps the second */
    cr_assert_eq(r.has_spare, 1);
    copy = r;
    dropped = r;
    dropped.has_spare = 0;
    a = glia_rng_gauss(&r);
    b = glia_rng_gauss(&copy);
    cr_assert_eq(a, b, "a copied state returns the same spare");
    cr_assert_eq(a, copy.spare, "the second value is the stored spare");
    cr_assert_eq(memcmp(r.x, copy.x, sizeof(r.x)), 0, "the spare takes no draw");
    cr_assert_neq(glia_rng_gauss(&dropped), a, "without the spare the sequence differs");
}

Test(rng, kind_names_round_trip)
{
    cr_assert_eq(glia_rng_kind_from_name("mulberry32-js"), GLIA_RNG_MULBERRY32_JS);
    cr_assert_eq(glia_rng_kind_from_name("xoshiro256ss"), GLIA_RNG_XOSHIRO256SS);
    cr_assert_eq(glia_rng_kind_from_name("mt19937"), -1);
    cr_assert_str_eq(glia_rng_kind_name(GLIA_RNG_MULBERRY32_JS), "mulberry32-js");
    cr_assert_str_eq(glia_rng_kind_name(GLIA_RNG_XOSHIRO256SS), "xoshiro256ss");
}

Test(rng, mulberry32_seeds_as_is_with_a_32_bit_state)
{
    static const struct {
        uint32_t seed;
        double u[4];
    } want[] = {
        {42u, {0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693}},
        {0u, {0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111}},
        {4294967295u,
         {0.8964226141106337, 0.189478256739676, 0.7156526781618595, 0.9440599093213677}},
    };

    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
        glia_rng_t r;
        glia_rng_seed(&r, GLIA_RNG_MULBERRY32, want[k].seed);
        for (int i = 0; i < 4; i++) {
            double u = glia_rng_next(&r);
            cr_assert_eq(u, want[k].u[i], "seed %u draw %d: want %.17g, got %.17g", want[k].seed,
                         i, want[k].u[i], u);
        }
    }
}

/* Spec phase 1a, 1: the 32-bit stream for seed S is mulberry32-js's for S - 1 (mod 2^32)
 * while the latter's double state is exact. */
Test(rng, mulberry32_is_mulberry32_js_of_the_previous_seed)
{
    static const uint32_t seeds[] = {0u, 1u, 42u, 137u, 1234u, 4294967295u};

    for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
        glia_rng_t a, b;
        glia_rng_seed(&a, GLIA_RNG_MULBERRY32, seeds[k]);
        glia_rng_seed(&b, GLIA_RNG_MULBERRY32_JS, seeds[k] - 1u);
        for (int i = 0; i < 20000; i++)
            cr_assert_eq(glia_rng_next(&a), glia_rng_next(&b), "seed %u draw %d", seeds[k], i);
    }
}

Test(rng, mulberry32_state_wraps_at_2_pow_32)
{
    glia_rng_t r;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32, 0xFFFFFFFFu);
    glia_rng_next(&r);
    cr_assert_eq(r.x[0], (uint64_t)(uint32_t)(0xFFFFFFFFu + 0x6D2B79F5u));
    cr_assert_eq(glia_rng_kind_from_name("mulberry32"), GLIA_RNG_MULBERRY32);
    cr_assert_str_eq(glia_rng_kind_name(GLIA_RNG_MULBERRY32), "mulberry32");
}

Test(rng, draws_are_read_back_from_the_state)
{
    glia_rng_t r;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32, 42);
    cr_assert_eq(glia_rng_draws(&r, 42), 0);
    for (int i = 0; i < 4908; i++)
        glia_rng_next(&r);
    cr_assert_eq(glia_rng_draws(&r, 42), 4908);
    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 7);
    for (int i = 0; i < 1234; i++)
        glia_rng_next(&r);
    cr_assert_eq(glia_rng_draws(&r, 7), 1234);
    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 7);
    cr_assert_eq(glia_rng_draws(&r, 7), -1, "xoshiro256** does not tell");
}
