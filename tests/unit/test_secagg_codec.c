/*
 * test_secagg_codec.c - what goes over the wire in secure aggregation
 * (src/secagg/): the fixed-point encoding of updates, by hand and against
 * its error bound, and its errors; the protocol's messages, each stage's
 * message and reply refused in every malformed variant (prefixes, a byte
 * more, other version, type, session, counts, round), replayed from an
 * earlier round, tampered with (a REVEAL of the wrong kind, a sealed share
 * or sealed seeds altered) or randomly corrupted (fuzzed sessions), the
 * session unharmed or only the round failing; and how a node dispatches on
 * a message.
 */
#include "secagg_helpers.h"

#include "helios.h"
#include "secagg/secagg.h"

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

int main(void)
{
    RUN(test_fixed_point_hand);
    RUN(test_fixed_point_bound);
    RUN(test_fixed_point_errors);
    RUN(test_malformed_each_stage);
    RUN(test_replayed_round);
    RUN(test_reveal_kind_refused);
    RUN(test_tampered_share);
    RUN(test_bad_seeds_fail_round);
    RUN(test_fuzz_sessions);
    RUN(test_message_round);
    return unit_report();
}
