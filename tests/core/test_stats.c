/* test_stats.c: the statistics behind experiment reports, against values derived
 * outside glia.
 *
 * t quantiles: the published two-sided 95% critical values (any t table; e.g. NIST/
 * SEMATECH e-Handbook 1.3.6.7.2): t(0.975, 1) = 12.7062, t(0.975, 2) = 4.302653,
 * t(0.975, 4) = 2.776445, t(0.975, 9) = 2.262157, t(0.975, 30) = 2.042272, and the
 * normal limit z(0.975) = 1.959964. The CDF is checked against the closed forms for
 * df = 1 (Cauchy: 1/2 + atan(t)/pi) and df = 2 (1/2 + t / (2 sqrt(2 + t^2))).
 *
 * Wilcoxon: the exact two-sided p-values of the published tables (n = 10, W+ = 8:
 * P(W+ <= 8) = 25/1024; n = 6 and n = 5 with every difference positive: 2/2^n), and
 * for ties an exact distribution built here, independently, by enumerating all 2^n sign
 * patterns over midranks computed by counting. The normal path (> 25 pairs) is compared
 * with the textbook formula with continuity and tie corrections, worked by hand below.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/stats.h"

/* Relative closeness for values computed by different (but exact) routes. */
static int close_rel(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

/* ---- mean and sd ---------------------------------------------------------------- */

Test(stats, mean_and_sample_sd_of_known_samples)
{
    static const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    static const double y[] = {1, 2, 3, 4, 5};
    static const double one[] = {0.6675};

    /* x: mean 5, squared deviations sum to 32, sample variance 32/7. */
    cr_expect_eq(glia_stats_mean(x, 8), 5.0);
    cr_expect(close_rel(glia_stats_sd(x, 8), sqrt(32.0 / 7.0), 1e-15), "sd %.17g",
              glia_stats_sd(x, 8));
    /* y: mean 3, deviations 4+1+0+1+4 = 10, sample variance 10/4 */
    cr_expect_eq(glia_stats_mean(y, 5), 3.0);
    cr_expect(close_rel(glia_stats_sd(y, 5), sqrt(2.5), 1e-15), "sd %.17g", glia_stats_sd(y, 5));
    /* n < 2: sd 0; n = 0: mean 0 */
    cr_expect_eq(glia_stats_mean(one, 1), 0.6675);
    cr_expect_eq(glia_stats_sd(one, 1), 0.0);
    cr_expect_eq(glia_stats_sd(one, 0), 0.0);
    cr_expect_eq(glia_stats_mean(one, 0), 0.0);
}

Test(stats, sd_of_a_constant_sample_is_zero)
{
    double x[10];
    for (int i = 0; i < 10; i++)
        x[i] = 0.5;
    cr_expect_eq(glia_stats_mean(x, 10), 0.5);
    cr_expect_eq(glia_stats_sd(x, 10), 0.0);
}

/* ---- Student t ------------------------------------------------------------------- */

Test(stats, t_quantiles_match_published_values)
{
    static const struct {
        double p, df, want, tol;
    } cases[] = {
        {0.975, 1, 12.7062, 5e-5},   {0.975, 2, 4.302653, 5e-7},   {0.975, 4, 2.776445, 5e-7},
        {0.975, 9, 2.262157, 5e-7},  {0.975, 30, 2.042272, 5e-7},  {0.95, 5, 2.015048, 5e-7},
        {0.995, 10, 3.169273, 5e-7}, {0.75, 1, 1.0, 1e-12}, /* tan(pi/4) */
        {0.975, 1e6, 1.95996, 1e-5}, {0.975, 1e9, 1.959964, 5e-7},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double q = glia_stats_t_quantile(cases[i].p, cases[i].df);
        cr_expect(fabs(q - cases[i].want) <= cases[i].tol, "t(%g, %g) = %.10f, want %.7f",
                  cases[i].p, cases[i].df, q, cases[i].want);
    }
}

Test(stats, t_quantile_decreases_towards_the_normal_limit)
{
    double prev = glia_stats_t_quantile(0.975, 1);
    for (double df = 2; df <= 1e5; df *= 2) {
        double q = glia_stats_t_quantile(0.975, df);
        cr_expect(q < prev, "t(0.975, %g) = %.10f is not below t at df/2 = %.10f", df, q, prev);
        cr_expect(q > 1.959963984540054, "t(0.975, %g) = %.10f is below z", df, q);
        prev = q;
    }
}

Test(stats, t_cdf_matches_closed_forms_for_df_1_and_2)
{
    static const double ts[] = {-10, -3, -1.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 3, 10};
    for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
        double t = ts[i];
        double c1 = 0.5 + atan(t) / M_PI, c2 = 0.5 + t / (2.0 * sqrt(2.0 + t * t));
        cr_expect(fabs(glia_stats_t_cdf(t, 1) - c1) < 1e-12, "F1(%g) = %.15f, want %.15f", t,
                  glia_stats_t_cdf(t, 1), c1);
        cr_expect(fabs(glia_stats_t_cdf(t, 2) - c2) < 1e-12, "F2(%g) = %.15f, want %.15f", t,
                  glia_stats_t_cdf(t, 2), c2);
    }
    cr_expect_eq(glia_stats_t_cdf(1, 1), 0.75);
}

Test(stats, t_cdf_is_symmetric_and_the_quantile_inverts_it)
{
    static const double dfs[] = {1, 2, 3, 4.5, 9, 30, 200};
    static const double ts[] = {0.05, 0.3, 1, 2.262157, 4, 12.7};
    static const double ps[] = {0.6, 0.8, 0.9, 0.95, 0.975, 0.995};

    for (size_t i = 0; i < sizeof(dfs) / sizeof(dfs[0]); i++) {
        double df = dfs[i];
        cr_expect(fabs(glia_stats_t_cdf(0, df) - 0.5) < 1e-15, "F(0; %g) = %.17g", df,
                  glia_stats_t_cdf(0, df));
        for (size_t k = 0; k < sizeof(ts) / sizeof(ts[0]); k++) {
            double lo = glia_stats_t_cdf(-ts[k], df), hi = glia_stats_t_cdf(ts[k], df);
            cr_expect(fabs(lo + hi - 1.0) < 1e-14, "F(-%g) + F(%g) = %.17g at df %g", ts[k], ts[k],
                      lo + hi, df);
            cr_expect(hi > 0.5 && lo < 0.5, "t = %g, df %g", ts[k], df);
        }
        for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
            double q = glia_stats_t_quantile(ps[k], df), ql = glia_stats_t_quantile(1 - ps[k], df);
            cr_expect(fabs(glia_stats_t_cdf(q, df) - ps[k]) < 1e-12, "F(Q(%g)) = %.15f at df %g",
                      ps[k], glia_stats_t_cdf(q, df), df);
            cr_expect(fabs(q + ql) < 1e-9 * fabs(q), "Q(%g) = %.15f, Q(%g) = %.15f at df %g", ps[k],
                      q, 1 - ps[k], ql, df);
        }
    }
}

/* Near the median df/(df+t^2) rounds to 1; the CDF must still resolve small t
 * (F(t; 1) = 1/2 + atan(t)/pi), and the median quantile is 0. */
Test(stats, t_cdf_resolves_small_t_and_the_median_is_zero)
{
    cr_expect(close_rel(glia_stats_t_cdf(1e-9, 1) - 0.5, atan(1e-9) / M_PI, 1e-6),
              "F(1e-9; 1) - 0.5 = %.6g", glia_stats_t_cdf(1e-9, 1) - 0.5);
    cr_expect(fabs(glia_stats_t_quantile(0.5, 1)) < 1e-12, "Q(0.5; 1) = %.6g",
              glia_stats_t_quantile(0.5, 1));
    cr_expect(fabs(glia_stats_t_quantile(0.5, 9)) < 1e-12, "Q(0.5; 9) = %.6g",
              glia_stats_t_quantile(0.5, 9));
}

/* ---- confidence intervals ------------------------------------------------------------ */

Test(stats, ci95_t_of_a_known_sample)
{
    static const double x[] = {1, 2, 3, 4, 5};
    double lo, hi;

    /* By hand: mean 3, sd sqrt(2.5) = 1.5811388301, se = sd / sqrt(5) = 0.7071067812,
     * t(0.975, 4) = 2.7764451052 (published 2.776445), half width 1.9632432 */
    glia_stats_ci95_t(x, 5, &lo, &hi);
    cr_expect(fabs(lo - 1.0367568) < 1e-6, "lo %.10f", lo);
    cr_expect(fabs(hi - 4.9632432) < 1e-6, "hi %.10f", hi);
    cr_expect(fabs((lo + hi) / 2 - 3.0) < 1e-14, "centred on the mean");
}

Test(stats, ci95_t_of_a_second_known_sample)
{
    /* The exp021 astrocyte accuracies (paper Table 4), by hand: mean 0.6675, deviations
     * 0.0325 0.0575 0.0575 0.1075 -0.0175 -0.0425 -0.0425 -0.0925 -0.0675 0.0075, sum of
     * squares 0.0363125, sd = sqrt(0.0363125 / 9) = 0.0635193, se = 0.0200866,
     * t(0.975, 9) = 2.262157 -> half width 0.0454391: [0.6220609, 0.7129391], the
     * README's [62.2%, 71.3%]. */
    static const double x[] = {0.7, 0.725, 0.725, 0.775, 0.65, 0.625, 0.625, 0.575, 0.6, 0.675};
    double lo, hi;

    glia_stats_ci95_t(x, 10, &lo, &hi);
    cr_expect(fabs(lo - 0.6220609) < 1e-6, "lo %.10f", lo);
    cr_expect(fabs(hi - 0.7129391) < 1e-6, "hi %.10f", hi);
}

Test(stats, ci95_t_degenerate_samples)
{
    static const double one[] = {0.42};
    double x[10], lo, hi;

    glia_stats_ci95_t(one, 1, &lo, &hi);
    cr_expect(lo == 0.42 && hi == 0.42, "n = 1: [%g, %g]", lo, hi);
    for (int i = 0; i < 10; i++)
        x[i] = 0.5;
    glia_stats_ci95_t(x, 10, &lo, &hi);
    cr_expect(lo == 0.5 && hi == 0.5, "constant: [%.17g, %.17g]", lo, hi);
}

Test(stats, bootstrap_is_deterministic_for_a_fixed_seed_and_contains_the_mean)
{
    static const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double lo1, hi1, lo2, hi2, lo3, hi3, m = glia_stats_mean(x, 10);

    cr_assert_eq(glia_stats_ci95_bootstrap(x, 10, 10000, 20260227u, &lo1, &hi1), 0);
    cr_assert_eq(glia_stats_ci95_bootstrap(x, 10, 10000, 20260227u, &lo2, &hi2), 0);
    cr_expect(lo1 == lo2 && hi1 == hi2, "same seed, same CI: [%.17g, %.17g] vs [%.17g, %.17g]", lo1,
              hi1, lo2, hi2);
    cr_expect(lo1 < m && m < hi1, "[%g, %g] holds the mean %g", lo1, hi1, m);
    cr_expect(lo1 >= 1 && hi1 <= 10, "within the sample's range: [%g, %g]", lo1, hi1);
    /* The percentile interval of resampled means is near mean +- 1.96 * sigma / sqrt(n)
     * with the plug-in sigma = sqrt(8.25): 5.5 +- 1.78. */
    cr_expect(fabs(lo1 - 3.72) < 0.3 && fabs(hi1 - 7.28) < 0.3, "[%g, %g]", lo1, hi1);
    /* Another seed: another (valid) interval. */
    cr_assert_eq(glia_stats_ci95_bootstrap(x, 10, 10000, 1u, &lo3, &hi3), 0);
    cr_expect(lo3 < m && m < hi3, "seed 1: [%g, %g]", lo3, hi3);
    /* Resampled means of ten integers are multiples of 0.1. */
    cr_expect(fabs(lo1 * 10 - round(lo1 * 10)) < 1e-9 && fabs(hi1 * 10 - round(hi1 * 10)) < 1e-9,
              "[%.17g, %.17g]", lo1, hi1);
}

Test(stats, bootstrap_of_equal_inputs_is_a_point_and_equal_samples_give_equal_intervals)
{
    double x[10], y[10], lo, hi, lo2, hi2;

    for (int i = 0; i < 10; i++)
        x[i] = 0.625;
    cr_assert_eq(glia_stats_ci95_bootstrap(x, 10, 10000, 7u, &lo, &hi), 0);
    cr_expect(lo == 0.625 && hi == 0.625, "[%.17g, %.17g]", lo, hi);

    for (int i = 0; i < 10; i++)
        x[i] = y[i] = 0.5 + 0.025 * (i % 4);
    cr_assert_eq(glia_stats_ci95_bootstrap(x, 10, 2000, 99u, &lo, &hi), 0);
    cr_assert_eq(glia_stats_ci95_bootstrap(y, 10, 2000, 99u, &lo2, &hi2), 0);
    cr_expect(lo == lo2 && hi == hi2, "equal samples: [%.17g, %.17g] vs [%.17g, %.17g]", lo, hi,
              lo2, hi2);

    /* n = 1: the point itself */
    cr_assert_eq(glia_stats_ci95_bootstrap(x, 1, 100, 1u, &lo, &hi), 0);
    cr_expect(lo == x[0] && hi == x[0], "[%g, %g]", lo, hi);
}

Test(stats, bootstrap_is_narrower_for_less_spread)
{
    static const double wide[] = {0.5, 0.9, 0.55, 0.8, 0.6, 0.75, 0.65, 0.7, 0.575, 0.725};
    double narrow[10], m = glia_stats_mean(wide, 10), lw, hw, ln, hn;

    /* The same sample pulled halfway to its mean. */
    for (int i = 0; i < 10; i++)
        narrow[i] = m + 0.5 * (wide[i] - m);
    cr_assert_eq(glia_stats_ci95_bootstrap(wide, 10, 10000, 20260227u, &lw, &hw), 0);
    cr_assert_eq(glia_stats_ci95_bootstrap(narrow, 10, 10000, 20260227u, &ln, &hn), 0);
    cr_expect(hn - ln < hw - lw, "narrow [%g, %g] vs wide [%g, %g]", ln, hn, lw, hw);
    /* Same seed, same resampling indices: exactly half as wide, up to rounding. */
    cr_expect(fabs((hn - ln) - 0.5 * (hw - lw)) < 1e-12, "%.17g vs %.17g", hn - ln, hw - lw);
    cr_expect(ln < m && m < hn, "narrow [%g, %g] holds %g", ln, hn, m);
}

/* ---- Wilcoxon signed-rank -------------------------------------------------------------- */

static const double zeros[40];

/* The exact two-sided p-value of the signed-rank statistic for differences d[0..n),
 * built independently of core/stats.c: zeros dropped, doubled midranks by counting
 * (2 * (#smaller) + #equal + 1), then every one of the 2^m sign patterns enumerated. */
static double enumerate_p(const double *d, int n, double *w_plus)
{
    double absd[24];
    int rank2[24], m = 0, wp2 = 0;
    uint64_t le = 0, ge = 0, patterns;

    for (int i = 0; i < n; i++) {
        if (d[i] != 0.0)
            absd[m++] = fabs(d[i]);
    }
    cr_assert(m <= 20, "enumeration is for small samples");
    for (int i = 0, k = 0; i < n; i++) {
        int smaller = 0, equal = 0;
        if (d[i] == 0.0)
            continue;
        for (int j = 0; j < m; j++) {
            smaller += absd[j] < fabs(d[i]);
            equal += absd[j] == fabs(d[i]);
        }
        rank2[k] = 2 * smaller + equal + 1;
        if (d[i] > 0)
            wp2 += rank2[k];
        k++;
    }
    patterns = (uint64_t)1 << m;
    for (uint64_t s = 0; s < patterns; s++) {
        int w = 0;
        for (int i = 0; i < m; i++) {
            if (s >> i & 1)
                w += rank2[i];
        }
        le += w <= wp2;
        ge += w >= wp2;
    }
    *w_plus = wp2 / 2.0;
    {
        double p = 2.0 * (double)(le < ge ? le : ge) / (double)patterns;
        return p > 1.0 ? 1.0 : p;
    }
}

Test(stats, wilcoxon_n10_w8_is_the_published_0_048828125)
{
    /* Ranks 1..10; only rank 8 positive: W+ = 8, W- = 47. P(W+ <= 8) = 25/1024. */
    static const double d[10] = {-1, -2, -3, -4, -5, -6, -7, 8, -9, -10};
    glia_wilcoxon_t w;

    cr_assert_eq(glia_stats_wilcoxon(d, zeros, 10, &w), 0);
    cr_expect_eq(w.w_plus, 8.0);
    cr_expect_eq(w.w_minus, 47.0);
    cr_expect_eq(w.n_used, 10);
    cr_expect(w.is_exact);
    cr_expect_eq(w.p_value, 0.048828125, "p %.17g", w.p_value);
    cr_expect_eq(w.p_value, 50.0 / 1024.0);
}

Test(stats, wilcoxon_all_positive_n6_and_n5)
{
    static const double a6[6] = {0.7, 0.8, 0.75, 0.9, 0.65, 0.85};
    static const double b6[6] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    glia_wilcoxon_t w;

    cr_assert_eq(glia_stats_wilcoxon(a6, b6, 6, &w), 0);
    cr_expect_eq(w.w_plus, 21.0);
    cr_expect_eq(w.w_minus, 0.0);
    cr_expect_eq(w.p_value, 0.03125, "n = 6: p %.17g", w.p_value);
    cr_expect(w.is_exact);

    cr_assert_eq(glia_stats_wilcoxon(a6, b6, 5, &w), 0);
    cr_expect_eq(w.w_plus, 15.0);
    cr_expect_eq(w.p_value, 0.0625, "n = 5: p %.17g", w.p_value);

    /* all negative: the same p, W+ and W- swapped */
    cr_assert_eq(glia_stats_wilcoxon(b6, a6, 6, &w), 0);
    cr_expect_eq(w.w_plus, 0.0);
    cr_expect_eq(w.w_minus, 21.0);
    cr_expect_eq(w.p_value, 0.03125);
}

Test(stats, wilcoxon_ties_get_midranks_and_the_exact_distribution_over_sign_patterns)
{
    /* |d| = 1 1 1 2 2 2 2 3 4 4 (+ two zeros): midranks 2 (x3), 5.5 (x4), 8, 9.5 (x2) */
    static const double d1[] = {1, 1, 2, 2, 2, 3, -1, -2, 4, 4, 0, 0};
    /* many ties, mixed signs: the p-value lands between table rows */
    static const double d2[] = {3, -3, 3, 1, 1, -1, 2, 2, 2, -2, 5, 5, 4, 0};
    /* what experiments compare: differences in correct bits */
    static const double d3[] = {2, 1, 1, 0, 3, 0, -1, 1, 0, 2, 4, 1, 2, -2, 1, 3};
    const double *cases[] = {d1, d2, d3};
    const int sizes[] = {12, 14, 16};

    for (int c = 0; c < 3; c++) {
        glia_wilcoxon_t w;
        double want_wp, want = enumerate_p(cases[c], sizes[c], &want_wp);
        int nz = 0;
        for (int i = 0; i < sizes[c]; i++)
            nz += cases[c][i] != 0.0;
        cr_assert_eq(glia_stats_wilcoxon(cases[c], zeros, (size_t)sizes[c], &w), 0);
        cr_expect_eq(w.n_used, nz, "case %d", c);
        cr_expect(w.is_exact, "case %d", c);
        cr_expect_eq(w.w_plus, want_wp, "case %d: W+ %g, want %g", c, w.w_plus, want_wp);
        cr_expect_eq(w.w_plus + w.w_minus, nz * (nz + 1) / 2.0, "case %d", c);
        cr_expect(close_rel(w.p_value, want, 1e-12), "case %d: p %.17g, enumeration %.17g", c,
                  w.p_value, want);
    }
    /* d1 by hand: W- = 2 + 5.5 = 7.5 (the -1 and the -2), W+ = 55 - 7.5 = 47.5 */
    {
        glia_wilcoxon_t w;
        cr_assert_eq(glia_stats_wilcoxon(d1, zeros, 12, &w), 0);
        cr_expect_eq(w.w_plus, 47.5);
        cr_expect_eq(w.w_minus, 7.5);
    }
}

Test(stats, wilcoxon_drops_zero_differences)
{
    static const double a[] = {0.7, 0.6, 0.5, 0.8, 0.55, 0.65, 0.6, 0.75};
    static const double b[] = {0.6, 0.6, 0.5, 0.6, 0.55, 0.6, 0.65, 0.5};
    /* without the three equal pairs */
    static const double a2[] = {0.7, 0.8, 0.65, 0.6, 0.75};
    static const double b2[] = {0.6, 0.6, 0.6, 0.65, 0.5};
    glia_wilcoxon_t w, w2;

    cr_assert_eq(glia_stats_wilcoxon(a, b, 8, &w), 0);
    cr_assert_eq(glia_stats_wilcoxon(a2, b2, 5, &w2), 0);
    cr_expect_eq(w.n_used, 5);
    cr_expect_eq(w.w_plus, w2.w_plus);
    cr_expect_eq(w.w_minus, w2.w_minus);
    cr_expect_eq(w.p_value, w2.p_value);

    /* nothing but zeros: no evidence at all */
    cr_assert_eq(glia_stats_wilcoxon(a, a, 8, &w), 0);
    cr_expect_eq(w.n_used, 0);
    cr_expect_eq(w.p_value, 1.0);
    cr_expect_eq(w.w_plus, 0.0);
    cr_expect_eq(w.w_minus, 0.0);
    cr_assert_eq(glia_stats_wilcoxon(a, b, 0, &w), 0);
    cr_expect_eq(w.p_value, 1.0);
}

Test(stats, wilcoxon_is_exact_up_to_25_pairs)
{
    double d[26];
    glia_wilcoxon_t w;

    for (int i = 0; i < 26; i++)
        d[i] = i + 1;
    /* 25 positive: the single most extreme pattern on each side, 2 / 2^25 */
    cr_assert_eq(glia_stats_wilcoxon(d, zeros, 25, &w), 0);
    cr_expect(w.is_exact);
    cr_expect_eq(w.n_used, 25);
    cr_expect_eq(w.p_value, 5.9604644775390625e-08, "p %.17g", w.p_value);
    /* 26 pairs, or 27 with one zero dropped: normal approximation */
    cr_assert_eq(glia_stats_wilcoxon(d, zeros, 26, &w), 0);
    cr_expect(!w.is_exact);
}

Test(stats, wilcoxon_normal_approximation_above_25_pairs)
{
    double d[30];
    glia_wilcoxon_t w;

    /* |d| = 1..30, ranks 1..30, ranks 1..10 negative: W- = 55, W+ = 465 - 55 = 410.
     * mean n(n+1)/4 = 232.5, variance n(n+1)(2n+1)/24 = 2363.75,
     * z = (|410 - 232.5| - 0.5) / sqrt(2363.75) = 3.6405960658,
     * p = erfc(z / sqrt 2) = 0.00027200759312066754 (python3 math.erfc). */
    for (int i = 0; i < 30; i++)
        d[i] = i < 10 ? -(i + 1) : i + 1;
    cr_assert_eq(glia_stats_wilcoxon(d, zeros, 30, &w), 0);
    cr_expect(!w.is_exact);
    cr_expect_eq(w.n_used, 30);
    cr_expect_eq(w.w_plus, 410.0);
    cr_expect_eq(w.w_minus, 55.0);
    cr_expect(close_rel(w.p_value, 0.00027200759312066754, 1e-9), "p %.17g", w.p_value);
    cr_expect(close_rel(w.p_value, erfc(177.0 / sqrt(2363.75) / sqrt(2.0)), 1e-12));
}

Test(stats, wilcoxon_normal_approximation_with_tie_correction)
{
    double d[31];
    glia_wilcoxon_t w;
    int n = 0;

    /* |d|: 1 1 1 (ranks 1-3, midrank 2), 2 2 (ranks 4-5, midrank 4.5), 3..27 (ranks
     * 6..30), and one zero that is dropped. Negative: the three 1s, one 2 and 3..12
     * (ranks 6..15, sum 105): W- = 6 + 4.5 + 105 = 115.5, W+ = 465 - 115.5 = 349.5.
     * Tie correction sum(t^3 - t) / 48 = (24 + 6) / 48 = 0.625, variance
     * 2363.75 - 0.625 = 2363.125, z = (117 - 0.5) / sqrt(2363.125) = 2.3965283893,
     * p = erfc(z / sqrt 2) = 0.016551211282929447 (python3 math.erfc). */
    d[n++] = -1;
    d[n++] = -1;
    d[n++] = -1;
    d[n++] = -2;
    d[n++] = 2;
    for (int v = 3; v <= 27; v++)
        d[n++] = v <= 12 ? -v : v;
    d[n++] = 0;
    cr_assert_eq(n, 31);
    cr_assert_eq(glia_stats_wilcoxon(d, zeros, 31, &w), 0);
    cr_expect(!w.is_exact);
    cr_expect_eq(w.n_used, 30);
    cr_expect_eq(w.w_plus, 349.5);
    cr_expect_eq(w.w_minus, 115.5);
    cr_expect(close_rel(w.p_value, 0.016551211282929447, 1e-9), "p %.17g", w.p_value);
}

/* ---- sign test ------------------------------------------------------------------------ */

Test(stats, sign_test_matches_the_binomial)
{
    /* 8-2: 2 * (C(10,0) + C(10,1) + C(10,2)) / 1024 = 2 * 56 / 1024 */
    cr_expect(close_rel(glia_stats_sign_test(8, 2), 0.109375, 1e-12), "8-2: %.17g",
              glia_stats_sign_test(8, 2));
    cr_expect(close_rel(glia_stats_sign_test(2, 8), 0.109375, 1e-12), "2-8: %.17g",
              glia_stats_sign_test(2, 8));
    cr_expect(close_rel(glia_stats_sign_test(10, 0), 0.001953125, 1e-12), "10-0: %.17g",
              glia_stats_sign_test(10, 0));
    cr_expect(close_rel(glia_stats_sign_test(0, 10), 0.001953125, 1e-12), "0-10");
    /* exp021 astrocyte vs cursor: 6 wins, 1 loss (ties dropped): 2 * 8 / 128 */
    cr_expect(close_rel(glia_stats_sign_test(6, 1), 0.125, 1e-12), "6-1: %.17g",
              glia_stats_sign_test(6, 1));
    /* 9-1: 2 * 11 / 1024 */
    cr_expect(close_rel(glia_stats_sign_test(9, 1), 22.0 / 1024.0, 1e-12), "9-1");
    /* balanced or nearly so: capped at 1 */
    cr_expect_eq(glia_stats_sign_test(5, 5), 1.0);
    cr_expect_eq(glia_stats_sign_test(1, 0), 1.0);
    cr_expect(close_rel(glia_stats_sign_test(4, 3), 1.0, 1e-12), "4-3: %.17g",
              glia_stats_sign_test(4, 3));
    /* no decisions at all */
    cr_expect_eq(glia_stats_sign_test(0, 0), 1.0);
}

Test(stats, sign_test_of_many_decisions_stays_finite)
{
    /* 100-0: 2^-99 */
    double p = glia_stats_sign_test(100, 0);
    cr_expect(close_rel(p, ldexp(1.0, -99), 1e-9), "100-0: %.17g", p);
    p = glia_stats_sign_test(60, 40);
    cr_expect(p > 0.05 && p < 0.06, "60-40: %.17g (two-sided binomial 0.0569)", p);
}

/* ---- Holm ------------------------------------------------------------------------- */

/* Holm (1979) by hand, as R's p.adjust(p, "holm") gives it: sorted 0.005, 0.01, 0.03,
 * 0.04 are multiplied by 4, 3, 2, 1 (0.02, 0.03, 0.06, 0.04) and made non-decreasing
 * (the last becomes 0.06). */
Test(stats, holm_adjusts_a_worked_example_in_input_order)
{
    const double p[4] = {0.01, 0.04, 0.03, 0.005};
    const double want[4] = {0.03, 0.06, 0.06, 0.02};
    double adj[4];

    cr_assert_eq(glia_stats_holm(p, 4, adj), 0);
    for (int i = 0; i < 4; i++)
        cr_expect(close_rel(adj[i], want[i], 1e-15), "p[%d] = %g: adjusted %.17g, want %g", i, p[i],
                  adj[i], want[i]);
}

Test(stats, holm_caps_at_one_keeps_ties_and_works_in_place)
{
    double p[3] = {0.02, 0.02, 0.02};
    const double big[2] = {0.5, 0.6};
    double adj[2], one = 0.7;

    cr_assert_eq(glia_stats_holm(p, 3, p), 0); /* in place */
    for (int i = 0; i < 3; i++)
        cr_expect(close_rel(p[i], 0.06, 1e-15), "tied p: %.17g, want 0.06", p[i]);
    cr_assert_eq(glia_stats_holm(big, 2, adj), 0);
    cr_expect_eq(adj[0], 1.0, "2 * 0.5 = 1");
    cr_expect_eq(adj[1], 1.0, "0.6 is raised to the earlier 1");
    cr_assert_eq(glia_stats_holm(&one, 1, &one), 0);
    cr_expect_eq(one, 0.7, "a family of one is not adjusted");
    cr_expect_eq(glia_stats_holm(NULL, 0, NULL), 0, "an empty family");
}

/* Holm is uniformly at least as powerful as Bonferroni and never below the raw p. */
Test(stats, holm_lies_between_the_raw_p_and_bonferroni)
{
    double p[12], adj[12];

    for (int i = 0; i < 12; i++)
        p[i] = (double)((i * 7) % 12 + 1) / 400.0;
    cr_assert_eq(glia_stats_holm(p, 12, adj), 0);
    for (int i = 0; i < 12; i++) {
        double bonf = fmin(1.0, 12 * p[i]);
        cr_expect(adj[i] >= p[i] && adj[i] <= bonf, "p %g: holm %g, bonferroni %g", p[i], adj[i],
                  bonf);
    }
}
