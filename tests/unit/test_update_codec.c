/*
 * test_update_codec.c - compressing a node's update (src/engine/
 * update_codec.c): stochastic rounding against floor(x + u) recomputed
 * here from a copy of the same stream, the little-endian bytes by hand,
 * top-k against a full sort by (|a| descending, index ascending), the
 * rounding's mean against its Bernoulli standard error, the error bound,
 * error feedback's conservation over 50 rounds, payload sizes, and the
 * decoder's refusal of each malformed field with its message.
 */
#include "unit.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "helios.h"
#include "update_codec.h"

/* ---- helpers: a second reading of the format ---------------------------- */

/* The j-th value of c as the format describes it, read here byte by byte. */
static long q_at(const HlUpdateCode *c, int j)
{
    if (c->bits == 8)
        return c->q[j] < 128 ? c->q[j] : (long)c->q[j] - 256;
    long u = c->q[2 * j] + 256L * c->q[2 * j + 1];
    return u < 32768 ? u : u - 65536;
}

/* The value the code gives index i (0 where nothing was sent). */
static double value_at(const HlUpdateCode *c, int i)
{
    for (int j = 0; j < c->nnz; j++) {
        int at = c->idx ? (int)c->idx[j] : j;
        if (at == i)
            return c->bits == 32 ? c->d[j] : c->scale * (double)q_at(c, j);
    }
    return 0.0;
}

/* floor(x + u) clamped to [-L, L]: the rounding rule as the paper states it. */
static long rounded(double x, double u, long L)
{
    double t = floor(x + u);
    return t > L ? L : t < -L ? -L : (long)t;
}

static double normal(HlRng *r)
{
    return hl_rng_normal(r);
}

static int encode(const double *a, int p, int bits, double sparsity, double *res, HlRng *r,
                  HlUpdateCode *out)
{
    HlUpdateCodec c = { bits, sparsity };
    hl_err e;
    hl_err_clear(&e);
    int rc = hl_update_encode(a, p, &c, res, r, out, &e);
    if (rc)
        fprintf(stderr, "encode: %s\n", e.msg);
    return rc;
}

/* ---- hand-computed cases -------------------------------------------------- */

/*
 * a = (0.5, -1, 0.25, 0) at 8 bits: scale = 1/127, so a / scale =
 * (63.5, -127, 31.75, 0).  With u_i the stream's first four uniforms, q_i =
 * floor(x_i + u_i): q_1 = -127 always (byte 0x81), q_3 = 0 always, q_0 is
 * 63 or 64, q_2 is 31 or 32.  Exactly four draws are taken.
 */
static void test_hand_8bit(void)
{
    const double a[4] = { 0.5, -1.0, 0.25, 0.0 }, x[4] = { 63.5, -127, 31.75, 0 };
    HlRng r, copy;
    HlUpdateCode c;
    hl_rng_seed(&r, 7, 1, 2, HL_RNG_QUANT);
    copy = r;
    CHECK_INT(encode(a, 4, 8, 0.0, NULL, &r, &c), HELIOS_OK);
    CHECK_INT(c.p, 4);
    CHECK_INT(c.nnz, 4);
    CHECK(c.idx == NULL && c.d == NULL && c.q != NULL);
    CHECK_INT(c.bits, 8);
    CHECK_NEAR(c.scale, 1.0 / 127, 0);
    for (int i = 0; i < 4; i++)
        CHECK_INT(q_at(&c, i), rounded(x[i], hl_rng_uniform(&copy), 127));
    CHECK_INT(c.q[1], 0x81);
    CHECK_INT(c.q[3], 0);
    CHECK(q_at(&c, 0) == 63 || q_at(&c, 0) == 64);
    CHECK(q_at(&c, 2) == 31 || q_at(&c, 2) == 32);
    CHECK(hl_rng_next(&r) == hl_rng_next(&copy));
    hl_update_code_clear(&c);
    CHECK(c.q == NULL && c.nnz == 0);
    hl_update_code_clear(NULL);
}

/*
 * a = (3, -0.5, -3, 1) at 16 bits: scale = 3/32767; 3 -> 32767, bytes
 * ff 7f; -3 -> -32767, bytes 01 80 (two's complement 0x8001, low byte
 * first); -0.5 -> floor(-5461.17 + u), one of -5462 (0xeaaa) or -5461
 * (0xeaab).
 */
static void test_hand_16bit(void)
{
    const double a[4] = { 3.0, -0.5, -3.0, 1.0 };
    HlRng r, copy;
    HlUpdateCode c;
    hl_rng_seed(&r, 8, 0, 0, HL_RNG_QUANT);
    copy = r;
    CHECK_INT(encode(a, 4, 16, 0.0, NULL, &r, &c), HELIOS_OK);
    CHECK_NEAR(c.scale, 3.0 / 32767, 0);
    CHECK(c.q[0] == 0xff && c.q[1] == 0x7f);
    CHECK(c.q[4] == 0x01 && c.q[5] == 0x80);
    CHECK(c.q[3] == 0xea);
    CHECK(c.q[2] == 0xaa || c.q[2] == 0xab);
    for (int i = 0; i < 4; i++)
        CHECK_INT(q_at(&c, i), rounded(a[i] / c.scale, hl_rng_uniform(&copy), 32767));
    hl_update_code_clear(&c);
}

/*
 * |a| = (1, 3, 2, 2, 3, 0, 2): the order is index 1, 4 (the 3s, lower
 * index first), then 2, 3, 6 (the 2s).  k = 7 - floor(0.45 * 7) = 4 keeps
 * {1, 2, 3, 4}; k = 7 - floor(0.6 * 7) = 3 keeps {1, 2, 4}.  Full
 * precision sends the values as they are and leaves the rest in the
 * residual.  All equal: the lowest indices.  k rounds up: 10% of 15 is 2.
 */
static void test_topk_ties(void)
{
    const double a[7] = { 1, -3, 2, -2, 3, 0, 2 };
    double res[7] = { 0 };
    HlUpdateCode c;
    CHECK_INT(encode(a, 7, 32, 0.45, res, NULL, &c), HELIOS_OK);
    CHECK_INT(c.nnz, 4);
    CHECK(c.idx && c.idx[0] == 1 && c.idx[1] == 2 && c.idx[2] == 3 && c.idx[3] == 4);
    CHECK(c.d && c.d[0] == -3 && c.d[1] == 2 && c.d[2] == -2 && c.d[3] == 3);
    CHECK(c.q == NULL);
    const double want[7] = { 1, 0, 0, 0, 0, 0, 2 };
    CHECK(memcmp(res, want, sizeof res) == 0);
    hl_update_code_clear(&c);

    CHECK_INT(encode(a, 7, 32, 0.6, NULL, NULL, &c), HELIOS_OK);
    CHECK_INT(c.nnz, 3);
    CHECK(c.idx[0] == 1 && c.idx[1] == 2 && c.idx[2] == 4);
    hl_update_code_clear(&c);

    const double same[5] = { 5, -5, 5, -5, 5 };
    CHECK_INT(encode(same, 5, 32, 0.6, NULL, NULL, &c), HELIOS_OK);
    CHECK_INT(c.nnz, 2);
    CHECK(c.idx[0] == 0 && c.idx[1] == 1);
    hl_update_code_clear(&c);

    double v[15];
    for (int i = 0; i < 15; i++)
        v[i] = i;
    CHECK_INT(encode(v, 15, 32, 0.9, NULL, NULL, &c), HELIOS_OK);
    CHECK_INT(c.nnz, 2);
    CHECK(c.idx[0] == 13 && c.idx[1] == 14);
    hl_update_code_clear(&c);
    /* 0.1 of 5 drops floor(0.5) = 0: dense, no indices */
    CHECK_INT(encode(v, 5, 32, 0.1, NULL, NULL, &c), HELIOS_OK);
    CHECK(c.nnz == 5 && c.idx == NULL);
    hl_update_code_clear(&c);
}

/* ---- top-k against a sort ------------------------------------------------ */

static const double *g_mag;

/* |a| descending, then index ascending: the order top-k promises. */
static int by_rank(const void *x, const void *y)
{
    uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    if (g_mag[i] != g_mag[j])
        return g_mag[i] > g_mag[j] ? -1 : 1;
    return (i > j) - (i < j);
}

static int ascending(const void *x, const void *y)
{
    uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    return (i > j) - (i < j);
}

enum { NP = 100000 };

/*
 * p = 100,000, sparsity 0.9: the kept indices are the first 10,000 of a
 * full sort, on vectors that are hard for a selection: few distinct
 * values (many ties, zeros), already sorted, reversed, all equal, and an
 * organ pipe.
 */
static void test_topk_large(void)
{
    double *a = malloc(NP * sizeof *a), *mag = malloc(NP * sizeof *mag);
    uint32_t *ref = malloc(NP * sizeof *ref);
    HlRng r;
    hl_rng_seed(&r, 31, 0, 0, HL_RNG_QUANT);
    for (int shape = 0; shape < 6; shape++) {
        for (int i = 0; i < NP; i++) {
            switch (shape) {
            case 0: a[i] = normal(&r); break;
            case 1: a[i] = (double)((int)hl_rng_below(&r, 7) - 3); break;
            case 2: a[i] = i; break;
            case 3: a[i] = -(double)(NP - i); break;
            case 4: a[i] = 0.5; break;
            default: a[i] = i < NP / 2 ? i : NP - i; break;
            }
            mag[i] = fabs(a[i]);
            ref[i] = (uint32_t)i;
        }
        g_mag = mag;
        qsort(ref, NP, sizeof *ref, by_rank);
        qsort(ref, NP / 10, sizeof *ref, ascending);
        HlUpdateCode c;
        CHECK_INT(encode(a, NP, 32, 0.9, NULL, NULL, &c), HELIOS_OK);
        CHECK_INT(c.nnz, NP / 10);
        CHECK(c.idx && memcmp(c.idx, ref, (NP / 10) * sizeof *ref) == 0);
        hl_update_code_clear(&c);
    }
    free(a);
    free(mag);
    free(ref);
}

/* Many small vectors of few distinct values (ties everywhere) at random
 * sparsities: the same kept set as the sort, k = max(1, p - floor(s p)). */
static void test_topk_small(void)
{
    double a[40], mag[40];
    uint32_t ref[40];
    int wrong = 0;
    HlRng r;
    hl_rng_seed(&r, 32, 0, 0, HL_RNG_QUANT);
    for (int trial = 0; trial < 3000; trial++) {
        const int p = 1 + (int)hl_rng_below(&r, 40);
        const double s = hl_rng_uniform(&r);
        int k = p - (int)floor(s * p);
        k = k < 1 ? 1 : k;
        for (int i = 0; i < p; i++) {
            a[i] = (double)((int)hl_rng_below(&r, 5) - 2);
            mag[i] = fabs(a[i]);
            ref[i] = (uint32_t)i;
        }
        g_mag = mag;
        qsort(ref, (size_t)p, sizeof *ref, by_rank);
        qsort(ref, (size_t)k, sizeof *ref, ascending);
        HlUpdateCode c;
        encode(a, p, 32, s, NULL, NULL, &c);
        if (c.nnz != k || (k < p ? !c.idx || memcmp(c.idx, ref, (size_t)k * sizeof *ref) != 0
                                 : c.idx != NULL))
            wrong++;
        hl_update_code_clear(&c);
    }
    CHECK_INT(wrong, 0);
}

/* ---- the rounding's law --------------------------------------------------- */

enum { NU = 20000 };

/*
 * Over NU encodings with different seeds the mean decoded value of each
 * coordinate is a_i within 4 standard errors: scale q_i takes the two
 * neighbouring levels with Bernoulli(f) weights, f the fractional part of
 * a_i / scale, so its sd is scale sqrt(f (1 - f)).  At f = 0 (the
 * largest |a_i|, and 0) the value is exact every time.
 */
static void test_unbiased(void)
{
    const double a[8] = { 0.37, -0.81, 1.0, 0.003, -0.5, 0.999, -0.0001, 0.25 };
    for (int bits = 8; bits <= 16; bits += 8) {
        const double L = bits == 8 ? 127 : 32767, scale = 1.0 / L;
        double sum[8] = { 0 }, out[8];
        for (int s = 0; s < NU; s++) {
            HlRng r;
            HlUpdateCode c;
            hl_err e;
            hl_err_clear(&e);
            hl_rng_seed(&r, (uint64_t)s, 3, 4, HL_RNG_QUANT);
            encode(a, 8, bits, 0.0, NULL, &r, &c);
            CHECK_INT(hl_update_decode(&c, 8, out, &e), HELIOS_OK);
            for (int i = 0; i < 8; i++)
                sum[i] += out[i];
            hl_update_code_clear(&c);
        }
        for (int i = 0; i < 8; i++) {
            const double x = a[i] / scale, f = x - floor(x);
            const double se = scale * sqrt(f * (1 - f) / NU);
            CHECK_NEAR(sum[i] / NU, a[i], 4 * se + 1e-12);
        }
    }
}

/*
 * Random vectors, 8 and 16 bits, dense and sparse: scale is max |a_i| over
 * the indices sent (recomputed here from the top-k by sort) / L; every sent
 * value is within scale of a_i, and no index outside the top-k is sent.
 */
static void test_error_bound(void)
{
    enum { P = 1000 };
    double a[P], mag[P], dec[P];
    uint32_t ref[P];
    char mark[P];
    HlRng r, data;
    hl_rng_seed(&data, 41, 0, 0, HL_RNG_INIT);
    hl_rng_seed(&r, 41, 0, 0, HL_RNG_QUANT);
    for (int trial = 0; trial < 40; trial++) {
        const int bits = trial % 2 ? 16 : 8;
        const double sparsity = trial % 4 < 2 ? 0.0 : 0.75, L = bits == 8 ? 127 : 32767;
        const double spread = exp(4 * normal(&data));
        for (int i = 0; i < P; i++) {
            a[i] = spread * normal(&data);
            mag[i] = fabs(a[i]);
            ref[i] = (uint32_t)i;
        }
        const int k = sparsity > 0 ? P / 4 : P;
        g_mag = mag;
        qsort(ref, P, sizeof *ref, by_rank);
        double m = 0.0;
        for (int j = 0; j < k; j++)
            m = fmax(m, mag[ref[j]]);
        HlUpdateCode c;
        hl_err e;
        hl_err_clear(&e);
        CHECK_INT(encode(a, P, bits, sparsity, NULL, &r, &c), HELIOS_OK);
        CHECK_INT(c.nnz, k);
        CHECK_NEAR(c.scale, m / L, 0);
        CHECK_INT(hl_update_decode(&c, P, dec, &e), HELIOS_OK);
        memset(mark, 0, sizeof mark);
        for (int j = 0; j < k; j++)
            mark[ref[j]] = 1;
        int worst = 0, outside = 0, misread = 0;
        for (int i = 0; i < P; i++) {
            misread += dec[i] != value_at(&c, i);
            if (mark[i] && !(fabs(dec[i] - a[i]) < c.scale))
                worst++;
            if (!mark[i] && dec[i] != 0.0)
                outside++;
        }
        CHECK_INT(worst, 0);
        CHECK_INT(outside, 0);
        CHECK_INT(misread, 0);
        hl_update_code_clear(&c);
    }
}

/* ---- error feedback -------------------------------------------------------- */

enum { FP = 400 };

/* sum(decoded) + residual = sum(deltas) at every index, to 1e-9 of the
 * sum of |delta| (the rounding of the running sums); the count of misses. */
static int conservation_misses(const double *sum_dec, const double *res,
                               const double *sum_delta, const double *sum_abs)
{
    int bad = 0;
    for (int i = 0; i < FP; i++)
        bad += !(fabs(sum_dec[i] + res[i] - sum_delta[i]) <= 1e-9 * sum_abs[i]);
    return bad;
}

/*
 * Stich et al. 2018: with memory nothing is lost.  Rounds of N(0, 1)
 * deltas, sparsity 0.9, 8 bits: each round the new residual is exactly
 * a - decode(code) with a = delta + old residual; after 50 rounds, and
 * again at the end, sum(decoded) + residual = sum(deltas); and every index
 * is sent eventually.  "Eventually" is not "within 50 rounds": a
 * zero-mean coordinate whose running sum wanders near 0 stays below the
 * top 10% for a while (with this stream the last goes out in round 52), so
 * the rounds go on, up to 200, until every index has been sent.
 */
static void test_error_feedback(void)
{
    double res[FP] = { 0 }, sum_dec[FP] = { 0 }, sum_delta[FP] = { 0 }, sum_abs[FP] = { 0 };
    double delta[FP], a[FP], dec[FP];
    int sent[FP] = { 0 }, exact = 1, unsent = FP;
    HlRng data;
    hl_rng_seed(&data, 51, 0, 0, HL_RNG_INIT);
    for (int t = 0; t < 200 && (t < 50 || unsent > 0); t++) {
        HlRng r;
        HlUpdateCode c;
        hl_err e;
        hl_err_clear(&e);
        hl_rng_seed(&r, 51, (uint64_t)t, 0, HL_RNG_QUANT);
        for (int i = 0; i < FP; i++) {
            delta[i] = normal(&data);
            a[i] = delta[i] + res[i];
        }
        CHECK_INT(encode(delta, FP, 8, 0.9, res, &r, &c), HELIOS_OK);
        CHECK_INT(c.nnz, FP / 10);
        CHECK_INT(hl_update_decode(&c, FP, dec, &e), HELIOS_OK);
        for (int i = 0; i < FP; i++) {
            exact &= res[i] == a[i] - dec[i];
            sum_dec[i] += dec[i];
            sum_delta[i] += delta[i];
            sum_abs[i] += fabs(delta[i]);
        }
        for (int j = 0; j < c.nnz; j++) {
            unsent -= !sent[c.idx[j]];
            sent[c.idx[j]] = 1;
        }
        hl_update_code_clear(&c);
        if (t == 49)
            CHECK_INT(conservation_misses(sum_dec, res, sum_delta, sum_abs), 0);
    }
    CHECK(exact);
    CHECK_INT(conservation_misses(sum_dec, res, sum_delta, sum_abs), 0);
    CHECK_INT(unsent, 0);
}

/* ---- sizes --------------------------------------------------------------- */

static void test_bytes(void)
{
    enum { P = 10000 };
    double *a = malloc(P * sizeof *a);
    HlRng r;
    HlUpdateCode c;
    hl_rng_seed(&r, 61, 0, 0, HL_RNG_QUANT);
    for (int i = 0; i < P; i++)
        a[i] = normal(&r);
    CHECK_INT(encode(a, P, 8, 0.0, NULL, &r, &c), HELIOS_OK);
    CHECK_INT(hl_update_code_bytes(&c), 10000 + 8);
    hl_update_code_clear(&c);
    CHECK_INT(encode(a, P, 16, 0.9, NULL, &r, &c), HELIOS_OK);
    CHECK_INT(c.nnz, 1000);
    CHECK_INT(hl_update_code_bytes(&c), 1000 * 2 + 1000 * 4 + 8);
    hl_update_code_clear(&c);
    /* full precision carries no scale */
    CHECK_INT(encode(a, P, 32, 0.0, NULL, NULL, &c), HELIOS_OK);
    CHECK_INT(hl_update_code_bytes(&c), 10000 * 8);
    hl_update_code_clear(&c);
    CHECK_INT(encode(a, P, 32, 0.9, NULL, NULL, &c), HELIOS_OK);
    CHECK_INT(hl_update_code_bytes(&c), 1000 * 8 + 1000 * 4);
    hl_update_code_clear(&c);
    CHECK_INT(hl_update_code_bytes(NULL), 0);
    free(a);
}

/* ---- decoding what a peer sent --------------------------------------------- */

/*
 * A code built by hand, not by the encoder: p = 6, indices (1, 3, 5),
 * scale 0.5, q = (2, -2, 127) -> (0, 1, 0, -1, 0, 63.5).
 */
static uint32_t g_idx[3];
static uint8_t g_q8[3];

static HlUpdateCode valid_code(void)
{
    g_idx[0] = 1; g_idx[1] = 3; g_idx[2] = 5;
    g_q8[0] = 2; g_q8[1] = 0xfe; g_q8[2] = 127;
    HlUpdateCode c = { 6, 3, g_idx, 8, 0.5, g_q8, NULL };
    return c;
}

/* Decodes c expecting p values; the message, or "" on success.  A refusal
 * must leave the output untouched. */
static const char *decode_msg(const HlUpdateCode *c, int p)
{
    static hl_err e;
    double out[8];
    for (int i = 0; i < 8; i++)
        out[i] = 42.0;
    hl_err_clear(&e);
    int rc = hl_update_decode(c, p, out, &e);
    if (rc == HELIOS_OK)
        return "";
    CHECK_INT(rc, HELIOS_ERROR);
    int kept = 1;
    for (int i = 0; i < 8; i++)
        kept &= out[i] == 42.0;
    CHECK(kept);
    return e.msg;
}

static void test_decode_valid(void)
{
    HlUpdateCode c = valid_code();
    double out[6] = { 9, 9, 9, 9, 9, 9 };
    const double want[6] = { 0, 1, 0, -1, 0, 63.5 };
    hl_err e;
    hl_err_clear(&e);
    CHECK_INT(hl_update_decode(&c, 6, out, &e), HELIOS_OK);
    CHECK(memcmp(out, want, sizeof out) == 0);

    /* 16 bits dense: 0x8001 = -32767 and 0x0100 = 256 at scale 0.25 */
    uint8_t q16[4] = { 0x01, 0x80, 0x00, 0x01 };
    HlUpdateCode d = { 2, 2, NULL, 16, 0.25, q16, NULL };
    CHECK_INT(hl_update_decode(&d, 2, out, &e), HELIOS_OK);
    CHECK(out[0] == -8191.75 && out[1] == 64.0);

    /* 32 bits sparse, and a full-precision round trip is a copy */
    double dv[2] = { -1.5, 1e-300 };
    uint32_t di[2] = { 0, 2 };
    HlUpdateCode f = { 3, 2, di, 32, 0.0, NULL, dv };
    CHECK_INT(hl_update_decode(&f, 3, out, &e), HELIOS_OK);
    CHECK(out[0] == -1.5 && out[1] == 0.0 && out[2] == 1e-300);
    const double a[5] = { 0.1, -2e-310, 3e300, -0.0, 7 };
    double res[5] = { 0 }, back[5];
    HlUpdateCode g;
    CHECK_INT(encode(a, 5, 32, 0.0, NULL, NULL, &g), HELIOS_OK);
    CHECK(g.idx == NULL && g.q == NULL && g.scale == 0.0);
    CHECK_INT(hl_update_decode(&g, 5, back, &e), HELIOS_OK);
    CHECK(memcmp(back, a, sizeof a) == 0);
    hl_update_code_clear(&g);
    /* with a (zero) residual the values are a + 0, and the residual stays 0 */
    CHECK_INT(encode(a, 5, 32, 0.0, res, NULL, &g), HELIOS_OK);
    CHECK_INT(hl_update_decode(&g, 5, back, &e), HELIOS_OK);
    for (int i = 0; i < 5; i++)
        CHECK(back[i] == a[i] && res[i] == 0.0);
    hl_update_code_clear(&g);
}

static void test_decode_hostile(void)
{
    HlUpdateCode c;
    uint32_t idx[3];
    uint8_t q[6];
    double d[3];
    c = valid_code();
    CHECK_STR(decode_msg(&c, 6), "");
    CHECK_STR(decode_msg(&c, 7), "update has 6 values, expected 7");
    c = valid_code(); c.nnz = 7;
    CHECK_STR(decode_msg(&c, 6), "update sends 7 values of a vector of 6");
    c = valid_code(); c.nnz = -1;
    CHECK_STR(decode_msg(&c, 6), "update sends -1 values of a vector of 6");
    c = valid_code(); c.bits = 12;
    CHECK_STR(decode_msg(&c, 6), "update values have 12 bits, expected 8, 16 or 32");
    idx[0] = 1; idx[1] = 5; idx[2] = 3;
    c = valid_code(); c.idx = idx;
    CHECK_STR(decode_msg(&c, 6), "update indices are not strictly ascending: 3 after 5 at position 2");
    idx[2] = 5;
    CHECK_STR(decode_msg(&c, 6), "update indices are not strictly ascending: 5 after 5 at position 2");
    idx[1] = 3; idx[2] = 6;
    CHECK_STR(decode_msg(&c, 6), "update index 6 at position 2 is out of range (the vector has 6 values)");
    c = valid_code(); c.idx = NULL;
    CHECK_STR(decode_msg(&c, 6), "a sparse update (3 of 6 values) has no indices");
    c = valid_code(); c.p = 3;
    CHECK_STR(decode_msg(&c, 3), "a dense update (3 of 3 values) carries indices");
    c = valid_code(); c.scale = NAN;
    CHECK_STR(decode_msg(&c, 6), "update scale nan is not a finite number >= 0");
    c.scale = -0.5;
    CHECK_STR(decode_msg(&c, 6), "update scale -0.5 is not a finite number >= 0");
    c.scale = INFINITY;
    CHECK_STR(decode_msg(&c, 6), "update scale inf is not a finite number >= 0");
    c.scale = DBL_MAX;
    CHECK_STR(decode_msg(&c, 6), "update scale 1.79769e+308 overflows at 127 levels");
    c = valid_code(); c.q = NULL;
    CHECK_STR(decode_msg(&c, 6), "update sends 3 values but carries no 8-bit values");
    c = valid_code(); c.d = d;
    CHECK_STR(decode_msg(&c, 6), "update has 8-bit values but carries doubles");
    q[0] = 2; q[1] = 0x80; q[2] = 0;
    c = valid_code(); c.q = q;
    CHECK_STR(decode_msg(&c, 6), "update value -128 at position 1 is outside [-127, 127]");
    q[0] = 0; q[1] = 0; q[2] = 0; q[3] = 0x80; q[4] = 0xff; q[5] = 0x7f;
    c = valid_code(); c.q = q; c.bits = 16;
    CHECK_STR(decode_msg(&c, 6), "update value -32768 at position 1 is outside [-32767, 32767]");
    d[0] = 1; d[1] = NAN; d[2] = 2;
    c = valid_code(); c.bits = 32; c.q = NULL; c.d = d; c.scale = 0;
    CHECK_STR(decode_msg(&c, 6), "update value at position 1 is not finite");
    d[1] = -INFINITY;
    CHECK_STR(decode_msg(&c, 6), "update value at position 1 is not finite");
    d[1] = 3;
    CHECK_STR(decode_msg(&c, 6), "");
    c.q = q;
    CHECK_STR(decode_msg(&c, 6), "update has 32-bit values but carries quantized ones");
    c.q = NULL;
    c.d = NULL;
    CHECK_STR(decode_msg(&c, 6), "update sends 3 values but carries no 32-bit values");
    CHECK_STR(decode_msg(NULL, 6), "update decode: no code or no room for it");
}

/* ---- edges --------------------------------------------------------------- */

/* p = 0 sends nothing and draws nothing; p = 1 always sends its value,
 * whatever the sparsity, and the largest |a| maps to exactly +-L. */
static void test_small_p(void)
{
    HlRng r, copy;
    HlUpdateCode c;
    hl_err e;
    hl_err_clear(&e);
    hl_rng_seed(&r, 71, 0, 0, HL_RNG_QUANT);
    copy = r;
    for (int bits = 8; bits <= 32; bits *= 2) {
        CHECK_INT(encode(NULL, 0, bits, 0.5, NULL, &r, &c), HELIOS_OK);
        CHECK(c.p == 0 && c.nnz == 0 && !c.idx && !c.q && !c.d && c.scale == 0.0);
        CHECK_INT(hl_update_code_bytes(&c), bits == 32 ? 0 : 8);
        CHECK_INT(hl_update_decode(&c, 0, NULL, &e), HELIOS_OK);
        hl_update_code_clear(&c);
    }
    CHECK(hl_rng_next(&r) == hl_rng_next(&copy));

    const double one[1] = { -0.3 };
    double res[1] = { 0 }, out[1];
    CHECK_INT(encode(one, 1, 8, 0.9, res, &r, &c), HELIOS_OK);
    CHECK(c.nnz == 1 && c.idx == NULL);
    CHECK_NEAR(c.scale, 0.3 / 127, 0);
    CHECK_INT(q_at(&c, 0), -127);
    CHECK_INT(hl_update_decode(&c, 1, out, &e), HELIOS_OK);
    CHECK_NEAR(out[0], -0.3, 1e-15);
    CHECK(res[0] == -0.3 - out[0]);
    hl_update_code_clear(&c);
}

/* All zeros: scale 0, every q 0, one draw a value all the same; values
 * too small for max / L to be representable stay in the residual. */
static void test_zeros(void)
{
    const double z[5] = { 0, -0.0, 0, 0, 0 };
    double res[5] = { 0 }, out[5];
    HlRng r, copy;
    HlUpdateCode c;
    hl_err e;
    hl_err_clear(&e);
    hl_rng_seed(&r, 81, 0, 0, HL_RNG_QUANT);
    copy = r;
    CHECK_INT(encode(z, 5, 8, 0.0, res, &r, &c), HELIOS_OK);
    CHECK(c.scale == 0.0 && c.nnz == 5);
    CHECK(memcmp(c.q, "\0\0\0\0\0", 5) == 0);
    for (int i = 0; i < 5; i++)
        hl_rng_uniform(&copy);
    CHECK(hl_rng_next(&r) == hl_rng_next(&copy));
    CHECK_INT(hl_update_decode(&c, 5, out, &e), HELIOS_OK);
    CHECK(out[0] == 0 && out[4] == 0 && res[0] == 0 && res[4] == 0);
    hl_update_code_clear(&c);
    CHECK_INT(encode(z, 5, 16, 0.6, NULL, &r, &c), HELIOS_OK);
    CHECK(c.nnz == 2 && c.idx[0] == 0 && c.idx[1] == 1 && c.scale == 0.0);
    hl_update_code_clear(&c);

    const double tiny[2] = { 1e-322, -1e-322 };
    double tres[2] = { 0, 0 };
    CHECK_INT(encode(tiny, 2, 8, 0.0, tres, &r, &c), HELIOS_OK);
    CHECK(c.scale == 0.0 && c.q[0] == 0 && c.q[1] == 0);
    CHECK(tres[0] == 1e-322 && tres[1] == -1e-322);
    hl_update_code_clear(&c);
}

/* Bad arguments fail with their message, leave *out empty and the
 * residual as it was. */
static void test_encode_errors(void)
{
    const double a[3] = { 1, NAN, 2 }, b[2] = { 1e308, 1 };
    double res[2] = { 1e308, 0.5 };
    struct { int bits; double sparsity; const char *msg; } bad[] = {
        { 12, 0.0, "update codec: bits must be 8, 16 or 32, not 12" },
        { 8, 1.0, "update codec: sparsity must be in [0, 1), not 1" },
        { 8, -0.1, "update codec: sparsity must be in [0, 1), not -0.1" },
        { 8, NAN, "update codec: sparsity must be in [0, 1), not nan" },
    };
    HlRng r;
    HlUpdateCode c;
    hl_err e;
    hl_rng_seed(&r, 91, 0, 0, HL_RNG_QUANT);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        HlUpdateCodec codec = { bad[i].bits, bad[i].sparsity };
        hl_err_clear(&e);
        CHECK_INT(hl_update_encode(b, 2, &codec, NULL, &r, &c, &e), HELIOS_ERROR);
        CHECK_STR(e.msg, bad[i].msg);
        CHECK(c.p == 0 && c.q == NULL && c.idx == NULL);
    }
    HlUpdateCodec q8 = { 8, 0.0 };
    hl_err_clear(&e);
    CHECK_INT(hl_update_encode(b, 2, &q8, NULL, NULL, &c, &e), HELIOS_ERROR);
    CHECK_STR(e.msg, "update codec: 8-bit rounding needs a random stream");
    hl_err_clear(&e);
    CHECK_INT(hl_update_encode(a, 3, &q8, NULL, &r, &c, &e), HELIOS_ERROR);
    CHECK_STR(e.msg, "update codec: value 1 of the update is not finite");
    hl_err_clear(&e);
    CHECK_INT(hl_update_encode(b, 2, &q8, res, &r, &c, &e), HELIOS_ERROR);
    CHECK_STR(e.msg, "update codec: value 0 of the update plus its residual is not finite");
    CHECK(res[0] == 1e308 && res[1] == 0.5);
    CHECK(c.p == 0 && c.q == NULL);
    hl_err_clear(&e);
    CHECK_INT(hl_update_encode(b, -1, &q8, NULL, &r, &c, &e), HELIOS_ERROR);
    CHECK_STR(e.msg, "update codec: vector length -1 is negative");
}

/* The same stream gives the same bytes; another node's stream, others. */
static void test_deterministic(void)
{
    double a[64];
    HlRng r1, r2, r3;
    HlUpdateCode c1, c2, c3;
    hl_rng_seed(&r1, 101, 0, 0, HL_RNG_INIT);
    for (int i = 0; i < 64; i++)
        a[i] = normal(&r1);
    hl_rng_seed(&r1, 101, 2, 5, HL_RNG_QUANT);
    hl_rng_seed(&r2, 101, 2, 5, HL_RNG_QUANT);
    hl_rng_seed(&r3, 101, 2, 6, HL_RNG_QUANT);
    encode(a, 64, 8, 0.5, NULL, &r1, &c1);
    encode(a, 64, 8, 0.5, NULL, &r2, &c2);
    encode(a, 64, 8, 0.5, NULL, &r3, &c3);
    CHECK(memcmp(c1.q, c2.q, 32) == 0 && memcmp(c1.idx, c2.idx, 32 * sizeof *c1.idx) == 0);
    CHECK(memcmp(c1.q, c3.q, 32) != 0);
    hl_update_code_clear(&c1);
    hl_update_code_clear(&c2);
    hl_update_code_clear(&c3);
}

int main(void)
{
    RUN(test_hand_8bit);
    RUN(test_hand_16bit);
    RUN(test_topk_ties);
    RUN(test_topk_large);
    RUN(test_topk_small);
    RUN(test_unbiased);
    RUN(test_error_bound);
    RUN(test_error_feedback);
    RUN(test_bytes);
    RUN(test_decode_valid);
    RUN(test_decode_hostile);
    RUN(test_small_p);
    RUN(test_zeros);
    RUN(test_encode_errors);
    RUN(test_deterministic);
    return unit_report();
}
