/*
 * test_secagg.c - secure aggregation (src/secagg/): Shamir sharing over
 * GF(2^61 - 1) against hand-worked and independently computed values, the
 * fixed-point encoding and its error bound, and the four rounds of
 * Bonawitz et al. 2017 run in process: the decoded sum against the plain
 * sum with 0, 1 and n - t dropouts at every round, fewer than t survivors,
 * what the server sees (masked vectors only, uniformly spread), and
 * malformed messages at every round (rejected, the session unharmed).
 */
#include "unit.h"

#include "helios.h"
#include "secagg/secagg.h"
#include "secagg/shamir.h"

#include <stdint.h>
#include <stdlib.h>

/* splitmix64 (Steele, Lea & Flood 2014): the tests' own stream. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next_u64(s) >> 11) / 9007199254740992.0;
}

/* ---- Shamir ------------------------------------------------------------ */

/* p = 2^61 - 1; the inverses were computed with Python's pow(a, p - 2, p):
 * 3^-1 = 1537228672809129301 (3 * it = 4611686018427387904 = 2p + 1),
 * 123456789^-1 = 2217090678635848435. */
static void test_field(void)
{
    CHECK(HL_SHAMIR_P == UINT64_C(2305843009213693951));
    CHECK(hl_gf_inv(3) == UINT64_C(1537228672809129301));
    CHECK(hl_gf_mul(3, UINT64_C(1537228672809129301)) == 1);
    CHECK(hl_gf_inv(123456789) == UINT64_C(2217090678635848435));
    CHECK(hl_gf_mul(HL_SHAMIR_P - 1, HL_SHAMIR_P - 1) == 1);    /* (-1)^2 */
    CHECK(hl_gf_add(HL_SHAMIR_P - 1, 5) == 4);
    CHECK(hl_gf_sub(4, 5) == HL_SHAMIR_P - 1);
    uint64_t r[64];
    CHECK_INT(hl_gf_random(r, 64), 0);
    int below = 1;
    for (int i = 0; i < 64; i++)
        below &= r[i] < HL_SHAMIR_P;
    CHECK(below);
}

/* The worked example of Shamir's scheme (t = 3, n = 6): f(x) = 1234 +
 * 166 x + 94 x^2, so f(1) = 1494, f(2) = 1942, f(3) = 2578, f(4) = 3402,
 * f(5) = 4414, f(6) = 5614 (no reduction: all below p).  Any three give
 * 1234 back: e.g. (2, 1942), (4, 3402), (5, 4414), with Lagrange
 * coefficients at 0 of 10/3, -5, 8/3: (19420 - 51030 + 35312) / 3 = 1234. */
static void test_shamir_hand_example(void)
{
    const uint64_t coef[] = { 1234, 166, 94 };
    const uint64_t want[] = { 1494, 1942, 2578, 3402, 4414, 5614 };
    for (int x = 1; x <= 6; x++)
        CHECK(hl_shamir_eval(coef, 3, (uint64_t)x) == want[x - 1]);
    const uint64_t xs[] = { 2, 4, 5 }, ys[] = { 1942, 3402, 4414 };
    uint64_t secret = 0, lambda[3];
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_combine(xs, ys, 3, 3, 1, &secret, &err), HELIOS_OK);
    CHECK(secret == 1234);
    /* lambda = 10/3, -5, 8/3 in GF(p). */
    CHECK_INT(hl_shamir_lagrange(xs, 3, lambda, &err), HELIOS_OK);
    CHECK(hl_gf_mul(lambda[0], 3) == 10);
    CHECK(lambda[1] == HL_SHAMIR_P - 5);
    CHECK(hl_gf_mul(lambda[2], 3) == 8);
    /* Two shares are not enough, and say so. */
    CHECK_INT(hl_shamir_combine(xs, ys, 2, 3, 1, &secret, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "Shamir reconstruction needs t=3 shares, got 2");
    CHECK(secret == 1234);      /* untouched */
}

/* Reduction modulo p matters: f(x) = (p - 1) + (2^60 + 12345) x +
 * (p - 2) x^2 (coefficients near p), values from Python with big
 * integers, sum(c_i x^i) % p:
 *   f(1) = 1152921504606859318   f(2) = 24682
 *   f(3) = 1152921504606883993   f(4) = 49349   f(5) = 1152921504606908652 */
static void test_shamir_modular_example(void)
{
    const uint64_t coef[] = { HL_SHAMIR_P - 1, (UINT64_C(1) << 60) + 12345, HL_SHAMIR_P - 2 };
    const uint64_t want[] = { UINT64_C(1152921504606859318), 24682,
                              UINT64_C(1152921504606883993), 49349,
                              UINT64_C(1152921504606908652) };
    for (int x = 1; x <= 5; x++)
        CHECK(hl_shamir_eval(coef, 3, (uint64_t)x) == want[x - 1]);
    /* Every 3-subset of the 5 shares gives p - 1 back. */
    int ok = 1;
    for (int a = 0; a < 5; a++)
        for (int b = a + 1; b < 5; b++)
            for (int c = b + 1; c < 5; c++) {
                uint64_t xs[] = { (uint64_t)a + 1, (uint64_t)b + 1, (uint64_t)c + 1 };
                uint64_t ys[] = { want[a], want[b], want[c] }, s = 0;
                hl_err err;
                hl_err_clear(&err);
                ok &= hl_shamir_combine(xs, ys, 3, 3, 1, &s, &err) == HELIOS_OK &&
                      s == HL_SHAMIR_P - 1;
            }
    CHECK(ok);
}

/* A random 32-byte secret, t = 3 of n = 6: every subset of 3 or more
 * shares gives the same secret back (the bytes too); every subset of 2
 * is refused. */
static void test_shamir_subsets(void)
{
    enum { N = 6, T = 3, K = HL_SHAMIR_CHUNKS(32) };
    uint8_t secret[32], back[32];
    uint64_t s = 42;
    for (int i = 0; i < 32; i++)
        secret[i] = (uint8_t)next_u64(&s);
    uint64_t fe[K], shares[N * K];
    hl_shamir_pack(secret, 32, fe);
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_split(fe, K, T, N, shares, &err), HELIOS_OK);
    int good = 0, refused = 0, subsets = 0, small = 0;
    for (unsigned mask = 1; mask < (1u << N); mask++) {
        uint64_t xs[N], ys[N * K], got[K];
        int m = 0;
        for (int i = 0; i < N; i++)
            if (mask & (1u << i)) {
                xs[m] = (uint64_t)i + 1;
                memcpy(ys + m * K, shares + i * K, sizeof got);
                m++;
            }
        hl_err_clear(&err);
        int rc = hl_shamir_combine(xs, ys, m, T, K, got, &err);
        if (m >= T) {
            subsets++;
            good += rc == HELIOS_OK && hl_shamir_unpack(got, 32, back) == 0 &&
                    memcmp(back, secret, 32) == 0;
        } else {
            small++;
            refused += rc == HELIOS_ERROR;
        }
    }
    CHECK_INT(good, subsets);
    CHECK_INT(refused, small);
    /* t = n and t = 1 work too. */
    uint64_t got[K];
    uint64_t xs[N] = { 1, 2, 3, 4, 5, 6 };
    CHECK_INT(hl_shamir_split(fe, K, N, N, shares, &err), HELIOS_OK);
    CHECK_INT(hl_shamir_combine(xs, shares, N, N, K, got, &err), HELIOS_OK);
    CHECK(memcmp(got, fe, sizeof fe) == 0);
    CHECK_INT(hl_shamir_split(fe, K, 1, N, shares, &err), HELIOS_OK);
    CHECK(memcmp(shares + 4 * K, fe, sizeof fe) == 0);      /* t = 1: the secret itself */
}

/* t - 1 shares reveal nothing: with t = 2, one share is a uniform field
 * element whatever the secret.  Over 4096 sharings each of 0 and of
 * p - 1, a chi-square over 16 bins of the share's top 4 bits (of 61)
 * stays below the 1e-6 tail of 15 degrees of freedom (52.6). */
static void test_shamir_one_share_uniform(void)
{
    enum { S = 4096 };
    const uint64_t secrets[] = { 0, HL_SHAMIR_P - 1 };
    for (int k = 0; k < 2; k++) {
        double bins[16] = { 0 }, chi2 = 0;
        int ok = 1;
        for (int i = 0; i < S; i++) {
            uint64_t shares[2];
            hl_err err;
            hl_err_clear(&err);
            ok &= hl_shamir_split(&secrets[k], 1, 2, 2, shares, &err) == HELIOS_OK;
            bins[shares[0] >> 57]++;
        }
        for (int b = 0; b < 16; b++)
            chi2 += (bins[b] - S / 16.0) * (bins[b] - S / 16.0) / (S / 16.0);
        CHECK(ok);
        CHECK(chi2 < 52.6);
    }
}

static void test_shamir_errors(void)
{
    uint64_t fe[1] = { 7 }, shares[8], got;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_split(fe, 1, 5, 4, shares, &err), HELIOS_MISUSE);   /* t > n */
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_split(fe, 1, 0, 4, shares, &err), HELIOS_MISUSE);
    hl_err_clear(&err);
    fe[0] = HL_SHAMIR_P;
    CHECK_INT(hl_shamir_split(fe, 1, 2, 4, shares, &err), HELIOS_MISUSE);
    const uint64_t dup[] = { 3, 3 }, zero[] = { 0, 1 }, ys[] = { 1, 2 };
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_combine(dup, ys, 2, 2, 1, &got, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "two Shamir shares have the same x = 3");
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_combine(zero, ys, 2, 2, 1, &got, &err), HELIOS_ERROR);
    const uint64_t xs[] = { 1, 2 }, big[] = { HL_SHAMIR_P, 1 };
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_combine(xs, big, 2, 2, 1, &got, &err), HELIOS_ERROR);
}

/* 7 bytes an element, little-endian: 0x0706050403020100 >> 0 ... */
static void test_shamir_pack(void)
{
    uint8_t b[32], back[32];
    for (int i = 0; i < 32; i++)
        b[i] = (uint8_t)i;
    uint64_t fe[5];
    hl_shamir_pack(b, 32, fe);
    CHECK(fe[0] == UINT64_C(0x06050403020100));
    CHECK(fe[1] == UINT64_C(0x0d0c0b0a090807));
    CHECK(fe[4] == UINT64_C(0x1f1e1d1c));        /* the last 4 bytes */
    CHECK_INT(hl_shamir_unpack(fe, 32, back), 0);
    CHECK(memcmp(b, back, 32) == 0);
    fe[4] |= UINT64_C(1) << 32;                  /* wider than its 4 bytes */
    CHECK_INT(hl_shamir_unpack(fe, 32, back), -1);
    fe[4] = 0;
    fe[0] = UINT64_C(1) << 56;
    CHECK_INT(hl_shamir_unpack(fe, 32, back), -1);
}

/* ---- fixed point --------------------------------------------------------- */

/* n = 4: L = floor(4294967295 / 4) = 1073741823.  On [-1, 1]:
 *   -1 -> 0, 1 -> L, 0 -> floor(L / 2 + 0.5) = 536870912;
 *   decode(536870912, m = 1) = 536870912 * 2 / L - 1 = 1 / L.
 * Four copies of 1 sum to 4L = 4294967292 < 2^32: no wrap, decodes to 4. */
static void test_fixed_point_hand(void)
{
    const HlSecAggSegment seg = { 3, -1, 1 };
    const double x[] = { -1, 1, 0 };
    uint32_t q[3];
    double out[3];
    int clipped = -1;
    hl_err err;
    hl_err_clear(&err);
    CHECK(hl_secagg_levels(4) == 1073741823u);
    CHECK(hl_secagg_levels(100) == 42949672u);
    CHECK_INT(hl_secagg_encode(&seg, 1, 4, x, 3, q, &clipped, &err), HELIOS_OK);
    CHECK_INT(clipped, 0);
    CHECK(q[0] == 0 && q[1] == 1073741823u && q[2] == 536870912u);
    CHECK_INT(hl_secagg_decode(&seg, 1, 4, q, 3, 1, out, &err), HELIOS_OK);
    CHECK_NEAR(out[0], -1, 1e-15);
    CHECK_NEAR(out[1], 1, 1e-15);
    CHECK_NEAR(out[2], 1.0 / 1073741823.0, 1e-15);     /* 1 - 1 cancels: ulps of 1 */
    uint32_t sum[3] = { 0, 4u * 1073741823u, 4u * 536870912u };
    CHECK_INT(hl_secagg_decode(&seg, 1, 4, sum, 3, 4, out, &err), HELIOS_OK);
    CHECK_NEAR(out[0], -4, 1e-14);
    CHECK_NEAR(out[1], 4, 1e-14);
    /* The bound: m (hi - lo) / 2L plus the float slack. */
    double bound = hl_secagg_error_bound(&seg, 4, 4);
    CHECK(bound >= 4.0 / 1073741823.0 && bound < 4.0 / 1073741823.0 + 1e-13);
    CHECK_NEAR(out[2], 4.0 / 1073741823.0, 4e-15);
    CHECK(fabs(out[2]) <= bound);
}

/* Random values (some out of range, clipped) encoded and decoded one at a
 * time and summed over n = 100: every coordinate within the bound. */
static void test_fixed_point_bound(void)
{
    enum { N = 100, D = 1000 };
    const HlSecAggSegment segs[] = { { D - 1, -8, 8 }, { 1, 0, 1 } };
    static double x[N][D], plain[D], out[D];
    static uint32_t q[D], sum[D];
    uint64_t s = 7;
    hl_err err;
    hl_err_clear(&err);
    memset(plain, 0, sizeof plain);
    memset(sum, 0, sizeof sum);
    int clipped_total = 0, ok = 1;
    for (int u = 0; u < N; u++) {
        for (int j = 0; j < D; j++) {
            x[u][j] = j < D - 1 ? uniform(&s, -9, 9) : uniform(&s, 0, 1);
            double c = j < D - 1 ? fmin(8, fmax(-8, x[u][j])) : x[u][j];
            plain[j] += c;
        }
        int clipped = 0;
        ok &= hl_secagg_encode(segs, 2, N, x[u], D, q, &clipped, &err) == HELIOS_OK;
        clipped_total += clipped;
        for (int j = 0; j < D; j++)
            sum[j] += q[j];
    }
    CHECK(ok);
    CHECK(clipped_total > 0 && clipped_total < N * D / 4);     /* 1/9 expected */
    CHECK_INT(hl_secagg_decode(segs, 2, N, sum, D, N, out, &err), HELIOS_OK);
    double worst = 0;
    for (int j = 0; j < D; j++) {
        double e = fabs(out[j] - plain[j]) / hl_secagg_error_bound(&segs[j < D - 1 ? 0 : 1], N, N);
        worst = fmax(worst, e);
    }
    CHECK(worst <= 1);
    CHECK(worst > 0.05);     /* the bound is not absurdly loose either */
    /* 16 / (2 * 42949672) * 100 = 1.8626e-5 */
    CHECK_NEAR(hl_secagg_error_bound(&segs[0], N, N), 1.8626451e-5, 1e-11);
}

static void test_fixed_point_errors(void)
{
    const double x[] = { 0, NAN };
    uint32_t q[2];
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_encode(NULL, 0, 10, x, 2, q, NULL, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: coordinate 1 of the update is NaN");
    const HlSecAggSegment bad[] = { { 1, 1, 1 }, { 1, 0, 1 } };
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_check_layout(bad, 2, 2, &err), HELIOS_MISUSE);
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_check_layout(bad + 1, 1, 2, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "secure aggregation: the segments cover 1 coordinates, the vector has 2");
    CHECK_INT(hl_secagg_default_threshold(2), 2);
    CHECK_INT(hl_secagg_default_threshold(3), 2);
    CHECK_INT(hl_secagg_default_threshold(10), 6);
    CHECK_INT(hl_secagg_default_threshold(100), 51);
}

/* ---- the protocol, in process -------------------------------------------- */

typedef struct Sim {
    int n, t, dim, nsegs;
    const HlSecAggSegment *segs;
    HlSecAggServer *srv;
    HlSecAggClient **cli;
    double *x;                  /* n * dim plain vectors */
    uint8_t **masked;           /* the MASKED replies, kept when not NULL */
    size_t *masked_len;
} Sim;

static int sim_open(Sim *sm, int n, int t, int dim, const HlSecAggSegment *segs, int nsegs,
                    uint64_t seed)
{
    memset(sm, 0, sizeof *sm);
    sm->n = n;
    sm->dim = dim;
    sm->segs = segs;
    sm->nsegs = nsegs;
    HlSecAggConfig cfg = { n, t, dim, segs, nsegs };
    hl_err err;
    hl_err_clear(&err);
    sm->srv = hl_secagg_server_new(&cfg, &err);
    if (!sm->srv)
        return -1;
    sm->t = hl_secagg_server_threshold(sm->srv);
    sm->cli = calloc((size_t)n, sizeof *sm->cli);
    sm->x = malloc((size_t)n * (size_t)dim * sizeof *sm->x);
    for (int u = 0; u < n; u++)
        sm->cli[u] = hl_secagg_client_new();
    for (int i = 0; i < n * dim; i++)
        sm->x[i] = uniform(&seed, -9, 9);       /* some beyond +-8: clipped */
    if (segs)           /* a weight segment last: [0, 1] */
        for (int u = 0; u < n; u++)
            sm->x[(size_t)u * dim + dim - 1] = uniform(&seed, 0, 1);
    return 0;
}

static void sim_close(Sim *sm)
{
    for (int u = 0; sm->cli && u < sm->n; u++) {
        hl_secagg_client_free(sm->cli[u]);
        if (sm->masked)
            free(sm->masked[u]);
    }
    free(sm->cli);
    free(sm->x);
    free(sm->masked);
    free(sm->masked_len);
    hl_secagg_server_free(sm->srv);
}

static int client_answer(Sim *sm, int u, int round, const uint8_t *msg, size_t len,
                         uint8_t **reply, size_t *rlen, hl_err *err)
{
    HlSecAggClient *c = sm->cli[u];
    switch (round) {
    case 0: return hl_secagg_client_advertise_keys(c, msg, len, reply, rlen, err);
    case 1: return hl_secagg_client_share_keys(c, msg, len, reply, rlen, err);
    case 2: return hl_secagg_client_masked_input(c, msg, len, sm->x + (size_t)u * sm->dim,
                                                 sm->dim, reply, rlen, err);
    default: return hl_secagg_client_unmask(c, msg, len, reply, rlen, err);
    }
}

/* One round: every active node that has not dropped (drop[u] > round)
 * answers.  Returns the advance()'s code. */
static int sim_round(Sim *sm, int round, const int *drop, hl_err *err)
{
    int failures = 0;
    for (int u = 0; u < sm->n; u++) {
        if (!hl_secagg_server_active(sm->srv, u) || (drop && drop[u] <= round))
            continue;
        uint8_t *msg = NULL, *reply = NULL;
        size_t len = 0, rlen = 0;
        hl_err e;
        hl_err_clear(&e);
        int rc = hl_secagg_server_message(sm->srv, u, &msg, &len, &e);
        if (rc == HELIOS_OK)
            rc = client_answer(sm, u, round, msg, len, &reply, &rlen, &e);
        if (rc == HELIOS_OK)
            rc = hl_secagg_server_receive(sm->srv, u, reply, rlen, &e);
        if (rc != HELIOS_OK) {
            failures++;
            fprintf(stderr, "round %d node %d: %s\n", round, u, e.msg);
        }
        if (round == 2 && sm->masked && rc == HELIOS_OK) {
            sm->masked[u] = reply;
            sm->masked_len[u] = rlen;
            reply = NULL;
        }
        free(msg);
        free(reply);
    }
    CHECK_INT(failures, 0);
    return hl_secagg_server_advance(sm->srv, err);
}

/* drop[u]: the first round node u does not answer (>= 4: none). */
static int sim_run(Sim *sm, const int *drop, hl_err *err)
{
    for (int r = 0; r < 4; r++) {
        int rc = sim_round(sm, r, drop, err);
        if (rc != HELIOS_OK)
            return rc;
    }
    return HELIOS_OK;
}

/* The decoded sum against the plain sum of the clipped vectors of the
 * nodes that sent a masked input (drop[u] > 2), within the bound. */
static void check_sum(Sim *sm, const int *drop)
{
    double *got = malloc((size_t)sm->dim * sizeof *got);
    unsigned char *incl = malloc((size_t)sm->n);
    int m = -1;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_result(sm->srv, got, incl, &m, &err), HELIOS_OK);
    int want_m = 0, incl_ok = 1;
    for (int u = 0; u < sm->n; u++) {
        int in = !drop || drop[u] > 2;
        want_m += in;
        incl_ok &= incl[u] == in;
    }
    CHECK_INT(m, want_m);
    CHECK(incl_ok);
    double worst = 0;
    for (int j = 0; j < sm->dim; j++) {
        const HlSecAggSegment def = { sm->dim, -HL_SECAGG_DEFAULT_RANGE, HL_SECAGG_DEFAULT_RANGE };
        const HlSecAggSegment *g = sm->segs ? &sm->segs[j < sm->dim - 1 ? 0 : 1] : &def;
        double plain = 0;
        for (int u = 0; u < sm->n; u++)
            if (!drop || drop[u] > 2)
                plain += fmin(g->hi, fmax(g->lo, sm->x[(size_t)u * sm->dim + j]));
        worst = fmax(worst, fabs(got[j] - plain) / hl_secagg_error_bound(g, sm->n, m));
    }
    CHECK(worst <= 1);
    free(got);
    free(incl);
}

static void run_case(int n, int t, int dim, const int *drop, int weighted)
{
    const HlSecAggSegment segs[] = { { dim - 1, -8, 8 }, { 1, 0, 1 } };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, n, t, dim, weighted ? segs : NULL, weighted ? 2 : 0,
                       (uint64_t)n * 1000 + (uint64_t)dim), 0);
    int rc = sim_run(&sm, drop, &err);
    CHECK_INT(rc, HELIOS_OK);
    if (rc != HELIOS_OK)
        fprintf(stderr, "  %s\n", err.msg);
    else
        check_sum(&sm, drop);
    sim_close(&sm);
}

static void test_protocol_no_dropout(void)
{
    run_case(10, 0, 300, NULL, 0);
    run_case(2, 2, 5, NULL, 0);         /* the smallest session */
    run_case(7, 7, 50, NULL, 1);        /* t = n, weighted layout */
    run_case(40, 0, 64, NULL, 1);
}

/* One dropout: before advertising, before sharing, before the masked
 * input (its pairwise masks are rebuilt from its s_sk shares), and during
 * unmasking (its input counts; its b is rebuilt without it). */
static void test_protocol_one_dropout(void)
{
    for (int r = 0; r < 4; r++) {
        int drop[10];
        for (int u = 0; u < 10; u++)
            drop[u] = 4;
        drop[3 + r] = r;
        run_case(10, 0, 200, drop, r % 2);
    }
}

/* n - t dropouts (n = 10, t = 6): all before the masked input, all during
 * unmasking, and spread over every round. */
static void test_protocol_n_minus_t_dropouts(void)
{
    int before[10] = { 4, 2, 4, 2, 4, 4, 2, 4, 4, 2 };
    int during[10] = { 3, 4, 4, 3, 4, 3, 4, 4, 3, 4 };
    int spread[10] = { 4, 0, 4, 1, 4, 2, 4, 3, 4, 4 };
    run_case(10, 6, 300, before, 0);
    run_case(10, 6, 300, during, 1);
    run_case(10, 6, 300, spread, 0);
    /* The lowest and highest indexes dropping (signs of the masks). */
    int ends[10] = { 2, 4, 4, 4, 4, 4, 4, 4, 2, 2 };
    run_case(10, 0, 100, ends, 0);
}

/* t - 1 survivors at a round: the advance fails with the message, the
 * session is over, no result. */
static void test_protocol_too_few(void)
{
    for (int r = 0; r < 4; r++) {
        int drop[5] = { 4, 4, 4, 4, 4 };
        drop[0] = drop[2] = drop[4] = r;    /* 2 left of 5, t = 3 */
        Sim sm;
        hl_err err;
        hl_err_clear(&err);
        CHECK_INT(sim_open(&sm, 5, 3, 10, NULL, 0, 99), 0);
        int rc = HELIOS_OK;
        for (int k = 0; k <= r && rc == HELIOS_OK; k++)
            rc = sim_round(&sm, k, drop, &err);
        CHECK_INT(rc, HELIOS_ERROR);
        CHECK_STR(err.msg, "secure aggregation needs at least t=3 surviving nodes, 2 left");
        CHECK_INT(hl_secagg_server_round(sm.srv), HL_SECAGG_FAILED);
        double sum[10];
        hl_err_clear(&err);
        CHECK_INT(hl_secagg_server_result(sm.srv, sum, NULL, NULL, &err), HELIOS_MISUSE);
        hl_err_clear(&err);
        CHECK_INT(hl_secagg_server_advance(sm.srv, &err), HELIOS_MISUSE);
        sim_close(&sm);
    }
}

static void test_config_errors(void)
{
    hl_err err;
    HlSecAggConfig one = { 1, 0, 4, NULL, 0 }, bad_t = { 5, 6, 4, NULL, 0 };
    HlSecAggConfig t1 = { 5, 1, 4, NULL, 0 }, no_dim = { 5, 3, 0, NULL, 0 };
    hl_err_clear(&err);
    CHECK(hl_secagg_server_new(&one, &err) == NULL);
    CHECK_STR(err.msg, "secure aggregation needs 2 to 4096 nodes, got 1");
    hl_err_clear(&err);
    CHECK(hl_secagg_server_new(&bad_t, &err) == NULL);
    CHECK_STR(err.msg, "secure aggregation: threshold t=6 with 5 nodes; 2 <= t <= n was expected");
    hl_err_clear(&err);
    CHECK(hl_secagg_server_new(&t1, &err) == NULL);
    hl_err_clear(&err);
    CHECK(hl_secagg_server_new(&no_dim, &err) == NULL);
    hl_secagg_server_free(NULL);
    hl_secagg_client_free(NULL);
}

/* What the server receives for a node's vector is the masked one: with
 * every node sending zeros (all encoded as the same level), no word of a
 * masked vector is that level but by chance (2^-32 each), and the words
 * are spread uniformly: a chi-square over 16 bins of the top 4 bits stays
 * far below the 1e-6 tail of 15 degrees of freedom (52.6). */
static void test_masked_is_uniform(void)
{
    enum { N = 3, D = 8192 };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 2, D, NULL, 0, 5), 0);
    memset(sm.x, 0, sizeof(double) * N * D);
    sm.masked = calloc(N, sizeof *sm.masked);
    sm.masked_len = calloc(N, sizeof *sm.masked_len);
    CHECK_INT(sim_run(&sm, NULL, &err), HELIOS_OK);
    uint32_t q[D];
    CHECK_INT(hl_secagg_encode(NULL, 0, N, sm.x, D, q, NULL, &err), HELIOS_OK);
    for (int u = 0; u < N; u++) {
        /* MASKED: header (18 bytes), index, dim, then the words. */
        CHECK(sm.masked_len[u] == 18 + 8 + 4 * (size_t)D);
        const uint8_t *p = sm.masked[u] + 26;
        int equal = 0;
        double bins[16] = { 0 }, chi2 = 0;
        for (int j = 0; j < D; j++, p += 4) {
            uint32_t w = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24;
            equal += w == q[j];
            bins[w >> 28]++;
        }
        for (int b = 0; b < 16; b++)
            chi2 += (bins[b] - D / 16.0) * (bins[b] - D / 16.0) / (D / 16.0);
        CHECK(equal <= 1);
        CHECK(chi2 < 52.6);
    }
    check_sum(&sm, NULL);
    sim_close(&sm);
}

/* ---- malformed messages -------------------------------------------------- */

/* Bad variants of a good message, each of which must be refused: every
 * strict prefix, a byte appended, another version, another type, another
 * session (not for SETUP: it names the session), and the first count
 * field (at offset 18 + skip) raised by one and set to 0xffffffff. */
typedef int (*Feed)(Sim *sm, int u, int round, const uint8_t *m, size_t len, hl_err *err);

static int refused_variants(Sim *sm, int u, int round, const uint8_t *good, size_t len,
                            int setup, size_t count_at, Feed feed)
{
    int accepted = 0;
    uint8_t *m = malloc(len + 1);
    hl_err err;
    for (size_t k = 0; k < len; k++) {
        hl_err_clear(&err);
        memcpy(m, good, k);
        accepted += feed(sm, u, round, k ? m : NULL, k, &err) == HELIOS_OK;
    }
    for (int v = 0; v < 6; v++) {
        memcpy(m, good, len);
        size_t mlen = len;
        switch (v) {
        case 0: m[len] = 0; mlen++; break;
        case 1: m[0]++; break;
        case 2: m[1] ^= 0x0f; break;
        case 3: if (setup) continue; m[5] ^= 1; break;
        case 4: m[count_at]++; break;
        default: memset(m + count_at, 0xff, 4); break;
        }
        hl_err_clear(&err);
        int rc = feed(sm, u, round, m, mlen, &err);
        accepted += rc == HELIOS_OK;
        if (rc == HELIOS_OK)
            fprintf(stderr, "variant %d of round %d accepted\n", v, round);
    }
    free(m);
    return accepted;
}

static int feed_client(Sim *sm, int u, int round, const uint8_t *m, size_t len, hl_err *err)
{
    uint8_t *reply = NULL;
    size_t rlen = 0;
    int rc = client_answer(sm, u, round, m, len, &reply, &rlen, err);
    free(reply);
    return rc;
}

static int feed_server(Sim *sm, int u, int round, const uint8_t *m, size_t len, hl_err *err)
{
    (void)round;
    return hl_secagg_server_receive(sm->srv, u, m, len, err);
}

/* At every round, node 0's message and reply are first offered in every
 * bad variant (all refused), then as they are: the session goes on and
 * sums right, so no refused message changed the client or the server.
 * Also: a reply passed as another node's, a second reply, a call out of
 * order. */
static void test_malformed_each_round(void)
{
    enum { N = 4, D = 6 };
    static const size_t count_at[2][4] = {
        { 16, 0, 0, 0 },        /* server -> node: nsegs, m, m, m */
        { 0, 4, 4, 4 }          /* node -> server: index, then m or dim */
    };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 3, D, NULL, 0, 11), 0);
    for (int r = 0; r < 4; r++) {
        uint8_t *msg = NULL, *reply = NULL, *other = NULL;
        size_t len = 0, rlen = 0, olen = 0;
        CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
        CHECK_INT(refused_variants(&sm, 0, r, msg, len, r == 0, 18 + count_at[0][r],
                                   feed_client), 0);
        CHECK_INT(client_answer(&sm, 0, r, msg, len, &reply, &rlen, &err), HELIOS_OK);
        /* The same message again: the client has moved on. */
        hl_err_clear(&err);
        CHECK_INT(client_answer(&sm, 0, r, msg, len, &other, &olen, &err), HELIOS_MISUSE);
        CHECK_INT(refused_variants(&sm, 0, r, reply, rlen, 0, 18 + count_at[1][r],
                                   feed_server), 0);
        hl_err_clear(&err);
        CHECK_INT(hl_secagg_server_receive(sm.srv, 1, reply, rlen, &err), HELIOS_ERROR);
        CHECK_STR(strstr(err.msg, "it is signed by node 0"), "it is signed by node 0");
        hl_err_clear(&err);
        CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_OK);
        hl_err_clear(&err);
        CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_MISUSE);
        free(msg);
        free(reply);
        /* The others answer as usual (node 0 has answered: not again). */
        int drop[N] = { 0, 4, 4, 4 };
        hl_err_clear(&err);
        CHECK_INT(sim_round(&sm, r, drop, &err), HELIOS_OK);
    }
    check_sum(&sm, NULL);
    sim_close(&sm);
}

/* A REVEAL that gives the share of the other kind (b for a dropped node,
 * s_sk for a survivor) is refused: the server never holds both. */
static void test_reveal_kind_refused(void)
{
    enum { N = 4, D = 3 };
    int drop[N] = { 4, 4, 4, 2 };       /* node 3 drops before its masked input */
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 2, D, NULL, 0, 12), 0);
    for (int r = 0; r < 3; r++)
        CHECK_INT(sim_round(&sm, r, drop, &err), HELIOS_OK);
    uint8_t *msg = NULL, *reply = NULL;
    size_t len = 0, rlen = 0;
    CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
    CHECK_INT(client_answer(&sm, 0, 3, msg, len, &reply, &rlen, &err), HELIOS_OK);
    /* Entries: v (4 bytes), kind (1), 5 x 8 bytes, from offset 26. */
    CHECK(rlen == 26 + 4 * 45);
    reply[26 + 4] ^= 1;                 /* node 0 survived: an s share now */
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: the Unmasking reply of node 0 is malformed: node 0 "
                       "survived, and its secret key share was revealed");
    reply[26 + 4] ^= 1;
    reply[26 + 3 * 45 + 4] ^= 1;        /* node 3 dropped: a b share now */
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: the Unmasking reply of node 0 is malformed: node 3 "
                       "dropped out, and its mask seed share was revealed");
    reply[26 + 3 * 45 + 4] ^= 1;        /* as it was */
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_OK);
    /* A second Unmasking request is refused by a node that answered. */
    free(reply);
    reply = NULL;
    CHECK_INT(client_answer(&sm, 0, 3, msg, len, &reply, &rlen, &err), HELIOS_MISUSE);
    free(msg);
    drop[0] = 3;                        /* has answered */
    CHECK_INT(sim_round(&sm, 3, drop, &err), HELIOS_OK);
    check_sum(&sm, drop);
    sim_close(&sm);
}

/* A sealed share altered on its way through the server does not open:
 * the node refuses to unmask, naming the sender. */
static void test_tampered_share(void)
{
    enum { N = 3, D = 2 };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 2, D, NULL, 0, 13), 0);
    for (int r = 0; r < 2; r++)
        CHECK_INT(sim_round(&sm, r, NULL, &err), HELIOS_OK);
    uint8_t *msg = NULL, *reply = NULL;
    size_t len = 0, rlen = 0;
    CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
    msg[18 + 4 + 4 + 10] ^= 0x40;       /* inside the first sealed share (from node 1) */
    CHECK_INT(client_answer(&sm, 0, 2, msg, len, &reply, &rlen, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_OK);
    free(msg);
    free(reply);
    int drop[N] = { 2, 4, 4 };          /* node 0 has answered round 2 already */
    CHECK_INT(sim_round(&sm, 2, drop, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(client_answer(&sm, 0, 3, msg, len, &reply, &rlen, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: the shares node 1 sealed for node 0 do not "
                       "authenticate (tampered with, or sealed under another key)");
    free(msg);
    sim_close(&sm);
}

/* 1 to 4 bytes changed, and one time in four the message cut short. */
static void corrupt(uint64_t *s, uint8_t *m, size_t *len)
{
    int flips = 1 + (int)(next_u64(s) % 4);
    for (int f = 0; f < flips; f++)
        m[next_u64(s) % *len] ^= (uint8_t)(1 + next_u64(s) % 255);
    if (next_u64(s) % 4 == 0)
        *len = next_u64(s) % *len;
}

/* Random corruption (1 to 4 bytes changed, or cut) of one message at one
 * round, the session run to its end whatever happens: no crash, no leak
 * (run under ASan), and any error is a message. */
static void test_fuzz_sessions(void)
{
    enum { N = 4, D = 5, ITER = 60 };
    uint64_t s = 2024;
    int sessions = 0;
    for (int r = 0; r < 4; r++)
        for (int it = 0; it < ITER; it++) {
            Sim sm;
            if (sim_open(&sm, N, 2, D, NULL, 0, s) != 0)
                break;
            int to_node = (int)(next_u64(&s) & 1);
            for (int k = 0; k < 4; k++) {
                for (int u = 0; u < N; u++) {
                    uint8_t *msg = NULL, *reply = NULL;
                    size_t len = 0, rlen = 0;
                    hl_err e;
                    hl_err_clear(&e);
                    if (hl_secagg_server_message(sm.srv, u, &msg, &len, &e) != HELIOS_OK)
                        continue;
                    int hit = k == r && u == 0;
                    if (hit && to_node)
                        corrupt(&s, msg, &len);
                    hl_err_clear(&e);
                    if (client_answer(&sm, u, k, msg, len, &reply, &rlen, &e) == HELIOS_OK) {
                        if (hit && !to_node)
                            corrupt(&s, reply, &rlen);
                        hl_err_clear(&e);
                        hl_secagg_server_receive(sm.srv, u, reply, rlen, &e);
                    }
                    free(msg);
                    free(reply);
                }
                hl_err err;
                hl_err_clear(&err);
                if (hl_secagg_server_advance(sm.srv, &err) != HELIOS_OK)
                    break;
            }
            sessions++;
            sim_close(&sm);
        }
    CHECK_INT(sessions, 4 * ITER);
}

/* A node dispatches on the message's round. */
static void test_message_round(void)
{
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, 3, 2, 2, NULL, 0, 1), 0);
    uint8_t *msg = NULL;
    size_t len = 0;
    CHECK_INT(hl_secagg_server_message(sm.srv, 1, &msg, &len, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_message_round(msg, len), 0);
    CHECK_INT(hl_secagg_message_round(msg, 5), -1);
    CHECK_INT(hl_secagg_message_round(NULL, 0), -1);
    free(msg);
    CHECK_INT(sim_round(&sm, 0, NULL, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_message(sm.srv, 1, &msg, &len, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_message_round(msg, len), 1);
    free(msg);
    /* Out of order: the Unmasking call before its round. */
    uint8_t *reply = NULL;
    size_t rlen = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_client_unmask(sm.cli[1], NULL, 0, &reply, &rlen, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "secure aggregation: a message of the Unmasking round came to a node at "
                       "the ShareKeys round");
    sim_close(&sm);
}

int main(void)
{
    RUN(test_field);
    RUN(test_shamir_hand_example);
    RUN(test_shamir_modular_example);
    RUN(test_shamir_subsets);
    RUN(test_shamir_one_share_uniform);
    RUN(test_shamir_errors);
    RUN(test_shamir_pack);
    RUN(test_fixed_point_hand);
    RUN(test_fixed_point_bound);
    RUN(test_fixed_point_errors);
    RUN(test_config_errors);
    RUN(test_protocol_no_dropout);
    RUN(test_protocol_one_dropout);
    RUN(test_protocol_n_minus_t_dropouts);
    RUN(test_protocol_too_few);
    RUN(test_masked_is_uniform);
    RUN(test_malformed_each_round);
    RUN(test_reveal_kind_refused);
    RUN(test_tampered_share);
    RUN(test_fuzz_sessions);
    RUN(test_message_round);
    return unit_report();
}
