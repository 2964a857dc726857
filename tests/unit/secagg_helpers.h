/*
 * secagg_helpers.h - what the secure aggregation tests share: the tests'
 * own random stream (next_u64, uniform) and sessions run in process (Sim:
 * sim_open, sim_stage, sim_round, good_round, check_sum, drops, ...), a
 * server and its n clients passing messages directly, with the nodes that
 * drop out at each stage.  Included by test_shamir.c, test_secagg_codec.c
 * and test_secagg.c only.
 */
#ifndef HL_SECAGG_HELPERS_H
#define HL_SECAGG_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "secagg/secagg.h"
#include "unit.h"

/* splitmix64 (Steele, Lea & Flood 2014): the tests' own stream. */
static inline uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline double uniform(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)(next_u64(s) >> 11) / 9007199254740992.0;
}

/* ---- sessions, in process ------------------------------------------------ */

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

static inline void sim_inputs(Sim *sm)
{
    for (int i = 0; i < sm->n * sm->dim; i++)
        sm->x[i] = uniform(&sm->seed, -9, 9);       /* some beyond +-8: clipped */
    if (sm->segs)       /* a weight segment last: [0, 1] */
        for (int u = 0; u < sm->n; u++)
            sm->x[(size_t)u * sm->dim + sm->dim - 1] = uniform(&sm->seed, 0, 1);
}

static inline int sim_open(Sim *sm, int n, int t, int dim, const HlSecAggSegment *segs, int nsegs,
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

static inline void sim_unkeep(Sim *sm)
{
    for (int u = 0; sm->kept && u < sm->n; u++) {
        free(sm->kept[u]);
        sm->kept[u] = NULL;
    }
}

static inline void sim_keep(Sim *sm, int stage)
{
    if (!sm->kept) {
        sm->kept = calloc((size_t)sm->n, sizeof *sm->kept);
        sm->kept_len = calloc((size_t)sm->n, sizeof *sm->kept_len);
    }
    sim_unkeep(sm);
    sm->keep_stage = stage;
}

static inline void sim_close(Sim *sm)
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

static inline int answer(Sim *sm, int u, const uint8_t *msg, size_t len, uint8_t **reply,
                         size_t *rlen, hl_err *err)
{
    return hl_secagg_client_handle(sm->cli[u], msg, len, sm->x + (size_t)u * sm->dim, sm->dim,
                                   reply, rlen, err);
}

/* One stage: every active node with drop[u] > stage answers; then the
 * advance (its code returned). */
static inline int sim_stage(Sim *sm, const int *drop, hl_err *err)
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
static inline int sim_round(Sim *sm, int64_t round, const unsigned char *sel, const int *drop,
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
static inline void check_sum(Sim *sm, const unsigned char *sel, const int *drop)
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
static inline void good_round(Sim *sm, int64_t round, const unsigned char *sel, const int *drop)
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
static inline void drops(int *drop, int n, int k, int from, int step, int stage)
{
    for (int u = 0; u < n; u++)
        drop[u] = NONE;
    for (int i = 0; i < k; i++)
        drop[(from + i * step) % n] = stage;
}

#endif
