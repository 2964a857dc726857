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
#include "err.h"
#include "node.h"

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
} HlRoundIn;

typedef struct HlRoundNode {
    int ok;                     /* answered */
    int64_t rows;
    double loss_before, loss_after;
    double seconds;
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
    int64_t bytes_sent, bytes_received;  /* parameter payloads, 8 bytes a value */
} HlRoundOut;

/* Runs the round.  Returns HELIOS_OK, or an error (too few nodes answered:
 * the message names how many and the first node's error; out of memory). */
int hl_round_run(const HlRoundIn *in, HlRoundOut *out, hl_err *err);

/* The worker count: $HELIOS_THREADS when set (1..256), else the cores. */
int hl_round_threads(void);

/* Monotonic seconds, for timing phases. */
double hl_now_seconds(void);

#endif
