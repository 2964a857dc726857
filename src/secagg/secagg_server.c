/*
 * secagg_server.c - the coordinator's side of secure aggregation
 * (Bonawitz et al. 2017, Figure 4, the "Server" column; see secagg.h).
 *
 * What the server holds: public keys, sealed shares it cannot open (until
 * round 2 is sent), the running mod-2^32 sum of the masked vectors (one
 * masked vector is added as it arrives and never kept), and the revealed
 * shares of the first t nodes that answer round 3.  A receive() parses the
 * whole reply before it changes anything.
 */
#include "helios.h"
#include "secagg_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct HlSecAggServer {
    HlSecAggRound round;
    int n, t, dim, nsegs;
    HlSecAggSegment *segs;
    uint8_t session[HL_SA_SESSION];
    HlSaCrypto crypto;
    /* level[u]: the rounds node u has answered; u is in U_k when level[u]
     * >= k, active in round r when level[u] >= r. */
    uint8_t *level;
    uint8_t (*cpk)[HL_SA_KEY], (*spk)[HL_SA_KEY];
    uint8_t **sealed;           /* sealed[u]: what u sealed for each v, n * HL_SA_SEALED */
    uint32_t *acc;              /* sum of the masked vectors, then of the inputs */
    int *revealers;             /* the first t nodes that answered round 3 */
    uint64_t *shares;           /* their shares: [k][v][chunk], t * n * HL_SA_CHUNKS */
    int nrev;
    int included;               /* |U3| once done */
};

static int members(const HlSecAggServer *s, int k)
{
    int m = 0;
    for (int u = 0; u < s->n; u++)
        m += s->level[u] >= k;
    return m;
}

static void free_sealed(HlSecAggServer *s)
{
    if (!s->sealed)
        return;
    for (int u = 0; u < s->n; u++)
        free(s->sealed[u]);
    free(s->sealed);
    s->sealed = NULL;
}

void hl_secagg_server_free(HlSecAggServer *s)
{
    if (!s)
        return;
    free_sealed(s);
    if (s->shares)
        OPENSSL_cleanse(s->shares, (size_t)s->t * (size_t)s->n * HL_SA_CHUNKS * 8);
    free(s->shares);
    free(s->revealers);
    free(s->acc);
    free(s->level);
    free(s->cpk);
    free(s->spk);
    free(s->segs);
    hl_sa_crypto_clear(&s->crypto);
    free(s);
}

HlSecAggServer *hl_secagg_server_new(const HlSecAggConfig *cfg, hl_err *err)
{
    int n = cfg->n, t = cfg->t ? cfg->t : hl_secagg_default_threshold(cfg->n);
    if (n < HL_SECAGG_MIN_NODES || n > HL_SECAGG_MAX_NODES) {
        hl_err_set(err, HELIOS_MISUSE, -1,
                   "secure aggregation needs %d to %d nodes, got %d", HL_SECAGG_MIN_NODES,
                   HL_SECAGG_MAX_NODES, n);
        return NULL;
    }
    if (t < 2 || t > n) {
        hl_err_set(err, HELIOS_OPTION, -1,
                   "secure aggregation: threshold t=%d with %d nodes; 2 <= t <= n was expected",
                   t, n);
        return NULL;
    }
    HlSecAggServer *s = calloc(1, sizeof *s);
    if (!s) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return NULL;
    }
    s->n = n;
    s->t = t;
    s->dim = cfg->dim;
    int rc = hl_sa_layout_copy(cfg->segs, cfg->nsegs, cfg->dim, &s->segs, &s->nsegs, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_crypto_init(&s->crypto, err);
    if (rc == HELIOS_OK) {
        s->level = calloc((size_t)n, 1);
        s->cpk = calloc((size_t)n, sizeof *s->cpk);
        s->spk = calloc((size_t)n, sizeof *s->spk);
        s->sealed = calloc((size_t)n, sizeof *s->sealed);
        s->acc = calloc((size_t)cfg->dim, sizeof *s->acc);
        s->revealers = calloc((size_t)t, sizeof *s->revealers);
        s->shares = calloc((size_t)t * (size_t)n * HL_SA_CHUNKS, sizeof *s->shares);
        if (!s->level || !s->cpk || !s->spk || !s->sealed || !s->acc || !s->revealers ||
            !s->shares)
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    if (rc == HELIOS_OK && RAND_bytes(s->session, HL_SA_SESSION) != 1)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the random generator (RAND_bytes) failed");
    if (rc != HELIOS_OK) {
        hl_secagg_server_free(s);
        return NULL;
    }
    s->round = HL_SECAGG_ADVERTISE_KEYS;
    return s;
}

HlSecAggRound hl_secagg_server_round(const HlSecAggServer *s)
{
    return s->round;
}

int hl_secagg_server_threshold(const HlSecAggServer *s)
{
    return s->t;
}

int hl_secagg_server_active(const HlSecAggServer *s, int u)
{
    return s->round >= HL_SECAGG_ADVERTISE_KEYS && s->round < HL_SECAGG_DONE && u >= 0 &&
           u < s->n && s->level[u] >= (int)s->round;
}

static int not_active(const HlSecAggServer *s, int u, hl_err *err)
{
    if (s->round == HL_SECAGG_FAILED || s->round == HL_SECAGG_DONE)
        return hl_err_set(err, HELIOS_MISUSE, -1, "secure aggregation: the session is %s",
                          s->round == HL_SECAGG_DONE ? "over" : "failed");
    if (u < 0 || u >= s->n)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: node %d is not in this session of %d nodes", u,
                          s->n);
    return hl_err_set(err, HELIOS_MISUSE, -1,
                      "secure aggregation: node %d dropped out before round %d", u,
                      (int)s->round);
}

/* ---- the server's messages --------------------------------------------- */

static int msg_setup(HlSecAggServer *s, int u, HlSaWriter *w, hl_err *err)
{
    int rc = hl_sa_w_open(w, HL_SA_HEADER + 20 + (size_t)s->nsegs * 20, HL_SA_SETUP,
                          s->session, err);
    if (rc != HELIOS_OK)
        return rc;
    hl_sa_w_u32(w, (uint32_t)s->n);
    hl_sa_w_u32(w, (uint32_t)s->t);
    hl_sa_w_u32(w, (uint32_t)u);
    hl_sa_w_u32(w, (uint32_t)s->dim);
    hl_sa_w_u32(w, (uint32_t)s->nsegs);
    for (int i = 0; i < s->nsegs; i++) {
        hl_sa_w_u32(w, (uint32_t)s->segs[i].count);
        hl_sa_w_f64(w, s->segs[i].lo);
        hl_sa_w_f64(w, s->segs[i].hi);
    }
    return HELIOS_OK;
}

static int msg_keys(HlSecAggServer *s, HlSaWriter *w, hl_err *err)
{
    int m = members(s, 1);
    int rc = hl_sa_w_open(w, HL_SA_HEADER + 4 + (size_t)m * (4 + 2 * HL_SA_KEY), HL_SA_KEYS,
                          s->session, err);
    if (rc != HELIOS_OK)
        return rc;
    hl_sa_w_u32(w, (uint32_t)m);
    for (int v = 0; v < s->n; v++)
        if (s->level[v] >= 1) {
            hl_sa_w_u32(w, (uint32_t)v);
            hl_sa_w_bytes(w, s->cpk[v], HL_SA_KEY);
            hl_sa_w_bytes(w, s->spk[v], HL_SA_KEY);
        }
    return HELIOS_OK;
}

static int msg_ciphertexts(HlSecAggServer *s, int u, HlSaWriter *w, hl_err *err)
{
    int m = members(s, 2) - 1;
    int rc = hl_sa_w_open(w, HL_SA_HEADER + 4 + (size_t)m * (4 + HL_SA_SEALED),
                          HL_SA_CIPHERTEXTS, s->session, err);
    if (rc != HELIOS_OK)
        return rc;
    hl_sa_w_u32(w, (uint32_t)m);
    for (int v = 0; v < s->n; v++)
        if (s->level[v] >= 2 && v != u) {
            hl_sa_w_u32(w, (uint32_t)v);
            hl_sa_w_bytes(w, s->sealed[v] + (size_t)u * HL_SA_SEALED, HL_SA_SEALED);
        }
    return HELIOS_OK;
}

static int msg_unmask(HlSecAggServer *s, HlSaWriter *w, hl_err *err)
{
    int m = members(s, 3);
    int rc = hl_sa_w_open(w, HL_SA_HEADER + 4 + (size_t)m * 4, HL_SA_UNMASK, s->session, err);
    if (rc != HELIOS_OK)
        return rc;
    hl_sa_w_u32(w, (uint32_t)m);
    for (int v = 0; v < s->n; v++)
        if (s->level[v] >= 3)
            hl_sa_w_u32(w, (uint32_t)v);
    return HELIOS_OK;
}

int hl_secagg_server_message(HlSecAggServer *s, int u, uint8_t **msg, size_t *len, hl_err *err)
{
    if (!hl_secagg_server_active(s, u))
        return not_active(s, u, err);
    HlSaWriter w = { 0 };
    int rc;
    switch (s->round) {
    case HL_SECAGG_ADVERTISE_KEYS: rc = msg_setup(s, u, &w, err); break;
    case HL_SECAGG_SHARE_KEYS: rc = msg_keys(s, &w, err); break;
    case HL_SECAGG_MASKED_INPUT: rc = msg_ciphertexts(s, u, &w, err); break;
    default: rc = msg_unmask(s, &w, err); break;
    }
    return rc == HELIOS_OK ? hl_sa_w_close(&w, msg, len, err) : rc;
}

/* ---- the nodes' replies ------------------------------------------------ */

static int check_index(HlSaReader *r, int u, hl_err *err)
{
    uint32_t index = hl_sa_r_u32(r);
    if (!r->bad && index != (uint32_t)u)
        return hl_sa_r_fail(r, err, "it is signed by node %u", index);
    return HELIOS_OK;
}

static int recv_advertise(HlSecAggServer *s, int u, HlSaReader *r, hl_err *err)
{
    int rc = check_index(r, u, err);
    const uint8_t *cpk = hl_sa_r_bytes(r, HL_SA_KEY), *spk = hl_sa_r_bytes(r, HL_SA_KEY);
    if (rc == HELIOS_OK)
        rc = hl_sa_r_close(r, err);
    if (rc != HELIOS_OK)
        return rc;
    memcpy(s->cpk[u], cpk, HL_SA_KEY);
    memcpy(s->spk[u], spk, HL_SA_KEY);
    return HELIOS_OK;
}

static int recv_shares(HlSecAggServer *s, int u, HlSaReader *r, hl_err *err)
{
    int rc = check_index(r, u, err);
    uint32_t m = hl_sa_r_u32(r);
    int want = members(s, 1) - 1;
    if (rc != HELIOS_OK)
        return rc;
    if (m != (uint32_t)want || !hl_sa_r_fits(r, m, 4 + HL_SA_SEALED))
        return hl_sa_r_fail(r, err, "%u sealed shares where %d were expected", m, want);
    uint8_t *row = malloc((size_t)s->n * HL_SA_SEALED);
    if (!row)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    long prev = -1;
    for (uint32_t i = 0; i < m && rc == HELIOS_OK; i++) {
        uint32_t v = hl_sa_r_u32(r);
        const uint8_t *b = hl_sa_r_bytes(r, HL_SA_SEALED);
        if (!b || v >= (uint32_t)s->n || (long)v <= prev || s->level[v] < 1 || (int)v == u)
            rc = hl_sa_r_fail(r, err, "shares for node %u, out of order or not in round 1", v);
        else
            memcpy(row + (size_t)v * HL_SA_SEALED, b, HL_SA_SEALED);
        prev = v;
    }
    if (rc == HELIOS_OK)
        rc = hl_sa_r_close(r, err);
    if (rc != HELIOS_OK) {
        free(row);
        return rc;
    }
    s->sealed[u] = row;
    return HELIOS_OK;
}

static int recv_masked(HlSecAggServer *s, int u, HlSaReader *r, hl_err *err)
{
    int rc = check_index(r, u, err);
    uint32_t dim = hl_sa_r_u32(r);
    if (rc != HELIOS_OK)
        return rc;
    if (dim != (uint32_t)s->dim || !hl_sa_r_fits(r, dim, 4))
        return hl_sa_r_fail(r, err, "%u coordinates where %d were expected", dim, s->dim);
    const uint8_t *p = hl_sa_r_bytes(r, (size_t)dim * 4);
    if ((rc = hl_sa_r_close(r, err)) != HELIOS_OK)
        return rc;
    for (uint32_t j = 0; j < dim; j++, p += 4)
        s->acc[j] += (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
    return HELIOS_OK;
}

/* A REVEAL holds one entry for every node of U2, in order: the b share of
 * a node of U3, the s_sk share of one that dropped after round 1. */
static int recv_reveal(HlSecAggServer *s, int u, HlSaReader *r, hl_err *err)
{
    int rc = check_index(r, u, err);
    uint32_t m = hl_sa_r_u32(r);
    int want = members(s, 2);
    if (rc != HELIOS_OK)
        return rc;
    if (m != (uint32_t)want || !hl_sa_r_fits(r, m, 5 + 8 * HL_SA_CHUNKS))
        return hl_sa_r_fail(r, err, "%u revealed shares where %d were expected", m, want);
    int keep = s->nrev < s->t;
    uint64_t *dst = s->shares + (size_t)s->nrev * (size_t)s->n * HL_SA_CHUNKS;
    long prev = -1;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = hl_sa_r_u32(r);
        uint8_t kind = hl_sa_r_u8(r);
        if (v >= (uint32_t)s->n || (long)v <= prev || s->level[v] < 2)
            return hl_sa_r_fail(r, err, "a share of node %u, out of order or not in round 2", v);
        if (kind != (s->level[v] >= 3 ? HL_SA_REVEAL_B : HL_SA_REVEAL_S))
            return hl_sa_r_fail(r, err, "node %u %s, and its %s share was revealed", v,
                                s->level[v] >= 3 ? "survived" : "dropped out",
                                kind == HL_SA_REVEAL_B ? "mask seed" : "secret key");
        prev = v;
        for (int e = 0; e < HL_SA_CHUNKS; e++) {
            uint64_t y = hl_sa_r_u64(r);
            if (y >= HL_SHAMIR_P)
                return hl_sa_r_fail(r, err, "a share of node %u is not a field element", v);
            if (keep)
                dst[(size_t)v * HL_SA_CHUNKS + (size_t)e] = y;
        }
    }
    if ((rc = hl_sa_r_close(r, err)) != HELIOS_OK)
        return rc;
    if (keep)
        s->revealers[s->nrev++] = u;
    return HELIOS_OK;
}

int hl_secagg_server_receive(HlSecAggServer *s, int u, const uint8_t *msg, size_t len,
                             hl_err *err)
{
    static const char *const rounds[] = {
        "AdvertiseKeys", "ShareKeys", "MaskedInputCollection", "Unmasking"
    };
    static const int types[] = { HL_SA_ADVERTISE, HL_SA_SHARES, HL_SA_MASKED, HL_SA_REVEAL };
    if (!hl_secagg_server_active(s, u))
        return not_active(s, u, err);
    int r0 = (int)s->round;
    if (s->level[u] > r0)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: node %d already answered the %s round", u,
                          rounds[r0]);
    char what[96];
    snprintf(what, sizeof what, "the %s reply of node %d", rounds[r0], u);
    HlSaReader r;
    int rc = hl_sa_r_open(&r, msg, len, types[r0], s->session, what, err);
    if (rc != HELIOS_OK)
        return rc;
    switch (s->round) {
    case HL_SECAGG_ADVERTISE_KEYS: rc = recv_advertise(s, u, &r, err); break;
    case HL_SECAGG_SHARE_KEYS: rc = recv_shares(s, u, &r, err); break;
    case HL_SECAGG_MASKED_INPUT: rc = recv_masked(s, u, &r, err); break;
    default: rc = recv_reveal(s, u, &r, err); break;
    }
    if (rc == HELIOS_OK)
        s->level[u] = (uint8_t)(r0 + 1);
    return rc;
}

/* ---- closing a round; the unmasking ------------------------------------ */

/* Rebuilds node v's 32-byte secret from the revealers' shares. */
static int rebuild(HlSecAggServer *s, const uint64_t *lambda, int v, uint8_t out[HL_SA_KEY],
                   hl_err *err)
{
    uint64_t ys[HL_SA_CHUNKS], secret[HL_SA_CHUNKS];
    uint64_t *col = malloc((size_t)s->t * HL_SA_CHUNKS * sizeof *col);
    if (!col)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int k = 0; k < s->t; k++)
        memcpy(col + (size_t)k * HL_SA_CHUNKS,
               s->shares + ((size_t)k * (size_t)s->n + (size_t)v) * HL_SA_CHUNKS, sizeof ys);
    hl_shamir_interpolate(lambda, col, s->t, HL_SA_CHUNKS, secret);
    OPENSSL_cleanse(col, (size_t)s->t * HL_SA_CHUNKS * sizeof *col);
    free(col);
    int bad = hl_shamir_unpack(secret, HL_SA_KEY, out) != 0;
    OPENSSL_cleanse(secret, sizeof secret);
    if (bad)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: the shares revealed for node %d are inconsistent "
                          "(a node revealed a wrong share)", v);
    return HELIOS_OK;
}

/* Node v dropped after sending its shares: its s_sk, rebuilt, must match
 * the advertised s_pk; with it, the masks v shares with each survivor u
 * (which u added with the opposite sign) are added as v would have. */
static int unmask_dropped(HlSecAggServer *s, int v, const uint8_t sk[HL_SA_KEY], hl_err *err)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t pub[HL_SA_KEY], seed[HL_SA_KEY];
    int rc = hl_sa_key_from_private(sk, &key, pub, err);
    if (rc == HELIOS_OK && memcmp(pub, s->spk[v], HL_SA_KEY) != 0)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "secure aggregation: the shares revealed for node %d do not rebuild the "
                        "key it advertised (a node revealed a wrong share)", v);
    if (rc == HELIOS_OK)
        rc = hl_sa_agree_init(key, &ctx, err);
    for (int u = 0; u < s->n && rc == HELIOS_OK; u++) {
        if (s->level[u] < 3)
            continue;
        rc = hl_sa_agree(&s->crypto, ctx, s->spk[u], HL_SA_PURPOSE_MASK, s->session, seed, err);
        if (rc == HELIOS_OK)
            rc = hl_sa_prg_add(&s->crypto, seed, u > v ? +1 : -1, s->acc, (size_t)s->dim, err);
    }
    OPENSSL_cleanse(seed, sizeof seed);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    return rc;
}

static int unmask(HlSecAggServer *s, hl_err *err)
{
    uint64_t *xs = malloc((size_t)s->t * sizeof *xs), *lambda = malloc((size_t)s->t * sizeof *lambda);
    uint8_t secret[HL_SA_KEY];
    int rc = xs && lambda ? HELIOS_OK : hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int k = 0; rc == HELIOS_OK && k < s->t; k++)
        xs[k] = (uint64_t)s->revealers[k] + 1;
    if (rc == HELIOS_OK)
        rc = hl_shamir_lagrange(xs, s->t, lambda, err);
    for (int v = 0; v < s->n && rc == HELIOS_OK; v++) {
        if (s->level[v] < 2)
            continue;
        rc = rebuild(s, lambda, v, secret, err);
        if (rc != HELIOS_OK)
            break;
        if (s->level[v] >= 3)
            rc = hl_sa_prg_add(&s->crypto, secret, -1, s->acc, (size_t)s->dim, err);
        else
            rc = unmask_dropped(s, v, secret, err);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    free(xs);
    free(lambda);
    return rc;
}

int hl_secagg_server_advance(HlSecAggServer *s, hl_err *err)
{
    if (s->round == HL_SECAGG_FAILED || s->round == HL_SECAGG_DONE)
        return not_active(s, 0, err);
    int next = (int)s->round + 1, m = members(s, next);
    if (m < s->t) {
        s->round = HL_SECAGG_FAILED;
        return hl_sa_too_few(err, s->t, m);
    }
    if (next == HL_SECAGG_UNMASKING)
        free_sealed(s);             /* delivered in round 2 */
    if (next == HL_SECAGG_DONE) {
        int rc = unmask(s, err);
        if (rc != HELIOS_OK) {
            s->round = HL_SECAGG_FAILED;
            return rc;
        }
        s->included = members(s, 3);
    }
    s->round = (HlSecAggRound)next;
    return HELIOS_OK;
}

int hl_secagg_server_result(const HlSecAggServer *s, double *sum, unsigned char *included,
                            int *m, hl_err *err)
{
    if (s->round != HL_SECAGG_DONE)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: no result before the Unmasking round closes%s",
                          s->round == HL_SECAGG_FAILED ? " (the session failed)" : "");
    int rc = HELIOS_OK;
    if (sum)
        rc = hl_secagg_decode(s->segs, s->nsegs, s->n, s->acc, s->dim, s->included, sum, err);
    if (rc != HELIOS_OK)
        return rc;
    for (int u = 0; included && u < s->n; u++)
        included[u] = s->level[u] >= 3;
    if (m)
        *m = s->included;
    return HELIOS_OK;
}
