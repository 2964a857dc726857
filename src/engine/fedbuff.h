/*
 * fedbuff.h - the buffer of buffered asynchronous aggregation (FedBuff:
 * Nguyen, Malik, Zhan, Yousefpour, Rabbat, Malek & Huba, "Federated
 * Learning with Buffered Asynchronous Aggregation", AISTATS 2022).
 *
 * The nodes' updates wait here in the order they arrived until a server
 * step takes K of them.  An update is the model a node trained minus the
 * global model it was sent; that model's version counts the server steps
 * (one more each step).  A step applied to version `current` finds an
 * update of version v tau = current - v steps stale; one more than
 * max_staleness steps stale is dropped, never applied (the paper's
 * analysis assumes a bounded staleness).
 *
 * The step's update (Algorithm 1 of the paper: the buffer's sum over K,
 * each update scaled by the staleness function their experiments use,
 * s(tau) = 1 / sqrt(1 + tau)), generalized to weights w (a node's rows
 * with weighted_aggregation, else 1):
 *
 *     mean = sum_i s(tau_i) w_i d_i / sum_i w_i
 *
 * With w = 1 that is the paper's sum s(tau) d / K: a stale update shrinks
 * the step, it does not only weigh less against fresh ones.
 *
 * Ownership: a pushed update's delta belongs to the buffer until it is
 * taken or dropped, then to the caller (hl_buff_update_clear).  Not
 * thread-safe: async.c calls it under its lock.
 */
#ifndef HL_FEDBUFF_H
#define HL_FEDBUFF_H

#include <stdint.h>

#include "err.h"

typedef struct HlBuffUpdate {
    int node;                   /* the run's node index */
    int version;                /* of the global model it trained from */
    double *delta;              /* p: trained minus sent model */
    double weight;              /* rows (weighted_aggregation), else 1; >= 0 */
    int64_t rows;
    double loss_before, loss_after;  /* the node's loss before and after training */
    double seconds;             /* the exchange's wall time */
    double dp_clip;             /* record-level DP: the clip its DP-SGD ended with (0: none) */
} HlBuffUpdate;

typedef struct HlBuff {
    HlBuffUpdate *u;            /* n updates, oldest arrival first */
    int n, cap;
} HlBuff;

/* An empty buffer for at most cap updates (cap >= 1).  Returns HELIOS_OK
 * or HELIOS_NOMEM (err set). */
int hl_buff_init(HlBuff *b, int cap, hl_err *err);
/* Frees the buffer and every update in it; accepts NULL. */
void hl_buff_free(HlBuff *b);
/* Frees what u holds. */
void hl_buff_update_clear(HlBuffUpdate *u);

/* Appends *u (the buffer takes its delta).  Returns 0, or -1 when the
 * buffer is full (u untouched). */
int hl_buff_push(HlBuff *b, const HlBuffUpdate *u);

/* FedBuff's staleness scaling s(tau) = 1 / sqrt(1 + tau), tau >= 0. */
double hl_buff_staleness_weight(int tau);

/* Moves the updates that are more than max_staleness steps stale for a
 * step applied to version `current` (tau = current - version) into out[]
 * (room for b->n), keeping the order of the others; returns how many. */
int hl_buff_drop_stale(HlBuff *b, int current, int max_staleness, HlBuffUpdate *out);

/* Moves the k oldest updates (k <= b->n) into out[], oldest first. */
void hl_buff_take(HlBuff *b, int k, HlBuffUpdate *out);

/* The step's update of u[0..k) applied to version `current`: mean[j] =
 * sum_i s(tau_i) w_i d_i[j] / sum_i w_i, over p parameters, the sum in
 * the order of u.  When the weights sum to 0 (no rows) each counts 1, as
 * in a synchronous round.  Returns 0, or -1 when k < 1. */
int hl_buff_mean(const HlBuffUpdate *u, int k, int current, int p, double *mean);

/* The step's loss: the rows-weighted mean of u[0..k)'s loss_before, and
 * the variance of loss_before between them (as a synchronous round's). */
void hl_buff_losses(const HlBuffUpdate *u, int k, double *loss, double *variance);

#endif
