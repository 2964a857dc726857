/*
 * test_shamir.c - the primitives of secure aggregation (src/secagg/):
 * arithmetic in GF(2^61 - 1) and Shamir sharing over it against
 * hand-worked and independently computed values (every subset of shares,
 * one share uniform whatever the secret, shares at chosen points, packing
 * bytes into field elements, the refusals), and HMAC-SHA256 against
 * RFC 4231 with the per-round seeds derived from it.
 */
#include "secagg_helpers.h"

#include "helios.h"
#include "secagg/secagg_int.h"
#include "secagg/shamir.h"

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
    return unit_report();
}
