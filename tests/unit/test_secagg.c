/*
 * test_secagg.c - secure aggregation (src/secagg/): Shamir sharing over
 * GF(2^61 - 1) against hand-worked and independently computed values,
 * HMAC-SHA256 against RFC 4231, the fixed-point encoding and its error
 * bound, and sessions of the amortized protocol run in process: several
 * training rounds over one key setup with different selections, the
 * decoded sums against the plain sums with 0, 1 and |U_r| - t dropouts at
 * each stage (and mixed), nodes dropping during setup, fewer than t
 * survivors (the round fails, the next one works), fresh masks every round
 * (the same input twice gives unrelated masked vectors, and the pairwise
 * masks themselves differ), what the server sees (masked vectors only,
 * uniformly spread), no X25519 agreement after setup, concurrent
 * message/receive calls, and malformed, tampered and replayed messages
 * (rejected, the session unharmed).
 */
#include "unit.h"

#include "helios.h"
#include "secagg/secagg.h"
#include "secagg/secagg_int.h"
#include "secagg/shamir.h"

#include <pthread.h>
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

/* ---- HMAC and the round seeds ------------------------------------------- */

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* RFC 4231, test case 2 (key "Jefe"); the round seed against Python's
 * hmac.new(bytes(range(32)), b"helios secagg mask" + bytes(range(16)) +
 * (7).to_bytes(8, "little"), hashlib.sha256).hexdigest(). */
static void test_hmac(void)
{
    HlSaCrypto c;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_sa_crypto_init(&c, &err), HELIOS_OK);
    uint8_t out[32], key[32], session[16];
    char h[65];
    const char *data = "what do ya want for nothing?";
    CHECK_INT(hl_sa_hmac(&c, (const uint8_t *)"Jefe", 4, (const uint8_t *)data, strlen(data), out,
                         &err), HELIOS_OK);
    hex(out, 32, h);
    CHECK_STR(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 16; i++)
        session[i] = (uint8_t)i;
    CHECK_INT(hl_sa_round_seed(&c, key, session, 7, out, &err), HELIOS_OK);
    hex(out, 32, h);
    CHECK_STR(h, "39c347e46dfd2536ace0390df01a16739d27f781676529e90de0a582ee6696d0");
    uint8_t other[32];
    CHECK_INT(hl_sa_round_seed(&c, key, session, 8, other, &err), HELIOS_OK);
    CHECK(memcmp(out, other, 32) != 0);
    hl_sa_crypto_clear(&c);
}

/* Shares at chosen points: any t of them rebuild the secret, with points
 * below 2^16 (node indexes + 1: the lazy reduction), near 2^16, and large
 * up to p - 1 (the general path); every share is a canonical element.
 * The secret elements include 0 and p - 1.  Points that do not increase
 * are refused. */
static void test_shamir_split_at(void)
{
    enum { K = 5, M = 4, T = 3 };
    const uint64_t sets[3][M] = {
        { 3, 5, 10, 11 },
        { 1, 65533, 65534, 65535 },
        { UINT64_C(1) << 20, UINT64_C(1) << 40, HL_SHAMIR_P - 2, HL_SHAMIR_P - 1 }
    };
    uint64_t secret[K], shares[M * K];
    hl_err err;
    hl_err_clear(&err);
    int good = 0, canonical = 1;
    for (int set = 0; set < 3; set++) {
        const uint64_t *xs = sets[set];
        for (int rep = 0; rep < 20; rep++) {
            CHECK_INT(hl_gf_random(secret, K), 0);
            secret[0] = 0;
            secret[1] = HL_SHAMIR_P - 1;
            CHECK_INT(hl_shamir_split_at(secret, K, T, xs, M, shares, &err), HELIOS_OK);
            for (int i = 0; i < M * K; i++)
                canonical &= shares[i] < HL_SHAMIR_P;
            for (int skip = 0; skip < M; skip++) {
                uint64_t px[T], py[T * K], got[K];
                int k = 0;
                for (int i = 0; i < M; i++)
                    if (i != skip) {
                        px[k] = xs[i];
                        memcpy(py + k * K, shares + i * K, K * sizeof *py);
                        k++;
                    }
                good += hl_shamir_combine(px, py, T, T, K, got, &err) == HELIOS_OK &&
                        memcmp(got, secret, sizeof got) == 0;
            }
        }
    }
    CHECK_INT(good, 3 * 20 * M);
    CHECK(canonical);
    const uint64_t bad[M] = { 3, 5, 5, 11 };
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_split_at(secret, K, T, bad, M, shares, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "Shamir sharing at x = 5: the points must increase, in 1..p-1");
}

/* ---- sessions, in process -------------------------------------------------- */

/* drop[u]: the first stage at which node u stops answering (its message is
 * not delivered, or its reply lost): a setup stage, SHARE, MASKED_INPUT or
 * UNMASKING; NONE: it answers every stage. */
#define NONE HL_SECAGG_DONE

typedef struct Sim {
    int n, dim, nsegs;
    const HlSecAggSegment *segs;
    HlSecAggServer *srv;
    HlSecAggClient **cli;
    double *x;                  /* n * dim plain vectors of the round */
    uint64_t seed;
    unsigned char *out;         /* n: dropped during setup (the test's own record) */
    /* when not NULL: the replies of the last round's stage keep_stage */
    int keep_stage;
    uint8_t **kept;
    size_t *kept_len;
} Sim;

static void sim_inputs(Sim *sm)
{
    for (int i = 0; i < sm->n * sm->dim; i++)
        sm->x[i] = uniform(&sm->seed, -9, 9);       /* some beyond +-8: clipped */
    if (sm->segs)       /* a weight segment last: [0, 1] */
        for (int u = 0; u < sm->n; u++)
            sm->x[(size_t)u * sm->dim + sm->dim - 1] = uniform(&sm->seed, 0, 1);
}

static int sim_open(Sim *sm, int n, int t, int dim, const HlSecAggSegment *segs, int nsegs,
                    uint64_t seed)
{
    memset(sm, 0, sizeof *sm);
    sm->n = n;
    sm->dim = dim;
    sm->segs = segs;
    sm->nsegs = nsegs;
    sm->seed = seed;
    sm->keep_stage = -1;
    HlSecAggConfig cfg = { n, t, dim, segs, nsegs };
    hl_err err;
    hl_err_clear(&err);
    sm->srv = hl_secagg_server_new(&cfg, &err);
    if (!sm->srv)
        return -1;
    sm->cli = calloc((size_t)n, sizeof *sm->cli);
    sm->x = malloc((size_t)n * (size_t)dim * sizeof *sm->x);
    sm->out = calloc((size_t)n, 1);
    for (int u = 0; u < n; u++)
        sm->cli[u] = hl_secagg_client_new();
    sim_inputs(sm);
    return 0;
}

static void sim_unkeep(Sim *sm)
{
    for (int u = 0; sm->kept && u < sm->n; u++) {
        free(sm->kept[u]);
        sm->kept[u] = NULL;
    }
}

static void sim_keep(Sim *sm, int stage)
{
    if (!sm->kept) {
        sm->kept = calloc((size_t)sm->n, sizeof *sm->kept);
        sm->kept_len = calloc((size_t)sm->n, sizeof *sm->kept_len);
    }
    sim_unkeep(sm);
    sm->keep_stage = stage;
}

static void sim_close(Sim *sm)
{
    sim_unkeep(sm);
    for (int u = 0; sm->cli && u < sm->n; u++)
        hl_secagg_client_free(sm->cli[u]);
    free(sm->kept);
    free(sm->kept_len);
    free(sm->cli);
    free(sm->x);
    free(sm->out);
    hl_secagg_server_free(sm->srv);
}

static int answer(Sim *sm, int u, const uint8_t *msg, size_t len, uint8_t **reply,
                  size_t *rlen, hl_err *err)
{
    return hl_secagg_client_handle(sm->cli[u], msg, len, sm->x + (size_t)u * sm->dim, sm->dim,
                                   reply, rlen, err);
}

/* One stage: every active node with drop[u] > stage answers; then the
 * advance (its code returned). */
static int sim_stage(Sim *sm, const int *drop, hl_err *err)
{
    int stage = (int)hl_secagg_server_round(sm->srv), failures = 0;
    for (int u = 0; u < sm->n; u++) {
        if (!hl_secagg_server_active(sm->srv, u) || (drop && drop[u] <= stage))
            continue;
        uint8_t *msg = NULL, *reply = NULL;
        size_t len = 0, rlen = 0;
        hl_err e;
        hl_err_clear(&e);
        int rc = hl_secagg_server_message(sm->srv, u, &msg, &len, &e);
        if (rc == HELIOS_OK)
            rc = answer(sm, u, msg, len, &reply, &rlen, &e);
        if (rc == HELIOS_OK)
            rc = hl_secagg_server_receive(sm->srv, u, reply, rlen, &e);
        if (rc != HELIOS_OK) {
            failures++;
            fprintf(stderr, "stage %d node %d: %s\n", stage, u, e.msg);
        }
        if (stage == sm->keep_stage && rc == HELIOS_OK) {
            sm->kept[u] = reply;
            sm->kept_len[u] = rlen;
            reply = NULL;
        }
        free(msg);
        free(reply);
    }
    CHECK_INT(failures, 0);
    return hl_secagg_server_advance(sm->srv, err);
}

/* A round: begin, then every stage to DONE.  Returns the first error. */
static int sim_round(Sim *sm, int64_t round, const unsigned char *sel, const int *drop,
                     hl_err *err)
{
    unsigned char *all = NULL;
    if (!sel) {
        all = malloc((size_t)sm->n);
        memset(all, 1, (size_t)sm->n);
        sel = all;
    }
    int rc = hl_secagg_server_begin(sm->srv, round, sel, err);
    free(all);
    while (rc == HELIOS_OK && hl_secagg_server_round(sm->srv) != HL_SECAGG_DONE)
        rc = sim_stage(sm, drop, err);
    return rc;
}

/* The decoded sum against the plain sum of the clipped vectors of the
 * nodes expected in it: selected, not dropped at setup, drop[u] past
 * MASKED_INPUT. */
static void check_sum(Sim *sm, const unsigned char *sel, const int *drop)
{
    double *got = malloc((size_t)sm->dim * sizeof *got);
    unsigned char *incl = malloc((size_t)sm->n);
    int m = -1;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_result(sm->srv, got, incl, &m, &err), HELIOS_OK);
    int want_m = 0, incl_ok = 1;
    for (int u = 0; u < sm->n; u++) {
        int in = (!sel || sel[u]) && !sm->out[u] && (!drop || drop[u] > HL_SECAGG_MASKED_INPUT);
        want_m += in;
        incl_ok &= incl[u] == in;
    }
    CHECK_INT(m, want_m);
    CHECK(incl_ok);
    double worst = 0;
    const HlSecAggSegment def = { sm->dim, -HL_SECAGG_DEFAULT_RANGE, HL_SECAGG_DEFAULT_RANGE };
    for (int j = 0; j < sm->dim; j++) {
        const HlSecAggSegment *g = sm->segs ? &sm->segs[j < sm->dim - 1 ? 0 : 1] : &def;
        double plain = 0;
        for (int u = 0; u < sm->n; u++)
            if (incl[u])
                plain += fmin(g->hi, fmax(g->lo, sm->x[(size_t)u * sm->dim + j]));
        worst = fmax(worst, fabs(got[j] - plain) / hl_secagg_error_bound(g, sm->n, m));
    }
    CHECK(worst <= 1);
    free(got);
    free(incl);
}

/* A round with fresh inputs that must succeed and sum right. */
static void good_round(Sim *sm, int64_t round, const unsigned char *sel, const int *drop)
{
    hl_err err;
    hl_err_clear(&err);
    sim_inputs(sm);
    int rc = sim_round(sm, round, sel, drop, &err);
    CHECK_INT(rc, HELIOS_OK);
    if (rc != HELIOS_OK)
        fprintf(stderr, "  round %lld: %s\n", (long long)round, err.msg);
    else
        check_sum(sm, sel, drop);
}

/* drop[] with every node answering but k nodes (from `from`, every
 * `step`-th) stopping at `stage`. */
static void drops(int *drop, int n, int k, int from, int step, int stage)
{
    for (int u = 0; u < n; u++)
        drop[u] = NONE;
    for (int i = 0; i < k; i++)
        drop[(from + i * step) % n] = stage;
}

/* One key setup, then training rounds with different selections and every
 * dropout pattern the threshold allows; no X25519 agreement after the
 * setup (which makes 2 m (m - 1) of them for m nodes). */
static void test_session_rounds(void)
{
    enum { N = 10, D = 300 };
    Sim sm;
    int drop[N];
    CHECK_INT(sim_open(&sm, N, 0, D, NULL, 0, 101), 0);
    uint64_t a0 = hl_sa_agreements();
    good_round(&sm, 1, NULL, NULL);                     /* setup + round 1, t = 6 */
    CHECK_INT(hl_secagg_server_threshold(sm.srv), 6);
    uint64_t a1 = hl_sa_agreements();
    CHECK(a1 - a0 == 2u * N * (N - 1));
    /* 7 selected (t = 4), one drops before its masked input. */
    const unsigned char sel7[N] = { 1, 1, 0, 1, 1, 1, 0, 1, 1, 0 };
    drops(drop, N, 1, 4, 1, HL_SECAGG_MASKED_INPUT);
    good_round(&sm, 2, sel7, drop);
    CHECK_INT(hl_secagg_server_threshold(sm.srv), 4);
    /* Rounds need not be consecutive: |U_r| - t = 4 drop at MASKED_INPUT. */
    drops(drop, N, 4, 0, 3, HL_SECAGG_MASKED_INPUT);
    good_round(&sm, 5, NULL, drop);
    /* 4 at UNMASKING (their inputs count; 6 reveal). */
    drops(drop, N, 4, 1, 2, HL_SECAGG_UNMASKING);
    good_round(&sm, 6, NULL, drop);
    /* One at UNMASKING, and one at each stage in a 6-node round (t = 4). */
    drops(drop, N, 1, 9, 1, HL_SECAGG_UNMASKING);
    good_round(&sm, 7, NULL, drop);
    const unsigned char sel6[N] = { 0, 1, 1, 1, 0, 1, 0, 1, 1, 0 };
    drops(drop, N, 1, 2, 1, HL_SECAGG_SHARE);
    drop[8] = HL_SECAGG_MASKED_INPUT;
    good_round(&sm, 8, sel6, drop);
    /* Mixed: 2 drop before their masked input and 2 more during UNMASKING:
     * the dropped nodes' masks come from their K shares, which any t of the
     * survivors give (the survivors that left cannot be asked for seeds). */
    drops(drop, N, 2, 0, 5, HL_SECAGG_MASKED_INPUT);
    drop[3] = drop[7] = HL_SECAGG_UNMASKING;
    good_round(&sm, 9, NULL, drop);
    /* No dropout, all again. */
    good_round(&sm, 10, NULL, NULL);
    CHECK(hl_sa_agreements() == a1);
    sim_close(&sm);
}

/* Other shapes: the smallest session, t = n with the weighted layout, 40
 * nodes with n - t dropouts, the highest and lowest indexes dropping (the
 * signs of the masks). */
static void test_session_shapes(void)
{
    const HlSecAggSegment w50[] = { { 49, -8, 8 }, { 1, 0, 1 } };
    const HlSecAggSegment w64[] = { { 63, -8, 8 }, { 1, 0, 1 } };
    Sim sm;
    CHECK_INT(sim_open(&sm, 2, 2, 5, NULL, 0, 1), 0);
    good_round(&sm, 0, NULL, NULL);
    good_round(&sm, 1, NULL, NULL);
    sim_close(&sm);
    CHECK_INT(sim_open(&sm, 7, 7, 50, w50, 2, 2), 0);
    good_round(&sm, -5, NULL, NULL);                 /* any int64 */
    good_round(&sm, 3, NULL, NULL);
    sim_close(&sm);
    int drop[40];
    CHECK_INT(sim_open(&sm, 40, 0, 64, w64, 2, 3), 0);
    drops(drop, 40, 19, 1, 2, HL_SECAGG_MASKED_INPUT);  /* t = 21 */
    good_round(&sm, 1, NULL, drop);
    drops(drop, 40, 19, 0, 2, HL_SECAGG_UNMASKING);
    good_round(&sm, 2, NULL, drop);
    drops(drop, 40, 0, 0, 1, 0);
    drop[0] = drop[39] = drop[38] = HL_SECAGG_MASKED_INPUT;
    good_round(&sm, 3, NULL, drop);
    sim_close(&sm);
}

/* A node that drops during setup is out of the session: never active,
 * never included, and a selection of it does not count. */
static void test_setup_dropout(void)
{
    enum { N = 6 };
    Sim sm;
    int drop[N];
    hl_err err;
    CHECK_INT(sim_open(&sm, N, 0, 20, NULL, 0, 7), 0);
    drops(drop, N, 0, 0, 1, 0);
    drop[2] = HL_SECAGG_SETUP_ADVERTISE;
    drop[4] = HL_SECAGG_SETUP_KEYS;     /* advertised: the others derived keys with it */
    sm.out[2] = sm.out[4] = 1;
    good_round(&sm, 1, NULL, drop);
    CHECK_INT(hl_secagg_server_threshold(sm.srv), 3);   /* of the 4 members */
    good_round(&sm, 2, NULL, NULL);
    /* Its share request goes nowhere. */
    const unsigned char all[N] = { 1, 1, 1, 1, 1, 1 };
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_begin(sm.srv, 3, all, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_round(sm.srv), HL_SECAGG_SHARE);
    CHECK_INT(hl_secagg_server_active(sm.srv, 2), 0);
    CHECK_INT(hl_secagg_server_active(sm.srv, 4), 0);
    CHECK_INT(hl_secagg_server_active(sm.srv, 5), 1);
    uint8_t *msg = NULL;
    size_t len = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_message(sm.srv, 4, &msg, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "secure aggregation: node 4 is not in the SHARE stage (not selected, or "
                       "dropped out before it)");
    /* Selecting {2, 4, 5}: one member. */
    const unsigned char sel[N] = { 0, 0, 1, 0, 1, 1 };
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_begin(sm.srv, 4, sel, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: round 4 selects 1 node(s) holding keys; at least 2 "
                       "are needed");
    CHECK_INT(hl_secagg_server_round(sm.srv), HL_SECAGG_FAILED);
    /* {0, 1, 2}: two members, t = 2. */
    const unsigned char sel3[N] = { 1, 1, 1, 0, 0, 0 };
    good_round(&sm, 5, sel3, NULL);
    CHECK_INT(hl_secagg_server_threshold(sm.srv), 2);
    sim_close(&sm);
}

/* Fewer than t at SHARE, MASKED_INPUT or UNMASKING: the advance fails with
 * the message, no result; the next round works.  Also: begin errors, and a
 * setup that leaves fewer than 2 nodes ends the session. */
static void test_too_few(void)
{
    enum { N = 5, D = 10 };
    Sim sm;
    int drop[N];
    hl_err err;
    CHECK_INT(sim_open(&sm, N, 3, D, NULL, 0, 99), 0);
    good_round(&sm, 1, NULL, NULL);
    int64_t round = 2;
    for (int stage = HL_SECAGG_SHARE; stage <= HL_SECAGG_UNMASKING; stage++) {
        drops(drop, N, 3, 0, 2, stage);     /* 2 left of 5, t = 3 */
        hl_err_clear(&err);
        CHECK_INT(sim_round(&sm, round++, NULL, drop, &err), HELIOS_ERROR);
        CHECK_STR(err.msg, "secure aggregation needs at least t=3 surviving nodes, 2 left");
        CHECK_INT(hl_secagg_server_round(sm.srv), HL_SECAGG_FAILED);
        double sum[D];
        hl_err_clear(&err);
        CHECK_INT(hl_secagg_server_result(sm.srv, sum, NULL, NULL, &err), HELIOS_MISUSE);
        hl_err_clear(&err);
        CHECK_INT(hl_secagg_server_advance(sm.srv, &err), HELIOS_MISUSE);
        good_round(&sm, round++, NULL, NULL);
    }
    /* The config's t = 3 above the 2 selected. */
    const unsigned char two[N] = { 1, 0, 0, 1, 0 };
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_begin(sm.srv, round++, two, &err), HELIOS_ERROR);
    CHECK_STR(strstr(err.msg, "threshold t=3, but round"), "threshold t=3, but round 8 selects 2 "
                                                            "node(s) holding keys");
    /* A round that does not increase. */
    hl_err_clear(&err);
    CHECK_INT(sim_round(&sm, 3, NULL, NULL, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "secure aggregation: round 3 begun after round 7; rounds must increase");
    good_round(&sm, round++, NULL, NULL);
    sim_close(&sm);
    /* A setup that 2 of 3 miss. */
    CHECK_INT(sim_open(&sm, 3, 0, 4, NULL, 0, 98), 0);
    int sdrop[3] = { HL_SECAGG_SETUP_ADVERTISE, NONE, HL_SECAGG_SETUP_ADVERTISE };
    hl_err_clear(&err);
    CHECK_INT(sim_round(&sm, 1, NULL, sdrop, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation needs at least t=2 surviving nodes, 1 left");
    hl_err_clear(&err);
    CHECK_INT(sim_round(&sm, 2, NULL, NULL, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: the session is over: its key setup left fewer than "
                       "2 nodes holding keys");
    sim_close(&sm);
}

/* begin() abandons what is running: a round stopped after its masked
 * input, and a setup stopped after ADVERTISE (it starts over, under a new
 * session id: the nodes take the new SETUP as a new session).  The rounds
 * that follow sum right. */
static void test_abandoned(void)
{
    enum { N = 5 };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 0, 9, NULL, 0, 31), 0);
    unsigned char all[N] = { 1, 1, 1, 1, 1 };
    CHECK_INT(hl_secagg_server_begin(sm.srv, 1, all, &err), HELIOS_OK);
    uint8_t *old = NULL;
    size_t olen = 0;
    CHECK_INT(hl_secagg_server_message(sm.srv, 0, &old, &olen, &err), HELIOS_OK);
    CHECK_INT(sim_stage(&sm, NULL, &err), HELIOS_OK);           /* ADVERTISE */
    CHECK_INT(hl_secagg_server_round(sm.srv), HL_SECAGG_SETUP_KEYS);
    good_round(&sm, 2, NULL, NULL);                              /* the setup again */
    /* The first setup's SETUP is another session's now: it would reset the
     * node (as a new run does), so it is not offered; its KEYS never came. */
    free(old);
    CHECK_INT(hl_secagg_server_begin(sm.srv, 3, all, &err), HELIOS_OK);
    while (hl_secagg_server_round(sm.srv) != HL_SECAGG_UNMASKING)
        CHECK_INT(sim_stage(&sm, NULL, &err), HELIOS_OK);
    good_round(&sm, 4, NULL, NULL);                              /* round 3 abandoned */
    const unsigned char sel[N] = { 1, 0, 1, 1, 0 };
    good_round(&sm, 5, sel, NULL);
    sim_close(&sm);
}

/* Little-endian words of a MASKED reply: header 18, index 4, round 8,
 * dim 4, then the words. */
static uint32_t word_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* chi-square of the top 4 bits of d words over 16 bins. */
static double chi2_top4(const uint32_t *w, int d)
{
    double bins[16] = { 0 }, chi2 = 0;
    for (int j = 0; j < d; j++)
        bins[w[j] >> 28]++;
    for (int b = 0; b < 16; b++)
        chi2 += (bins[b] - d / 16.0) * (bins[b] - d / 16.0) / (d / 16.0);
    return chi2;
}

static int equal_words(const uint32_t *a, const uint32_t *b, int d)
{
    int k = 0;
    for (int j = 0; j < d; j++)
        k += a[j] == b[j];
    return k;
}

/* b_u(r), rebuilt as the server does from the REVEALs kept (t = 2: nodes
 * 0 and 1): header 18, index 4, round 8, m 4, then per node of U2
 * (v 4, kind 1, 5 x uint64). */
static void rebuild_b(Sim *sm, int u, uint8_t b[32])
{
    uint64_t xs[2], ys[2 * HL_SA_CHUNKS], fe[HL_SA_CHUNKS];
    for (int k = 0; k < 2; k++) {
        const uint8_t *e = sm->kept[k] + 34 + (size_t)u * 45;
        CHECK(word_at(e) == (uint32_t)u && e[4] == HL_SA_REVEAL_B);
        xs[k] = (uint64_t)k + 1;
        for (int c = 0; c < HL_SA_CHUNKS; c++) {
            uint64_t y = 0;
            for (int i = 0; i < 8; i++)
                y |= (uint64_t)e[5 + 8 * c + i] << (8 * i);
            ys[k * HL_SA_CHUNKS + c] = y;
        }
    }
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_shamir_combine(xs, ys, 2, 2, HL_SA_CHUNKS, fe, &err), HELIOS_OK);
    CHECK_INT(hl_shamir_unpack(fe, 32, b), 0);
}

/* What the server receives for a node's vector is the masked one, fresh
 * every round.  Every node sends zeros (all one level) in two rounds:
 *   - no word of a masked vector equals the encoded input but by chance
 *     (2^-32 each), the words are spread uniformly (a chi-square over 16
 *     bins of the top 4 bits stays below 52.6, the 1e-6 tail of 15
 *     degrees of freedom), and the two rounds' vectors are unrelated;
 *   - the pairwise masks themselves change: with b_u(r) rebuilt from the
 *     REVEALs (as the server may), p_u(r) = y_u - enc(0) - PRG(b_u(r)) is
 *     u's sum of pairwise masks; they cancel over the nodes (the
 *     reconstruction is right), and p_u(1), p_u(2) are unrelated. */
static void test_masks_fresh_each_round(void)
{
    enum { N = 3, D = 8192 };
    static uint32_t y[2][N][D], p[2][N][D], q[D], diff[D];
    Sim sm;
    HlSaCrypto c;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_sa_crypto_init(&c, &err), HELIOS_OK);
    CHECK_INT(sim_open(&sm, N, 2, D, NULL, 0, 5), 0);
    memset(sm.x, 0, sizeof(double) * N * D);
    CHECK_INT(hl_secagg_encode(NULL, 0, N, sm.x, D, q, NULL, &err), HELIOS_OK);
    for (int r = 0; r < 2; r++) {
        /* MASKED replies, then REVEALs, of round r + 1. */
        unsigned char all[N] = { 1, 1, 1 };
        CHECK_INT(hl_secagg_server_begin(sm.srv, r + 1, all, &err), HELIOS_OK);
        while (hl_secagg_server_round(sm.srv) != HL_SECAGG_DONE) {
            int stage = (int)hl_secagg_server_round(sm.srv);
            if (stage == HL_SECAGG_MASKED_INPUT || stage == HL_SECAGG_UNMASKING)
                sim_keep(&sm, stage);
            CHECK_INT(sim_stage(&sm, NULL, &err), HELIOS_OK);
            if (stage == HL_SECAGG_MASKED_INPUT)
                for (int u = 0; u < N; u++) {
                    CHECK(sm.kept_len[u] == 34 + 4 * (size_t)D);
                    for (int j = 0; j < D; j++)
                        y[r][u][j] = word_at(sm.kept[u] + 34 + 4 * j);
                }
        }
        check_sum(&sm, NULL, NULL);
        for (int u = 0; u < N; u++) {
            uint8_t b[32];
            rebuild_b(&sm, u, b);
            for (int j = 0; j < D; j++)
                p[r][u][j] = y[r][u][j] - q[j];
            CHECK_INT(hl_sa_prg_add(&c, b, -1, p[r][u], D, &err), HELIOS_OK);
        }
        int cancel = 1;
        for (int j = 0; j < D; j++)
            cancel &= p[r][0][j] + p[r][1][j] + p[r][2][j] == 0;
        CHECK(cancel);
    }
    for (int u = 0; u < N; u++) {
        CHECK(equal_words(y[0][u], q, D) <= 1);
        CHECK(chi2_top4(y[0][u], D) < 52.6);
        CHECK(chi2_top4(y[1][u], D) < 52.6);
        CHECK(equal_words(y[0][u], y[1][u], D) <= 1);
        for (int j = 0; j < D; j++)
            diff[j] = y[1][u][j] - y[0][u][j];
        CHECK(chi2_top4(diff, D) < 52.6);
        /* The pairwise masks: nonzero, uniform, unrelated across rounds. */
        memset(diff, 0, sizeof diff);
        CHECK(equal_words(p[0][u], diff, D) <= 1);
        CHECK(chi2_top4(p[0][u], D) < 52.6);
        CHECK(equal_words(p[0][u], p[1][u], D) <= 1);
        for (int j = 0; j < D; j++)
            diff[j] = p[1][u][j] - p[0][u][j];
        CHECK(chi2_top4(diff, D) < 52.6);
    }
    sim_close(&sm);
    hl_sa_crypto_clear(&c);
}

/* ---- concurrency ------------------------------------------------------------- */

typedef struct Par {
    Sim *sm;
    const int *drop;
    int stage, failures;
    int next;                   /* atomic */
} Par;

static void *par_worker(void *arg)
{
    Par *pa = arg;
    for (;;) {
        int u = __atomic_fetch_add(&pa->next, 1, __ATOMIC_RELAXED);
        if (u >= pa->sm->n)
            return NULL;
        if (!hl_secagg_server_active(pa->sm->srv, u) || pa->drop[u] <= pa->stage)
            continue;
        uint8_t *msg = NULL, *reply = NULL;
        size_t len = 0, rlen = 0;
        hl_err e;
        hl_err_clear(&e);
        int rc = hl_secagg_server_message(pa->sm->srv, u, &msg, &len, &e);
        if (rc == HELIOS_OK)
            rc = answer(pa->sm, u, msg, len, &reply, &rlen, &e);
        if (rc == HELIOS_OK)
            rc = hl_secagg_server_receive(pa->sm->srv, u, reply, rlen, &e);
        if (rc != HELIOS_OK)
            __atomic_fetch_add(&pa->failures, 1, __ATOMIC_RELAXED);
        free(msg);
        free(reply);
    }
}

/* message() and receive() for different nodes from 4 threads at once, no
 * lock of the caller's (run under ThreadSanitizer too): the sums are right. */
static void test_concurrent_stages(void)
{
    enum { N = 32, D = 2000, THREADS = 4 };
    Sim sm;
    int drop[N];
    hl_err err;
    CHECK_INT(sim_open(&sm, N, 0, D, NULL, 0, 77), 0);
    for (int r = 1; r <= 3; r++) {
        drops(drop, N, r == 1 ? 0 : 5, r, 3,
              r == 2 ? HL_SECAGG_MASKED_INPUT : HL_SECAGG_UNMASKING);
        sim_inputs(&sm);
        unsigned char all[N];
        memset(all, 1, sizeof all);
        hl_err_clear(&err);
        int rc = hl_secagg_server_begin(sm.srv, r, all, &err);
        while (rc == HELIOS_OK && hl_secagg_server_round(sm.srv) != HL_SECAGG_DONE) {
            Par pa = { &sm, drop, (int)hl_secagg_server_round(sm.srv), 0, 0 };
            pthread_t tid[THREADS];
            for (int i = 0; i < THREADS; i++)
                pthread_create(&tid[i], NULL, par_worker, &pa);
            for (int i = 0; i < THREADS; i++)
                pthread_join(tid[i], NULL);
            CHECK_INT(pa.failures, 0);
            rc = hl_secagg_server_advance(sm.srv, &err);
        }
        CHECK_INT(rc, HELIOS_OK);
        if (rc == HELIOS_OK)
            check_sum(&sm, NULL, drop);
    }
    sim_close(&sm);
}

/* ---- malformed, tampered and replayed messages ----------------------------- */

/* Bad variants of a good message, each of which must be refused: every
 * strict prefix, a byte appended, another version, another type, another
 * session (not for SETUP: it names the session), the count field at
 * count_at raised by one and set to 0xffffffff, and (round_at >= 0) the
 * round raised by one. */
typedef int (*Feed)(Sim *sm, int u, const uint8_t *m, size_t len, hl_err *err);

static int refused_variants(Sim *sm, int u, const uint8_t *good, size_t len, int setup,
                            size_t count_at, long round_at, Feed feed)
{
    int accepted = 0;
    uint8_t *m = malloc(len + 1);
    hl_err err;
    for (size_t k = 0; k < len; k++) {
        hl_err_clear(&err);
        memcpy(m, good, k);
        int rc = feed(sm, u, k ? m : NULL, k, &err);
        accepted += rc == HELIOS_OK;
        if (rc == HELIOS_OK)
            fprintf(stderr, "prefix %zu of type %d accepted\n", k, good[1]);
    }
    for (int v = 0; v < 7; v++) {
        memcpy(m, good, len);
        size_t mlen = len;
        switch (v) {
        case 0: m[len] = 0; mlen++; break;
        case 1: m[0]++; break;
        case 2: m[1] ^= 0x0f; break;
        case 3: if (setup) continue; m[5] ^= 1; break;
        case 4: m[count_at]++; break;
        case 5: memset(m + count_at, 0xff, 4); break;
        default: if (round_at < 0) continue; m[round_at]++; break;
        }
        hl_err_clear(&err);
        int rc = feed(sm, u, m, mlen, &err);
        accepted += rc == HELIOS_OK;
        if (rc == HELIOS_OK)
            fprintf(stderr, "variant %d of type %d accepted\n", v, good[1]);
    }
    free(m);
    return accepted;
}

static int feed_client(Sim *sm, int u, const uint8_t *m, size_t len, hl_err *err)
{
    uint8_t *reply = NULL;
    size_t rlen = 0;
    int rc = answer(sm, u, m, len, &reply, &rlen, err);
    free(reply);
    return rc;
}

static int feed_server(Sim *sm, int u, const uint8_t *m, size_t len, hl_err *err)
{
    return hl_secagg_server_receive(sm->srv, u, m, len, err);
}

/* At every stage of the setup and of a round, node 0's message and reply
 * are first offered in every bad variant (all refused), then as they are:
 * the session goes on and sums right, so no refused message changed the
 * client or the server.  Also: a reply passed as another node's, a second
 * reply, the same message twice. */
static void test_malformed_each_stage(void)
{
    enum { N = 4, D = 6 };
    /* Offsets after the header: the first count, the round (-1: none; a
     * SHARE of a later round is a good message). */
    static const size_t count_to[5] = { 12, 0, 12, 8, 8 }, count_from[5] = { 0, 4, 12, 12, 12 };
    static const long round_to[5] = { -1, -1, -1, 0, 0 }, round_from[5] = { -1, -1, 4, 4, 4 };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 3, D, NULL, 0, 11), 0);
    unsigned char all[N] = { 1, 1, 1, 1 };
    CHECK_INT(hl_secagg_server_begin(sm.srv, 1, all, &err), HELIOS_OK);
    for (int k = 0; k < 5; k++) {
        CHECK_INT(hl_secagg_server_round(sm.srv), k);
        uint8_t *msg = NULL, *reply = NULL, *other = NULL;
        size_t len = 0, rlen = 0, olen = 0;
        CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
        CHECK_INT(hl_secagg_message_round(msg, len), k);
        CHECK_INT(refused_variants(&sm, 0, msg, len, k == 0, 18 + count_to[k],
                                   round_to[k] < 0 ? -1 : 18 + round_to[k], feed_client), 0);
        CHECK_INT(answer(&sm, 0, msg, len, &reply, &rlen, &err), HELIOS_OK);
        /* The same message again: the client has moved on. */
        hl_err_clear(&err);
        CHECK(answer(&sm, 0, msg, len, &other, &olen, &err) != HELIOS_OK);
        CHECK(other == NULL);
        CHECK_INT(refused_variants(&sm, 0, reply, rlen, 0, 18 + count_from[k],
                                   round_from[k] < 0 ? -1 : 18 + round_from[k], feed_server), 0);
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
        int drop[N] = { 0, NONE, NONE, NONE };
        hl_err_clear(&err);
        CHECK_INT(sim_stage(&sm, drop, &err), HELIOS_OK);
    }
    check_sum(&sm, NULL, NULL);
    sim_close(&sm);
}

/* Messages of one round offered in the next: refused by the node (SHARE,
 * CIPHERTEXTS, UNMASK) and by the server (MASKED, REVEAL); the round then
 * completes. */
static void test_replayed_round(void)
{
    enum { N = 4, D = 5 };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 2, D, NULL, 0, 21), 0);
    unsigned char all[N] = { 1, 1, 1, 1 };
    /* Round 1, keeping node 0's messages and replies. */
    uint8_t *old_msg[5] = { 0 }, *old_reply[5] = { 0 };
    size_t old_len[5] = { 0 }, old_rlen[5] = { 0 };
    CHECK_INT(hl_secagg_server_begin(sm.srv, 1, all, &err), HELIOS_OK);
    while (hl_secagg_server_round(sm.srv) != HL_SECAGG_DONE) {
        int k = (int)hl_secagg_server_round(sm.srv);
        CHECK_INT(hl_secagg_server_message(sm.srv, 0, &old_msg[k], &old_len[k], &err), HELIOS_OK);
        CHECK_INT(answer(&sm, 0, old_msg[k], old_len[k], &old_reply[k], &old_rlen[k], &err),
                  HELIOS_OK);
        CHECK_INT(hl_secagg_server_receive(sm.srv, 0, old_reply[k], old_rlen[k], &err), HELIOS_OK);
        int drop[N] = { 0, NONE, NONE, NONE };
        CHECK_INT(sim_stage(&sm, drop, &err), HELIOS_OK);
    }
    check_sum(&sm, NULL, NULL);
    /* Round 2: each old message and reply at its stage, then the new ones. */
    CHECK_INT(hl_secagg_server_begin(sm.srv, 2, all, &err), HELIOS_OK);
    for (int k = HL_SECAGG_SHARE; k <= HL_SECAGG_UNMASKING; k++) {
        CHECK_INT(hl_secagg_server_round(sm.srv), k);
        hl_err_clear(&err);
        CHECK_INT(feed_client(&sm, 0, old_msg[k], old_len[k], &err), HELIOS_ERROR);
        CHECK_STR(strstr(err.msg, "round 1"), k == HL_SECAGG_SHARE
                  ? "round 1, and this node has shared round 1 (a replay?)"
                  : "round 1, this node is at round 2");
        uint8_t *msg = NULL, *reply = NULL;
        size_t len = 0, rlen = 0;
        CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
        CHECK_INT(answer(&sm, 0, msg, len, &reply, &rlen, &err), HELIOS_OK);
        if (k != HL_SECAGG_SHARE) {     /* a SHARES of another round has another size */
            hl_err_clear(&err);
            CHECK_INT(hl_secagg_server_receive(sm.srv, 0, old_reply[k], old_rlen[k], &err),
                      HELIOS_ERROR);
            CHECK_STR(strstr(err.msg, "it is of round 1"),
                      "it is of round 1, the server is at round 2");
        }
        CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_OK);
        free(msg);
        free(reply);
        int drop[N] = { 0, NONE, NONE, NONE };
        CHECK_INT(sim_stage(&sm, drop, &err), HELIOS_OK);
    }
    check_sum(&sm, NULL, NULL);
    for (int k = 0; k < 5; k++) {
        free(old_msg[k]);
        free(old_reply[k]);
    }
    sim_close(&sm);
}

/* A REVEAL that gives the share of the other kind (b for a dropped node,
 * K for a survivor) is refused: the server never holds both. */
static void test_reveal_kind_refused(void)
{
    enum { N = 4, D = 3 };
    int drop[N] = { NONE, NONE, NONE, HL_SECAGG_MASKED_INPUT };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 2, D, NULL, 0, 12), 0);
    unsigned char all[N] = { 1, 1, 1, 1 };
    CHECK_INT(hl_secagg_server_begin(sm.srv, 1, all, &err), HELIOS_OK);
    while (hl_secagg_server_round(sm.srv) != HL_SECAGG_UNMASKING)
        CHECK_INT(sim_stage(&sm, drop, &err), HELIOS_OK);
    uint8_t *msg = NULL, *reply = NULL;
    size_t len = 0, rlen = 0;
    CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
    CHECK_INT(answer(&sm, 0, msg, len, &reply, &rlen, &err), HELIOS_OK);
    /* Entries: v (4 bytes), kind (1), 5 x 8 bytes, from offset 34. */
    CHECK(rlen == 34 + 4 * 45);
    reply[34 + 4] ^= 1;                 /* node 0 survived: a K share now */
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: the REVEAL reply of node 0 is malformed: node 0 "
                       "survived, and its seed key share was revealed");
    reply[34 + 4] ^= 1;
    reply[34 + 3 * 45 + 4] ^= 1;        /* node 3 dropped: a b share now */
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: the REVEAL reply of node 0 is malformed: node 3 "
                       "dropped out, and its mask seed share was revealed");
    reply[34 + 3 * 45 + 4] ^= 1;        /* as it was */
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_OK);
    /* A second UNMASK is refused by a node that answered. */
    free(reply);
    reply = NULL;
    hl_err_clear(&err);
    CHECK_INT(answer(&sm, 0, msg, len, &reply, &rlen, &err), HELIOS_MISUSE);
    free(msg);
    drop[0] = HL_SECAGG_UNMASKING;      /* has answered */
    CHECK_INT(sim_stage(&sm, drop, &err), HELIOS_OK);
    drop[0] = NONE;
    check_sum(&sm, NULL, drop);
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
    unsigned char all[N] = { 1, 1, 1 };
    CHECK_INT(hl_secagg_server_begin(sm.srv, 1, all, &err), HELIOS_OK);
    while (hl_secagg_server_round(sm.srv) != HL_SECAGG_MASKED_INPUT)
        CHECK_INT(sim_stage(&sm, NULL, &err), HELIOS_OK);
    uint8_t *msg = NULL, *reply = NULL;
    size_t len = 0, rlen = 0;
    CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
    msg[18 + 8 + 4 + 4 + 10] ^= 0x40;   /* inside the first sealed share (from node 1) */
    CHECK_INT(answer(&sm, 0, msg, len, &reply, &rlen, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_receive(sm.srv, 0, reply, rlen, &err), HELIOS_OK);
    free(msg);
    free(reply);
    int drop[N] = { HL_SECAGG_MASKED_INPUT, NONE, NONE };      /* has answered */
    CHECK_INT(sim_stage(&sm, drop, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_message(sm.srv, 0, &msg, &len, &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(answer(&sm, 0, msg, len, &reply, &rlen, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: the shares node 1 sealed for node 0 do not "
                       "authenticate (tampered with, or sealed under another key or round)");
    free(msg);
    sim_close(&sm);
}

/* A dropped node's seeds that do not open with the rebuilt key (here
 * altered in its SHARES reply) fail the round at UNMASKING, not the
 * session: the next round, with that node, sums right. */
static void test_bad_seeds_fail_round(void)
{
    enum { N = 4, D = 7 };
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, N, 2, D, NULL, 0, 14), 0);
    good_round(&sm, 1, NULL, NULL);
    unsigned char all[N] = { 1, 1, 1, 1 };
    CHECK_INT(hl_secagg_server_begin(sm.srv, 2, all, &err), HELIOS_OK);
    uint8_t *msg = NULL, *reply = NULL;
    size_t len = 0, rlen = 0;
    CHECK_INT(hl_secagg_server_message(sm.srv, 3, &msg, &len, &err), HELIOS_OK);
    CHECK_INT(answer(&sm, 3, msg, len, &reply, &rlen, &err), HELIOS_OK);
    reply[rlen - 20] ^= 1;              /* in its sealed seeds */
    CHECK_INT(hl_secagg_server_receive(sm.srv, 3, reply, rlen, &err), HELIOS_OK);
    free(msg);
    free(reply);
    int drop[N] = { NONE, NONE, NONE, HL_SECAGG_SHARE };   /* answered; then gone */
    int rc = HELIOS_OK;
    while (rc == HELIOS_OK && hl_secagg_server_round(sm.srv) != HL_SECAGG_DONE) {
        drop[3] = hl_secagg_server_round(sm.srv) == HL_SECAGG_SHARE ? HL_SECAGG_SHARE
                                                                     : HL_SECAGG_MASKED_INPUT;
        rc = sim_stage(&sm, drop, &err);
    }
    CHECK_INT(rc, HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: the seeds of node 3 do not open with the key rebuilt "
                       "from the revealed shares (a node revealed a wrong share)");
    CHECK_INT(hl_secagg_server_round(sm.srv), HL_SECAGG_FAILED);
    good_round(&sm, 3, NULL, NULL);
    sim_close(&sm);
}

/* 1 to 4 bytes changed, and one time in four the message cut short. */
static void corrupt(uint64_t *s, uint8_t *m, size_t *len)
{
    if (*len == 0)
        return;
    int flips = 1 + (int)(next_u64(s) % 4);
    for (int f = 0; f < flips; f++)
        m[next_u64(s) % *len] ^= (uint8_t)(1 + next_u64(s) % 255);
    if (next_u64(s) % 4 == 0)
        *len = next_u64(s) % *len;
}

/* Random corruption (1 to 4 bytes changed, or cut) of one message or reply
 * at one stage of one of three rounds, every round run to its end whatever
 * happens: no crash, no leak (run under ASan), any error is a message. */
static void test_fuzz_sessions(void)
{
    enum { N = 4, D = 5, ITER = 40, ROUNDS = 3 };
    uint64_t s = 2024;
    int sessions = 0, done = 0;
    for (int target = 0; target < 5; target++)
        for (int it = 0; it < ITER; it++) {
            Sim sm;
            if (sim_open(&sm, N, 2, D, NULL, 0, s) != 0)
                break;
            int to_node = (int)(next_u64(&s) & 1), hit_round = (int)(next_u64(&s) % ROUNDS);
            int hit_node = (int)(next_u64(&s) % N);
            unsigned char all[N] = { 1, 1, 1, 1 };
            for (int r = 0; r < ROUNDS; r++) {
                hl_err err;
                hl_err_clear(&err);
                if (hl_secagg_server_begin(sm.srv, r, all, &err) != HELIOS_OK)
                    continue;
                while (hl_secagg_server_round(sm.srv) != HL_SECAGG_DONE) {
                    int k = (int)hl_secagg_server_round(sm.srv);
                    for (int u = 0; u < N; u++) {
                        uint8_t *msg = NULL, *reply = NULL;
                        size_t len = 0, rlen = 0;
                        hl_err e;
                        hl_err_clear(&e);
                        if (hl_secagg_server_message(sm.srv, u, &msg, &len, &e) != HELIOS_OK)
                            continue;
                        int hit = k == target && u == hit_node &&
                                  (k < HL_SECAGG_SHARE || r == hit_round);
                        if (hit && to_node)
                            corrupt(&s, msg, &len);
                        hl_err_clear(&e);
                        if (answer(&sm, u, msg, len, &reply, &rlen, &e) == HELIOS_OK) {
                            if (hit && !to_node)
                                corrupt(&s, reply, &rlen);
                            hl_err_clear(&e);
                            hl_secagg_server_receive(sm.srv, u, reply, rlen, &e);
                        }
                        free(msg);
                        free(reply);
                    }
                    hl_err_clear(&err);
                    if (hl_secagg_server_advance(sm.srv, &err) != HELIOS_OK)
                        break;
                }
                done += hl_secagg_server_round(sm.srv) == HL_SECAGG_DONE;
            }
            sessions++;
            sim_close(&sm);
        }
    CHECK_INT(sessions, 5 * ITER);
    CHECK(done > 5 * ITER * ROUNDS / 2);        /* most rounds survive one bad message */
}

/* A node dispatches on the message; out of order is refused. */
static void test_message_round(void)
{
    Sim sm;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(sim_open(&sm, 3, 2, 2, NULL, 0, 1), 0);
    uint8_t *msg = NULL, *reply = NULL;
    size_t len = 0, rlen = 0;
    unsigned char all[3] = { 1, 1, 1 };
    CHECK_INT(hl_secagg_server_begin(sm.srv, 1, all, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_message(sm.srv, 1, &msg, &len, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_message_round(msg, len), HL_SECAGG_SETUP_ADVERTISE);
    CHECK_INT(hl_secagg_message_round(msg, 5), -1);
    CHECK_INT(hl_secagg_message_round(NULL, 0), -1);
    free(msg);
    /* Nothing before SETUP. */
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_client_handle(sm.cli[1], NULL, 0, NULL, 0, &reply, &rlen, &err),
              HELIOS_ERROR);
    CHECK_STR(err.msg, "secure aggregation: a server message is malformed: 0 bytes, shorter "
                       "than a header (18)");
    CHECK_INT(sim_stage(&sm, NULL, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_message(sm.srv, 1, &msg, &len, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_message_round(msg, len), HL_SECAGG_SETUP_KEYS);
    free(msg);
    CHECK_INT(sim_stage(&sm, NULL, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_round(sm.srv), HL_SECAGG_SHARE);
    CHECK_INT(sim_stage(&sm, NULL, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_server_message(sm.srv, 1, &msg, &len, &err), HELIOS_OK);
    CHECK_INT(hl_secagg_message_round(msg, len), HL_SECAGG_MASKED_INPUT);
    /* The masked input needs the vector. */
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_client_handle(sm.cli[1], msg, len, NULL, 0, &reply, &rlen, &err),
              HELIOS_MISUSE);
    CHECK_STR(err.msg, "secure aggregation: a vector of 0 coordinates where the session has 2");
    free(msg);
    /* A node that has not shared gets a CIPHERTEXTS: out of order. */
    HlSecAggClient *fresh = hl_secagg_client_new();
    CHECK_INT(hl_secagg_server_message(sm.srv, 2, &msg, &len, &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_client_handle(fresh, msg, len, sm.x, 2, &reply, &rlen, &err),
              HELIOS_MISUSE);
    CHECK_STR(err.msg, "secure aggregation: a CIPHERTEXTS request came to a node at the start "
                       "of the session (key setup)");
    hl_secagg_client_free(fresh);
    free(msg);
    sim_close(&sm);
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
    CHECK_STR(err.msg, "secure aggregation: threshold t=6 with 5 nodes; 2 <= t <= n (or 0: a "
                       "majority of each round's nodes) was expected");
    hl_err_clear(&err);
    CHECK(hl_secagg_server_new(&t1, &err) == NULL);
    hl_err_clear(&err);
    CHECK(hl_secagg_server_new(&no_dim, &err) == NULL);
    /* Before the first begin: no stage, no result. */
    HlSecAggConfig ok = { 3, 0, 2, NULL, 0 };
    HlSecAggServer *s = hl_secagg_server_new(&ok, &err);
    CHECK(s != NULL);
    CHECK_INT(hl_secagg_server_round(s), HL_SECAGG_FAILED);
    CHECK_INT(hl_secagg_server_active(s, 0), 0);
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_result(s, NULL, NULL, NULL, &err), HELIOS_MISUSE);
    hl_err_clear(&err);
    CHECK_INT(hl_secagg_server_advance(s, &err), HELIOS_MISUSE);
    hl_secagg_server_free(s);
    hl_secagg_server_free(NULL);
    hl_secagg_client_free(NULL);
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
    RUN(test_shamir_split_at);
    RUN(test_hmac);
    RUN(test_fixed_point_hand);
    RUN(test_fixed_point_bound);
    RUN(test_fixed_point_errors);
    RUN(test_config_errors);
    RUN(test_session_rounds);
    RUN(test_session_shapes);
    RUN(test_setup_dropout);
    RUN(test_too_few);
    RUN(test_abandoned);
    RUN(test_masks_fresh_each_round);
    RUN(test_concurrent_stages);
    RUN(test_malformed_each_stage);
    RUN(test_replayed_round);
    RUN(test_reveal_kind_refused);
    RUN(test_tampered_share);
    RUN(test_bad_seeds_fail_round);
    RUN(test_fuzz_sessions);
    RUN(test_message_round);
    return unit_report();
}
