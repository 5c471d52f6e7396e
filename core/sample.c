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
#include "sample.h"

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

/* ---- exp (fdlibm e_exp.c), scalar: the ziggurat's rare wedge test --------------------- */

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

GLIA_VECTOR void glia__gauss_mulberry_n(const uint32_t *a, int n, double *g)
{
    for (int k = 0; k < n; k++)
        g[k] = gauss_mulberry(a[2 * k], a[2 * k + 1]);
}

/* ---- the ziggurat of stream v2 ---------------------------------------------------------
 *
 * Marsaglia and Tsang's ziggurat with 256 layers (R = 3.6541528853610088,
 * V = 0.00492867323399): zig_x[i] are the layer edges (zig_x[0] = V / f(R), the base
 * strip's width), zig_f[i] = f(zig_x[i]), f(x) = exp(-x^2/2). Generated once with
 * python3 from those two numbers (x[i] = sqrt(-2 log(V / x[i-1] + f(x[i-1])))); the
 * values are part of the stream's definition and never recomputed.
 *
 * One 64-bit word h per attempt: layer i = h & 255, u = ((h >> 11) + 0.5) * 2^-52 - 1 in
 * (-1, 1), x = u * zig_x[i]; accepted when |x| < zig_x[i + 1] (98.5% of attempts). The
 * first word of synapse s under key k is splitmix64's output at position s + 1 of the
 * stream seeded by k; every further word is mix(previous + gamma). */
static const double zig_x[257] = {
    0x1.f493b78164498p+1,
    0x1.d3bb48209ad33p+1,
    0x1.b981f3878f995p+1,
    0x1.a8fdc7894718cp+1,
    0x1.9cbee014050dfp+1,
    0x1.92ee0946f3d1ap+1,
    0x1.8ab0fbfaa7412p+1,
    0x1.839030529e9c6p+1,
    0x1.7d42df4d6c5c3p+1,
    0x1.779955608fd5bp+1,
    0x1.72728f05f70d7p+1,
    0x1.6db6b8d09d896p+1,
    0x1.69540be9fdbedp+1,
    0x1.653ce7b0060dfp+1,
    0x1.61669cf86140fp+1,
    0x1.5dc8a243ac693p+1,
    0x1.5a5c08b718342p+1,
    0x1.571b1a94ad95ap+1,
    0x1.54011523a7359p+1,
    0x1.5109f53e9a131p+1,
    0x1.4e3250dcd7dccp+1,
    0x1.4b7739d6b4eccp+1,
    0x1.48d62759c383dp+1,
    0x1.464ce44a72e74p+1,
    0x1.43d98155452d1p+1,
    0x1.417a49cb9d9f6p+1,
    0x1.3f2dbaa60e871p+1,
    0x1.3cf27b316f883p+1,
    0x1.3ac7570ae7cb8p+1,
    0x1.38ab3925634a9p+1,
    0x1.369d27a339bc1p+1,
    0x1.349c405ae0606p+1,
    0x1.32a7b5e6897e9p+1,
    0x1.30becd256a217p+1,
    0x1.2ee0db1a96c02p+1,
    0x1.2d0d43196ce88p+1,
    0x1.2b4375329fd27p+1,
    0x1.2982ecd770131p+1,
    0x1.27cb2faa84bcbp+1,
    0x1.261bcc7764b62p+1,
    0x1.24745a4ac8e8bp+1,
    0x1.22d477a6fc63bp+1,
    0x1.213bc9d04beb3p+1,
    0x1.1fa9fc2e2cb18p+1,
    0x1.1e1ebfbe4a036p+1,
    0x1.1c99ca9719877p+1,
    0x1.1b1ad777f2157p+1,
    0x1.19a1a564edd5ap+1,
    0x1.182df74d203f5p+1,
    0x1.16bf93b9de06ep+1,
    0x1.1556448601f9dp+1,
    0x1.13f1d69c3fab5p+1,
    0x1.129219bbb4e64p+1,
    0x1.1136e04206156p+1,
    0x1.0fdffefa690b2p+1,
    0x1.0e8d4cf115675p+1,
    0x1.0d3ea34aa2df9p+1,
    0x1.0bf3dd1eec4f7p+1,
    0x1.0aacd7571b15ap+1,
    0x1.0969708e892d0p+1,
    0x1.082988f631e79p+1,
    0x1.06ed023a716b0p+1,
    0x1.05b3bf6ada3acp+1,
    0x1.047da4e3ee5dbp+1,
    0x1.034a983a8f2a6p+1,
    0x1.021a8028fb929p+1,
    0x1.00ed447d3903dp+1,
    0x1.ff859c118d567p+0,
    0x1.fd360d22fc6aep+0,
    0x1.faebb187101b4p+0,
    0x1.f8a6604897644p+0,
    0x1.f665f20c8dff6p+0,
    0x1.f42a40fb72bc7p+0,
    0x1.f1f328ac23146p+0,
    0x1.efc086101ca9bp+0,
    0x1.ed923761084f7p+0,
    0x1.eb681c0f74c90p+0,
    0x1.e94214b2a9c5cp+0,
    0x1.e72002f97db41p+0,
    0x1.e501c99c1ae6fp+0,
    0x1.e2e74c4ea23a7p+0,
    0x1.e0d06fb49ae98p+0,
    0x1.debd195520a7ep+0,
    0x1.dcad2f8fc2520p+0,
    0x1.daa0999204a4dp+0,
    0x1.d8973f4d7d74dp+0,
    0x1.d691096e7cc94p+0,
    0x1.d48de1533a181p+0,
    0x1.d28db1037ca23p+0,
    0x1.d0906328b6a39p+0,
    0x1.ce95e3068bacap+0,
    0x1.cc9e1c73bb0eap+0,
    0x1.caa8fbd367ccdp+0,
    0x1.c8b66e0eb8000p+0,
    0x1.c6c6608ec60b5p+0,
    0x1.c4d8c136de693p+0,
    0x1.c2ed7e5f05369p+0,
    0x1.c10486cebefa2p+0,
    0x1.bf1dc9b81874ap+0,
    0x1.bd3936b2e992ep+0,
    0x1.bb56bdb84fdbep+0,
    0x1.b9764f1e5cf51p+0,
    0x1.b797db93f6101p+0,
    0x1.b5bb541ce14a1p+0,
    0x1.b3e0aa0dfe361p+0,
    0x1.b207cf09a6f7ep+0,
    0x1.b030b4fc37800p+0,
    0x1.ae5b4e18b89dep+0,
    0x1.ac878cd5acc36p+0,
    0x1.aab563e9fc731p+0,
    0x1.a8e4c64a00726p+0,
    0x1.a715a724a7f4dp+0,
    0x1.a547f9e0b90efp+0,
    0x1.a37bb21a29d81p+0,
    0x1.a1b0c39f90b75p+0,
    0x1.9fe7226faa6eap+0,
    0x1.9e1ec2b6f486dp+0,
    0x1.9c5798cd5ad43p+0,
    0x1.9a919933f6d92p+0,
    0x1.98ccb892dfdbfp+0,
    0x1.9708ebb70a936p+0,
    0x1.954627903758cp+0,
    0x1.9384612eeddb8p+0,
    0x1.91c38dc2855bcp+0,
    0x1.9003a297387bcp+0,
    0x1.8e44951443c0ap+0,
    0x1.8c865aba0de35p+0,
    0x1.8ac8e92059192p+0,
    0x1.890c35f47c831p+0,
    0x1.875036f7a4f7ep+0,
    0x1.8594e1fd1c628p+0,
    0x1.83da2ce896f32p+0,
    0x1.82200dac85645p+0,
    0x1.80667a486b99ep+0,
    0x1.7ead68c73ae15p+0,
    0x1.7cf4cf3daf1d9p+0,
    0x1.7b3ca3c8ae294p+0,
    0x1.7984dc8ba8bcbp+0,
    0x1.77cd6faefc22dp+0,
    0x1.7616535e540adp+0,
    0x1.745f7dc70bc13p+0,
    0x1.72a8e5168e1a6p+0,
    0x1.70f27f78b3573p+0,
    0x1.6f3c43161c483p+0,
    0x1.6d86261289f28p+0,
    0x1.6bd01e8b30f36p+0,
    0x1.6a1a229507dcfp+0,
    0x1.6864283b0fbf7p+0,
    0x1.66ae257c960d3p+0,
    0x1.64f8104b6f00cp+0,
    0x1.6341de8a27a41p+0,
    0x1.618b860a2e8ffp+0,
    0x1.5fd4fc89f270fp+0,
    0x1.5e1e37b2f5545p+0,
    0x1.5c672d17d3b48p+0,
    0x1.5aafd2323e2fbp+0,
    0x1.58f81c60e4c4cp+0,
    0x1.574000e552644p+0,
    0x1.558774e1b7925p+0,
    0x1.53ce6d56a2c3dp+0,
    0x1.5214df20a50d8p+0,
    0x1.505abef5e1a6dp+0,
    0x1.4ea0016386a9cp+0,
    0x1.4ce49acb2d5fdp+0,
    0x1.4b287f6020506p+0,
    0x1.496ba3248525ep+0,
    0x1.47adf9e6685eap+0,
    0x1.45ef773ca8993p+0,
    0x1.44300e83bf25ap+0,
    0x1.426fb2da63591p+0,
    0x1.40ae571e05f24p+0,
    0x1.3eebede721aacp+0,
    0x1.3d2869855dd80p+0,
    0x1.3b63bbfb7fc17p+0,
    0x1.399dd6fb270e9p+0,
    0x1.37d6abe05165dp+0,
    0x1.360e2baca1034p+0,
    0x1.3444470261b6ap+0,
    0x1.3278ee1f4755fp+0,
    0x1.30ac10d6e0469p+0,
    0x1.2edd9e8cb647fp+0,
    0x1.2d0d862e172a1p+0,
    0x1.2b3bb62b7e880p+0,
    0x1.29681c7199017p+0,
    0x1.2792a661d8bcdp+0,
    0x1.25bb40ca92399p+0,
    0x1.23e1d7de97a07p+0,
    0x1.2206572c47d17p+0,
    0x1.2028a99405610p+0,
    0x1.1e48b93e088dcp+0,
    0x1.1c666f8f7deb3p+0,
    0x1.1a81b51ee20a3p+0,
    0x1.189a71a788c7ep+0,
    0x1.16b08bfc3d191p+0,
    0x1.14c3e9f8e41d8p+0,
    0x1.12d470730bf74p+0,
    0x1.10e203294c4bdp+0,
    0x1.0eec84b15b64dp+0,
    0x1.0cf3d664b796dp+0,
    0x1.0af7d84bc0d06p+0,
    0x1.08f8690719efdp+0,
    0x1.06f565b7249f9p+0,
    0x1.04eea9e164ed4p+0,
    0x1.02e40f5393759p+0,
    0x1.00d56e041db89p+0,
    0x1.fd8537df97991p-1,
    0x1.f956d9e87202bp-1,
    0x1.f51f654d83c88p-1,
    0x1.f0de784efa595p-1,
    0x1.ec93abdf8c395p-1,
    0x1.e83e93379ad08p-1,
    0x1.e3debb5d2292dp-1,
    0x1.df73aa9f0ae8dp-1,
    0x1.dafce0022edeep-1,
    0x1.d679d29e3510dp-1,
    0x1.d1e9f0e7fe5f7p-1,
    0x1.cd4c9fe7151cap-1,
    0x1.c8a13a531630bp-1,
    0x1.c3e70f95872e0p-1,
    0x1.bf1d62abea23bp-1,
    0x1.ba4368e51bb30p-1,
    0x1.b5584874191dap-1,
    0x1.b05b16d127fd5p-1,
    0x1.ab4ad6e0f24bap-1,
    0x1.a62676d76d6f5p-1,
    0x1.a0eccdca3ab98p-1,
    0x1.9b9c98e37c43bp-1,
    0x1.96347822b1818p-1,
    0x1.90b2ea94dc2a8p-1,
    0x1.8b1649e7a632cp-1,
    0x1.855cc5341f023p-1,
    0x1.7f845ad45d397p-1,
    0x1.798ad10b200f0p-1,
    0x1.736dad345c6b6p-1,
    0x1.6d2a291feca73p-1,
    0x1.66bd261a2377ep-1,
    0x1.60231cfd82f9bp-1,
    0x1.59580a70673c9p-1,
    0x1.5257562196c1cp-1,
    0x1.4b1bb363c898dp-1,
    0x1.439ef8dfe170ap-1,
    0x1.3bd9ec1a11c06p-1,
    0x1.33c3fc055e9edp-1,
    0x1.2b52e38621b30p-1,
    0x1.227a28f78456ap-1,
    0x1.192a6973f450ap-1,
    0x1.0f5053b004b4ep-1,
    0x1.04d32278c832ep-1,
    0x1.f32482d4807a6p-2,
    0x1.dac2f5a6f3120p-2,
    0x1.c004d2f328d93p-2,
    0x1.a230c2e46389ep-2,
    0x1.801fce827fac5p-2,
    0x1.57cb9383ae550p-2,
    0x1.250af3c200a69p-2,
    0x1.b8d0be3d69918p-3,
    0.0,
};
static const double zig_f[257] = {
    0x1.f4a946f0d1e27p-12, 0x1.4a605b6b9f70fp-10, 0x1.55f9f43c1d644p-9, 0x1.08a1f03b0d9d6p-8,
    0x1.69ea8d90cf658p-8,  0x1.ce160f8ecbd47p-8,  0x1.1a5922995660bp-7, 0x1.4eb96421b129fp-7,
    0x1.841040d8df3cap-7,  0x1.ba48d274febdcp-7,  0x1.f152a4f734696p-7, 0x1.1490334606b67p-6,
    0x1.30d388daba032p-6,  0x1.4d6eaf2fbf966p-6,  0x1.6a5daf40c0f87p-6, 0x1.879d1b6011823p-6,
    0x1.a529f4e234a42p-6,  0x1.c301983cd6ea9p-6,  0x1.e121adb82f964p-6, 0x1.ff881d7191a2cp-6,
    0x1.0f1982e96be0fp-5,  0x1.1e9059f1fac92p-5,  0x1.2e27ce83e3a4fp-5, 0x1.3ddf2ce993869p-5,
    0x1.4db5d0e1174f2p-5,  0x1.5dab23cf2ff69p-5,  0x1.6dbe9b3992600p-5, 0x1.7defb77af80c9p-5,
    0x1.8e3e02a691375p-5,  0x1.9ea90f929b758p-5,  0x1.af3079038c597p-5, 0x1.bfd3e0f289491p-5,
    0x1.d092efeae600ap-5,  0x1.e16d547b2c47cp-5,  0x1.f262c2b6ce583p-5, 0x1.01b979e31226fp-4,
    0x1.0a4ed2c15d631p-4,  0x1.12f14d0f259e6p-4,  0x1.1ba0cbe97ce08p-4, 0x1.245d344dd5460p-4,
    0x1.2d266cf9b7a28p-4,  0x1.35fc5e4d989d0p-4,  0x1.3edef2326e83cp-4, 0x1.47ce1401b7223p-4,
    0x1.50c9b06fa7e17p-4,  0x1.59d1b5774bb6bp-4,  0x1.62e612485a445p-4, 0x1.6c06b7369a3e7p-4,
    0x1.753395aaa6d7fp-4,  0x1.7e6ca013f4e4dp-4,  0x1.87b1c9dbf893ep-4, 0x1.9103075a50413p-4,
    0x1.9a604dc9dc0fep-4,  0x1.a3c9933eacaf5p-4,  0x1.ad3ece9cb6128p-4, 0x1.b6bff78f34fb7p-4,
    0x1.c04d0680b802cp-4,  0x1.c9e5f493be6bdp-4,  0x1.d38abb9be0731p-4, 0x1.dd3b561776082p-4,
    0x1.e6f7bf29b1feap-4,  0x1.f0bff29528b67p-4,  0x1.fa93ecb6ba232p-4, 0x1.0239d5406be88p-3,
    0x1.072f94bb9023dp-3,  0x1.0c2b33d524dd1p-3,  0x1.112cb1da2b434p-3, 0x1.16340e5a87443p-3,
    0x1.1b4149275c58ap-3,  0x1.20546251885e5p-3,  0x1.256d5a283a9d2p-3, 0x1.2a8c3137a53a6p-3,
    0x1.2fb0e847c7863p-3,  0x1.34db805b4fafap-3,  0x1.3a0bfaae928d4p-3, 0x1.3f4258b698410p-3,
    0x1.447e9c203c9b4p-3,  0x1.49c0c6cf6238ep-3,  0x1.4f08dade376a4p-3, 0x1.5456da9c8c09dp-3,
    0x1.59aac88f3775cp-3,  0x1.5f04a76f8df6fp-3,  0x1.64647a2ae4e9cp-3, 0x1.69ca43e2250e8p-3,
    0x1.6f3607e96a72fp-3,  0x1.74a7c9c7b1751p-3,  0x1.7a1f8d3690665p-3, 0x1.7f9d5621fd650p-3,
    0x1.852128a8200b0p-3,  0x1.8aab09192e973p-3,  0x1.903afbf756425p-3, 0x1.95d105f6ae788p-3,
    0x1.9b6d2bfd36b63p-3,  0x1.a10f7322decf1p-3,  0x1.a6b7e0b1996e0p-3, 0x1.ac667a2578a1bp-3,
    0x1.b21b452cd4505p-3,  0x1.b7d647a87a72bp-3,  0x1.bd9787abe8fdep-3, 0x1.c35f0b7d91641p-3,
    0x1.c92cd99725a10p-3,  0x1.cf00f8a5eec4bp-3,  0x1.d4db6f8b2cf92p-3, 0x1.dabc455c81015p-3,
    0x1.e0a381645f35fp-3,  0x1.e6912b228c089p-3,  0x1.ec854a4ca21c2p-3, 0x1.f27fe6cea202ap-3,
    0x1.f88108cb8bb6bp-3,  0x1.fe88b89e01ed8p-3,  0x1.024b7f6c7baf9p-2, 0x1.0555f22433149p-2,
    0x1.0863b8f908b9bp-2,  0x1.0b74d88b28c36p-2,  0x1.0e8955987541ap-2, 0x1.11a134fcf6f75p-2,
    0x1.14bc7bb353ab8p-2,  0x1.17db2ed54a239p-2,  0x1.1afd539c33ea1p-2, 0x1.1e22ef618d06bp-2,
    0x1.214c079f81cf7p-2,  0x1.2478a1f182fe8p-2,  0x1.27a8c414e0385p-2, 0x1.2adc73e96934ep-2,
    0x1.2e13b77215be5p-2,  0x1.314e94d5b4bbep-2,  0x1.348d125fa283fp-2, 0x1.37cf368086b2cp-2,
    0x1.3b1507cf19c77p-2,  0x1.3e5e8d08f2cbbp-2,  0x1.41abcd135d515p-2, 0x1.44fccefc38117p-2,
    0x1.485199fadc80dp-2,  0x1.4baa35710fafep-2,  0x1.4f06a8ebfcd13p-2, 0x1.5266fc2539c94p-2,
    0x1.55cb3703d62d1p-2,  0x1.5933619d751bcp-2,  0x1.5c9f843772671p-2, 0x1.600fa74813828p-2,
    0x1.6383d377c4babp-2,  0x1.66fc11a2633afp-2,  0x1.6a786ad894727p-2, 0x1.6df8e8612b6ecp-2,
    0x1.717d93ba9cccdp-2,  0x1.7506769c81eafp-2,  0x1.78939af92c0f3p-2, 0x1.7c250aff48400p-2,
    0x1.7fbad11b949adp-2,  0x1.8354f7faa7fc5p-2,  0x1.86f38a8accdf4p-2, 0x1.8a9693fdf061cp-2,
    0x1.8e3e1fcba6703p-2,  0x1.91ea39b344260p-2,  0x1.959aedbe1183bp-2, 0x1.9950484193ad3p-2,
    0x1.9d0a55e1f0f53p-2,  0x1.a0c923947011ep-2,  0x1.a48cbea213e9ep-2, 0x1.a85534aa55844p-2,
    0x1.ac2293a5fdbd7p-2,  0x1.aff4e9ea20806p-2,  0x1.b3cc462b3b5fcp-2, 0x1.b7a8b780798d0p-2,
    0x1.bb8a4d671f4cdp-2,  0x1.bf7117c61f2dep-2,  0x1.c35d26f1db70fp-2, 0x1.c74e8bb0163b2p-2,
    0x1.cb45573c135cbp-2,  0x1.cf419b4aeea8ep-2,  0x1.d3436a102a142p-2, 0x1.d74ad6427709cp-2,
    0x1.db57f320beac8p-2,  0x1.df6ad4776cfd2p-2,  0x1.e3838ea603307p-2, 0x1.e7a236a4f5d07p-2,
    0x1.ebc6e20bdba59p-2,  0x1.eff1a717f2c62p-2,  0x1.f4229cb301990p-2, 0x1.f859da7a9a13dp-2,
    0x1.fc9778c7c5ff1p-2,  0x1.006dc85b91cdep-1,  0x1.02931e18bd539p-1, 0x1.04bbcafa69335p-1,
    0x1.06e7dccf09138p-1,  0x1.091761d99b381p-1,  0x1.0b4a68d7130b1p-1, 0x1.0d81010419aaap-1,
    0x1.0fbb3a232b228p-1,  0x1.11f924831795cp-1,  0x1.143ad105f04d3p-1, 0x1.168051286962ap-1,
    0x1.18c9b709b99bdp-1,  0x1.1b17157402fa1p-1,  0x1.1d687fe54f920p-1, 0x1.1fbe0a992f702p-1,
    0x1.2217ca9305a04p-1,  0x1.2475d5a913eccp-1,  0x1.26d8429056971p-1, 0x1.293f28e9432dbp-1,
    0x1.2baaa14d7fc57p-1,  0x1.2e1ac55eaa449p-1,  0x1.308fafd64a29fp-1, 0x1.33097c970a541p-1,
    0x1.358848bf5bd57p-1,  0x1.380c32bda6eadp-1,  0x1.3a955a6633c57p-1, 0x1.3d23e10afa266p-1,
    0x1.3fb7e9958cdc7p-1,  0x1.425198a35d3b3p-1,  0x1.44f114a49abddp-1, 0x1.479685fdfc714p-1,
    0x1.4a42172dccb23p-1,  0x1.4cf3f4f49c91ep-1,  0x1.4fac4e8213283p-1, 0x1.526b55a65eabbp-1,
    0x1.55313f08e1e03p-1,  0x1.57fe4264d0f30p-1,  0x1.5ad29acc8e01cp-1, 0x1.5dae86f4b84fep-1,
    0x1.609249880ae0ap-1,  0x1.637e2985595dfp-1,  0x1.667272a936f1ep-1, 0x1.696f75e51c96bp-1,
    0x1.6c7589e63eb25p-1,  0x1.6f850baeb0dfbp-1,  0x1.729e5f44002a7p-1, 0x1.75c1f0771708dp-1,
    0x1.78f033ca14bc9p-1,  0x1.7c29a779d0627p-1,  0x1.7f6ed4b218395p-1, 0x1.82c050f577355p-1,
    0x1.861ebfc3863d6p-1,  0x1.898ad48bb899ap-1,  0x1.8d0554fe6b8dcp-1, 0x1.908f1bd322352p-1,
    0x1.94291c21c3052p-1,  0x1.97d4657623514p-1,  0x1.9b9228d24c563p-1, 0x1.9f63bee65e399p-1,
    0x1.a34aafdf6780cp-1,  0x1.a748bd5519883p-1,  0x1.ab5fef17af9c6p-1, 0x1.af92a3f6dc413p-1,
    0x1.b3e3a8235bfdap-1,  0x1.b85653a90e040p-1,  0x1.bceeb4ee2d08dp-1, 0x1.c1b1cd9efb947p-1,
    0x1.c6a5eceaa82b8p-1,  0x1.cbd33a8a84602p-1,  0x1.d144978a24289p-1, 0x1.d70920658fa12p-1,
    0x1.dd36fa70635f9p-1,  0x1.e3f11e0296bb2p-1,  0x1.eb7545b6e5a2dp-1, 0x1.f446ac97c0265p-1,
    0x1.0000000000000p+0,
};

#define GAMMA 0x9e3779b97f4a7c15ULL

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline double unit_open(uint64_t h) /* (0, 1) */
{
    return ((double)(h >> 11) + 0.5) * 0x1p-53;
}

static inline double zig_u(uint64_t h) /* (-1, 1) */
{
    return ((double)(h >> 11) + 0.5) * 0x1p-52 - 1.0;
}

/* The whole algorithm from the first word: the rare rejections and the tail. */
static double zig_slow(uint64_t h)
{
    for (;;) {
        const int i = (int)(h & 0xff);
        const double u = zig_u(h), x = u * zig_x[i];
        if (fabs(x) < zig_x[i + 1])
            return x;
        h = mix64(h + GAMMA);
        if (i == 0) { /* the tail beyond R (Marsaglia 1964) */
            for (;;) {
                const double a = -fd_log(unit_open(h)) / zig_x[1];
                double b;
                h = mix64(h + GAMMA);
                b = -fd_log(unit_open(h));
                h = mix64(h + GAMMA);
                if (b + b >= a * a)
                    return u < 0.0 ? -(zig_x[1] + a) : zig_x[1] + a;
            }
        }
        if (zig_f[i + 1] + (zig_f[i] - zig_f[i + 1]) * unit_open(h) < fd_exp(-0.5 * x * x))
            return x;
        h = mix64(h + GAMMA);
    }
}

static inline uint64_t keyed_word(uint64_t key, int syn)
{
    return mix64(key + ((uint64_t)syn + 1) * GAMMA);
}

/* The first attempt, or NaN when it is rejected (fixed up by the caller). */
static inline double zig_fast(uint64_t h)
{
    const uint64_t i = h & 0xff;
    const double x = zig_u(h) * zig_x[i];
    return sel(fabs(x) < zig_x[i + 1], x, NAN);
}

double glia__gauss_keyed(uint64_t key, int syn)
{
    return zig_slow(keyed_word(key, syn));
}

GLIA_VECTOR void glia__gauss_keyed_n(uint64_t key, const int *syn, int n, double *g)
{
    for (int k = 0; k < n; k++)
        g[k] = zig_fast(keyed_word(key, syn[k]));
    for (int k = 0; k < n; k++) {
        if (g[k] != g[k])
            g[k] = zig_slow(keyed_word(key, syn[k]));
    }
}

GLIA_VECTOR void glia__gauss_keyed_range(uint64_t key, int syn0, int n, double *g)
{
    for (int k = 0; k < n; k++)
        g[k] = zig_fast(keyed_word(key, syn0 + k));
    for (int k = 0; k < n; k++) {
        if (g[k] != g[k])
            g[k] = zig_slow(keyed_word(key, syn0 + k));
    }
}
