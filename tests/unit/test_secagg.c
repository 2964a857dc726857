/*
 * test_secagg.c - secure aggregation's protocol (src/secagg/), sessions of
 * the amortized protocol run in process: several training rounds over one
 * key setup with different selections, the decoded sums against the plain
 * sums with 0, 1 and |U_r| - t dropouts at each stage (and mixed), nodes
 * dropping during setup, fewer than t survivors (the round fails, the next
 * one works), abandoned rounds and setups, fresh masks every round (the
 * same input twice gives unrelated masked vectors, and the pairwise masks
 * themselves differ), what the server sees (masked vectors only,
 * uniformly spread), no X25519 agreement after setup, concurrent
 * message/receive calls, and the configurations refused.  The primitives
 * are in test_shamir.c, the encoding and the messages in
 * test_secagg_codec.c.
 */
#include "secagg_helpers.h"

#include "helios.h"
#include "secagg/secagg.h"
#include "secagg/secagg_int.h"
#include "secagg/shamir.h"

#include <pthread.h>

/* ---- sessions, in process -------------------------------------------------- */

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

/* ---- configuration ----------------------------------------------------------- */

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
    RUN(test_config_errors);
    RUN(test_session_rounds);
    RUN(test_session_shapes);
    RUN(test_setup_dropout);
    RUN(test_too_few);
    RUN(test_abandoned);
    RUN(test_masks_fresh_each_round);
    RUN(test_concurrent_stages);
    return unit_report();
}
