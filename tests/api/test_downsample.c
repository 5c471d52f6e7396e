/* test_downsample.c: min/max-per-bucket selection of trajectory points.
 *
 * What a chart user relies on: never more than max_points, the first and the last point
 * always there, every series' extremes kept (a lone spike or dip anywhere survives), the
 * kept points spread over the whole run (a ramp keeps each bucket's ends, so no gap is
 * wider than a bucket), missing values (NaN) ignored, and a max_points too small for
 * one bucket refused.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "api/downsample.h"

/* Ascending, distinct, within [0, n), first 0 and last n - 1. */
static void expect_well_formed(const size_t *idx, size_t count, size_t n, size_t max_points)
{
    cr_assert(count > 0);
    cr_expect_leq(count, max_points, "%zu points kept, max %zu", count, max_points);
    cr_expect_eq(idx[0], 0);
    cr_expect_eq(idx[count - 1], n - 1);
    for (size_t i = 1; i < count; i++)
        cr_expect_lt(idx[i - 1], idx[i], "indices ascending and distinct at %zu", i);
}

static int kept(const size_t *idx, size_t count, size_t want)
{
    for (size_t i = 0; i < count; i++) {
        if (idx[i] == want)
            return 1;
    }
    return 0;
}

static unsigned long lcg(unsigned long *s)
{
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    return *s >> 33;
}

Test(downsample, few_points_are_all_kept)
{
    double v[5 * 2] = {0};
    size_t idx[8];
    size_t count = glia_downsample_minmax(v, 5, 2, 8, idx);

    cr_assert_eq(count, 5);
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq(idx[i], i);
    cr_expect_eq(glia_downsample_minmax(v, 8, 2, 8, idx), 8, "n == max_points: all");
}

Test(downsample, a_lone_spike_and_a_lone_dip_survive_anywhere)
{
    enum { N = 20000, S = 3, MAX = 100 };
    double *v = malloc(N * S * sizeof(double));
    size_t idx[MAX];
    unsigned long seed = 7;

    cr_assert_not_null(v);
    for (int trial = 0; trial < 50; trial++) {
        size_t up = 1 + lcg(&seed) % (N - 2), down = 1 + lcg(&seed) % (N - 2);
        size_t s_up = lcg(&seed) % S, s_down = lcg(&seed) % S, count;
        for (size_t i = 0; i < N * S; i++)
            v[i] = 0.5;
        v[up * S + s_up] = 1.0;
        v[down * S + s_down] = 0.0;
        count = glia_downsample_minmax(v, N, S, MAX, idx);
        expect_well_formed(idx, count, N, MAX);
        cr_expect(kept(idx, count, up), "trial %d: the spike at %zu (series %zu) is kept", trial,
                  up, s_up);
        cr_expect(kept(idx, count, down), "trial %d: the dip at %zu (series %zu) is kept", trial,
                  down, s_down);
    }
    free(v);
}

Test(downsample, every_series_keeps_its_global_extremes_on_noisy_data)
{
    enum { N = 5000, S = 4, MAX = 202 };
    double *v = malloc(N * S * sizeof(double));
    size_t idx[MAX], count;
    unsigned long seed = 42;

    cr_assert_not_null(v);
    for (size_t i = 0; i < N * S; i++)
        v[i] = (double)(lcg(&seed) % 1000000) / 1e6;
    count = glia_downsample_minmax(v, N, S, MAX, idx);
    expect_well_formed(idx, count, N, MAX);
    for (size_t s = 0; s < S; s++) {
        double lo = v[s], hi = v[s], klo = INFINITY, khi = -INFINITY;
        for (size_t i = 0; i < N; i++) {
            lo = fmin(lo, v[i * S + s]);
            hi = fmax(hi, v[i * S + s]);
        }
        for (size_t k = 0; k < count; k++) {
            klo = fmin(klo, v[idx[k] * S + s]);
            khi = fmax(khi, v[idx[k] * S + s]);
        }
        cr_expect_eq(klo, lo, "series %zu: minimum kept", s);
        cr_expect_eq(khi, hi, "series %zu: maximum kept", s);
    }
    /* (202 - 2) / (2 * 4) = 25 buckets of 8 picks at most: noise fills them */
    cr_expect_gt(count, 150, "most of the budget used on noise: %zu", count);
    free(v);
}

Test(downsample, a_ramp_keeps_each_buckets_ends_so_no_gap_is_wider_than_a_bucket)
{
    enum { N = 10002, MAX = 102 }; /* 10000 inner points, (102 - 2) / 2 = 50 buckets of 200 */
    double *v = malloc(N * sizeof(double));
    size_t idx[MAX], count;

    cr_assert_not_null(v);
    for (size_t i = 0; i < N; i++)
        v[i] = (double)i;
    count = glia_downsample_minmax(v, N, 1, MAX, idx);
    expect_well_formed(idx, count, N, MAX);
    cr_expect_eq(count, MAX, "first, last and both ends of 50 buckets");
    for (size_t k = 1; k < count; k++)
        cr_expect_leq(idx[k] - idx[k - 1], 200, "gap %zu..%zu", idx[k - 1], idx[k]);
    free(v);
}

Test(downsample, missing_values_are_ignored)
{
    enum { N = 1000, S = 2, MAX = 42 };
    double v[N * S];
    size_t idx[MAX], count;

    for (size_t i = 0; i < N; i++) {
        v[i * S] = NAN;                      /* series 0: never a value (control: no accept rate) */
        v[i * S + 1] = i == 500 ? 9.0 : 1.0; /* series 1: one spike */
    }
    count = glia_downsample_minmax(v, N, S, MAX, idx);
    expect_well_formed(idx, count, N, MAX);
    cr_expect(kept(idx, count, 500), "the spike of the other series is kept");
    /* (42 - 2) / 4 = 10 buckets, each: series 1's min and max only */
    cr_expect_leq(count, 2 + 10 * 2);
}

Test(downsample, too_small_a_budget_is_refused)
{
    double v[100] = {0};
    size_t idx[100];

    cr_expect_eq(GLIA_DOWNSAMPLE_MIN_POINTS(4), 10);
    cr_expect_eq(glia_downsample_minmax(v, 25, 4, 9, idx), 0, "9 < 2 + 2 * 4");
    cr_expect_eq(glia_downsample_minmax(v, 25, 4, 10, idx) > 0, 1, "10 is enough");
    cr_expect_eq(glia_downsample_minmax(v, 9, 4, 9, idx), 9, "but 9 points fit in 9 as they are");
}
