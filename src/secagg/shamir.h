/*
 * shamir.h - Shamir t-of-n secret sharing over GF(p), p = 2^61 - 1
 * (Shamir 1979, "How to share a secret", CACM 22(11)).
 *
 * A secret of k field elements is shared with k independent polynomials of
 * degree t - 1 whose constant terms are the secret and whose other
 * coefficients are uniform in GF(p), drawn from OpenSSL's CSPRNG
 * (RAND_bytes, rejection sampling: no bias).  Share i is the evaluations at
 * x = i + 1, i = 0..n-1 (the node index plus one: x = 0 would be the
 * secret).  Any t shares give the secret back by Lagrange interpolation at
 * 0; t - 1 shares or fewer are uniformly distributed whatever the secret
 * (they reveal nothing), and reconstruction from them is refused.
 *
 * Why p = 2^61 - 1: a Mersenne prime, so a product of two elements (< 2^122,
 * one 64x64 -> 128-bit multiplication) reduces with a shift, a mask and one
 * conditional subtraction (no division); an element fits a uint64_t and
 * carries 7 whole bytes of a byte secret (2^56 < p), so a 32-byte key or
 * seed is 5 elements.  The field only has to exceed the number of shares
 * (x = 1..n distinct and nonzero), which it does by far.
 *
 * What it does not do: verify shares (no commitments, Feldman/Pedersen);
 * combine() uses the first t shares it is given and ignores the rest.  A
 * wrong share gives a wrong secret; hl_shamir_unpack() catches most of
 * those for byte secrets (an element >= 2^56 cannot come from pack()).
 *
 * No global state; every function is reentrant.
 */
#ifndef HL_SHAMIR_H
#define HL_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HL_SHAMIR_P ((UINT64_C(1) << 61) - 1)
#define HL_SHAMIR_CHUNK_BYTES 7         /* bytes of a byte secret per element */
/* Field elements that carry len bytes. */
#define HL_SHAMIR_CHUNKS(len) (((len) + HL_SHAMIR_CHUNK_BYTES - 1) / HL_SHAMIR_CHUNK_BYTES)
/* Most shares: x = 1..n must stay distinct, and n * k products must fit. */
#define HL_SHAMIR_MAX_SHARES 65536

/* Field arithmetic on canonical elements (< p). */
static inline uint64_t hl_gf_add(uint64_t a, uint64_t b)
{
    uint64_t r = a + b;
    return r >= HL_SHAMIR_P ? r - HL_SHAMIR_P : r;
}

static inline uint64_t hl_gf_sub(uint64_t a, uint64_t b)
{
    return a >= b ? a - b : a + HL_SHAMIR_P - b;
}

/* a * b mod p: with z = hi * 2^61 + lo, z = hi + lo (mod p) since
 * 2^61 = 1; a, b < p gives hi <= 2^61 - 2, so one subtraction suffices. */
static inline uint64_t hl_gf_mul(uint64_t a, uint64_t b)
{
    unsigned __int128 z = (unsigned __int128)a * b;
    uint64_t r = ((uint64_t)z & HL_SHAMIR_P) + (uint64_t)(z >> 61);
    return r >= HL_SHAMIR_P ? r - HL_SHAMIR_P : r;
}

/* a^-1 mod p (Fermat: a^(p-2)); a must be nonzero. */
uint64_t hl_gf_inv(uint64_t a);

/* k uniform elements of GF(p) from RAND_bytes into out.  Returns 0, or -1
 * when the CSPRNG fails. */
int hl_gf_random(uint64_t *out, size_t k);

/* f(x) for f = coef[0] + coef[1] x + ... + coef[t-1] x^(t-1) (Horner). */
uint64_t hl_shamir_eval(const uint64_t *coef, int t, uint64_t x);

/* Shares the secret secret[0..k) (each element < p) t-of-n: shares gets
 * n * k elements, share i (x = i + 1) at shares[i*k .. i*k + k).
 * 1 <= t <= n <= HL_SHAMIR_MAX_SHARES.  Returns HELIOS_OK, or an error
 * code with err filled (bad t or n, an element >= p, CSPRNG failure,
 * out of memory); shares is then unspecified. */
int hl_shamir_split(const uint64_t *secret, int k, int t, int n, uint64_t *shares, hl_err *err);

/* The same at chosen points: share i is the evaluations at xs[i], xs[0..m)
 * strictly increasing, nonzero, below p (else an error), 1 <= t <= m <=
 * HL_SHAMIR_MAX_SHARES; shares gets m * k elements.  All k polynomials are
 * evaluated together at each point (k independent Horner chains: several
 * times faster than one secret element at a time). */
int hl_shamir_split_at(const uint64_t *secret, int k, int t, const uint64_t *xs, int m,
                       uint64_t *shares, hl_err *err);

/* The Lagrange coefficients at 0 of the points xs[0..m): lambda[i] =
 * prod_{j != i} x_j / (x_j - x_i), so that f(0) = sum_i lambda[i] f(x_i)
 * for every f of degree < m.  The xs must be distinct, nonzero and < p
 * (else an error, lambda unspecified).  Worth computing once when many
 * secrets are rebuilt from the same holders. */
int hl_shamir_lagrange(const uint64_t *xs, int m, uint64_t *lambda, hl_err *err);

/* secret[c] = sum_i lambda[i] * ys[i*k + c], c < k: the interpolation
 * with coefficients from hl_shamir_lagrange(). */
void hl_shamir_interpolate(const uint64_t *lambda, const uint64_t *ys, int m, int k,
                           uint64_t *secret);

/* Rebuilds a k-element secret from m shares: xs[i] and ys[i*k .. i*k+k).
 * Uses the first t; fewer than t shares is an error ("needs t shares, got
 * m"), as are duplicate or zero xs and t < 1.  On error secret is
 * untouched. */
int hl_shamir_combine(const uint64_t *xs, const uint64_t *ys, int m, int t, int k,
                      uint64_t *secret, hl_err *err);

/* Byte secrets: len bytes into HL_SHAMIR_CHUNKS(len) elements, 7 bytes
 * each, little-endian (the last may be shorter), and back.  unpack()
 * returns -1 (bytes unspecified) when an element could not come from
 * pack(): >= 2^56, or wider than the last chunk. */
void hl_shamir_pack(const uint8_t *bytes, size_t len, uint64_t *fe);
int hl_shamir_unpack(const uint64_t *fe, size_t len, uint8_t *bytes);

#endif
