/* sample.c: Gaussian samples for perturbations, many at a time (see sample.h).
 *
 * The log, cos and exp below follow fdlibm 5.3 as V8 (the reference's JavaScript engine)
 * ports it, operation for operation:
 *
 *   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *   Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy,
 *   modify, and distribute this software is freely granted, provided that this notice
 *   is preserved.
 *
 * They are rewritten without branches: every path of the original is computed and the
 * one fdlibm would take is selected with integer masks, which gives the same bits and
 * lets the compiler vectorise a loop of them. Only the argument ranges the reference
 * uses are covered (log of u + 1e-12, cos of 2*pi*u, u in [0, 1)).
 *
 * Vectorised loops carry GLIA_VECTOR: with GCC on x86-64 the function is compiled for
 * AVX-512, AVX2 and the baseline and the loader picks one for the machine; the results
 * are the same doubles on all three (no contraction, no reassociation).
 */
#include "core/sample.h"

#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) &&       \
    !defined(GLIA_NO_CLONES)
#define GLIA_VECTOR __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GLIA_VECTOR
#endif

static inline uint64_t bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof(b));
    return b;
}

static inline double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof(x));
    return x;
}

static inline uint64_t high_word(double x)
{
    return bits(x) >> 32;
}

/* c ? a : b for c in {0, 1}, without a branch the compiler could keep. */
static inline double sel(uint64_t c, double a, double b)
{
    const uint64_t m = (uint64_t)0 - c;
    return from_bits((bits(a) & m) | (bits(b) & ~m));
}

/* floor(v) for 0 <= v < 2^51, exactly, in doubles only. */
static inline double floor_small(double v)
{
    const double r = (v + 0x1p52) - 0x1p52; /* v rounded to the nearest integer */
    return r - sel(r > v, 1.0, 0.0);
}

/* ---- log (fdlibm e_log.c) ------------------------------------------------------------ */

static inline double fd_log(double x)
{
    static const double ln2_hi = 0x1.62e42feep-1, ln2_lo = 0x1.a39ef35793c76p-33,
                        Lg1 = 0x1.5555555555593p-1, Lg2 = 0x1.999999997fa04p-2,
                        Lg3 = 0x1.2492494229359p-2, Lg4 = 0x1.c71c51d8e78afp-3,
                        Lg5 = 0x1.7466496cb03dep-3, Lg6 = 0x1.39a09d078c69fp-3,
                        Lg7 = 0x1.2f112df3e5244p-3;
    const uint64_t b = bits(x), hx = b >> 32;
    const uint64_t m = hx & 0x000fffff;
    const uint64_t i = (m + 0x95f64) & 0x100000;
    /* x normalised to [sqrt(2)/2, sqrt(2)): f = x' - 1, and k its exponent. The exact
     * double of k = (hx >> 20) - 1023 + (i >> 20), built from its bits: no integer to
     * floating conversion, which not every vector unit has for 64-bit lanes. */
    const double f = from_bits(((m | (i ^ 0x3ff00000)) << 32) | (b & 0xffffffffu)) - 1.0;
    const double dk =
        from_bits(0x4330000000000000ULL | ((hx >> 20) + 1 + (i >> 20))) - (0x1p52 + 1024.0);
    /* |f| < 2^-20 */
    const double Rs = f * f * (0.5 - 0.33333333333333333 * f);
    const double tiny = dk * ln2_hi - ((Rs - dk * ln2_lo) - f);
    const double s = f / (2.0 + f), z = s * s, w = z * z;
    const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    const double R = t2 + t1;
    const double hfsq = 0.5 * f * f;
    const double large = dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
    const double other = dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
    /* fdlibm: ((m - 0x6147a) | (0x6b851 - m)) > 0 as int32, and (0xfffff & (2 + m)) < 3.
     * (Its k == 0 forms are these with dk = 0, bit for bit.) */
    const uint64_t is_large = (m >= 0x6147a) & (m <= 0x6b851);
    const uint64_t is_tiny = (m == 0) | (m >= 0xffffe);
    return sel(is_tiny, tiny, sel(is_large, large, other));
}

/* ---- cos (fdlibm s_cos.c, k_cos.c, k_sin.c, e_rem_pio2.c) ------------------------------ */

static inline double k_cos(double x, double y)
{
    static const double C1 = 0x1.555555555554cp-5, C2 = -0x1.6c16c16c15177p-10,
                        C3 = 0x1.a01a019cb159p-16, C4 = -0x1.27e4f809c52adp-22,
                        C5 = 0x1.1ee9ebdb4b1c4p-29, C6 = -0x1.8fae9be8838d4p-37;
    const uint64_t ix = high_word(x) & 0x7fffffff;
    const double z = x * x;
    const double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    const double near0 = 1.0 - (0.5 * z - (z * r - x * y));
    /* qx = |x|/4 with the low word cleared, or 0.28125 above 0.78125 */
    const double qx = sel(ix > 0x3fe90000, 0.28125, from_bits((ix - 0x00200000) << 32));
    const double far = (1.0 - qx) - ((0.5 * z - qx) - (z * r - x * y));
    return sel(ix < 0x3e400000, 1.0, sel(ix < 0x3fd33333, near0, far));
}

static inline double k_sin(double x, double y) /* fdlibm's iy = 1 form */
{
    static const double S1 = -0x1.5555555555549p-3, S2 = 0x1.111111110f8a6p-7,
                        S3 = -0x1.a01a019c161d5p-13, S4 = 0x1.71de357b1fe7dp-19,
                        S5 = -0x1.ae5e68a2b9cebp-26, S6 = 0x1.5d93a5acfd57cp-33;
    const uint64_t ix = high_word(x) & 0x7fffffff;
    const double z = x * x, v = z * x;
    const double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    return sel(ix < 0x3e400000, x, x - ((z * (0.5 * y - v * r) - y) - v * S1));
}

/* cos(x) for 0 <= x < 2*pi: no reduction up to pi/4, fdlibm's n = 1 reduction below
 * 3*pi/4, else its medium-size reduction (n <= 4 here) with the second and third
 * iterations it takes near a multiple of pi/2. */
static inline double fd_cos(double x)
{
    static const double invpio2 = 0x1.45f306dc9c883p-1, pio2_1 = 0x1.921fb544p+0,
                        pio2_1t = 0x1.0b4611a626331p-34, pio2_2 = 0x1.0b4611a6p-34,
                        pio2_2t = 0x1.3198a2e037073p-69, pio2_3 = 0x1.3198a2ep-69,
                        pio2_3t = 0x1.b839a252049c1p-104, pio2 = 0x1.921fb54442d18p+0;
    const uint64_t ix = high_word(x) & 0x7fffffff;
    const uint64_t j = ix >> 20;
    /* medium: n = (int)(x * invpio2 + 0.5) */
    const double fn = floor_small(x * invpio2 + 0.5);
    const double r1 = x - fn * pio2_1, w1 = fn * pio2_1t, y1 = r1 - w1;
    /* fdlibm's npio2_hw[n - 1] is the high word of n * pi/2 */
    const uint64_t careful = ix == high_word(fn * pio2);
    const double w2a = fn * pio2_2, r2 = r1 - w2a, w2 = fn * pio2_2t - ((r1 - r2) - w2a);
    const double y2 = r2 - w2;
    const double w3a = fn * pio2_3, r3 = r2 - w3a, w3 = fn * pio2_3t - ((r2 - r3) - w3a);
    const double y3 = r3 - w3;
    const uint64_t do2 = careful & (j > ((high_word(y1) >> 20) & 0x7ff) + 16);
    const uint64_t do3 = do2 & (j > ((high_word(y2) >> 20) & 0x7ff) + 49);
    const double r = sel(do3, r3, sel(do2, r2, r1));
    const double w = sel(do3, w3, sel(do2, w2, w1));
    const double y0m = sel(do3, y3, sel(do2, y2, y1));
    const double y1m = (r - y0m) - w;
    /* pi/4 < x < 3*pi/4: n = 1, near pi/2 with the 33+33+53-bit pi/2 */
    const uint64_t at_pio2 = ix == 0x3ff921fb;
    const double za = x - pio2_1, zb = za - pio2_2;
    const double ya = za - pio2_1t, yb = zb - pio2_2t;
    const double y0s = sel(at_pio2, yb, ya);
    const double y1s = sel(at_pio2, (zb - yb) - pio2_2t, (za - ya) - pio2_1t);
    const uint64_t is_n1 = ix < 0x4002d97c;
    const uint64_t is_small = ix <= 0x3fe921fb;
    const double n = sel(is_small, 0.0, sel(is_n1, 1.0, fn));
    const double a0 = sel(is_small, x, sel(is_n1, y0s, y0m));
    const double a1 = sel(is_small, 0.0, sel(is_n1, y1s, y1m));
    const double c = k_cos(a0, a1), s = k_sin(a0, a1);
    const double q = n - 4.0 * floor_small(n * 0.25); /* n & 3 */
    return sel(q == 0.0, c, sel(q == 1.0, -s, sel(q == 2.0, -c, s)));
}

/* ---- exp (fdlibm e_exp.c): the soft reward's sigmoid ----------------------------------- */

static double fd_exp(double x)
{
    static const double halF[2] = {0.5, -0.5}, o_threshold = 0x1.62e42fefa39efp+9,
                        u_threshold = -0x1.74910d52d3051p+9,
                        ln2HI[2] = {0x1.62e42feep-1, -0x1.62e42feep-1},
                        ln2LO[2] = {0x1.a39ef35793c76p-33, -0x1.a39ef35793c76p-33},
                        invln2 = 0x1.71547652b82fep+0, P1 = 0x1.555555555553ep-3,
                        P2 = -0x1.6c16c16bebd93p-9, P3 = 0x1.1566aaf25de2cp-14,
                        P4 = -0x1.bbd41c5d26bf1p-20, P5 = 0x1.6376972bea4d0p-25;
    const uint64_t hx0 = high_word(x);
    const int xsb = (int)((hx0 >> 31) & 1);
    const uint64_t hx = hx0 & 0x7fffffff;
    double hi = 0.0, lo = 0.0, c, t, y;
    int k = 0;

    if (x != x)
        return x + x;
    if (x > o_threshold)
        return INFINITY;
    if (x < u_threshold)
        return 0.0;
    if (hx > 0x3fd62e42) {     /* |x| > 0.5 ln2 */
        if (hx < 0x3ff0a2b2) { /* and |x| < 1.5 ln2 */
            if (x == 1.0)
                return 0x1.5bf0a8b145769p+1; /* V8 returns e itself */
            hi = x - ln2HI[xsb];
            lo = ln2LO[xsb];
            k = 1 - xsb - xsb;
        } else {
            k = (int)(invln2 * x + halF[xsb]);
            t = k;
            hi = x - t * ln2HI[0];
            lo = t * ln2LO[0];
        }
        x = hi - lo;
    } else if (hx < 0x3e300000) { /* |x| < 2^-28 */
        return 1.0 + x;
    }
    t = x * x;
    c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    if (k == 0)
        return 1.0 - ((x * c) / (c - 2.0) - x);
    y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
    /* y * 2^k (exact; k >= -1021 for the arguments above the underflow threshold
     * except the deepest, scaled in two steps) */
    if (k >= -1021)
        return y * from_bits((uint64_t)(0x3ff + k) << 52);
    return y * from_bits((uint64_t)(0x3ff + k + 1000) << 52) * 0x1p-1000;
}

double glia__fd_log(double x)
{
    return fd_log(x);
}

double glia__fd_cos(double x)
{
    return fd_cos(x);
}

double glia__fd_exp(double x)
{
    return fd_exp(x);
}

/* ---- the reference's Box-Muller ------------------------------------------------------- */

static inline uint32_t mulberry_hash(uint32_t a)
{
    uint32_t t = (a ^ (a >> 15)) * (1u | a);
    t = t ^ (t + (t ^ (t >> 7)) * (61u | t));
    return t ^ (t >> 14);
}

static inline double gauss_mulberry(uint32_t a1, uint32_t a2)
{
    const double u1 = (double)mulberry_hash(a1) / 4294967296.0;
    const double u2 = (double)mulberry_hash(a2) / 4294967296.0;
    /* 2 * Math.PI * u2 evaluates as (2 * pi) * u2 */
    return sqrt(-2.0 * fd_log(u1 + 1e-12)) * fd_cos(2.0 * 3.141592653589793 * u2);
}

double glia__gauss_mulberry(uint32_t a1, uint32_t a2)
{
    return gauss_mulberry(a1, a2);
}

/* The same sample by the paths nearly every argument takes, or NaN for the rare ones
 * (about one in 2^18): log of a mantissa within 2^-20 of a power of two, cos of an
 * argument whose high word equals that of n * pi/2 (fdlibm's extra reduction steps, and
 * its own n = 1 reduction right at pi/2) or next to pi/4 and 3*pi/4 (where fdlibm's
 * choice of path by the high word and the medium reduction's n disagree). For every
 * other argument the medium reduction gives the bits of fdlibm's small-argument and
 * n = 1 paths, so one path serves. */
static inline double box_muller_common(double u1, double u2)
{
    static const double ln2_hi = 0x1.62e42feep-1, ln2_lo = 0x1.a39ef35793c76p-33,
                        Lg1 = 0x1.5555555555593p-1, Lg2 = 0x1.999999997fa04p-2,
                        Lg3 = 0x1.2492494229359p-2, Lg4 = 0x1.c71c51d8e78afp-3,
                        Lg5 = 0x1.7466496cb03dep-3, Lg6 = 0x1.39a09d078c69fp-3,
                        Lg7 = 0x1.2f112df3e5244p-3;
    static const double invpio2 = 0x1.45f306dc9c883p-1, pio2_1 = 0x1.921fb544p+0,
                        pio2_1t = 0x1.0b4611a626331p-34, pio2 = 0x1.921fb54442d18p+0;
    /* log(u1 + 1e-12), as fd_log without its tiny-f path */
    const double x1 = u1 + 1e-12;
    const uint64_t b = bits(x1), hx = b >> 32;
    const uint64_t m = hx & 0x000fffff;
    const uint64_t i = (m + 0x95f64) & 0x100000;
    const double f = from_bits(((m | (i ^ 0x3ff00000)) << 32) | (b & 0xffffffffu)) - 1.0;
    const double dk =
        from_bits(0x4330000000000000ULL | ((hx >> 20) + 1 + (i >> 20))) - (0x1p52 + 1024.0);
    const double s = f / (2.0 + f), z = s * s, w = z * z;
    const double R = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7))) + w * (Lg2 + w * (Lg4 + w * Lg6));
    const double hfsq = 0.5 * f * f;
    const double large = dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
    const double other = dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
    const double lg = sel((m >= 0x6147a) & (m <= 0x6b851), large, other);
    /* cos(2 * pi * u2) by the medium reduction */
    const double x = 2.0 * 3.141592653589793 * u2;
    const uint64_t ix = high_word(x) & 0x7fffffff;
    const double fn = floor_small(x * invpio2 + 0.5);
    const double r = x - fn * pio2_1, wr = fn * pio2_1t, y0 = r - wr, y1 = (r - y0) - wr;
    const double c = k_cos(y0, y1), sn = k_sin(y0, y1);
    const double q = fn - 4.0 * floor_small(fn * 0.25);
    const double cs = sel(q == 0.0, c, sel(q == 1.0, -sn, sel(q == 2.0, -c, sn)));
    /* fdlibm picks its path by the high word: no reduction up to 0x3fe921fb, n = 1 below
     * 0x4002d97c. Where the medium reduction's n is another (x within 2^-33 of pi/4 or
     * 3*pi/4), the path of fdlibm is taken too. */
    const uint64_t other_n =
        ((ix <= 0x3fe921fb) & (fn != 0.0)) | ((ix > 0x3fe921fb) & (ix < 0x4002d97c) & (fn != 1.0));
    const uint64_t rare = (m == 0) | (m >= 0xffffe) | (ix == high_word(fn * pio2)) | other_n;
    return sel(rare, NAN, sqrt(-2.0 * lg) * cs);
}

double glia__box_muller_common(double u1, double u2)
{
    return box_muller_common(u1, u2);
}

GLIA_VECTOR void glia__gauss_mulberry_n(const uint32_t *a, int n, double *g)
{
    for (int k = 0; k < n; k++)
        g[k] = box_muller_common((double)mulberry_hash(a[2 * k]) / 4294967296.0,
                                 (double)mulberry_hash(a[2 * k + 1]) / 4294967296.0);
    for (int k = 0; k < n; k++) {
        if (g[k] != g[k])
            g[k] = gauss_mulberry(a[2 * k], a[2 * k + 1]);
    }
}

/* ---- stream 2: Box-Muller pairs in single precision ------------------------------------
 *
 * Synapses 2p and 2p+1 form pair p. With the step's key split into k1 (low 32 bits) and
 * k2 (high 32 bits) and c = p * 0x9e3779b9 (mod 2^32): h1 = hash1(c + k1), h2 = hash2(c +
 * k2) (two different 32-bit avalanche hashes, so equal halves of a key give unrelated
 * words); u1 = ((h1 >> 1) + 0.5) * 2^-31 and u2 = (h2 >> 8) * 2^-24 as floats;
 * r = sqrt(-2 ln u1); synapse 2p gets r cos(2 pi u2), synapse 2p+1 r sin(2 pi u2). All in
 * IEEE single precision (16 lanes to an AVX-512 vector), then widened to double: the
 * samples carry about 7 significant digits and never exceed 6.66 standard deviations (a
 * true normal does with probability 3e-11). The log, sin and cos are this file's own
 * (fdlibm's reduction with single-precision minimax polynomials), so the stream is the
 * same on every platform. */

/* Two of Chris Wellons' 32-bit hashes (hash-prospector: lowbias32 and the best other
 * two-round one it lists), public domain. */
static inline uint32_t hash1(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static inline uint32_t hash2(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x21f0aaadu;
    x ^= x >> 15;
    x *= 0xd35a2d97u;
    x ^= x >> 15;
    return x;
}

static inline uint32_t fbits(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof(b));
    return b;
}

static inline float from_fbits(uint32_t b)
{
    float x;
    memcpy(&x, &b, sizeof(x));
    return x;
}

static inline float fsel(uint32_t c, float a, float b)
{
    const uint32_t m = (uint32_t)0 - c;
    return from_fbits((fbits(a) & m) | (fbits(b) & ~m));
}

/* ln x for a normal positive float: x = 2^k (1 + f), sqrt(2)/2 <= 1 + f < sqrt(2). */
static inline float log_f(float x)
{
    const uint32_t b = fbits(x), m = b & 0x7fffff;
    const uint32_t i = (m + 0x3504f3) & 0x800000; /* 1 + f >= sqrt(2): halve */
    const float f = from_fbits(m | (i ^ 0x3f800000)) - 1.0f;
    const float k = (float)((int32_t)((b >> 23) & 0xff) - 127 + (int32_t)(i >> 23));
    const float s = f / (2.0f + f), z = s * s, w = z * z;
    const float R =
        z * (0.66666662693f + w * 0.28498786688f) + w * (0.40000972152f + w * 0.24279078841f);
    const float hfsq = 0.5f * f * f;
    return k * 0.693145751953125f - ((hfsq - (s * (hfsq + R) + k * 1.428606765330187045e-6f)) - f);
}

static inline void pair_f(uint64_t key, uint32_t pair, float *even, float *odd)
{
    const uint32_t c = pair * 0x9e3779b9u;
    const uint32_t h1 = hash1(c + (uint32_t)key), h2 = hash2(c + (uint32_t)(key >> 32));
    const float u1 = ((float)(int32_t)(h1 >> 1) + 0.5f) * 0x1p-31f;
    const float u = (float)(int32_t)(h2 >> 8) * 0x1p-24f;
    const float r = sqrtf(-2.0f * log_f(u1));
    /* cos and sin of 2 pi u: quarter turns q = round(4u), taken exactly in u */
    const float q = (float)(int32_t)(4.0f * u + 0.5f);
    const float x = (u - 0.25f * q) * 6.28318530717958647692f, z = x * x;
    const float cx =
        1.0f + z * (-0.499999997251031003120f +
                    z * (0.0416666233237390631894f +
                         z * (-0.00138867637746099294692f + z * 0.0000243904487962774090654f)));
    const float sx =
        x + x * z *
                (-0.166666597127914428710f +
                 z * (0.00833307858556509017944f +
                      z * (-0.000198106907191686332226f + z * 0.00000252612880171392200212f)));
    const uint32_t n = (uint32_t)(int32_t)q & 3;
    /* (cos, sin) of n quarter turns plus x: swap for odd n, then the signs */
    const uint32_t odd_n = n & 1;
    const float c0 = fsel(odd_n, sx, cx), s0 = fsel(odd_n, cx, sx);
    *even = r * from_fbits(fbits(c0) ^ ((((n + 1) >> 1) & 1) << 31));
    *odd = r * from_fbits(fbits(s0) ^ (((n >> 1) & 1) << 31));
}

double glia__gauss_keyed(uint64_t key, int syn)
{
    float e, o;
    pair_f(key, (uint32_t)syn >> 1, &e, &o);
    return (double)((syn & 1) ? o : e);
}

GLIA_VECTOR void glia__gauss_keyed_n(uint64_t key, const int *syn, int n, double *g)
{
    for (int k = 0; k < n; k++) {
        float e, o;
        pair_f(key, (uint32_t)syn[k] >> 1, &e, &o);
        g[k] = (double)fsel((uint32_t)syn[k] & 1, o, e);
    }
}

GLIA_VECTOR void glia__gauss_pairs(uint64_t key, const uint32_t *pair, int n, double *out)
{
    for (int i = 0; i < n; i++) {
        float e, o;
        pair_f(key, pair[i], &e, &o);
        out[2 * i] = (double)e;
        out[2 * i + 1] = (double)o;
    }
}

GLIA_VECTOR void glia__add_clamped(double *w, const double *g, int n, double scale, double clamp)
{
    for (int i = 0; i < n; i++) {
        double v = w[i] + g[i] * scale;
        v = v > clamp ? clamp : v;
        w[i] = v < -clamp ? -clamp : v;
    }
}
