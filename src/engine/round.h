/*
 * round.h - one training round: send the global model to the chosen nodes,
 * let them train (in parallel, on a pool of threads), collect, aggregate.
 *
 * Determinism: each node trains on its own random stream, and the updates
 * are aggregated in node order whatever order the threads finish in, so a
 * round gives bit-identical results with any number of threads.
 * A node whose exchange fails is dropped from the round (counted in
 * `dropped`, its error kept for the node's diagnostics); the round fails
 * only when fewer than `min_nodes` nodes answered.
 */
#ifndef HL_ROUND_H
#define HL_ROUND_H

#include <stdint.h>

#include "agg.h"
#include "clock.h"
#include "dp/mech.h"
#include "err.h"
#include "node.h"

/* Node-level differential privacy of a round (DP-FedAvg, McMahan et al.
 * 2018): the nodes clipped their updates to `clip`; the round adds noise
 * of scale sigma * clip to their unweighted sum, divides by the expected
 * number of nodes (the fixed denominator keeps the sensitivity clip /
 * expected), and hands global + that mean update to the aggregator as its
 * one model. */
typedef struct HlRoundDp {
    HlDpMechanism mechanism;
    double sigma, clip;
    double expected;            /* expected nodes a round (> 0) */
    HlRng *rng;                 /* the coordinator's secret noise stream */
} HlRoundDp;

typedef struct HlRoundIn {
    HlNode **nodes;             /* the nodes chosen for this round */
    int n;
    int round;                  /* 1-based */
    uint64_t seed;
    const double *global;       /* p parameters */
    int p;
    const char *train_config;   /* JSON for the TRAIN message */
    const HlAggOps *agg;
    const HlAggConfig *aggcfg;
    double *agg_state;          /* agg->state_size(p) doubles, kept across rounds */
    int weighted;               /* weight updates by their rows */
    int min_nodes;              /* fewer answers than this: the round fails */
    int threads;                /* workers (>= 1) */
    double clip;                /* differential privacy: the round's clip (0: none) */
    const HlRoundDp *dp;        /* node-level differential privacy; NULL: off */
    /* Secure aggregation (engine/secure.h); sa NULL: off.  The session's
     * nodes are all[0..nall), nodes[i] being all[index[i]]. */
    struct HlSecAggServer *sa;
    HlNode *const *all;
    int nall;
    const int *index;
    double weight_scale;        /* the nodes' weight: rows x this (0: 1 each) */
    int dp_shares;              /* node-level DP: noise shares (the threshold) */
    double dp_noise, dp_count_noise;
    double timeout;             /* seconds a node has to answer TRAIN (stragglers_timeout,
                                   else round_timeout); 0: none.  A remote node that misses
                                   it is dropped from the round as slow; in-process nodes
                                   are not timed */
    int version;                /* of global (node.h: version); 0: unversioned */
    int eval_first, eval_split; /* batch_communication: the nodes evaluate global first
                                   (node.h), their counts merged into out->metrics */
    int nmetrics;               /* with eval_first: the counts' size (engine/eval.h) */
    const struct HlUpdateCode *down;  /* global coded against version - 1 (bits 0: none) */
    int batch;                  /* aggregation_batch_size: > 0 folds the updates into a
                                   running sum k at a time as they arrive (the aggregator
                                   must sum: agg->sums && !agg->per_step), so the updates
                                   held at once are at most k plus those in flight.  The
                                   sum's order is then the arrival order: results can
                                   differ from run to run in the last bits */
} HlRoundIn;

typedef struct HlRoundNode {
    int ok;                     /* answered */
    int64_t rows;
    double loss_before, loss_after;
    double seconds;
    int slow;                   /* !ok because it did not answer in time */
    int64_t bytes_sent, bytes_received;  /* this node's traffic in the round */
    hl_err err;                 /* when !ok */
} HlRoundNode;

typedef struct HlRoundOut {
    double *global;             /* p: the new global parameters (caller's buffer) */
    HlRoundNode *node;          /* n entries (caller's buffer) */
    int participated, dropped;
    double loss;                /* rows-weighted mean of the nodes' loss_before:
                                   the global model's training loss this round */
    double node_variance;       /* variance of the nodes' loss_before */
    double train_seconds;       /* wall time of the parallel local training */
    double aggregate_seconds;
    int64_t bytes_sent, bytes_received;  /* remote nodes: bytes on the wire (frames, sealed
                                   and compressed); in-process nodes: the payloads a
                                   remote node would have carried (8 bytes a parameter,
                                   or the update codec's size) */
    double dp_report_sum;       /* node-level DP: the sum of the nodes' dp_report */
    double dp_clip;             /* record-level DP: the median of the clips the nodes
                                   ended with (0: none reported) */
    double *metrics;            /* with eval_first: nmetrics zeroed counts (caller's
                                   buffer), the answering nodes' merged in node order */
    int evaluated;              /* nodes whose counts were merged */
} HlRoundOut;

/* Runs the round.  Returns HELIOS_OK, or an error (too few nodes answered:
 * the message names how many and the first node's error; out of memory). */
int hl_round_run(const HlRoundIn *in, HlRoundOut *out, hl_err *err);

/* The worker count: $HELIOS_THREADS when set (1..256), else the cores. */
int hl_round_threads(void);

/* The workers for talking to nodes[0..n): hl_round_threads(), or, when a
 * node is remote (its exchanges mostly wait on the network), up to 64 so
 * that the waits overlap. */
int hl_round_threads_for(HlNode *const *nodes, int n);

/* fn(ctx, i) for i in [0, n), on up to `threads` threads (the calling one
 * too); returns when all are done. */
void hl_round_each(int n, int threads, void (*fn)(void *ctx, int i), void *ctx);


#endif
