/* stats.c: see stats.h. */
#include "core/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"

double glia_stats_mean(const double *x, size_t n)
{
    double s = 0.0;
    if (n == 0)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

double glia_stats_sd(const double *x, size_t n)
{
    double m = glia_stats_mean(x, n), s = 0.0;
    if (n < 2)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (double)(n - 1));
}

/* One step of the modified Lentz method: fold coefficient aa into (c, d), return the
 * factor for h. */
static double lentz_step(double aa, double *c, double *d)
{
    const double tiny = 1e-300;

    *d = 1.0 + aa * *d;
    if (fabs(*d) < tiny)
        *d = tiny;
    *c = 1.0 + aa / *c;
    if (fabs(*c) < tiny)
        *c = tiny;
    *d = 1.0 / *d;
    return *d * *c;
}

/* Continued fraction for the regularized incomplete beta (modified Lentz). */
static double betacf(double a, double b, double x)
{
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h;

    if (fabs(d) < 1e-300)
        d = 1e-300;
    d = 1.0 / d;
    h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m, del;
        h *= lentz_step(m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)), &c, &d);
        del = lentz_step(-(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)), &c, &d);
        h *= del;
        if (fabs(del - 1.0) < 1e-15)
            break;
    }
    return h;
}

static double beta_reg(double a, double b, double x)
{
    double bt;
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1.0 - x));
    if (x < (a + 1.0) / (a + b + 2.0))
        return bt * betacf(a, b, x) / a;
    return 1.0 - bt * betacf(b, a, 1.0 - x) / b;
}

double glia_stats_t_cdf(double t, double df)
{
    double t2 = t * t, tail;

    if (t2 < df) {
        /* Near the median df/(df+t^2) rounds to 1: use the complementary form
         * F = 1/2 + sign(t)/2 * I_{t^2/(df+t^2)}(1/2, df/2), accurate for small t. */
        double half = 0.5 * beta_reg(0.5, df / 2.0, t2 / (df + t2));
        return t >= 0 ? 0.5 + half : 0.5 - half;
    }
    tail = 0.5 * beta_reg(df / 2.0, 0.5, df / (df + t2));
    return t >= 0 ? 1.0 - tail : tail;
}

double glia_stats_t_quantile(double p, double df)
{
    double lo = -1e4, hi = 1e4;

    if (p == 0.5)
        return 0.0; /* the median, exactly (the distribution is symmetric) */
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2.0;
        if (glia_stats_t_cdf(mid, df) < p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2.0;
}

void glia_stats_ci95_t(const double *x, size_t n, double *lo, double *hi)
{
    double m = glia_stats_mean(x, n), half;
    if (n < 2) {
        *lo = *hi = m;
        return;
    }
    half = glia_stats_t_quantile(0.975, (double)(n - 1)) * glia_stats_sd(x, n) / sqrt((double)n);
    *lo = m - half;
    *hi = m + half;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int glia_stats_ci95_bootstrap(const double *x, size_t n, int resamples, uint32_t seed,
                              double *lo, double *hi)
{
    glia_rng_t rng;
    double *means;
    size_t ilo, ihi;

    if (n == 0 || resamples < 1) {
        *lo = *hi = glia_stats_mean(x, n);
        return 0;
    }
    means = malloc((size_t)resamples * sizeof(double));
    if (means == NULL)
        return GLIA_ENOMEM;
    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, seed);
    for (int r = 0; r < resamples; r++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++) {
            size_t k = (size_t)(glia_rng_next(&rng) * (double)n);
            s += x[k < n ? k : n - 1];
        }
        means[r] = s / (double)n;
    }
    qsort(means, (size_t)resamples, sizeof(double), cmp_double);
    ilo = (size_t)floor(0.025 * (resamples - 1) + 0.5);
    ihi = (size_t)floor(0.975 * (resamples - 1) + 0.5);
    *lo = means[ilo];
    *hi = means[ihi];
    free(means);
    return 0;
}

double glia_stats_sign_test(int wins, int losses)
{
    int n = wins + losses, k = wins < losses ? wins : losses;
    double p = 0.0, c = 1.0; /* C(n, i) / 2^n, accumulated in logs for large n */

    if (n == 0)
        return 1.0;
    for (int i = 0; i <= k; i++) {
        c = exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) - n * log(2.0));
        p += c;
    }
    p *= 2.0;
    return p > 1.0 ? 1.0 : p;
}

typedef struct indexed {
    double p;
    size_t index;
} indexed_t;

static int cmp_indexed(const void *a, const void *b)
{
    const indexed_t *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int glia_stats_holm(const double *p, size_t n, double *adjusted)
{
    indexed_t *s = malloc((n ? n : 1) * sizeof(*s));
    double running = 0.0;

    if (s == NULL)
        return GLIA_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        s[i].p = p[i];
        s[i].index = i;
    }
    qsort(s, n, sizeof(*s), cmp_indexed);
    for (size_t j = 0; j < n; j++) {
        double v = (double)(n - j) * s[j].p;
        if (v > running)
            running = v; /* step-down: never below an earlier (smaller) adjusted p */
        adjusted[s[j].index] = running < 1.0 ? running : 1.0;
    }
    free(s);
    return 0;
}

typedef struct ranked {
    double absd;
    int positive;
} ranked_t;

static int cmp_ranked(const void *a, const void *b)
{
    return cmp_double(&((const ranked_t *)a)->absd, &((const ranked_t *)b)->absd);
}

int glia_stats_wilcoxon(const double *a, const double *b, size_t n, glia_wilcoxon_t *out)
{
    ranked_t *r = malloc((n ? n : 1) * sizeof(*r));
    int *rank2 = malloc((n ? n : 1) * sizeof(int)); /* doubled midranks: integers */
    int m = 0, tie_groups_sum = 0;

    memset(out, 0, sizeof(*out));
    if (r == NULL || rank2 == NULL) {
        free(r);
        free(rank2);
        return GLIA_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        double d = a[i] - b[i];
        if (d != 0.0) {
            r[m].absd = fabs(d);
            r[m].positive = d > 0;
            m++;
        }
    }
    qsort(r, (size_t)m, sizeof(*r), cmp_ranked);
    for (int i = 0; i < m;) {
        int j = i;
        while (j + 1 < m && r[j + 1].absd == r[i].absd)
            j++;
        /* positions i..j share the midrank (i+1 + j+1)/2; doubled: i + j + 2 */
        for (int k = i; k <= j; k++)
            rank2[k] = i + j + 2;
        tie_groups_sum += (j - i + 1) * (j - i + 1) * (j - i + 1) - (j - i + 1);
        i = j + 1;
    }
    {
        int wp2 = 0, total2 = 0;
        for (int i = 0; i < m; i++) {
            total2 += rank2[i];
            if (r[i].positive)
                wp2 += rank2[i];
        }
        out->n_used = m;
        out->w_plus = wp2 / 2.0;
        out->w_minus = (total2 - wp2) / 2.0;
        if (m == 0) {
            out->p_value = 1.0;
            out->is_exact = 1;
        } else if (m <= GLIA_WILCOXON_EXACT_MAX) {
            /* Distribution of the doubled W+ over all 2^m sign patterns. */
            double *count = calloc((size_t)total2 + 1, sizeof(double));
            double le = 0.0, ge = 0.0, all = ldexp(1.0, m);
            if (count == NULL) {
                free(r);
                free(rank2);
                return GLIA_ENOMEM;
            }
            count[0] = 1.0;
            for (int i = 0; i < m; i++) {
                for (int s = total2; s >= rank2[i]; s--)
                    count[s] += count[s - rank2[i]];
            }
            for (int s = 0; s <= total2; s++) {
                if (s <= wp2)
                    le += count[s];
                if (s >= wp2)
                    ge += count[s];
            }
            out->p_value = 2.0 * (le < ge ? le : ge) / all;
            if (out->p_value > 1.0)
                out->p_value = 1.0;
            out->is_exact = 1;
            free(count);
        } else {
            double mean = m * (m + 1) / 4.0;
            double var = m * (m + 1) * (2.0 * m + 1) / 24.0 - tie_groups_sum / 48.0;
            double z = (fabs(out->w_plus - mean) - 0.5) / sqrt(var);
            out->p_value = z <= 0 ? 1.0 : erfc(z / sqrt(2.0));
            out->is_exact = 0;
        }
    }
    free(r);
    free(rank2);
    return 0;
}
