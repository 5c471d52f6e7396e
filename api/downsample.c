/* downsample.c: min/max-per-bucket selection of points (see downsample.h). */
#include "api/downsample.h"

#include <math.h>

size_t glia_downsample_minmax(const double *values, size_t n, size_t nseries, size_t max_points,
                              size_t *out)
{
    size_t count = 0, inner, buckets;

    if (n <= max_points) {
        for (size_t i = 0; i < n; i++)
            out[i] = i;
        return n;
    }
    if (nseries == 0 || max_points < GLIA_DOWNSAMPLE_MIN_POINTS(nseries))
        return 0;
    inner = n - 2; /* points 1 .. n-2 go into buckets; n > max_points >= 4 here */
    buckets = (max_points - 2) / (2 * nseries);
    if (buckets > inner)
        buckets = inner;
    out[count++] = 0;
    for (size_t b = 0; b < buckets; b++) {
        /* Bucket b holds points [lo, hi): integer split, sizes differ by at most one. */
        size_t lo = 1 + b * inner / buckets, hi = 1 + (b + 1) * inner / buckets;
        size_t first = count;
        for (size_t s = 0; s < nseries; s++) {
            size_t imin = hi, imax = hi;
            for (size_t i = lo; i < hi; i++) {
                double v = values[i * nseries + s];
                if (isnan(v))
                    continue;
                if (imin == hi || v < values[imin * nseries + s])
                    imin = i;
                if (imax == hi || v > values[imax * nseries + s])
                    imax = i;
            }
            for (int k = 0; k < 2; k++) {
                size_t idx = k == 0 ? imin : imax, j;
                if (idx == hi)
                    continue; /* no value of this series in the bucket */
                /* insert in order, once (a bucket's picks are few: at most 2 * nseries) */
                for (j = first; j < count && out[j] < idx; j++)
                    ;
                if (j < count && out[j] == idx)
                    continue;
                for (size_t m = count; m > j; m--)
                    out[m] = out[m - 1];
                out[j] = idx;
                count++;
            }
        }
    }
    out[count++] = n - 1;
    return count;
}
