/* shamir.c - see shamir.h. */
#include "shamir.h"
#include "helios.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

uint64_t hl_gf_inv(uint64_t a)
{
    uint64_t e = HL_SHAMIR_P - 2, r = 1;
    while (e) {
        if (e & 1)
            r = hl_gf_mul(r, a);
        a = hl_gf_mul(a, a);
        e >>= 1;
    }
    return r;
}

/* Rejection sampling: 61 uniform bits are uniform on [0, 2^61 - 1]; the one
 * value that is not a canonical element (p itself) is redrawn, so what is
 * kept is uniform on [0, p). */
int hl_gf_random(uint64_t *out, size_t k)
{
    if (k == 0)
        return 0;
    if (k > SIZE_MAX / sizeof *out || RAND_bytes((unsigned char *)out, (int)(k * sizeof *out)) != 1)
        return -1;
    for (size_t i = 0; i < k; i++) {
        out[i] &= HL_SHAMIR_P;
        while (out[i] == HL_SHAMIR_P) {
            if (RAND_bytes((unsigned char *)&out[i], sizeof out[i]) != 1)
                return -1;
            out[i] &= HL_SHAMIR_P;
        }
    }
    return 0;
}

uint64_t hl_shamir_eval(const uint64_t *coef, int t, uint64_t x)
{
    uint64_t r = 0;
    for (int i = t - 1; i >= 0; i--)
        r = hl_gf_add(hl_gf_mul(r, x), coef[i]);
    return r;
}

int hl_shamir_split_at(const uint64_t *secret, int k, int t, const uint64_t *xs, int m,
                       uint64_t *shares, hl_err *err)
{
    if (k < 1 || t < 1 || t > m || m > HL_SHAMIR_MAX_SHARES)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "Shamir sharing needs 1 <= t <= n <= %d and a secret, got t=%d, n=%d, "
                          "%d elements", HL_SHAMIR_MAX_SHARES, t, m, k);
    for (int c = 0; c < k; c++)
        if (secret[c] >= HL_SHAMIR_P)
            return hl_err_set(err, HELIOS_MISUSE, -1,
                              "Shamir secret element %d is not below the field prime", c);
    for (int i = 0; i < m; i++)
        if (xs[i] == 0 || xs[i] >= HL_SHAMIR_P || (i > 0 && xs[i] <= xs[i - 1]))
            return hl_err_set(err, HELIOS_MISUSE, -1,
                              "Shamir sharing at x = %llu: the points must increase, in 1..p-1",
                              (unsigned long long)xs[i]);
    /* coef[d * k + c]: the degree-d coefficient of element c's polynomial. */
    size_t nc = (size_t)t * (size_t)k;
    uint64_t *coef = malloc(nc * sizeof *coef);
    if (!coef)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    int rc = HELIOS_OK;
    memcpy(coef, secret, (size_t)k * sizeof *coef);
    if (hl_gf_random(coef + k, nc - (size_t)k) != 0)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the random generator (RAND_bytes) failed");
    /* Points below 2^16 (node indexes): lazy reduction.  With r < 2^63
     * and x < 2^16, z = r x < 2^79 and (z & p) + (z >> 61) < 2^61 + 2^18
     * is z mod p up to a multiple of p; adding a coefficient (< p) keeps
     * r < 2^63, so the Horner steps skip the conditional subtractions and
     * one reduction at the end makes r canonical. */
    int small = xs[m - 1] < (UINT64_C(1) << 16);
    for (int i = 0; i < m && rc == HELIOS_OK; i++) {
        uint64_t *row = shares + (size_t)i * (size_t)k, x = xs[i];
        memcpy(row, coef + (size_t)(t - 1) * (size_t)k, (size_t)k * sizeof *row);
        if (small) {
            for (int d = t - 2; d >= 0; d--) {
                const uint64_t *cd = coef + (size_t)d * (size_t)k;
                for (int c = 0; c < k; c++) {
                    unsigned __int128 z = (unsigned __int128)row[c] * x;
                    row[c] = ((uint64_t)z & HL_SHAMIR_P) + (uint64_t)(z >> 61) + cd[c];
                }
            }
            for (int c = 0; c < k; c++) {
                uint64_t r = (row[c] & HL_SHAMIR_P) + (row[c] >> 61);
                row[c] = r >= HL_SHAMIR_P ? r - HL_SHAMIR_P : r;
            }
        } else {
            for (int d = t - 2; d >= 0; d--) {
                const uint64_t *cd = coef + (size_t)d * (size_t)k;
                for (int c = 0; c < k; c++)
                    row[c] = hl_gf_add(hl_gf_mul(row[c], x), cd[c]);
            }
        }
    }
    OPENSSL_cleanse(coef, nc * sizeof *coef);
    free(coef);
    return rc;
}

int hl_shamir_split(const uint64_t *secret, int k, int t, int n, uint64_t *shares, hl_err *err)
{
    if (n < 1 || n > HL_SHAMIR_MAX_SHARES)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "Shamir sharing needs 1 <= t <= n <= %d and a secret, got t=%d, n=%d, "
                          "%d elements", HL_SHAMIR_MAX_SHARES, t, n, k);
    uint64_t *xs = malloc((size_t)n * sizeof *xs);
    if (!xs)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int i = 0; i < n; i++)
        xs[i] = (uint64_t)i + 1;
    int rc = hl_shamir_split_at(secret, k, t, xs, n, shares, err);
    free(xs);
    return rc;
}

int hl_shamir_lagrange(const uint64_t *xs, int m, uint64_t *lambda, hl_err *err)
{
    for (int i = 0; i < m; i++) {
        if (xs[i] == 0 || xs[i] >= HL_SHAMIR_P)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "Shamir share %d has x = %llu: x must be in 1..p-1", i,
                              (unsigned long long)xs[i]);
        for (int j = 0; j < i; j++)
            if (xs[j] == xs[i])
                return hl_err_set(err, HELIOS_ERROR, -1,
                                  "two Shamir shares have the same x = %llu",
                                  (unsigned long long)xs[i]);
    }
    /* lambda_i = prod x_j / prod (x_j - x_i): one inversion each, O(m^2)
     * products; m is at most the threshold. */
    for (int i = 0; i < m; i++) {
        uint64_t num = 1, den = 1;
        for (int j = 0; j < m; j++) {
            if (j == i)
                continue;
            num = hl_gf_mul(num, xs[j]);
            den = hl_gf_mul(den, hl_gf_sub(xs[j], xs[i]));
        }
        lambda[i] = hl_gf_mul(num, hl_gf_inv(den));
    }
    return HELIOS_OK;
}

void hl_shamir_interpolate(const uint64_t *lambda, const uint64_t *ys, int m, int k,
                           uint64_t *secret)
{
    for (int c = 0; c < k; c++) {
        uint64_t s = 0;
        for (int i = 0; i < m; i++)
            s = hl_gf_add(s, hl_gf_mul(lambda[i], ys[(size_t)i * (size_t)k + (size_t)c]));
        secret[c] = s;
    }
}

int hl_shamir_combine(const uint64_t *xs, const uint64_t *ys, int m, int t, int k,
                      uint64_t *secret, hl_err *err)
{
    if (t < 1 || k < 1 || t > HL_SHAMIR_MAX_SHARES)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "Shamir reconstruction needs t >= 1 and a secret, got t=%d, %d elements",
                          t, k);
    if (m < t)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "Shamir reconstruction needs t=%d shares, got %d", t, m);
    for (int i = 0; i < t; i++)
        for (int c = 0; c < k; c++)
            if (ys[(size_t)i * (size_t)k + (size_t)c] >= HL_SHAMIR_P)
                return hl_err_set(err, HELIOS_ERROR, -1,
                                  "Shamir share %d holds a value that is not a field element", i);
    uint64_t *lambda = malloc((size_t)t * sizeof *lambda);
    if (!lambda)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    int rc = hl_shamir_lagrange(xs, t, lambda, err);
    if (rc == HELIOS_OK)
        hl_shamir_interpolate(lambda, ys, t, k, secret);
    free(lambda);
    return rc;
}

void hl_shamir_pack(const uint8_t *bytes, size_t len, uint64_t *fe)
{
    for (size_t c = 0; c * HL_SHAMIR_CHUNK_BYTES < len; c++) {
        uint64_t v = 0;
        size_t off = c * HL_SHAMIR_CHUNK_BYTES;
        for (size_t b = 0; b < HL_SHAMIR_CHUNK_BYTES && off + b < len; b++)
            v |= (uint64_t)bytes[off + b] << (8 * b);
        fe[c] = v;
    }
}

int hl_shamir_unpack(const uint64_t *fe, size_t len, uint8_t *bytes)
{
    for (size_t c = 0; c * HL_SHAMIR_CHUNK_BYTES < len; c++) {
        size_t off = c * HL_SHAMIR_CHUNK_BYTES;
        size_t w = len - off < HL_SHAMIR_CHUNK_BYTES ? len - off : HL_SHAMIR_CHUNK_BYTES;
        if (fe[c] >> (8 * w))
            return -1;
        for (size_t b = 0; b < w; b++)
            bytes[off + b] = (uint8_t)(fe[c] >> (8 * b));
    }
    return 0;
}
