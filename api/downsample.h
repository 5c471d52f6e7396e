/* downsample.h: choose a bounded subset of trajectory points that keeps every spike.
 *
 * A chart of many points needs fewer, but an even thinning (every k-th point) can drop
 * the one point where accuracy fell or the accept rate jumped. Here the points are cut
 * into buckets of consecutive points, and in each bucket the point holding the minimum
 * and the point holding the maximum of every series are kept (plus the first and the
 * last point of all), so each bucket's range of every series is still drawn.
 */
#ifndef GLIA_DOWNSAMPLE_H
#define GLIA_DOWNSAMPLE_H

#include <stddef.h>

/* The smallest max_points glia_downsample_minmax accepts for `nseries` series: the first
 * and last point plus one bucket (a min and a max per series). */
#define GLIA_DOWNSAMPLE_MIN_POINTS(nseries) (2 + 2 * (nseries))

/* values[i * nseries + s] is series s at point i (NaN: the point has no value there).
 * Writes the indices of the kept points, ascending and distinct, to out (room for
 * max_points) and returns how many: all n when n <= max_points; otherwise at most
 * max_points: point 0, point n - 1, and in each of B = (max_points - 2) / (2 * nseries)
 * buckets of the points between them (consecutive, sizes differing by at most one), for
 * each series the first point holding its minimum and the first holding its maximum.
 * Returns 0 when max_points < GLIA_DOWNSAMPLE_MIN_POINTS(nseries) and n > max_points. */
size_t glia_downsample_minmax(const double *values, size_t n, size_t nseries, size_t max_points,
                              size_t *out);

#endif
