/*
 * secagg_client.c - a node's side of secure aggregation (Bonawitz et al.
 * 2017, Figure 4, the "User" column; see secagg.h).
 *
 * Each round's function parses the whole server message first, then does
 * its work into temporaries, and changes the client only once the reply is
 * made: a failed call leaves the client as it was.
 */
#include "helios.h"
#include "secagg_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct HlSecAggClient {
    HlSecAggRound round;        /* the round whose message comes next */
    HlSaCrypto crypto;
    /* round 0: the session */
    uint8_t session[HL_SA_SESSION];
    int n, t, index, dim, nsegs;
    HlSecAggSegment *segs;
    EVP_PKEY *ckey, *skey;      /* c: seals shares; s: pairwise mask seeds */
    uint8_t cpub[HL_SA_KEY], spub[HL_SA_KEY];
    /* round 1 */
    uint8_t *in1;               /* n flags: U1 */
    uint8_t (*spk)[HL_SA_KEY];  /* n: the s_pk of each node of U1 */
    uint8_t (*kc)[HL_SA_KEY];   /* n: the sealing key shared with each node of U1 */
    uint8_t b[HL_SA_KEY];       /* the self-mask seed */
    uint64_t own_b[HL_SA_CHUNKS];   /* this node's share of b (x = index + 1) */
    /* round 2 */
    uint8_t *in2;               /* n flags: U2 */
    uint8_t (*sealed)[HL_SA_SEALED];    /* n: what each node of U2 sealed for this one */
};

HlSecAggClient *hl_secagg_client_new(void)
{
    HlSecAggClient *c = calloc(1, sizeof *c);
    hl_err err;
    hl_err_clear(&err);
    if (!c || hl_sa_crypto_init(&c->crypto, &err) != HELIOS_OK) {
        free(c);
        return NULL;
    }
    c->round = HL_SECAGG_ADVERTISE_KEYS;
    return c;
}

/* Frees and wipes what rounds 1 and 2 keep. */
static void drop_round_state(HlSecAggClient *c)
{
    if (c->kc)
        OPENSSL_cleanse(c->kc, (size_t)c->n * sizeof *c->kc);
    free(c->in1);
    free(c->spk);
    free(c->kc);
    free(c->in2);
    free(c->sealed);
    c->in1 = c->in2 = NULL;
    c->spk = c->kc = NULL;
    c->sealed = NULL;
    OPENSSL_cleanse(c->b, sizeof c->b);
    OPENSSL_cleanse(c->own_b, sizeof c->own_b);
}

void hl_secagg_client_free(HlSecAggClient *c)
{
    if (!c)
        return;
    drop_round_state(c);
    EVP_PKEY_free(c->ckey);
    EVP_PKEY_free(c->skey);
    free(c->segs);
    hl_sa_crypto_clear(&c->crypto);
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
}

static int out_of_order(const HlSecAggClient *c, HlSecAggRound want, hl_err *err)
{
    static const char *const names[] = {
        "AdvertiseKeys round", "ShareKeys round", "MaskedInputCollection round",
        "Unmasking round", "end of the session"
    };
    if (c->round == want)
        return HELIOS_OK;
    return hl_err_set(err, HELIOS_MISUSE, -1,
                      "secure aggregation: a message of the %s came to a node at the %s",
                      names[want], names[c->round]);
}

/* ---- round 0: AdvertiseKeys -------------------------------------------- */

/* What SETUP says; segs malloc'd. */
typedef struct Setup {
    uint32_t n, t, index, dim, nsegs;
    HlSecAggSegment *segs;
} Setup;

static int parse_setup(const uint8_t *msg, size_t len, Setup *st, hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_SETUP, NULL, "the AdvertiseKeys request", err);
    if (rc != HELIOS_OK)
        return rc;
    st->n = hl_sa_r_u32(&r);
    st->t = hl_sa_r_u32(&r);
    st->index = hl_sa_r_u32(&r);
    st->dim = hl_sa_r_u32(&r);
    st->nsegs = hl_sa_r_u32(&r);
    if (r.bad)
        return hl_sa_r_close(&r, err);
    if (st->n < HL_SECAGG_MIN_NODES || st->n > HL_SECAGG_MAX_NODES || st->t < 2 ||
        st->t > st->n || st->index >= st->n)
        return hl_sa_r_fail(&r, err, "n=%u, t=%u, index %u (2 <= t <= n <= %d, index < n)",
                            st->n, st->t, st->index, HL_SECAGG_MAX_NODES);
    if (st->dim > HL_SECAGG_MAX_DIM)
        return hl_sa_r_fail(&r, err, "a vector of %u coordinates (at most %d)", st->dim,
                            HL_SECAGG_MAX_DIM);
    if (st->nsegs < 1 || st->nsegs > HL_SECAGG_MAX_SEGMENTS || !hl_sa_r_fits(&r, st->nsegs, 20))
        return hl_sa_r_fail(&r, err, "%u segments in %zu bytes", st->nsegs, len);
    st->segs = malloc(st->nsegs * sizeof *st->segs);
    if (!st->segs)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (uint32_t i = 0; i < st->nsegs; i++) {
        uint32_t count = hl_sa_r_u32(&r);
        st->segs[i].count = count > HL_SECAGG_MAX_DIM ? -1 : (int)count;
        st->segs[i].lo = hl_sa_r_f64(&r);
        st->segs[i].hi = hl_sa_r_f64(&r);
    }
    hl_err why;
    hl_err_clear(&why);
    rc = hl_sa_r_close(&r, err);
    if (rc == HELIOS_OK &&
        hl_secagg_check_layout(st->segs, (int)st->nsegs, (int)st->dim, &why) != HELIOS_OK)
        rc = hl_sa_r_fail(&r, err, "%s", why.msg);
    if (rc != HELIOS_OK) {
        free(st->segs);
        st->segs = NULL;
    }
    return rc;
}

int hl_secagg_client_advertise_keys(HlSecAggClient *c, const uint8_t *msg, size_t len,
                                    uint8_t **reply, size_t *rlen, hl_err *err)
{
    Setup st = { 0 };
    EVP_PKEY *ck = NULL, *sk = NULL;
    uint8_t cpub[HL_SA_KEY], spub[HL_SA_KEY];
    HlSaWriter w = { 0 };
    int rc = out_of_order(c, HL_SECAGG_ADVERTISE_KEYS, err);
    if (rc == HELIOS_OK)
        rc = parse_setup(msg, len, &st, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_keygen(&ck, cpub, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_keygen(&sk, spub, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_w_open(&w, HL_SA_HEADER + 4 + 2 * HL_SA_KEY, HL_SA_ADVERTISE, msg + 2, err);
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(&w, st.index);
        hl_sa_w_bytes(&w, cpub, HL_SA_KEY);
        hl_sa_w_bytes(&w, spub, HL_SA_KEY);
        rc = hl_sa_w_close(&w, reply, rlen, err);
    }
    if (rc != HELIOS_OK) {
        EVP_PKEY_free(ck);
        EVP_PKEY_free(sk);
        free(st.segs);
        return rc;
    }
    memcpy(c->session, msg + 2, HL_SA_SESSION);
    c->n = (int)st.n;
    c->t = (int)st.t;
    c->index = (int)st.index;
    c->dim = (int)st.dim;
    c->nsegs = (int)st.nsegs;
    c->segs = st.segs;
    c->ckey = ck;
    c->skey = sk;
    memcpy(c->cpub, cpub, HL_SA_KEY);
    memcpy(c->spub, spub, HL_SA_KEY);
    c->round = HL_SECAGG_SHARE_KEYS;
    return HELIOS_OK;
}

/* ---- round 1: ShareKeys ------------------------------------------------- */

static int cmp_key(const void *a, const void *b)
{
    return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b, HL_SA_KEY);
}

/* The paper's check that the m advertised key pairs are pairwise distinct
 * (keys[0..2m) point into the message): a server that copied one node's
 * key to another could otherwise make two nodes mask alike. */
static int keys_distinct(const uint8_t **keys, size_t nkeys)
{
    qsort(keys, nkeys, sizeof *keys, cmp_key);
    for (size_t i = 1; i < nkeys; i++)
        if (memcmp(keys[i - 1], keys[i], HL_SA_KEY) == 0)
            return 0;
    return 1;
}

/* Parses KEYS into in1 (n flags) and the c_pk and s_pk of each member
 * (pointers into msg). */
static int parse_keys(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t *in1,
                      const uint8_t **cpk, const uint8_t **spk, int *m1, hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_KEYS, c->session, "the ShareKeys request", err);
    if (rc != HELIOS_OK)
        return rc;
    uint32_t m = hl_sa_r_u32(&r);
    if (m > (uint32_t)c->n || !hl_sa_r_fits(&r, m, 4 + 2 * HL_SA_KEY))
        return hl_sa_r_fail(&r, err, "%u keys for a session of %d nodes in %zu bytes", m, c->n,
                            len);
    long prev = -1;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = hl_sa_r_u32(&r);
        if (v >= (uint32_t)c->n || (long)v <= prev)
            return hl_sa_r_fail(&r, err, "node %u out of order or not in the session", v);
        prev = v;
        in1[v] = 1;
        cpk[v] = hl_sa_r_bytes(&r, HL_SA_KEY);
        spk[v] = hl_sa_r_bytes(&r, HL_SA_KEY);
    }
    if ((rc = hl_sa_r_close(&r, err)) != HELIOS_OK)
        return rc;
    if (!in1[c->index] || memcmp(cpk[c->index], c->cpub, HL_SA_KEY) != 0 ||
        memcmp(spk[c->index], c->spub, HL_SA_KEY) != 0)
        return hl_sa_r_fail(&r, err, "this node's own keys are not in it");
    if ((int)m < c->t)
        return hl_sa_too_few(err, c->t, (int)m);
    const uint8_t **keys = malloc(2 * (size_t)m * sizeof *keys);
    if (!keys)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    size_t k = 0;
    for (int v = 0; v < c->n; v++)
        if (in1[v]) {
            keys[k++] = cpk[v];
            keys[k++] = spk[v];
        }
    int distinct = keys_distinct(keys, k);
    free(keys);
    if (!distinct)
        return hl_sa_r_fail(&r, err, "two of its public keys are equal");
    *m1 = (int)m;
    return HELIOS_OK;
}

/* The shares of s_sk and b for every x = 1..n: n * 2 * HL_SA_CHUNKS
 * elements, node v's s share then b share at [v * 2 * HL_SA_CHUNKS]. */
static int make_shares(HlSecAggClient *c, const uint8_t b[HL_SA_KEY], uint64_t *shares,
                       hl_err *err)
{
    uint8_t sk[HL_SA_KEY];
    uint64_t secret[2 * HL_SA_CHUNKS];
    int rc = hl_sa_key_private(c->skey, sk, err);
    if (rc == HELIOS_OK) {
        hl_shamir_pack(sk, HL_SA_KEY, secret);
        hl_shamir_pack(b, HL_SA_KEY, secret + HL_SA_CHUNKS);
        rc = hl_shamir_split(secret, 2 * HL_SA_CHUNKS, c->t, c->n, shares, err);
    }
    OPENSSL_cleanse(sk, sizeof sk);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

/* Seals node v's shares under the c-key agreement with v (kept in kc[v]
 * for opening v's shares in round 3). */
static int seal_for(HlSecAggClient *c, EVP_PKEY_CTX *ctx, int v, const uint8_t *cpk,
                    const uint64_t *share, uint8_t (*kc)[HL_SA_KEY], HlSaWriter *w, hl_err *err)
{
    uint8_t plain[HL_SA_PLAIN], sealed[HL_SA_SEALED];
    int rc = hl_sa_agree(&c->crypto, ctx, cpk, HL_SA_PURPOSE_SEAL, c->session, kc[v], err);
    if (rc == HELIOS_OK) {
        for (int e = 0; e < 2 * HL_SA_CHUNKS; e++)
            for (int i = 0; i < 8; i++)
                plain[8 * e + i] = (uint8_t)(share[e] >> (8 * i));
        rc = hl_sa_seal(&c->crypto, kc[v], c->session, (uint32_t)c->index, (uint32_t)v, plain,
                        sealed, err);
    }
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(w, (uint32_t)v);
        hl_sa_w_bytes(w, sealed, HL_SA_SEALED);
    }
    OPENSSL_cleanse(plain, sizeof plain);
    return rc;
}

int hl_secagg_client_share_keys(HlSecAggClient *c, const uint8_t *msg, size_t len,
                                uint8_t **reply, size_t *rlen, hl_err *err)
{
    int rc = out_of_order(c, HL_SECAGG_SHARE_KEYS, err);
    if (rc != HELIOS_OK)
        return rc;
    size_t n = (size_t)c->n, nsh = n * 2 * HL_SA_CHUNKS;
    uint8_t *in1 = calloc(n, 1);
    const uint8_t **cpk = calloc(n, sizeof *cpk), **spk = calloc(n, sizeof *spk);
    uint8_t (*spkc)[HL_SA_KEY] = calloc(n, sizeof *spkc), (*kc)[HL_SA_KEY] = calloc(n, sizeof *kc);
    uint64_t *shares = malloc(nsh * sizeof *shares);
    uint8_t b[HL_SA_KEY];
    EVP_PKEY_CTX *ctx = NULL;
    HlSaWriter w = { 0 };
    int m1 = 0;
    if (!in1 || !cpk || !spk || !spkc || !kc || !shares)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = parse_keys(c, msg, len, in1, cpk, spk, &m1, err);
    if (rc == HELIOS_OK && RAND_bytes(b, sizeof b) != 1)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the random generator (RAND_bytes) failed");
    if (rc == HELIOS_OK)
        rc = make_shares(c, b, shares, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_agree_init(c->ckey, &ctx, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_w_open(&w, HL_SA_HEADER + 8 + (size_t)(m1 - 1) * (4 + HL_SA_SEALED),
                          HL_SA_SHARES, c->session, err);
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(&w, (uint32_t)c->index);
        hl_sa_w_u32(&w, (uint32_t)(m1 - 1));
    }
    for (int v = 0; v < c->n && rc == HELIOS_OK; v++)
        if (in1[v] && v != c->index)
            rc = seal_for(c, ctx, v, cpk[v], shares + (size_t)v * 2 * HL_SA_CHUNKS, kc, &w, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_w_close(&w, reply, rlen, err);
    else
        free(w.p);
    if (rc == HELIOS_OK) {
        for (int v = 0; v < c->n; v++)
            if (in1[v])
                memcpy(spkc[v], spk[v], HL_SA_KEY);
        c->in1 = in1;
        c->spk = spkc;
        c->kc = kc;
        memcpy(c->b, b, HL_SA_KEY);
        memcpy(c->own_b, shares + (size_t)c->index * 2 * HL_SA_CHUNKS + HL_SA_CHUNKS,
               sizeof c->own_b);
        c->round = HL_SECAGG_MASKED_INPUT;
        in1 = NULL;
        spkc = kc = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_cleanse(b, sizeof b);
    if (shares)
        OPENSSL_cleanse(shares, nsh * sizeof *shares);
    if (kc)
        OPENSSL_cleanse(kc, n * sizeof *kc);
    free(shares);
    free(in1);
    free(cpk);
    free(spk);
    free(spkc);
    free(kc);
    return rc;
}

/* ---- round 2: MaskedInputCollection ------------------------------------- */

/* Parses CIPHERTEXTS into in2 (U2, this node included) and sealed. */
static int parse_ciphertexts(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t *in2,
                             uint8_t (*sealed)[HL_SA_SEALED], int *m2, hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_CIPHERTEXTS, c->session,
                          "the MaskedInputCollection request", err);
    if (rc != HELIOS_OK)
        return rc;
    uint32_t m = hl_sa_r_u32(&r);
    if (m >= (uint32_t)c->n || !hl_sa_r_fits(&r, m, 4 + HL_SA_SEALED))
        return hl_sa_r_fail(&r, err, "%u sealed shares for a session of %d nodes in %zu bytes",
                            m, c->n, len);
    long prev = -1;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = hl_sa_r_u32(&r);
        if (v >= (uint32_t)c->n || (long)v <= prev || !c->in1[v] || (int)v == c->index)
            return hl_sa_r_fail(&r, err, "node %u out of order or not among the keys of round 1",
                                v);
        prev = v;
        in2[v] = 1;
        memcpy(sealed[v], hl_sa_r_bytes(&r, HL_SA_SEALED), HL_SA_SEALED);
    }
    if ((rc = hl_sa_r_close(&r, err)) != HELIOS_OK)
        return rc;
    in2[c->index] = 1;
    if ((int)m + 1 < c->t)
        return hl_sa_too_few(err, c->t, (int)m + 1);
    *m2 = (int)m + 1;
    return HELIOS_OK;
}

/* y = enc(x) + PRG(b) + sum_{v in U2, v > u} PRG(s_uv) - sum_{v < u} PRG(s_uv). */
static int mask(HlSecAggClient *c, const uint8_t *in2, uint32_t *y, hl_err *err)
{
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t seed[HL_SA_KEY];
    int rc = hl_sa_prg_add(&c->crypto, c->b, +1, y, (size_t)c->dim, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_agree_init(c->skey, &ctx, err);
    for (int v = 0; v < c->n && rc == HELIOS_OK; v++) {
        if (!in2[v] || v == c->index)
            continue;
        rc = hl_sa_agree(&c->crypto, ctx, c->spk[v], HL_SA_PURPOSE_MASK, c->session, seed, err);
        if (rc == HELIOS_OK)
            rc = hl_sa_prg_add(&c->crypto, seed, v > c->index ? +1 : -1, y, (size_t)c->dim, err);
    }
    OPENSSL_cleanse(seed, sizeof seed);
    EVP_PKEY_CTX_free(ctx);
    return rc;
}

int hl_secagg_client_masked_input(HlSecAggClient *c, const uint8_t *msg, size_t len,
                                  const double *x, int dim, uint8_t **reply, size_t *rlen,
                                  hl_err *err)
{
    int rc = out_of_order(c, HL_SECAGG_MASKED_INPUT, err);
    if (rc != HELIOS_OK)
        return rc;
    if (dim != c->dim || !x)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: a vector of %d coordinates where the session has "
                          "%d", dim, c->dim);
    size_t n = (size_t)c->n;
    uint8_t *in2 = calloc(n, 1);
    uint8_t (*sealed)[HL_SA_SEALED] = malloc(n * sizeof *sealed);
    uint32_t *y = malloc((size_t)dim * sizeof *y);
    int m2 = 0;
    if (!in2 || !sealed || !y)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = parse_ciphertexts(c, msg, len, in2, sealed, &m2, err);
    if (rc == HELIOS_OK)
        rc = hl_secagg_encode(c->segs, c->nsegs, c->n, x, dim, y, NULL, err);
    if (rc == HELIOS_OK)
        rc = mask(c, in2, y, err);
    HlSaWriter w = { 0 };
    if (rc == HELIOS_OK)
        rc = hl_sa_w_open(&w, HL_SA_HEADER + 8 + (size_t)dim * 4, HL_SA_MASKED, c->session, err);
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(&w, (uint32_t)c->index);
        hl_sa_w_u32(&w, (uint32_t)dim);
        for (int j = 0; j < dim; j++)
            hl_sa_w_u32(&w, y[j]);
        rc = hl_sa_w_close(&w, reply, rlen, err);
    }
    if (y)
        OPENSSL_cleanse(y, (size_t)dim * sizeof *y);
    free(y);
    if (rc != HELIOS_OK) {
        free(in2);
        free(sealed);
        return rc;
    }
    c->in2 = in2;
    c->sealed = sealed;
    c->round = HL_SECAGG_UNMASKING;
    return HELIOS_OK;
}

/* ---- round 3: Unmasking ------------------------------------------------- */

/* Parses UNMASK into in3 (U3, which must hold this node). */
static int parse_unmask(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t *in3,
                        hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_UNMASK, c->session, "the Unmasking request", err);
    if (rc != HELIOS_OK)
        return rc;
    uint32_t m = hl_sa_r_u32(&r);
    if (m > (uint32_t)c->n || !hl_sa_r_fits(&r, m, 4))
        return hl_sa_r_fail(&r, err, "%u survivors for a session of %d nodes in %zu bytes", m,
                            c->n, len);
    long prev = -1;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = hl_sa_r_u32(&r);
        if (v >= (uint32_t)c->n || (long)v <= prev || !c->in2[v])
            return hl_sa_r_fail(&r, err, "node %u out of order or not among the nodes of round 2",
                                v);
        prev = v;
        in3[v] = 1;
    }
    if ((rc = hl_sa_r_close(&r, err)) != HELIOS_OK)
        return rc;
    if (!in3[c->index])
        return hl_sa_r_fail(&r, err, "this node is not among the survivors");
    if ((int)m < c->t)
        return hl_sa_too_few(err, c->t, (int)m);
    return HELIOS_OK;
}

/* Node v's entry: its b share when v survived, its s_sk share when it
 * dropped after round 1; never both. */
static int reveal_for(HlSecAggClient *c, int v, int survived, HlSaWriter *w, hl_err *err)
{
    uint8_t plain[HL_SA_PLAIN];
    uint64_t share[HL_SA_CHUNKS];
    int rc = HELIOS_OK;
    if (v == c->index) {
        memcpy(share, c->own_b, sizeof share);      /* this node survived */
    } else {
        rc = hl_sa_open(&c->crypto, c->kc[v], c->session, (uint32_t)v, (uint32_t)c->index,
                        c->sealed[v], plain, err);
        for (int e = 0; e < HL_SA_CHUNKS && rc == HELIOS_OK; e++) {
            const uint8_t *p = plain + 8 * (survived ? HL_SA_CHUNKS + e : e);
            share[e] = 0;
            for (int i = 0; i < 8; i++)
                share[e] |= (uint64_t)p[i] << (8 * i);
        }
    }
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(w, (uint32_t)v);
        hl_sa_w_u8(w, survived ? HL_SA_REVEAL_B : HL_SA_REVEAL_S);
        for (int e = 0; e < HL_SA_CHUNKS; e++)
            hl_sa_w_u64(w, share[e]);
    }
    OPENSSL_cleanse(plain, sizeof plain);
    OPENSSL_cleanse(share, sizeof share);
    return rc;
}

int hl_secagg_client_unmask(HlSecAggClient *c, const uint8_t *msg, size_t len,
                            uint8_t **reply, size_t *rlen, hl_err *err)
{
    int rc = out_of_order(c, HL_SECAGG_UNMASKING, err);
    if (rc != HELIOS_OK)
        return rc;
    uint8_t *in3 = calloc((size_t)c->n, 1);
    int m2 = 0;
    for (int v = 0; v < c->n; v++)
        m2 += c->in2[v];
    HlSaWriter w = { 0 };
    if (!in3)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = parse_unmask(c, msg, len, in3, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_w_open(&w, HL_SA_HEADER + 8 + (size_t)m2 * (5 + 8 * HL_SA_CHUNKS),
                          HL_SA_REVEAL, c->session, err);
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(&w, (uint32_t)c->index);
        hl_sa_w_u32(&w, (uint32_t)m2);
    }
    for (int v = 0; v < c->n && rc == HELIOS_OK; v++)
        if (c->in2[v])
            rc = reveal_for(c, v, in3[v], &w, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_w_close(&w, reply, rlen, err);
    else
        free(w.p);
    free(in3);
    if (rc != HELIOS_OK)
        return rc;
    /* Answered once: the seeds and sealing keys go now, so no second
     * Unmasking request can draw the other share of a node. */
    drop_round_state(c);
    c->round = HL_SECAGG_DONE;
    return HELIOS_OK;
}
