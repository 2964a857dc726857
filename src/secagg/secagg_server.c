/*
 * secagg_server.c - the coordinator's side of secure aggregation
 * (Bonawitz et al. 2017, Figure 4, the "Server" column, with the key
 * agreement amortized over the session; see secagg.h).
 *
 * What the server holds: during setup, the public keys; during a round,
 * the sealed shares it cannot open (until MASKED_INPUT is sent), each
 * node's seeds sealed under its K_u(r), the running mod-2^32 sum of the
 * masked vectors (a masked vector is added as it arrives and never kept)
 * and the revealed shares of the first t nodes that answer UNMASKING.
 *
 * Concurrency (secagg.h): the sets a stage works on (adv, member, level)
 * change only in begin() and advance(); message() reads only those and
 * what earlier stages stored; receive() parses a reply without the lock,
 * into the node's own buffers, then commits under s->lock (the answered
 * flag, the node's slot, the running sum, the revealers' slots).
 */
#include "helios.h"
#include "secagg_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct HlSecAggServer {
    HlSecAggRound stage;
    int n, cfg_t, dim, nsegs;
    HlSecAggSegment *segs;
    uint8_t session[HL_SA_SESSION];
    HlSaCrypto crypto;          /* advance() only */
    pthread_mutex_t lock;
    /* the session */
    int setup_done;
    int over;                   /* fewer than 2 members: no more rounds */
    uint8_t *adv;               /* n: advertised keys (setup) */
    uint8_t *member;            /* n: acknowledged KEYS: holds keys for the run */
    uint8_t (*cpk)[HL_SA_KEY], (*spk)[HL_SA_KEY];   /* n: during setup */
    int begun;                  /* a round was begun: `round` is the last one */
    int64_t round;
    uint8_t *selected;          /* n: the round's selection */
    /* the round */
    int t, m1;                  /* threshold, |U_r| */
    uint8_t *level;             /* n: 1 in U_r, 2 in U2, 3 in S_r */
    uint8_t *answered;          /* n: answered the current stage (under lock) */
    uint8_t **sealed;           /* n: sealed[u]: what u sealed for each v, n * HL_SA_SEALED */
    uint8_t **seeds;            /* n: u's seeds sealed under K_u(r) */
    size_t seeds_len;           /* (|U_r| - 1) * 32 + HL_SA_TAG */
    uint32_t *acc;              /* sum of the masked vectors, then of the inputs */
    int nrev;                   /* revealers kept, at most t (under lock) */
    int *revealers;             /* n: the first t nodes that answered UNMASKING */
    uint64_t **rev;             /* n: their shares, n * HL_SA_CHUNKS each */
    int included;               /* |S_r| once done */
};

static int count(const uint8_t *flags, int n, int k)
{
    int m = 0;
    for (int u = 0; u < n; u++)
        m += flags[u] >= k;
    return m;
}

/* Frees what a round keeps (not the session). */
static void clear_round(HlSecAggServer *s)
{
    size_t nshares = (size_t)s->n * HL_SA_CHUNKS * sizeof **s->rev;
    for (int u = 0; u < s->n; u++) {
        free(s->sealed[u]);
        free(s->seeds[u]);
        s->sealed[u] = s->seeds[u] = NULL;
        if (s->rev[u])
            OPENSSL_cleanse(s->rev[u], nshares);
        free(s->rev[u]);
        s->rev[u] = NULL;
    }
    memset(s->level, 0, (size_t)s->n);
    memset(s->answered, 0, (size_t)s->n);
    s->nrev = 0;
    s->included = 0;
}

void hl_secagg_server_free(HlSecAggServer *s)
{
    if (!s)
        return;
    if (s->sealed && s->seeds && s->rev && s->level && s->answered)
        clear_round(s);
    free(s->sealed);
    free(s->seeds);
    free(s->rev);
    free(s->revealers);
    free(s->acc);
    free(s->level);
    free(s->answered);
    free(s->selected);
    free(s->adv);
    free(s->member);
    free(s->cpk);
    free(s->spk);
    free(s->segs);
    hl_sa_crypto_clear(&s->crypto);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static int fresh_session(HlSecAggServer *s, hl_err *err)
{
    if (RAND_bytes(s->session, HL_SA_SESSION) != 1)
        return hl_err_set(err, HELIOS_ERROR, -1, "the random generator (RAND_bytes) failed");
    return HELIOS_OK;
}

HlSecAggServer *hl_secagg_server_new(const HlSecAggConfig *cfg, hl_err *err)
{
    int n = cfg->n, t = cfg->t;
    if (n < HL_SECAGG_MIN_NODES || n > HL_SECAGG_MAX_NODES) {
        hl_err_set(err, HELIOS_MISUSE, -1,
                   "secure aggregation needs %d to %d nodes, got %d", HL_SECAGG_MIN_NODES,
                   HL_SECAGG_MAX_NODES, n);
        return NULL;
    }
    if (t != 0 && (t < 2 || t > n)) {
        hl_err_set(err, HELIOS_OPTION, -1,
                   "secure aggregation: threshold t=%d with %d nodes; 2 <= t <= n (or 0: a "
                   "majority of each round's nodes) was expected", t, n);
        return NULL;
    }
    HlSecAggServer *s = calloc(1, sizeof *s);
    if (!s) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->n = n;
    s->cfg_t = t;
    s->dim = cfg->dim;
    s->stage = HL_SECAGG_FAILED;
    int rc = hl_sa_layout_copy(cfg->segs, cfg->nsegs, cfg->dim, &s->segs, &s->nsegs, err);
    if (rc == HELIOS_OK)
        rc = hl_sa_crypto_init(&s->crypto, err);
    if (rc == HELIOS_OK) {
        size_t un = (size_t)n;
        s->adv = calloc(un, 1);
        s->member = calloc(un, 1);
        s->cpk = calloc(un, sizeof *s->cpk);
        s->spk = calloc(un, sizeof *s->spk);
        s->selected = calloc(un, 1);
        s->level = calloc(un, 1);
        s->answered = calloc(un, 1);
        s->sealed = calloc(un, sizeof *s->sealed);
        s->seeds = calloc(un, sizeof *s->seeds);
        s->rev = calloc(un, sizeof *s->rev);
        s->revealers = calloc(un, sizeof *s->revealers);
        s->acc = calloc((size_t)cfg->dim, sizeof *s->acc);
        if (!s->adv || !s->member || !s->cpk || !s->spk || !s->selected || !s->level ||
            !s->answered || !s->sealed || !s->seeds || !s->rev || !s->revealers || !s->acc)
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    if (rc == HELIOS_OK)
        rc = fresh_session(s, err);
    if (rc != HELIOS_OK) {
        hl_secagg_server_free(s);
        return NULL;
    }
    return s;
}

HlSecAggRound hl_secagg_server_round(const HlSecAggServer *s)
{
    return s->stage;
}

int hl_secagg_server_threshold(const HlSecAggServer *s)
{
    return s->t;
}

int hl_secagg_server_active(const HlSecAggServer *s, int u)
{
    if (u < 0 || u >= s->n)
        return 0;
    switch (s->stage) {
    case HL_SECAGG_SETUP_ADVERTISE: return 1;
    case HL_SECAGG_SETUP_KEYS: return s->adv[u];
    case HL_SECAGG_SHARE: return s->level[u] >= 1;
    case HL_SECAGG_MASKED_INPUT: return s->level[u] >= 2;
    case HL_SECAGG_UNMASKING: return s->level[u] >= 3;
    default: return 0;
    }
}

static const char *stage_name(HlSecAggRound stage)
{
    switch (stage) {
    case HL_SECAGG_SETUP_ADVERTISE: return "SETUP_ADVERTISE";
    case HL_SECAGG_SETUP_KEYS: return "SETUP_KEYS";
    case HL_SECAGG_SHARE: return "SHARE";
    case HL_SECAGG_MASKED_INPUT: return "MASKED_INPUT";
    case HL_SECAGG_UNMASKING: return "UNMASKING";
    case HL_SECAGG_DONE: return "DONE";
    default: return "FAILED";
    }
}

static int not_active(const HlSecAggServer *s, int u, hl_err *err)
{
    if (s->stage == HL_SECAGG_FAILED || s->stage == HL_SECAGG_DONE)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: no stage is running (the round is %s)",
                          s->stage == HL_SECAGG_DONE ? "over" : "failed or not begun");
    if (u < 0 || u >= s->n)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: node %d is not in this session of %d nodes", u,
                          s->n);
    return hl_err_set(err, HELIOS_MISUSE, -1,
                      "secure aggregation: node %d is not in the %s stage (not selected, or "
                      "dropped out before it)", u, stage_name(s->stage));
}

/* ---- begin: a round, after the setup the first time ------------------------ */

/* U_r = the selected members; the round's threshold. */
static void round_sets(HlSecAggServer *s, const uint8_t *sel, int *m, int *t)
{
    int k = 0;
    for (int u = 0; u < s->n; u++)
        k += sel[u] && (!s->setup_done || s->member[u]);
    *m = k;
    *t = s->cfg_t ? s->cfg_t : hl_secagg_default_threshold(k);
}

/* Enters SHARE for the selection (setup done). */
static int start_round(HlSecAggServer *s, hl_err *err)
{
    clear_round(s);
    round_sets(s, s->selected, &s->m1, &s->t);
    if (s->m1 < s->t) {
        s->stage = HL_SECAGG_FAILED;
        return hl_sa_too_few(err, s->t, s->m1);
    }
    for (int u = 0; u < s->n; u++)
        s->level[u] = s->selected[u] && s->member[u];
    s->seeds_len = (size_t)(s->m1 - 1) * HL_SA_KEY + HL_SA_TAG;
    memset(s->acc, 0, (size_t)s->dim * sizeof *s->acc);
    s->stage = HL_SECAGG_SHARE;
    return HELIOS_OK;
}

int hl_secagg_server_begin(HlSecAggServer *s, int64_t round, const unsigned char *selected,
                           hl_err *err)
{
    if (s->over) {
        s->stage = HL_SECAGG_FAILED;
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: the session is over: its key setup left fewer "
                          "than 2 nodes holding keys");
    }
    if (s->begun && round <= s->round) {
        s->stage = HL_SECAGG_FAILED;
        clear_round(s);
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: round %lld begun after round %lld; rounds must "
                          "increase", (long long)round, (long long)s->round);
    }
    uint8_t *sel = malloc((size_t)s->n);
    if (!sel)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int u = 0; u < s->n; u++)
        sel[u] = selected[u] != 0;
    int m, t, rc = HELIOS_OK;
    round_sets(s, sel, &m, &t);
    if (m < HL_SECAGG_MIN_NODES)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "secure aggregation: round %lld selects %d node(s) holding keys; at "
                        "least 2 are needed", (long long)round, m);
    else if (t > m)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "secure aggregation: threshold t=%d, but round %lld selects %d node(s) "
                        "holding keys", t, (long long)round, m);
    if (rc != HELIOS_OK) {
        free(sel);
        s->stage = HL_SECAGG_FAILED;
        clear_round(s);
        return rc;
    }
    memcpy(s->selected, sel, (size_t)s->n);
    free(sel);
    s->begun = 1;
    s->round = round;
    s->t = t;
    s->m1 = m;
    clear_round(s);
    if (s->setup_done)
        return start_round(s, err);
    /* The setup, (re)started from scratch: a fresh session id, every node. */
    if ((rc = fresh_session(s, err)) != HELIOS_OK) {
        s->stage = HL_SECAGG_FAILED;
        return rc;
    }
    memset(s->adv, 0, (size_t)s->n);
    s->stage = HL_SECAGG_SETUP_ADVERTISE;
    return HELIOS_OK;
}

/* ---- the server's messages --------------------------------------------- */

static int msg_setup(HlSecAggServer *s, int u, HlSaWriter *w, hl_err *err)
{
    int rc = hl_sa_w_open(w, HL_SA_HEADER + 16 + (size_t)s->nsegs * 20, HL_SA_SETUP,
                          s->session, err);
    if (rc != HELIOS_OK)
        return rc;
    hl_sa_w_u32(w, (uint32_t)s->n);
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
    int m = count(s->adv, s->n, 1);
    int rc = hl_sa_w_open(w, HL_SA_HEADER + 4 + (size_t)m * (4 + 2 * HL_SA_KEY), HL_SA_KEYS,
                          s->session, err);
    if (rc != HELIOS_OK)
        return rc;
    hl_sa_w_u32(w, (uint32_t)m);
    for (int v = 0; v < s->n; v++)
        if (s->adv[v]) {
            hl_sa_w_u32(w, (uint32_t)v);
            hl_sa_w_bytes(w, s->cpk[v], HL_SA_KEY);
            hl_sa_w_bytes(w, s->spk[v], HL_SA_KEY);
        }
    return HELIOS_OK;
}

/* SHARE and UNMASK: the round and a set. */
static int msg_set(HlSecAggServer *s, int type, int k, HlSaWriter *w, hl_err *err)
{
    int m = count(s->level, s->n, k);
    size_t extra = type == HL_SA_SHARE_REQ ? 4 : 0;
    int rc = hl_sa_w_open(w, HL_SA_HEADER + 12 + extra + (size_t)m * 4, type, s->session, err);
    if (rc != HELIOS_OK)
        return rc;
    hl_sa_w_u64(w, (uint64_t)s->round);
    if (extra)
        hl_sa_w_u32(w, (uint32_t)s->t);
    hl_sa_w_u32(w, (uint32_t)m);
    for (int v = 0; v < s->n; v++)
        if (s->level[v] >= k)
            hl_sa_w_u32(w, (uint32_t)v);
    return HELIOS_OK;
}

static int msg_ciphertexts(HlSecAggServer *s, int u, HlSaWriter *w, hl_err *err)
{
    int m = count(s->level, s->n, 2) - 1;
    int rc = hl_sa_w_open(w, HL_SA_HEADER + 12 + (size_t)m * (4 + HL_SA_SEALED),
                          HL_SA_CIPHERTEXTS, s->session, err);
    if (rc != HELIOS_OK)
        return rc;
    hl_sa_w_u64(w, (uint64_t)s->round);
    hl_sa_w_u32(w, (uint32_t)m);
    for (int v = 0; v < s->n; v++)
        if (s->level[v] >= 2 && v != u) {
            hl_sa_w_u32(w, (uint32_t)v);
            hl_sa_w_bytes(w, s->sealed[v] + (size_t)u * HL_SA_SEALED, HL_SA_SEALED);
        }
    return HELIOS_OK;
}

int hl_secagg_server_message(HlSecAggServer *s, int u, uint8_t **msg, size_t *len, hl_err *err)
{
    if (!hl_secagg_server_active(s, u))
        return not_active(s, u, err);
    HlSaWriter w = { 0 };
    int rc;
    switch (s->stage) {
    case HL_SECAGG_SETUP_ADVERTISE: rc = msg_setup(s, u, &w, err); break;
    case HL_SECAGG_SETUP_KEYS: rc = msg_keys(s, &w, err); break;
    case HL_SECAGG_SHARE: rc = msg_set(s, HL_SA_SHARE_REQ, 1, &w, err); break;
    case HL_SECAGG_MASKED_INPUT: rc = msg_ciphertexts(s, u, &w, err); break;
    default: rc = msg_set(s, HL_SA_UNMASK, 3, &w, err); break;
    }
    return rc == HELIOS_OK ? hl_sa_w_close(&w, msg, len, err) : rc;
}

/* ---- the nodes' replies ------------------------------------------------ */

/* What a reply parsed to, committed under the lock. */
typedef struct Parsed {
    const uint8_t *cpk, *spk;   /* ADVERTISE */
    uint8_t *row, *seeds;       /* SHARES (malloc'd) */
    const uint8_t *words;       /* MASKED: dim little-endian words in the message */
    uint64_t *shares;           /* REVEAL (malloc'd) */
} Parsed;

static int check_index(HlSaReader *r, int u, hl_err *err)
{
    uint32_t index = hl_sa_r_u32(r);
    if (!r->bad && index != (uint32_t)u)
        return hl_sa_r_fail(r, err, "it is signed by node %u", index);
    return HELIOS_OK;
}

/* The index, then (round replies) the round. */
static int check_head(const HlSecAggServer *s, HlSaReader *r, int u, int has_round, hl_err *err)
{
    int rc = check_index(r, u, err);
    if (rc != HELIOS_OK || !has_round)
        return rc;
    int64_t round = (int64_t)hl_sa_r_u64(r);
    if (!r->bad && round != s->round)
        return hl_sa_r_fail(r, err, "it is of round %lld, the server is at round %lld",
                            (long long)round, (long long)s->round);
    return HELIOS_OK;
}

static int parse_advertise(HlSecAggServer *s, int u, HlSaReader *r, Parsed *p, hl_err *err)
{
    int rc = check_head(s, r, u, 0, err);
    p->cpk = hl_sa_r_bytes(r, HL_SA_KEY);
    p->spk = hl_sa_r_bytes(r, HL_SA_KEY);
    return rc == HELIOS_OK ? hl_sa_r_close(r, err) : rc;
}

static int parse_ack(HlSecAggServer *s, int u, HlSaReader *r, hl_err *err)
{
    int rc = check_head(s, r, u, 0, err);
    uint32_t m = hl_sa_r_u32(r);
    if (rc == HELIOS_OK)
        rc = hl_sa_r_close(r, err);
    int want = count(s->adv, s->n, 1);
    if (rc == HELIOS_OK && m != (uint32_t)want)
        rc = hl_sa_r_fail(r, err, "it derived keys with %u nodes where %d advertised", m, want);
    return rc;
}

static int parse_shares(HlSecAggServer *s, int u, HlSaReader *r, Parsed *p, hl_err *err)
{
    int rc = check_head(s, r, u, 1, err);
    uint32_t m = hl_sa_r_u32(r);
    int want = s->m1 - 1;
    if (rc != HELIOS_OK || r->bad)
        return rc != HELIOS_OK ? rc : hl_sa_r_close(r, err);
    if (m != (uint32_t)want || !hl_sa_r_fits(r, m, 4 + HL_SA_SEALED))
        return hl_sa_r_fail(r, err, "%u sealed shares where %d were expected", m, want);
    p->row = malloc((size_t)s->n * HL_SA_SEALED);
    p->seeds = malloc(s->seeds_len);
    if (!p->row || !p->seeds)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    long prev = -1;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = hl_sa_r_u32(r);
        const uint8_t *b = hl_sa_r_bytes(r, HL_SA_SEALED);
        if (!b || v >= (uint32_t)s->n || (long)v <= prev || s->level[v] < 1 || (int)v == u)
            return hl_sa_r_fail(r, err, "shares for node %u, out of order or not in the round",
                                v);
        memcpy(p->row + (size_t)v * HL_SA_SEALED, b, HL_SA_SEALED);
        prev = v;
    }
    const uint8_t *b = hl_sa_r_bytes(r, s->seeds_len);
    if (b)
        memcpy(p->seeds, b, s->seeds_len);
    return hl_sa_r_close(r, err);
}

static int parse_masked(HlSecAggServer *s, int u, HlSaReader *r, Parsed *p, hl_err *err)
{
    int rc = check_head(s, r, u, 1, err);
    uint32_t dim = hl_sa_r_u32(r);
    if (rc != HELIOS_OK || r->bad)
        return rc != HELIOS_OK ? rc : hl_sa_r_close(r, err);
    if (dim != (uint32_t)s->dim || !hl_sa_r_fits(r, dim, 4))
        return hl_sa_r_fail(r, err, "%u coordinates where %d were expected", dim, s->dim);
    p->words = hl_sa_r_bytes(r, (size_t)dim * 4);
    return hl_sa_r_close(r, err);
}

/* A REVEAL holds one entry for every node of U2, in order: the b share of
 * a survivor, the K share of one that dropped after SHARE. */
static int parse_reveal(HlSecAggServer *s, int u, HlSaReader *r, Parsed *p, hl_err *err)
{
    int rc = check_head(s, r, u, 1, err);
    uint32_t m = hl_sa_r_u32(r);
    int want = count(s->level, s->n, 2);
    if (rc != HELIOS_OK || r->bad)
        return rc != HELIOS_OK ? rc : hl_sa_r_close(r, err);
    if (m != (uint32_t)want || !hl_sa_r_fits(r, m, 5 + HL_SA_SHARE))
        return hl_sa_r_fail(r, err, "%u revealed shares where %d were expected", m, want);
    p->shares = calloc((size_t)s->n * HL_SA_CHUNKS, sizeof *p->shares);
    if (!p->shares)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    long prev = -1;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = hl_sa_r_u32(r);
        uint8_t kind = hl_sa_r_u8(r);
        if (v >= (uint32_t)s->n || (long)v <= prev || s->level[v] < 2)
            return hl_sa_r_fail(r, err, "a share of node %u, out of order or not among the "
                                "nodes that shared", v);
        if (kind != (s->level[v] >= 3 ? HL_SA_REVEAL_B : HL_SA_REVEAL_K))
            return hl_sa_r_fail(r, err, "node %u %s, and its %s share was revealed", v,
                                s->level[v] >= 3 ? "survived" : "dropped out",
                                kind == HL_SA_REVEAL_B ? "mask seed" : "seed key");
        prev = v;
        for (int e = 0; e < HL_SA_CHUNKS; e++) {
            uint64_t y = hl_sa_r_u64(r);
            if (y >= HL_SHAMIR_P)
                return hl_sa_r_fail(r, err, "a share of node %u is not a field element", v);
            p->shares[(size_t)v * HL_SA_CHUNKS + (size_t)e] = y;
        }
    }
    return hl_sa_r_close(r, err);
}

static void parsed_free(const HlSecAggServer *s, Parsed *p)
{
    free(p->row);
    free(p->seeds);
    if (p->shares)
        OPENSSL_cleanse(p->shares, (size_t)s->n * HL_SA_CHUNKS * sizeof *p->shares);
    free(p->shares);
}

/* Takes a parsed reply of node u (the lock held); what it keeps leaves p. */
static void commit(HlSecAggServer *s, int u, Parsed *p)
{
    switch (s->stage) {
    case HL_SECAGG_SETUP_ADVERTISE:
        memcpy(s->cpk[u], p->cpk, HL_SA_KEY);
        memcpy(s->spk[u], p->spk, HL_SA_KEY);
        break;
    case HL_SECAGG_SHARE:
        s->sealed[u] = p->row;
        s->seeds[u] = p->seeds;
        p->row = p->seeds = NULL;
        break;
    case HL_SECAGG_MASKED_INPUT: {
        const uint8_t *q = p->words;
        for (int j = 0; j < s->dim; j++, q += 4)
            s->acc[j] += (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                         (uint32_t)q[3] << 24;
        break;
    }
    case HL_SECAGG_UNMASKING:
        if (s->nrev < s->t) {
            s->revealers[s->nrev] = u;
            s->rev[s->nrev++] = p->shares;
            p->shares = NULL;
        }
        break;
    default:
        break;
    }
    s->answered[u] = 1;
}

int hl_secagg_server_receive(HlSecAggServer *s, int u, const uint8_t *msg, size_t len,
                             hl_err *err)
{
    static const int types[] = { HL_SA_ADVERTISE, HL_SA_ACK, HL_SA_SHARES, HL_SA_MASKED,
                                 HL_SA_REVEAL };
    static const char *const names[] = { "ADVERTISE", "ACK", "SHARES", "MASKED", "REVEAL" };
    if (!hl_secagg_server_active(s, u))
        return not_active(s, u, err);
    int k = (int)s->stage;
    char what[64];
    snprintf(what, sizeof what, "the %s reply of node %d", names[k], u);
    HlSaReader r;
    Parsed p = { 0 };
    int rc = hl_sa_r_open(&r, msg, len, types[k], s->session, what, err);
    if (rc == HELIOS_OK) {
        switch (s->stage) {
        case HL_SECAGG_SETUP_ADVERTISE: rc = parse_advertise(s, u, &r, &p, err); break;
        case HL_SECAGG_SETUP_KEYS: rc = parse_ack(s, u, &r, err); break;
        case HL_SECAGG_SHARE: rc = parse_shares(s, u, &r, &p, err); break;
        case HL_SECAGG_MASKED_INPUT: rc = parse_masked(s, u, &r, &p, err); break;
        default: rc = parse_reveal(s, u, &r, &p, err); break;
        }
    }
    if (rc == HELIOS_OK) {
        pthread_mutex_lock(&s->lock);
        if (s->answered[u])
            rc = hl_err_set(err, HELIOS_MISUSE, -1,
                            "secure aggregation: node %d already answered the %s stage", u,
                            stage_name(s->stage));
        else
            commit(s, u, &p);
        pthread_mutex_unlock(&s->lock);
    }
    parsed_free(s, &p);
    return rc;
}

/* ---- closing a stage; the unmasking ------------------------------------ */

/* Rebuilds node v's 32-byte secret from the revealers' shares. */
static int rebuild(HlSecAggServer *s, const uint64_t *lambda, uint64_t *col, int v,
                   uint8_t out[HL_SA_KEY], hl_err *err)
{
    uint64_t secret[HL_SA_CHUNKS];
    for (int k = 0; k < s->t; k++)
        memcpy(col + (size_t)k * HL_SA_CHUNKS, s->rev[k] + (size_t)v * HL_SA_CHUNKS,
               HL_SA_CHUNKS * sizeof *col);
    hl_shamir_interpolate(lambda, col, s->t, HL_SA_CHUNKS, secret);
    int bad = hl_shamir_unpack(secret, HL_SA_KEY, out) != 0;
    OPENSSL_cleanse(secret, sizeof secret);
    if (bad)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: the shares revealed for node %d are inconsistent "
                          "(a node revealed a wrong share)", v);
    return HELIOS_OK;
}

/* Node v dropped after SHARE: K_v(r), rebuilt, opens its seeds; with them
 * the masks v shares with each survivor w (which w added with the opposite
 * sign) are added as v would have. */
static int unmask_dropped(HlSecAggServer *s, int v, const uint8_t key[HL_SA_KEY],
                          uint8_t *seeds, hl_err *err)
{
    int rc = hl_sa_open_seeds(&s->crypto, key, s->session, s->round, (uint32_t)v, s->seeds[v],
                              s->seeds_len - HL_SA_TAG, seeds, err);
    const uint8_t *seed = seeds;
    for (int w = 0; w < s->n && rc == HELIOS_OK; w++) {
        if (s->level[w] < 1 || w == v)
            continue;
        if (s->level[w] >= 3)
            rc = hl_sa_prg_add(&s->crypto, seed, w > v ? +1 : -1, s->acc, (size_t)s->dim, err);
        seed += HL_SA_KEY;
    }
    OPENSSL_cleanse(seeds, s->seeds_len);
    return rc;
}

static int unmask(HlSecAggServer *s, hl_err *err)
{
    uint64_t *xs = malloc((size_t)s->t * sizeof *xs), *lambda = malloc((size_t)s->t * sizeof *lambda);
    uint64_t *col = malloc((size_t)s->t * HL_SA_CHUNKS * sizeof *col);
    uint8_t *seeds = malloc(s->seeds_len);
    uint8_t secret[HL_SA_KEY];
    int rc = xs && lambda && col && seeds ? HELIOS_OK
                                          : hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int k = 0; rc == HELIOS_OK && k < s->t; k++)
        xs[k] = (uint64_t)s->revealers[k] + 1;
    if (rc == HELIOS_OK)
        rc = hl_shamir_lagrange(xs, s->t, lambda, err);
    for (int v = 0; v < s->n && rc == HELIOS_OK; v++) {
        if (s->level[v] < 2)
            continue;
        rc = rebuild(s, lambda, col, v, secret, err);
        if (rc != HELIOS_OK)
            break;
        if (s->level[v] >= 3)
            rc = hl_sa_prg_add(&s->crypto, secret, -1, s->acc, (size_t)s->dim, err);
        else
            rc = unmask_dropped(s, v, secret, seeds, err);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    if (col)
        OPENSSL_cleanse(col, (size_t)s->t * HL_SA_CHUNKS * sizeof *col);
    free(col);
    free(seeds);
    free(xs);
    free(lambda);
    return rc;
}

/* The round fails; the session goes on. */
static int fail_round(HlSecAggServer *s, int rc)
{
    clear_round(s);
    s->stage = HL_SECAGG_FAILED;
    return rc;
}

int hl_secagg_server_advance(HlSecAggServer *s, hl_err *err)
{
    if (s->stage == HL_SECAGG_FAILED || s->stage == HL_SECAGG_DONE)
        return not_active(s, 0, err);
    int answered = count(s->answered, s->n, 1), rc = HELIOS_OK;
    switch (s->stage) {
    case HL_SECAGG_SETUP_ADVERTISE:
    case HL_SECAGG_SETUP_KEYS:
        if (answered < HL_SECAGG_MIN_NODES) {
            /* Too few to go on with, this round or any other. */
            s->over = 1;
            fail_round(s, HELIOS_ERROR);
            return hl_sa_too_few(err, s->t, answered);
        }
        if (s->stage == HL_SECAGG_SETUP_ADVERTISE) {
            memcpy(s->adv, s->answered, (size_t)s->n);
            memset(s->answered, 0, (size_t)s->n);
            s->stage = HL_SECAGG_SETUP_KEYS;
            return HELIOS_OK;
        }
        memcpy(s->member, s->answered, (size_t)s->n);
        s->setup_done = 1;
        /* The public keys have done their work. */
        memset(s->cpk, 0, (size_t)s->n * sizeof *s->cpk);
        memset(s->spk, 0, (size_t)s->n * sizeof *s->spk);
        return start_round(s, err);
    case HL_SECAGG_SHARE:
    case HL_SECAGG_MASKED_INPUT:
        if (answered < s->t)
            return fail_round(s, hl_sa_too_few(err, s->t, answered));
        if (s->stage == HL_SECAGG_MASKED_INPUT)
            for (int u = 0; u < s->n; u++) {
                free(s->sealed[u]);     /* delivered */
                s->sealed[u] = NULL;
            }
        for (int u = 0; u < s->n; u++)
            if (s->answered[u])
                s->level[u]++;
        memset(s->answered, 0, (size_t)s->n);
        s->stage = s->stage == HL_SECAGG_SHARE ? HL_SECAGG_MASKED_INPUT : HL_SECAGG_UNMASKING;
        return HELIOS_OK;
    default:                            /* UNMASKING */
        if (s->nrev < s->t)
            return fail_round(s, hl_sa_too_few(err, s->t, s->nrev));
        if ((rc = unmask(s, err)) != HELIOS_OK)
            return fail_round(s, rc);
        s->included = count(s->level, s->n, 3);
        s->stage = HL_SECAGG_DONE;
        return HELIOS_OK;
    }
}

int hl_secagg_server_result(const HlSecAggServer *s, double *sum, unsigned char *included,
                            int *m, hl_err *err)
{
    if (s->stage != HL_SECAGG_DONE)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: no result before the UNMASKING stage closes%s",
                          s->stage == HL_SECAGG_FAILED ? " (the round failed)" : "");
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
