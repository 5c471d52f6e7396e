/* test_sample.c: the samplers behind perturbations (core/sample.c) and the planned draws
 * of mulberry32-js (core/rng.c).
 *
 * tests/data/v8-math/v8-math.json holds V8's own Math.log, Math.cos and Math.exp of
 * arguments the reference uses (u + 1e-12, 2*pi*u, the soft reward's) and of arguments at
 * every branch edge of fdlibm's code (written by a few lines of JavaScript under node 20,
 * the engine the reference runs on; the file names it). glia's port must give the same
 * bits: that is what makes its perturbed weights the reference's. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/sample.h"

static uint64_t bits_of(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof(b));
    return b;
}

static double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof(x));
    return x;
}

static double hex_double(const json_t *v)
{
    return from_bits(strtoull(json_string_value(v), NULL, 16));
}

static void check_v8(const char *name, double (*f)(double))
{
    json_error_t jerr;
    json_t *doc = json_load_file(GLIA_TEST_DATA "/v8-math/v8-math.json", 0, &jerr);
    json_t *cases, *c;
    size_t i;
    int bad = 0;

    cr_assert_not_null(doc, "%s", jerr.text);
    cases = json_object_get(doc, name);
    cr_assert(json_array_size(cases) > 1000, "%s: %zu cases", name, json_array_size(cases));
    json_array_foreach(cases, i, c)
    {
        const double x = hex_double(json_array_get(c, 0));
        const double want = hex_double(json_array_get(c, 1)), got = f(x);
        if (bits_of(got) != bits_of(want)) {
            cr_log_error("%s(%a): V8 %a, glia %a", name, x, want, got);
            bad++;
        }
    }
    cr_assert_eq(bad, 0, "%s: %d results differ from V8's", name, bad);
    json_decref(doc);
}

Test(sample, log_is_v8s_to_the_bit)
{
    check_v8("log", glia__fd_log);
}

Test(sample, cos_is_v8s_to_the_bit)
{
    check_v8("cos", glia__fd_cos);
}

Test(sample, exp_is_v8s_to_the_bit)
{
    check_v8("exp", glia__fd_exp);
}

static uint32_t mulberry_state(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (uint32_t)*x;
}

Test(sample, vectorised_box_muller_equals_the_scalar_one)
{
    enum { N = 1 << 16 };
    static uint32_t a[2 * N];
    static double g[N];
    uint64_t x = 88172645463325252ULL;
    int bad = 0;

    for (int rep = 0; rep < 8; rep++) {
        for (int i = 0; i < 2 * N; i++)
            a[i] = mulberry_state(&x);
        glia__gauss_mulberry_n(a, N, g);
        for (int k = 0; k < N; k++) {
            const double want = glia__gauss_mulberry(a[2 * k], a[2 * k + 1]);
            bad += bits_of(g[k]) != bits_of(want);
        }
    }
    cr_assert_eq(bad, 0, "%d samples differ", bad);
}

/* The vectorised path serves an argument only when it gives fdlibm's bits; else it says
 * so (NaN). Scan every u2 = k / 2^32 around pi/4, pi/2, 3*pi/4, pi, 3*pi/2 and every
 * u1 around powers of two, where fdlibm changes paths. */
Test(sample, the_common_path_is_exact_or_steps_aside)
{
    static const double u2_at[] = {0.125, 0.25, 0.375, 0.5, 0.75, 0.0};
    static const double u1_at[] = {0.5, 0.25, 0.125, 1.0 / 1024, 0.0};
    long served = 0, aside = 0;

    for (int c = 0; c < 6; c++) {
        const int64_t k0 = (int64_t)(u2_at[c] * 4294967296.0);
        for (int64_t d = -40000; d <= 40000; d++) {
            const int64_t k = k0 + d;
            double u2, x, want, got;
            if (k < 0 || k >= ((int64_t)1 << 32))
                continue;
            u2 = (double)k / 4294967296.0;
            x = 2.0 * 3.141592653589793 * u2;
            want = sqrt(-2.0 * glia__fd_log(0.3 + 1e-12)) * glia__fd_cos(x);
            got = glia__box_muller_common(0.3, u2);
            if (got != got) {
                aside++;
                continue;
            }
            served++;
            cr_assert_eq(bits_of(got), bits_of(want), "u2 = %a", u2);
        }
    }
    for (int c = 0; c < 5; c++) {
        for (int64_t d = -40000; d <= 40000; d++) {
            const int64_t k = (int64_t)(u1_at[c] * 4294967296.0) + d;
            double u1, want, got;
            if (k < 0 || k >= ((int64_t)1 << 32))
                continue;
            u1 = (double)k / 4294967296.0;
            want =
                sqrt(-2.0 * glia__fd_log(u1 + 1e-12)) * glia__fd_cos(2.0 * 3.141592653589793 * 0.1);
            got = glia__box_muller_common(u1, 0.1);
            if (got != got) {
                aside++;
                continue;
            }
            served++;
            cr_assert_eq(bits_of(got), bits_of(want), "u1 = %a", u1);
        }
    }
    cr_assert(served > 700000 && aside > 0, "served %ld, stepped aside %ld", served, aside);
}

Test(sample, box_muller_is_the_generators_gaussian)
{
    /* glia_rng_gauss of mulberry32-js is the sample of its next two states. */
    glia_rng_t r, copy;

    glia_rng_seed(&r, GLIA_RNG_MULBERRY32_JS, 271);
    for (int i = 0; i < 1000; i++) {
        uint32_t a1, a2;
        copy = r;
        glia_rng_next(&copy);
        a1 = (uint32_t)(uint64_t)copy.s;
        glia_rng_next(&copy);
        a2 = (uint32_t)(uint64_t)copy.s;
        cr_assert_eq(bits_of(glia_rng_gauss(&r)), bits_of(glia__gauss_mulberry(a1, a2)), "%d", i);
    }
}

/* ---- stream 2 ---------------------------------------------------------------------- */

Test(sample, stream2_samples_are_a_function_of_key_and_synapse)
{
    enum { N = 5000 };
    static int syn[N];
    static uint32_t pair[N];
    static double g[N], gp[2 * N];

    for (int i = 0; i < N; i++) {
        syn[i] = (i * 7919) % 100003;
        pair[i] = (uint32_t)i;
    }
    glia__gauss_keyed_n(0x123456789abcdefULL, syn, N, g);
    for (int i = 0; i < N; i++)
        cr_assert_eq(bits_of(g[i]), bits_of(glia__gauss_keyed(0x123456789abcdefULL, syn[i])));
    glia__gauss_pairs(0x123456789abcdefULL, pair, N, gp);
    for (int i = 0; i < 2 * N; i++)
        cr_assert_eq(bits_of(gp[i]), bits_of(glia__gauss_keyed(0x123456789abcdefULL, i)), "%d", i);
    /* another key, other samples */
    cr_assert_neq(glia__gauss_keyed(1, 0), glia__gauss_keyed(2, 0));
    cr_assert_neq(glia__gauss_keyed(1, 0), glia__gauss_keyed(1, 1));
}

Test(sample, stream2_is_pinned)
{
    /* Results of a (config, seed) on stream 2 must never change without a new stream
     * version (README, "Random streams"): its first samples under two keys, as this
     * release computes them. A change here means a new /rng_version, not a new value. */
    static const double want[8] = {
        0x1.6c60b6p-1, 0x1.fceadep-2,  0x1.86ce5ep+0,  -0x1.2ad7ap+0,
        0x1.83381cp-2, -0x1.6646f2p-2, -0x1.39c47cp-2, -0x1.4f493ap-1,
    };
    const uint64_t key1 = 0x243f6a8885a308d3ULL, key2 = 0xfedcba9876543210ULL;

    for (int i = 0; i < 4; i++) {
        cr_assert_eq(glia__gauss_keyed(key1, i), want[i], "synapse %d: %a", i,
                     glia__gauss_keyed(key1, i));
        cr_assert_eq(glia__gauss_keyed(key2, 1000 + i), want[4 + i], "synapse %d: %a", 1000 + i,
                     glia__gauss_keyed(key2, 1000 + i));
    }
}

Test(sample, stream2_samples_are_standard_normal)
{
    enum { N = 1 << 12, REPS = 250 };
    static uint32_t pair[N];
    static double g[2 * N];
    double sum = 0, sq = 0, cube = 0, four = 0, cross = 0, cross_next = 0, prev = 0;
    long n = 0, beyond2 = 0, beyond3 = 0, beyond4 = 0;

    for (int i = 0; i < N; i++)
        pair[i] = (uint32_t)i;
    for (int r = 0; r < REPS; r++) {
        glia__gauss_pairs(0x9e3779b97f4a7c15ULL * (uint64_t)(r + 1), pair, N, g);
        for (int i = 0; i < 2 * N; i++) {
            const double x = g[i];
            sum += x;
            sq += x * x;
            cube += x * x * x;
            four += x * x * x * x;
            beyond2 += fabs(x) > 2.0;
            beyond3 += fabs(x) > 3.0;
            beyond4 += fabs(x) > 4.0;
            cross_next += x * prev;
            prev = x;
            if (i & 1)
                cross += x * g[i - 1]; /* the two halves of a pair */
            cr_assert(fabs(x) < 6.7, "sample %g", x);
            n++;
        }
    }
    /* n = 2M: standard errors 7e-4 (mean), 1e-3 (variance), 1.7e-3 (third moment), 5e-3
     * (fourth), 7e-4 (products); allow 5 of each. */
    cr_assert(fabs(sum / n) < 5 * 7.1e-4, "mean %g", sum / n);
    cr_assert(fabs(sq / n - 1.0) < 5 * 1e-3, "variance %g", sq / n);
    cr_assert(fabs(cube / n) < 5 * 1.7e-3, "third moment %g", cube / n);
    cr_assert(fabs(four / n - 3.0) < 5 * 5e-3, "fourth moment %g", four / n);
    cr_assert(fabs(cross / (n / 2)) < 5 * 1e-3, "pair correlation %g", cross / (n / 2));
    cr_assert(fabs(cross_next / n) < 5 * 7.1e-4, "lag-1 correlation %g", cross_next / n);
    /* tails: P(|Z|>2) = 0.0455, P(|Z|>3) = 0.0027, P(|Z|>4) = 6.33e-5 */
    cr_assert(fabs((double)beyond2 / n - 0.0455) < 5 * sqrt(0.0455 / n), "%ld", beyond2);
    cr_assert(fabs((double)beyond3 / n - 0.0027) < 5 * sqrt(0.0027 / n), "%ld", beyond3);
    cr_assert(fabs((double)beyond4 / n - 6.33e-5) < 5 * sqrt(6.33e-5 / n), "%ld", beyond4);
}

Test(sample, add_clamped_adds_then_clamps)
{
    double w[6] = {0.0, 1.9, -1.9, 2.0, -2.0, 0.5};
    const double g[6] = {1.0, 2.0, -2.0, 0.0, 0.0, -1.0};

    glia__add_clamped(w, g, 6, 0.1, 2.0);
    cr_assert_eq(w[0], 0.1);
    cr_assert_eq(w[1], 2.0);
    cr_assert_eq(w[2], -2.0);
    cr_assert_eq(w[3], 2.0);
    cr_assert_eq(w[4], -2.0);
    cr_assert_eq(w[5], 0.5 + -1.0 * 0.1);
}

/* ---- planned mulberry32-js draws ----------------------------------------------------- */

/* A plan of n draws from state s0 against n calls of glia_rng_next. */
static void check_plan(double s0, uint64_t n)
{
    glia_rng_t seq, planned;
    glia_mulberry_plan_t plan;
    uint32_t *st = malloc((size_t)n * sizeof(uint32_t));

    cr_assert_not_null(st);
    glia_rng_seed(&seq, GLIA_RNG_MULBERRY32_JS, 1);
    seq.s = s0;
    planned = seq;
    cr_assert_eq(glia_rng_mulberry_plan(&seq, n, &plan), 0, "s0 %.17g n %llu", s0,
                 (unsigned long long)n);
    glia_mulberry_plan_fill(&plan, 0, n, st);
    for (uint64_t j = 0; j < n; j++) {
        const double u = glia_rng_next(&seq);
        const uint32_t a = seq.s < 18446744073709551616.0 ? (uint32_t)(uint64_t)seq.s
                                                          : (uint32_t)fmod(seq.s, 4294967296.0);
        cr_assert_eq(st[j], a, "s0 %.17g draw %llu", s0, (unsigned long long)j);
        cr_assert_eq(glia_mulberry_plan_state(&plan, j), a);
        cr_assert_eq(u, glia_rng_mulberry32_hash(a) / 4294967296.0);
    }
    cr_assert_eq(plan.s_after, seq.s, "s0 %.17g n %llu: %.17g vs %.17g", s0, (unsigned long long)n,
                 plan.s_after, seq.s);
    glia_rng_skip(&planned, n);
    cr_assert_eq(planned.s, seq.s);
    free(st);
}

Test(sample, mulberry_plans_equal_the_draws_they_skip)
{
    const double inc = 1831565813.0, two53 = 9007199254740992.0;
    /* Exact below 2^53; the tie-to-even binade above it (one irregular step when s/2 is
     * odd); binades of spacing 4, 8, ... 2048 with their constant increments; crossings
     * from one to the next inside a plan; states above 2^64, where ToUint32 needs fmod. */
    const double starts[] = {
        43.0,
        two53 - 3 * inc - 1,
        two53 - 2,
        two53 + 2,
        two53 + 4,
        2 * two53 - 5 * 2 * inc,
        2 * two53 - 4,
        4 * two53 - 10 * inc,
        64 * two53 - 7.0 * 64 * inc,
        9.2e18,
        18446744073709551616.0 - 4096.0 * 1000000.0,
        18446744073709551616.0 + 4096.0 * 5,
    };
    for (unsigned i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        for (uint64_t n = 1; n < 20000; n = n * 3 + 1)
            check_plan(starts[i], n);
    }
    check_plan(two53 - 1000 * inc, 3000000); /* a long plan across 2^53 and 2^54 */
}
