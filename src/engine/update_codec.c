/*
 * update_codec.c - see update_codec.h: top-k selection, stochastic
 * quantization, little-endian packing, and the checks of a peer's code.
 */
#include "update_codec.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"

/* L = 2^(bits-1) - 1: the largest |q| (127, 32767).  The integer -2^(bits-1)
 * is never produced, so the range is symmetric and rounding unbiased at both
 * ends. */
static int level_max(int bits)
{
    return (1 << (bits - 1)) - 1;
}

static int bits_ok(int bits)
{
    return bits == 8 || bits == 16 || bits == 32;
}

/* ---- little-endian packing --------------------------------------------- */

/* Through unsigned arithmetic (conversion to uintN_t is modulo 2^N), so
 * the bytes are the same on any host. */
static void put_q(uint8_t *q, int bits, int j, int v)
{
    if (bits == 8) {
        q[j] = (uint8_t)v;
    } else {
        uint16_t u = (uint16_t)v;
        q[2 * j] = (uint8_t)(u & 0xffu);
        q[2 * j + 1] = (uint8_t)(u >> 8);
    }
}

static int get_q(const uint8_t *q, int bits, int j)
{
    if (bits == 8)
        return q[j] >= 0x80u ? (int)q[j] - 0x100 : (int)q[j];
    unsigned u = (unsigned)q[2 * j] | (unsigned)q[2 * j + 1] << 8;
    return u >= 0x8000u ? (int)u - 0x10000 : (int)u;
}

/* ---- top-k selection --------------------------------------------------- */

static int cmp_double(const void *x, const void *y)
{
    const double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median3(double a, double b, double c)
{
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    return c < a ? a : c > b ? b : c;
}

static void swap_d(double *v, size_t i, size_t j)
{
    double t = v[i];
    v[i] = v[j];
    v[j] = t;
}

/*
 * The r-th smallest of v[0..n) (r < n, no NaN), permuting v.  Hoare's FIND
 * (quickselect, CACM 4(7), 1961) with a median-of-three pivot and
 * Dijkstra's three-way "Dutch national flag" partition (A Discipline of
 * Programming, 1976, ch. 14), so a run of equal values - the zeros of a
 * sparse update - is settled in one pass.  Expected O(n); should the pivots
 * keep being poor, after ~2 log2 n rounds what is left is sorted instead
 * (Musser 1997, "Introspective Sorting and Selection Algorithms"), which
 * bounds the worst case at O(n log n).
 */
static double select_rank(double *v, size_t n, size_t r)
{
    size_t lo = 0, hi = n;      /* the answer is in v[lo..hi) */
    int budget = 8;
    for (size_t m = n; m > 1; m >>= 1)
        budget += 2;
    while (hi - lo > 1) {
        if (budget-- == 0) {
            qsort(v + lo, hi - lo, sizeof *v, cmp_double);
            return v[r];
        }
        const double x = median3(v[lo], v[lo + (hi - lo) / 2], v[hi - 1]);
        size_t lt = lo, i = lo, gt = hi;    /* [lo,lt) < x, [lt,i) == x, [gt,hi) > x */
        while (i < gt) {
            if (v[i] < x)
                swap_d(v, lt++, i++);
            else if (v[i] > x)
                swap_d(v, i, --gt);
            else
                i++;
        }
        if (r < lt)
            hi = lt;
        else if (r >= gt)
            lo = gt;
        else
            return x;
    }
    return v[lo];
}

/*
 * idx[0..k) <- the indices of the k largest |a_i| in ascending order, ties
 * to the lower index (0 < k < p).  t, the k-th largest |a_i|, splits them:
 * every |a_i| > t is kept (fewer than k of them), and the rest of the k are
 * the first indices with |a_i| == t.  mag is scratch of p doubles.
 */
static void top_k(const double *a, int p, int k, double *mag, uint32_t *idx)
{
    for (int i = 0; i < p; i++)
        mag[i] = fabs(a[i]);
    const double t = select_rank(mag, (size_t)p, (size_t)(p - k));
    int above = 0;
    for (int i = 0; i < p; i++)
        above += fabs(a[i]) > t;
    int ties = k - above, n = 0;
    for (int i = 0; i < p; i++) {
        const double m = fabs(a[i]);
        if (m > t) {
            idx[n++] = (uint32_t)i;
        } else if (m == t && ties > 0) {
            idx[n++] = (uint32_t)i;
            ties--;
        }
    }
}

/* ---- quantization -------------------------------------------------------- */

/*
 * q_j = clamp(floor(v_j / scale + u_j), -L, L), one u_j a value, drawn
 * even when scale is 0 so that the stream advances the same way for any
 * values (Alistarh et al. 2017, Sec. 3.1: rounding up with probability
 * equal to the fractional part makes E[scale q_j] = v_j).  The clamp only
 * catches the last bit of v / scale for the largest |v|.  Returns scale.
 */
static double quantize(const double *v, int n, int bits, HlRng *rng, uint8_t *q)
{
    const int L = level_max(bits);
    double m = 0.0;
    for (int j = 0; j < n; j++)
        if (fabs(v[j]) > m)
            m = fabs(v[j]);
    const double scale = m / L;     /* 0 also when m / L underflows */
    for (int j = 0; j < n; j++) {
        const double u = hl_rng_uniform(rng);
        double t = 0.0;
        if (scale > 0.0) {
            const double x = v[j] / scale;
            t = floor(x + u);
            /* x + u rounds to x + 1 when x is an integer and u is within
             * 2^-53 of 1; that would break |error| < scale */
            if (t - x >= 1.0)
                t -= 1.0;
            t = t > L ? L : t < -L ? -L : t;
        }
        put_q(q, bits, j, (int)t);
    }
    return scale;
}

/* ---- encode -------------------------------------------------------------- */

static int check_codec(int p, const HlUpdateCodec *c, HlRng *rng, hl_err *err)
{
    if (p < 0)
        return hl_err_set(err, HELIOS_ERROR, -1, "update codec: vector length %d is negative", p);
    if (!bits_ok(c->bits))
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update codec: bits must be 8, 16 or 32, not %d", c->bits);
    if (!(c->sparsity >= 0.0 && c->sparsity < 1.0))
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update codec: sparsity must be in [0, 1), not %g", c->sparsity);
    if (c->bits != 32 && !rng)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update codec: %d-bit rounding needs a random stream", c->bits);
    return HELIOS_OK;
}

/* k = max(1, p - floor(sparsity p)), 0 for p = 0. */
static int sent_count(int p, double sparsity)
{
    if (p == 0)
        return 0;
    const double drop = floor(sparsity * p);
    const int k = p - (int)(drop < p ? drop : p);
    return k > 1 ? k : 1;
}

int hl_update_encode(const double *delta, int p, const HlUpdateCodec *c, double *residual,
                     HlRng *rng, HlUpdateCode *out, hl_err *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!out || !c || (p > 0 && !delta))
        return hl_err_set(err, HELIOS_ERROR, -1, "update codec: no update, codec or output");
    int rc = check_codec(p, c, rng, err);
    if (rc != HELIOS_OK)
        return rc;
    for (int i = 0; i < p; i++)
        if (!isfinite(delta[i] + (residual ? residual[i] : 0.0)))
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "update codec: value %d of the update%s is not finite", i,
                              residual ? " plus its residual" : "");

    /* p > 0 gives k >= 1, so a sparse code (k < p) has values too */
    const int k = sent_count(p, c->sparsity), sparse = k < p, quant = c->bits != 32;
    double *mag = sparse ? malloc((size_t)p * sizeof *mag) : NULL;
    double *v = k > 0 ? malloc((size_t)k * sizeof *v) : NULL;
    if (sparse)
        out->idx = malloc((size_t)k * sizeof *out->idx);
    if (k > 0 && quant)
        out->q = malloc((size_t)k * (size_t)(c->bits / 8));
    if ((sparse && (!mag || !out->idx)) || (k > 0 && (!v || (quant && !out->q)))) {
        free(mag);
        free(v);
        hl_update_code_clear(out);
        return hl_err_set(err, HELIOS_NOMEM, -1, "update codec: out of memory for %d values", p);
    }

    /* Nothing can fail from here: commit a = delta + residual in place. */
    const double *a = delta;
    if (residual) {
        for (int i = 0; i < p; i++)
            residual[i] += delta[i];
        a = residual;
    }
    if (out->idx) {
        top_k(a, p, k, mag, out->idx);
        for (int j = 0; j < k; j++)
            v[j] = a[out->idx[j]];
    } else if (k > 0) {
        memcpy(v, a, (size_t)k * sizeof *v);
    }
    free(mag);
    out->p = p;
    out->nnz = k;
    out->bits = c->bits;
    if (quant) {
        out->scale = quantize(v, k, c->bits, rng, out->q);
    } else {
        out->d = v;     /* sent exactly */
        v = NULL;
    }

    /* residual = a - decode(out): a where nothing was sent (already there),
     * the rounding error where something was. */
    if (residual) {
        for (int j = 0; j < k; j++) {
            const int i = out->idx ? (int)out->idx[j] : j;
            residual[i] -= out->d ? out->d[j] : out->scale * get_q(out->q, out->bits, j);
        }
    }
    free(v);
    return HELIOS_OK;
}

/* ---- decode -------------------------------------------------------------- */

static int check_indices(const HlUpdateCode *c, hl_err *err)
{
    if (c->nnz == c->p && c->idx)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "a dense update (%d of %d values) carries indices", c->nnz, c->p);
    if (c->nnz < c->p && !c->idx)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "a sparse update (%d of %d values) has no indices", c->nnz, c->p);
    for (int j = 0; c->idx && j < c->nnz; j++) {
        if (c->idx[j] >= (uint32_t)c->p)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "update index %u at position %d is out of range (the vector has %d values)",
                              (unsigned)c->idx[j], j, c->p);
        if (j > 0 && c->idx[j] <= c->idx[j - 1])
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "update indices are not strictly ascending: %u after %u at position %d",
                              (unsigned)c->idx[j], (unsigned)c->idx[j - 1], j);
    }
    return HELIOS_OK;
}

static int check_values(const HlUpdateCode *c, hl_err *err)
{
    if (!(isfinite(c->scale) && c->scale >= 0.0))
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update scale %g is not a finite number >= 0", c->scale);
    if (c->bits == 32) {
        if (c->q)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "update has 32-bit values but carries quantized ones");
        if (c->nnz > 0 && !c->d)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "update sends %d values but carries no 32-bit values", c->nnz);
        for (int j = 0; j < c->nnz; j++)
            if (!isfinite(c->d[j]))
                return hl_err_set(err, HELIOS_ERROR, -1,
                                  "update value at position %d is not finite", j);
        return HELIOS_OK;
    }
    const int L = level_max(c->bits);
    if (c->scale > DBL_MAX / L)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update scale %g overflows at %d levels", c->scale, L);
    if (c->d)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update has %d-bit values but carries doubles", c->bits);
    if (c->nnz > 0 && !c->q)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update sends %d values but carries no %d-bit values", c->nnz, c->bits);
    for (int j = 0; j < c->nnz; j++) {
        const int v = get_q(c->q, c->bits, j);
        if (v < -L)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "update value %d at position %d is outside [-%d, %d]", v, j, L, L);
    }
    return HELIOS_OK;
}

int hl_update_decode(const HlUpdateCode *c, int expected_p, double *delta, hl_err *err)
{
    if (!c || expected_p < 0 || (expected_p > 0 && !delta))
        return hl_err_set(err, HELIOS_ERROR, -1, "update decode: no code or no room for it");
    if (c->p != expected_p)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update has %d values, expected %d", c->p, expected_p);
    if (c->nnz < 0 || c->nnz > c->p)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update sends %d values of a vector of %d", c->nnz, c->p);
    if (!bits_ok(c->bits))
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "update values have %d bits, expected 8, 16 or 32", c->bits);
    int rc = check_indices(c, err);
    if (rc == HELIOS_OK)
        rc = check_values(c, err);
    if (rc != HELIOS_OK)
        return rc;

    /* Checked: nothing below can fail, so delta is written only now. */
    for (int i = 0; i < c->p; i++)
        delta[i] = 0.0;
    for (int j = 0; j < c->nnz; j++) {
        const int i = c->idx ? (int)c->idx[j] : j;
        delta[i] = c->bits == 32 ? c->d[j] : c->scale * get_q(c->q, c->bits, j);
    }
    return HELIOS_OK;
}

void hl_update_code_clear(HlUpdateCode *c)
{
    if (!c)
        return;
    free(c->idx);
    free(c->q);
    free(c->d);
    memset(c, 0, sizeof *c);
}

size_t hl_update_code_bytes(const HlUpdateCode *c)
{
    if (!c)
        return 0;
    const size_t nnz = c->nnz > 0 ? (size_t)c->nnz : 0;
    size_t n = nnz * (c->bits == 32 ? sizeof(double) : (size_t)(c->bits / 8));
    if (c->idx)
        n += 4 * nnz;
    if (c->bits == 8 || c->bits == 16)
        n += 8;
    return n;
}
