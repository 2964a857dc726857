/*
 * rng.c - see rng.h.
 *
 * The generator is xoshiro256** (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", 2018; reference code at
 * https://prng.di.unimi.it/xoshiro256starstar.c).  Its 256-bit state is
 * filled by SplitMix64 (Steele, Lea & Flood 2014, the seeding the xoshiro
 * authors recommend) started from a hash of the four names of the stream.
 */
#include "rng.h"

#include <math.h>

#define GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)     /* SplitMix64's increment */

/* SplitMix64's output function: a bijection of 64-bit words with good
 * avalanche (every input bit flips each output bit with probability ~1/2). */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t splitmix64_next(uint64_t *x)
{
    *x += GOLDEN_GAMMA;
    return mix64(*x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/*
 * The names are hashed in turn, h = mix64((h + gamma) ^ name): for a fixed
 * prefix each step is a bijection of the name, so two tuples that differ in
 * one name never share a hash, and the order matters (round 1 node 2 is not
 * round 2 node 1).  The hash then seeds SplitMix64, whose next four outputs
 * are the xoshiro state, as the xoshiro authors recommend.
 */
void hl_rng_seed(HlRng *r, uint64_t seed, uint64_t round, uint64_t node, HlRngPurpose purpose)
{
    const uint64_t names[4] = { seed, round, node, (uint64_t)purpose };
    uint64_t h = 0;
    for (int i = 0; i < 4; i++)
        h = mix64((h + GOLDEN_GAMMA) ^ names[i]);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64_next(&h);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;    /* the one state xoshiro cannot leave; never seen in practice */
    r->has_spare = 0;
    r->spare = 0.0;
}

uint64_t hl_rng_next(HlRng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double hl_rng_uniform(HlRng *r)
{
    return (double)(hl_rng_next(r) >> 11) * 0x1.0p-53;
}

/* The full 128-bit product of two 64-bit words, without compiler extensions. */
static void mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
    uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
    uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    *lo = (mid << 32) | (ll & 0xffffffffu);
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/*
 * Lemire, "Fast random integer generation in an interval", ACM TOMACS 2019,
 * Algorithm 5: the high word of x * n is uniform on [0, n) once the few x
 * whose low word falls below 2^64 mod n are rejected.  n = 0 returns 0.
 */
uint64_t hl_rng_below(HlRng *r, uint64_t n)
{
    uint64_t hi, lo;
    if (n == 0)
        return 0;
    mul128(hl_rng_next(r), n, &hi, &lo);
    if (lo < n) {
        const uint64_t threshold = (0 - n) % n;     /* 2^64 mod n */
        while (lo < threshold)
            mul128(hl_rng_next(r), n, &hi, &lo);
    }
    return hi;
}

/* Marsaglia & Bray 1964, the polar method: two normals per accepted point,
 * the second kept for the next call. */
double hl_rng_normal(HlRng *r)
{
    double u, v, q;
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    do {
        u = 2.0 * hl_rng_uniform(r) - 1.0;
        v = 2.0 * hl_rng_uniform(r) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    q = sqrt(-2.0 * log(q) / q);
    r->spare = v * q;
    r->has_spare = 1;
    return u * q;
}

/*
 * log of a Gamma(shape, 1) draw.  Marsaglia & Tsang, "A simple method for
 * generating gamma variables", ACM TOMS 2000: for shape >= 1 squeeze and
 * reject on d v with v = (1 + c x)^3, x normal; for shape < 1 draw
 * Gamma(shape + 1) and multiply by U^(1/shape) (their Section 6).  Working
 * in logs keeps tiny shapes (Dirichlet alpha = 0.01) from underflowing to
 * an all-zero vector.
 */
static double log_gamma_draw(HlRng *r, double shape)
{
    double boost = 0.0;
    if (shape < 1.0) {
        double u = 1.0 - hl_rng_uniform(r);     /* (0, 1]: log is finite */
        boost = log(u) / shape;
        shape += 1.0;
    }
    const double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = hl_rng_normal(r), v = 1.0 + c * x;
        if (v <= 0.0)
            continue;
        v = v * v * v;
        double u = hl_rng_uniform(r), x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2 || log(u) < 0.5 * x2 + d * (1.0 - v + log(v)))
            return log(d) + log(v) + boost;
    }
}

/* shape must be > 0 (options check it); otherwise 0 is returned. */
double hl_rng_gamma(HlRng *r, double shape)
{
    if (!(shape > 0.0))
        return 0.0;
    return exp(log_gamma_draw(r, shape));
}

/* Dirichlet(alpha, ..., alpha) as k normalized Gamma(alpha) draws, the
 * normalization done in logs (max subtracted) so it never divides by 0.
 * alpha <= 0 gives the uniform point 1/k. */
void hl_rng_dirichlet(HlRng *r, double alpha, double *out, int k)
{
    double max = -INFINITY, sum = 0.0;
    if (k <= 0)
        return;
    if (!(alpha > 0.0)) {
        for (int i = 0; i < k; i++)
            out[i] = 1.0 / k;
        return;
    }
    for (int i = 0; i < k; i++) {
        out[i] = log_gamma_draw(r, alpha);
        if (out[i] > max)
            max = out[i];
    }
    for (int i = 0; i < k; i++) {
        out[i] = exp(out[i] - max);
        sum += out[i];
    }
    for (int i = 0; i < k; i++)
        out[i] /= sum;
}

/* Fisher-Yates as Durstenfeld wrote it (CACM 1964, Algorithm 235). */
void hl_rng_shuffle(HlRng *r, uint32_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)hl_rng_below(r, i);
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
