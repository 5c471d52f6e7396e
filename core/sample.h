/* sample.h: Gaussian samples for perturbations, many at a time.
 *
 * Two samplers, one per generator family:
 *
 * - the reference's Box-Muller (mulberry32-js): g = sqrt(-2*log(u1 + 1e-12)) *
 *   cos(2*pi*u2) from the uniforms of two consecutive draws, with log and cos computed
 *   exactly as the reference's JavaScript engine computes them (V8's fdlibm port), so
 *   glia's perturbed weights are the reference's to the last bit;
 * - stream 2 of xoshiro256ss: sample s of a perturbation with key k is a pure function of
 *   (k, s) (Box-Muller pairs in single precision, sample.c), so any sample can be
 *   computed on demand, in any order.
 *
 * Both are written without branches in their loops so the compiler can vectorise them,
 * and give the same doubles whether it does or not (no fused multiply-add, no
 * reassociation: every operation is one IEEE operation in a fixed order).
 */
#ifndef GLIA_SAMPLE_H
#define GLIA_SAMPLE_H

#include <stdint.h>

/* V8's (fdlibm's) log and cos, bit for bit: log for normal positive x, cos for
 * 0 <= x < 2*pi (the reference's arguments: u + 1e-12 and 2*pi*u for u in [0, 1)). */
double glia__fd_log(double x);
double glia__fd_cos(double x);
/* V8's (fdlibm's) exp, bit for bit (the soft reward's sigmoid). */
double glia__fd_exp(double x);

/* The reference's Gaussian from two mulberry32 states (ToUint32 of the generator state
 * at each draw): g = sqrt(-2*log(h(a1)/2^32 + 1e-12)) * cos(2*pi*h(a2)/2^32). */
double glia__gauss_mulberry(uint32_t a1, uint32_t a2);

/* The reference's Box-Muller of (u1, u2) by the vectorised path, or NaN for the rare
 * arguments that need another of fdlibm's paths (exposed for tests). */
double glia__box_muller_common(double u1, double u2);

/* g[k] = glia__gauss_mulberry(a[2k], a[2k+1]) for k < n. */
void glia__gauss_mulberry_n(const uint32_t *a, int n, double *g);

/* Stream v2: the standard normal sample of synapse `syn` under perturbation key `key`. */
double glia__gauss_keyed(uint64_t key, int syn);

/* g[k] = glia__gauss_keyed(key, syn[k]) for k < n. */
void glia__gauss_keyed_n(uint64_t key, const int *syn, int n, double *g);

/* Both samples of each pair of synapses pair[i] (synapses 2 pair[i] and 2 pair[i] + 1):
 * out[2i] and out[2i+1]. */
void glia__gauss_pairs(uint64_t key, const uint32_t *pair, int n, double *out);

/* w[i] = clamp(w[i] + g[i] * scale) to [-clamp, clamp], for i < n (a perturbation's
 * update, spec 7: add, then clamp above, then below). */
void glia__add_clamped(double *w, const double *g, int n, double scale, double clamp);

#endif
