/*
 * secagg_client.c - a node's side of secure aggregation (Bonawitz et al.
 * 2017, Figure 4, the "User" column, with the key agreement amortized over
 * the session; see secagg.h).
 *
 * One function, hl_secagg_client_handle(), takes every server message and
 * dispatches on its type.  Each handler checks that the message comes in
 * order, parses it whole, does its work into temporaries and changes the
 * client only once the reply is made: a failed call leaves the client as
 * it was.
 *
 * What a node keeps: for the session, c_uv and s_uv for every other node
 * that advertised keys (the private keys are wiped once they are derived);
 * for the current round, its self-mask seed b_u(r) and its pairwise seeds
 * seed_uv(r) until it has sent its masked input, the sealed shares the
 * others sent it and its own b share until it has answered UNMASKING.
 * K_u(r) is wiped as soon as its seeds are sealed under it.
 */
#include "helios.h"
#include "secagg_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum CState {
    C_NEW,                      /* expects SETUP */
    C_ADVERTISED,               /* expects KEYS */
    C_READY,                    /* expects SHARE (between rounds) */
    C_SHARED,                   /* expects CIPHERTEXTS of round r (or a later SHARE) */
    C_MASKED                    /* expects UNMASK of round r (or a later SHARE) */
} CState;

struct HlSecAggClient {
    CState state;
    HlSaCrypto crypto;
    /* the session (SETUP) */
    uint8_t session[HL_SA_SESSION];
    int n, index, dim, nsegs;
    HlSecAggSegment *segs;
    EVP_PKEY *ckey, *skey;      /* until KEYS: then wiped */
    uint8_t cpub[HL_SA_KEY], spub[HL_SA_KEY];
    /* the session's keys (KEYS) */
    uint8_t *haskey;            /* n flags: the nodes that advertised */
    uint8_t (*cuv)[HL_SA_KEY];  /* n: sealing keys */
    uint8_t (*suv)[HL_SA_KEY];  /* n: pairwise mask secrets */
    int shared_any;             /* a round was shared: `round` is the last one */
    int64_t round;
    /* the current round (SHARE, CIPHERTEXTS) */
    int t;
    uint8_t *inU;               /* n flags: U_r */
    uint8_t (*seed)[HL_SA_KEY]; /* n: seed_uv(r) for v in U_r (until MASKED) */
    uint8_t b[HL_SA_KEY];       /* b_u(r) (until MASKED) */
    uint64_t own_b[HL_SA_CHUNKS];       /* this node's share of b_u(r) */
    uint8_t *in2;               /* n flags: U2 */
    uint8_t (*sealed)[HL_SA_SEALED];    /* n: what each node of U2 sealed for this one */
};

static const char *const state_names[] = {
    "start of the session (key setup)", "key setup (KEYS expected)",
    "start of a round (SHARE expected)", "masked input stage (CIPHERTEXTS expected)",
    "unmasking stage (UNMASK expected)"
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
    c->state = C_NEW;
    return c;
}

static void wipe_free(void *p, size_t len)
{
    if (p)
        OPENSSL_cleanse(p, len);
    free(p);
}

/* Frees and wipes the current round's secrets. */
static void drop_round(HlSecAggClient *c)
{
    size_t n = (size_t)c->n;
    free(c->inU);
    wipe_free(c->seed, n * sizeof *c->seed);
    free(c->in2);
    free(c->sealed);
    c->inU = c->in2 = NULL;
    c->seed = NULL;
    c->sealed = NULL;
    OPENSSL_cleanse(c->b, sizeof c->b);
    OPENSSL_cleanse(c->own_b, sizeof c->own_b);
}

/* Frees everything but the crypto handles. */
static void drop_session(HlSecAggClient *c)
{
    drop_round(c);
    size_t n = (size_t)c->n;
    wipe_free(c->cuv, n * sizeof *c->cuv);
    wipe_free(c->suv, n * sizeof *c->suv);
    free(c->haskey);
    EVP_PKEY_free(c->ckey);
    EVP_PKEY_free(c->skey);
    free(c->segs);
    HlSaCrypto crypto = c->crypto;
    OPENSSL_cleanse(c, sizeof *c);
    c->crypto = crypto;
    c->state = C_NEW;
}

void hl_secagg_client_free(HlSecAggClient *c)
{
    if (!c)
        return;
    drop_session(c);
    hl_sa_crypto_clear(&c->crypto);
    free(c);
}

static int out_of_order(const HlSecAggClient *c, const char *what, hl_err *err)
{
    return hl_err_set(err, HELIOS_MISUSE, -1,
                      "secure aggregation: a %s came to a node at the %s", what,
                      state_names[c->state]);
}

/* Reads the round of a round message and checks it is the node's. */
static int check_round(const HlSecAggClient *c, HlSaReader *r, hl_err *err)
{
    int64_t round = (int64_t)hl_sa_r_u64(r);
    if (r->bad)
        return hl_sa_r_close(r, err);
    if (round != c->round)
        return hl_sa_r_fail(r, err, "it is of round %lld, this node is at round %lld",
                            (long long)round, (long long)c->round);
    return HELIOS_OK;
}

/* ---- SETUP -> ADVERTISE ----------------------------------------------- */

typedef struct Setup {
    uint32_t n, index, dim, nsegs;
    HlSecAggSegment *segs;
} Setup;

static int parse_setup(const uint8_t *msg, size_t len, Setup *st, hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_SETUP, NULL, "the SETUP request", err);
    if (rc != HELIOS_OK)
        return rc;
    st->n = hl_sa_r_u32(&r);
    st->index = hl_sa_r_u32(&r);
    st->dim = hl_sa_r_u32(&r);
    st->nsegs = hl_sa_r_u32(&r);
    if (r.bad)
        return hl_sa_r_close(&r, err);
    if (st->n < HL_SECAGG_MIN_NODES || st->n > HL_SECAGG_MAX_NODES || st->index >= st->n)
        return hl_sa_r_fail(&r, err, "n=%u, index %u (2 <= n <= %d, index < n)", st->n,
                            st->index, HL_SECAGG_MAX_NODES);
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

static int on_setup(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t **reply,
                    size_t *rlen, hl_err *err)
{
    /* A SETUP of the session this node is in already is a replay; one of
     * another session starts that one (the old one's state goes). */
    if (c->state != C_NEW && len >= HL_SA_HEADER &&
        memcmp(msg + 2, c->session, HL_SA_SESSION) == 0)
        return out_of_order(c, "SETUP of its own session (a replay)", err);
    Setup st = { 0 };
    EVP_PKEY *ck = NULL, *sk = NULL;
    uint8_t cpub[HL_SA_KEY], spub[HL_SA_KEY];
    HlSaWriter w = { 0 };
    int rc = parse_setup(msg, len, &st, err);
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
    drop_session(c);
    memcpy(c->session, msg + 2, HL_SA_SESSION);
    c->n = (int)st.n;
    c->index = (int)st.index;
    c->dim = (int)st.dim;
    c->nsegs = (int)st.nsegs;
    c->segs = st.segs;
    c->ckey = ck;
    c->skey = sk;
    memcpy(c->cpub, cpub, HL_SA_KEY);
    memcpy(c->spub, spub, HL_SA_KEY);
    c->state = C_ADVERTISED;
    return HELIOS_OK;
}

/* ---- KEYS -> ACK: the session's key agreements ---------------------------- */

static int cmp_key(const void *a, const void *b)
{
    return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b, HL_SA_KEY);
}

/* The paper's check that the advertised keys are pairwise distinct
 * (keys[0..nkeys) point into the message): a server that copied one node's
 * key to another could otherwise make two nodes mask alike. */
static int keys_distinct(const uint8_t **keys, size_t nkeys)
{
    qsort(keys, nkeys, sizeof *keys, cmp_key);
    for (size_t i = 1; i < nkeys; i++)
        if (memcmp(keys[i - 1], keys[i], HL_SA_KEY) == 0)
            return 0;
    return 1;
}

/* Parses KEYS into has (n flags) and the c_pk and s_pk of each node
 * (pointers into msg). */
static int parse_keys(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t *has,
                      const uint8_t **cpk, const uint8_t **spk, int *mout, hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_KEYS, c->session, "the KEYS request", err);
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
        has[v] = 1;
        cpk[v] = hl_sa_r_bytes(&r, HL_SA_KEY);
        spk[v] = hl_sa_r_bytes(&r, HL_SA_KEY);
    }
    if ((rc = hl_sa_r_close(&r, err)) != HELIOS_OK)
        return rc;
    if (!has[c->index] || memcmp(cpk[c->index], c->cpub, HL_SA_KEY) != 0 ||
        memcmp(spk[c->index], c->spub, HL_SA_KEY) != 0)
        return hl_sa_r_fail(&r, err, "this node's own keys are not in it");
    if ((int)m < HL_SECAGG_MIN_NODES)
        return hl_sa_r_fail(&r, err, "the keys of %u node(s); a session needs 2", m);
    const uint8_t **keys = malloc(2 * (size_t)m * sizeof *keys);
    if (!keys)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    size_t k = 0;
    for (int v = 0; v < c->n; v++)
        if (has[v]) {
            keys[k++] = cpk[v];
            keys[k++] = spk[v];
        }
    int distinct = keys_distinct(keys, k);
    free(keys);
    if (!distinct)
        return hl_sa_r_fail(&r, err, "two of its public keys are equal");
    *mout = (int)m;
    return HELIOS_OK;
}

static int on_keys(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t **reply,
                   size_t *rlen, hl_err *err)
{
    if (c->state != C_ADVERTISED)
        return out_of_order(c, "KEYS request", err);
    size_t n = (size_t)c->n;
    uint8_t *has = calloc(n, 1);
    const uint8_t **cpk = calloc(n, sizeof *cpk), **spk = calloc(n, sizeof *spk);
    uint8_t (*cuv)[HL_SA_KEY] = calloc(n, sizeof *cuv), (*suv)[HL_SA_KEY] = calloc(n, sizeof *suv);
    EVP_PKEY_CTX *cctx = NULL, *sctx = NULL;
    HlSaWriter w = { 0 };
    int m = 0, rc = HELIOS_OK;
    if (!has || !cpk || !spk || !cuv || !suv)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = parse_keys(c, msg, len, has, cpk, spk, &m, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_agree_init(c->ckey, &cctx, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_agree_init(c->skey, &sctx, err);
    for (int v = 0; v < c->n && rc == HELIOS_OK; v++) {
        if (!has[v] || v == c->index)
            continue;
        rc = hl_sa_agree(&c->crypto, cctx, cpk[v], HL_SA_PURPOSE_SEAL, c->session, cuv[v], err);
        if (rc == HELIOS_OK)
            rc = hl_sa_agree(&c->crypto, sctx, spk[v], HL_SA_PURPOSE_MASK, c->session, suv[v],
                             err);
    }
    if (rc == HELIOS_OK)
        rc = hl_sa_w_open(&w, HL_SA_HEADER + 8, HL_SA_ACK, c->session, err);
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(&w, (uint32_t)c->index);
        hl_sa_w_u32(&w, (uint32_t)m);
        rc = hl_sa_w_close(&w, reply, rlen, err);
    }
    EVP_PKEY_CTX_free(cctx);
    EVP_PKEY_CTX_free(sctx);
    free(cpk);
    free(spk);
    if (rc != HELIOS_OK) {
        free(has);
        wipe_free(cuv, n * sizeof *cuv);
        wipe_free(suv, n * sizeof *suv);
        return rc;
    }
    c->haskey = has;
    c->cuv = cuv;
    c->suv = suv;
    /* The private keys have done their work: nothing of them stays. */
    EVP_PKEY_free(c->ckey);
    EVP_PKEY_free(c->skey);
    c->ckey = c->skey = NULL;
    c->state = C_READY;
    return HELIOS_OK;
}

/* ---- SHARE -> SHARES ------------------------------------------------------- */

/* Parses SHARE: the round (after the last one shared), t and U_r (members
 * with keys, this node among them) into inU. */
static int parse_share(HlSecAggClient *c, const uint8_t *msg, size_t len, int64_t *round,
                       int *t, uint8_t *inU, int *mout, hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_SHARE_REQ, c->session, "the SHARE request", err);
    if (rc != HELIOS_OK)
        return rc;
    *round = (int64_t)hl_sa_r_u64(&r);
    uint32_t tt = hl_sa_r_u32(&r), m = hl_sa_r_u32(&r);
    if (r.bad)
        return hl_sa_r_close(&r, err);
    if (c->shared_any && *round <= c->round)
        return hl_sa_r_fail(&r, err, "it is of round %lld, and this node has shared round %lld "
                            "(a replay?)", (long long)*round, (long long)c->round);
    if (m > (uint32_t)c->n || !hl_sa_r_fits(&r, m, 4))
        return hl_sa_r_fail(&r, err, "%u nodes for a session of %d in %zu bytes", m, c->n, len);
    if (tt < 2 || tt > m)
        return hl_sa_r_fail(&r, err, "threshold t=%u with %u nodes; 2 <= t <= n was expected",
                            tt, m);
    long prev = -1;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = hl_sa_r_u32(&r);
        if (v >= (uint32_t)c->n || (long)v <= prev || !c->haskey[v])
            return hl_sa_r_fail(&r, err, "node %u out of order or without keys", v);
        prev = v;
        inU[v] = 1;
    }
    if ((rc = hl_sa_r_close(&r, err)) != HELIOS_OK)
        return rc;
    if (!inU[c->index])
        return hl_sa_r_fail(&r, err, "this node is not among the round's nodes");
    *t = (int)tt;
    *mout = (int)m;
    return HELIOS_OK;
}

static void put_share(uint8_t *p, const uint64_t *share)
{
    for (int e = 0; e < HL_SA_CHUNKS; e++)
        for (int i = 0; i < 8; i++)
            p[8 * e + i] = (uint8_t)(share[e] >> (8 * i));
}

static void get_share(const uint8_t *p, uint64_t *share)
{
    for (int e = 0; e < HL_SA_CHUNKS; e++) {
        share[e] = 0;
        for (int i = 0; i < 8; i++)
            share[e] |= (uint64_t)p[8 * e + i] << (8 * i);
    }
}

static int on_share(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t **reply,
                    size_t *rlen, hl_err *err)
{
    if (c->state < C_READY)
        return out_of_order(c, "SHARE request", err);
    enum { K = 2 * HL_SA_CHUNKS };          /* b then K_u(r) */
    size_t n = (size_t)c->n;
    int64_t round = 0;
    int t = 0, m = 0, me = -1;
    uint8_t *inU = calloc(n, 1);
    uint8_t (*seed)[HL_SA_KEY] = calloc(n, sizeof *seed);
    uint64_t *xs = malloc(n * sizeof *xs), *shares = malloc(n * K * sizeof *shares);
    uint8_t *seeds = malloc(n * HL_SA_KEY);
    uint8_t secrets[2 * HL_SA_KEY], plain[HL_SA_PLAIN];
    uint64_t secret[K];
    HlSaWriter w = { 0 };
    int rc = HELIOS_OK;
    if (!inU || !seed || !xs || !shares || !seeds)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = parse_share(c, msg, len, &round, &t, inU, &m, err);
    /* b_u(r) and K_u(r), fresh; shared t-of-|U_r| among U_r. */
    if (rc == HELIOS_OK && RAND_bytes(secrets, sizeof secrets) != 1)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the random generator (RAND_bytes) failed");
    if (rc == HELIOS_OK) {
        hl_shamir_pack(secrets, HL_SA_KEY, secret);
        hl_shamir_pack(secrets + HL_SA_KEY, HL_SA_KEY, secret + HL_SA_CHUNKS);
        int k = 0;
        for (int v = 0; v < c->n; v++)
            if (inU[v]) {
                if (v == c->index)
                    me = k;
                xs[k++] = (uint64_t)v + 1;
            }
        rc = hl_shamir_split_at(secret, K, t, xs, m, shares, err);
    }
    /* The round's pairwise seeds, and their list in U_r order. */
    size_t nseeds = 0;
    for (int v = 0; v < c->n && rc == HELIOS_OK; v++)
        if (inU[v] && v != c->index) {
            rc = hl_sa_round_seed(&c->crypto, c->suv[v], c->session, round, seed[v], err);
            memcpy(seeds + nseeds++ * HL_SA_KEY, seed[v], HL_SA_KEY);
        }
    if (rc == HELIOS_OK)
        rc = hl_sa_w_open(&w, HL_SA_HEADER + 16 + nseeds * (4 + HL_SA_SEALED) +
                          nseeds * HL_SA_KEY + HL_SA_TAG, HL_SA_SHARES, c->session, err);
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(&w, (uint32_t)c->index);
        hl_sa_w_u64(&w, (uint64_t)round);
        hl_sa_w_u32(&w, (uint32_t)nseeds);
    }
    for (int v = 0, k = 0; v < c->n && rc == HELIOS_OK; v++) {
        if (!inU[v])
            continue;
        const uint64_t *sh = shares + (size_t)k++ * K;
        if (v == c->index)
            continue;
        put_share(plain, sh);
        put_share(plain + HL_SA_SHARE, sh + HL_SA_CHUNKS);
        hl_sa_w_u32(&w, (uint32_t)v);
        uint8_t *out = hl_sa_w_reserve(&w, HL_SA_SEALED);
        rc = out ? hl_sa_seal(&c->crypto, c->cuv[v], c->session, round, (uint32_t)c->index,
                              (uint32_t)v, plain, out, err)
                 : HELIOS_OK;       /* close() reports the overrun */
    }
    if (rc == HELIOS_OK) {
        uint8_t *out = hl_sa_w_reserve(&w, nseeds * HL_SA_KEY + HL_SA_TAG);
        if (out)
            rc = hl_sa_seal_seeds(&c->crypto, secrets + HL_SA_KEY, c->session, round,
                                  (uint32_t)c->index, seeds, nseeds * HL_SA_KEY, out, err);
    }
    if (rc == HELIOS_OK)
        rc = hl_sa_w_close(&w, reply, rlen, err);
    else
        free(w.p);
    if (rc == HELIOS_OK) {
        /* Whatever was left of the previous round goes. */
        drop_round(c);
        c->shared_any = 1;
        c->round = round;
        c->t = t;
        c->inU = inU;
        c->seed = seed;
        memcpy(c->b, secrets, HL_SA_KEY);
        memcpy(c->own_b, shares + (size_t)me * K, sizeof c->own_b);
        c->state = C_SHARED;
        inU = NULL;
        seed = NULL;
    }
    OPENSSL_cleanse(secrets, sizeof secrets);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(plain, sizeof plain);
    if (shares)
        OPENSSL_cleanse(shares, n * K * sizeof *shares);
    free(shares);
    wipe_free(seeds, n * HL_SA_KEY);
    wipe_free(seed, n * sizeof *seed);
    free(inU);
    free(xs);
    return rc;
}

/* ---- CIPHERTEXTS -> MASKED -------------------------------------------------- */

/* Parses CIPHERTEXTS into in2 (U2, this node included) and sealed. */
static int parse_ciphertexts(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t *in2,
                             uint8_t (*sealed)[HL_SA_SEALED], hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_CIPHERTEXTS, c->session,
                          "the CIPHERTEXTS request", err);
    if (rc == HELIOS_OK)
        rc = check_round(c, &r, err);
    if (rc != HELIOS_OK)
        return rc;
    uint32_t m = hl_sa_r_u32(&r);
    if (m >= (uint32_t)c->n || !hl_sa_r_fits(&r, m, 4 + HL_SA_SEALED))
        return hl_sa_r_fail(&r, err, "%u sealed shares for a session of %d nodes in %zu bytes",
                            m, c->n, len);
    long prev = -1;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = hl_sa_r_u32(&r);
        if (v >= (uint32_t)c->n || (long)v <= prev || !c->inU[v] || (int)v == c->index)
            return hl_sa_r_fail(&r, err, "node %u out of order or not among the round's nodes",
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
    return HELIOS_OK;
}

/* y += PRG(b) + sum_{v in U2, v > u} PRG(seed_uv(r)) - sum_{v < u} PRG(seed_uv(r)). */
static int mask(HlSecAggClient *c, const uint8_t *in2, uint32_t *y, hl_err *err)
{
    int rc = hl_sa_prg_add(&c->crypto, c->b, +1, y, (size_t)c->dim, err);
    for (int v = 0; v < c->n && rc == HELIOS_OK; v++)
        if (in2[v] && v != c->index)
            rc = hl_sa_prg_add(&c->crypto, c->seed[v], v > c->index ? +1 : -1, y,
                               (size_t)c->dim, err);
    return rc;
}

static int on_ciphertexts(HlSecAggClient *c, const uint8_t *msg, size_t len, const double *x,
                          int dim, uint8_t **reply, size_t *rlen, hl_err *err)
{
    if (c->state != C_SHARED)
        return out_of_order(c, "CIPHERTEXTS request", err);
    if (dim != c->dim || !x)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: a vector of %d coordinates where the session has "
                          "%d", x ? dim : 0, c->dim);
    size_t n = (size_t)c->n;
    uint8_t *in2 = calloc(n, 1);
    uint8_t (*sealed)[HL_SA_SEALED] = malloc(n * sizeof *sealed);
    uint32_t *y = malloc((size_t)dim * sizeof *y);
    int rc = HELIOS_OK;
    if (!in2 || !sealed || !y)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = parse_ciphertexts(c, msg, len, in2, sealed, err);
    if (rc == HELIOS_OK)
        rc = hl_secagg_encode(c->segs, c->nsegs, c->n, x, dim, y, NULL, err);
    if (rc == HELIOS_OK)
        rc = mask(c, in2, y, err);
    HlSaWriter w = { 0 };
    if (rc == HELIOS_OK)
        rc = hl_sa_w_open(&w, HL_SA_HEADER + 16 + (size_t)dim * 4, HL_SA_MASKED, c->session,
                          err);
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(&w, (uint32_t)c->index);
        hl_sa_w_u64(&w, (uint64_t)c->round);
        hl_sa_w_u32(&w, (uint32_t)dim);
        uint8_t *p = hl_sa_w_reserve(&w, (size_t)dim * 4);
        for (int j = 0; p && j < dim; j++, p += 4) {
            p[0] = (uint8_t)y[j];
            p[1] = (uint8_t)(y[j] >> 8);
            p[2] = (uint8_t)(y[j] >> 16);
            p[3] = (uint8_t)(y[j] >> 24);
        }
        rc = hl_sa_w_close(&w, reply, rlen, err);
    }
    wipe_free(y, y ? (size_t)dim * sizeof *y : 0);
    if (rc != HELIOS_OK) {
        free(in2);
        free(sealed);
        return rc;
    }
    /* The masks are spent: the seeds and b go now (only shares of b, and
     * of K_u(r), can ever be revealed from here on). */
    wipe_free(c->seed, n * sizeof *c->seed);
    c->seed = NULL;
    OPENSSL_cleanse(c->b, sizeof c->b);
    c->in2 = in2;
    c->sealed = sealed;
    c->state = C_MASKED;
    return HELIOS_OK;
}

/* ---- UNMASK -> REVEAL ------------------------------------------------------- */

/* Parses UNMASK into in3 (S_r, which must hold this node). */
static int parse_unmask(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t *in3,
                        hl_err *err)
{
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, HL_SA_UNMASK, c->session, "the UNMASK request", err);
    if (rc == HELIOS_OK)
        rc = check_round(c, &r, err);
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
            return hl_sa_r_fail(&r, err, "node %u out of order or not among the nodes that "
                                "shared", v);
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

/* Node v's entry: its b share when v survived, its K share when it
 * dropped after SHARE; never both. */
static int reveal_for(HlSecAggClient *c, int v, int survived, HlSaWriter *w, hl_err *err)
{
    uint8_t plain[HL_SA_PLAIN];
    uint64_t share[HL_SA_CHUNKS];
    int rc = HELIOS_OK;
    if (v == c->index) {
        memcpy(share, c->own_b, sizeof share);      /* this node survived */
    } else {
        rc = hl_sa_open(&c->crypto, c->cuv[v], c->session, c->round, (uint32_t)v,
                        (uint32_t)c->index, c->sealed[v], plain, err);
        if (rc == HELIOS_OK)
            get_share(plain + (survived ? 0 : HL_SA_SHARE), share);
    }
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(w, (uint32_t)v);
        hl_sa_w_u8(w, survived ? HL_SA_REVEAL_B : HL_SA_REVEAL_K);
        for (int e = 0; e < HL_SA_CHUNKS; e++)
            hl_sa_w_u64(w, share[e]);
    }
    OPENSSL_cleanse(plain, sizeof plain);
    OPENSSL_cleanse(share, sizeof share);
    return rc;
}

static int on_unmask(HlSecAggClient *c, const uint8_t *msg, size_t len, uint8_t **reply,
                     size_t *rlen, hl_err *err)
{
    if (c->state != C_MASKED)
        return out_of_order(c, "UNMASK request", err);
    uint8_t *in3 = calloc((size_t)c->n, 1);
    int m2 = 0, rc = HELIOS_OK;
    for (int v = 0; v < c->n; v++)
        m2 += c->in2[v];
    HlSaWriter w = { 0 };
    if (!in3)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = parse_unmask(c, msg, len, in3, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_w_open(&w, HL_SA_HEADER + 16 + (size_t)m2 * (5 + HL_SA_SHARE), HL_SA_REVEAL,
                          c->session, err);
    if (rc == HELIOS_OK) {
        hl_sa_w_u32(&w, (uint32_t)c->index);
        hl_sa_w_u64(&w, (uint64_t)c->round);
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
    /* Answered once: the round's shares go now, so no second UNMASK can
     * draw the other share of a node. */
    drop_round(c);
    c->state = C_READY;
    return HELIOS_OK;
}

/* ---- dispatch ------------------------------------------------------------------ */

int hl_secagg_client_handle(HlSecAggClient *c, const uint8_t *msg, size_t len, const double *x,
                            int dim, uint8_t **reply, size_t *rlen, hl_err *err)
{
    *reply = NULL;
    *rlen = 0;
    if (!msg || len < HL_SA_HEADER) {
        HlSaReader r;
        return hl_sa_r_open(&r, msg, len, HL_SA_SETUP, NULL, "a server message", err);
    }
    switch (msg[1]) {
    case HL_SA_SETUP: return on_setup(c, msg, len, reply, rlen, err);
    case HL_SA_KEYS: return on_keys(c, msg, len, reply, rlen, err);
    case HL_SA_SHARE_REQ: return on_share(c, msg, len, reply, rlen, err);
    case HL_SA_CIPHERTEXTS: return on_ciphertexts(c, msg, len, x, dim, reply, rlen, err);
    case HL_SA_UNMASK: return on_unmask(c, msg, len, reply, rlen, err);
    default:
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: a message of type %u is not a server message",
                          msg[1]);
    }
}
