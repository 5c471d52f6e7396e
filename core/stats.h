/* stats.h: the statistics of an experiment (seeds x conditions).
 *
 * Means and sample standard deviations; a 95% confidence interval for a mean from the
 * t distribution (exact quantiles, not a table) and a percentile bootstrap with a fixed
 * resampling seed (so the numbers are reproducible); paired comparisons: the exact
 * Wilcoxon signed-rank test (zeros dropped, tied |d| get midranks, exact distribution
 * by enumeration of signs; normal approximation with tie correction above 25 pairs)
 * and the exact two-sided sign test; Holm's step-down adjustment of a family of
 * p-values (the comparisons of a sweep's conditions with the best). Pure functions of
 * their inputs.
 */
#ifndef GLIA_STATS_H
#define GLIA_STATS_H

#include <stddef.h>
#include <stdint.h>

#define GLIA_WILCOXON_EXACT_MAX 25 /* pairs (after dropping zeros) for the exact test */

double glia_stats_mean(const double *x, size_t n);
double glia_stats_sd(const double *x, size_t n); /* sample (n - 1); 0 when n < 2 */

/* Student t: the CDF and the quantile (0 < p < 1) for df > 0. */
double glia_stats_t_cdf(double t, double df);
double glia_stats_t_quantile(double p, double df);

/* 95% CI of the mean: mean +- t(0.975, n-1) * sd / sqrt(n). n < 2: lo = hi = mean. */
void glia_stats_ci95_t(const double *x, size_t n, double *lo, double *hi);

/* 95% percentile-bootstrap CI of the mean with `resamples` resamples drawn with
 * xoshiro256** seeded by `seed`. Returns 0 or GLIA_ENOMEM. */
int glia_stats_ci95_bootstrap(const double *x, size_t n, int resamples, uint32_t seed,
                              double *lo, double *hi);

typedef struct glia_wilcoxon {
    double w_plus;   /* sum of the ranks of positive differences a - b */
    double w_minus;
    int n_used;      /* pairs with a nonzero difference */
    double p_value;  /* two-sided */
    int is_exact;
} glia_wilcoxon_t;

/* Paired two-sided Wilcoxon signed-rank test of a[i] - b[i]. Returns 0 or GLIA_ENOMEM. */
int glia_stats_wilcoxon(const double *a, const double *b, size_t n, glia_wilcoxon_t *out);

/* Exact two-sided sign test: P(at least as extreme | p = 1/2) over wins + losses. */
double glia_stats_sign_test(int wins, int losses);

/* Holm's step-down adjustment of n p-values: with p sorted ascending (ties in index
 * order), adjusted[(i)] = min(1, max over j <= i of (n - j) * p[(j)]), written back in
 * the input order. Rejecting where adjusted[i] <= alpha controls the family-wise error
 * rate at alpha. `adjusted` may alias `p`. Returns 0 or GLIA_ENOMEM. */
int glia_stats_holm(const double *p, size_t n, double *adjusted);

#endif
