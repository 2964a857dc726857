/*
 * secure.h - a round's secure aggregation, run by the coordinator through
 * the node interface (SECAGG messages, node.h) with the protocol of
 * src/secagg/secagg.h: the coordinator learns the sum of the nodes'
 * updates and never one node's.
 *
 * The session spans the run (one key setup, then a short protocol each
 * round).  Each node's vector is [w delta (p values), w] (+ its adaptive
 * clipping report at node-level DP), every delta coordinate clipped to
 * [-R, R] and the weight in [0, 1]: w = rows / (the most rows any node
 * has) for weighted FedAvg, else 1.  The mean update is then
 * sum(w delta) / sum(w) (node-level DP: sum(delta) / expected nodes).
 */
#ifndef HL_SECURE_H
#define HL_SECURE_H

#include <stdint.h>

#include "err.h"
#include "node.h"
#include "secagg/secagg.h"

/* The session's vector layout for p parameters: [delta: -range..range]
 * [weight: 0..1] and, with reports, [report: -report_range..report_range].
 * segs must hold 3 entries; returns the count used. */
int hl_secure_layout(int p, double range, int reports, double report_range,
                     HlSecAggSegment *segs);

/* One round's protocol with the nodes of the session (nodes[0..n), the
 * session's order) flagged in selected[].  On success sum (the layout's
 * dim values) holds the decoded sum, included[] flags the nodes in it and
 * *m counts them; bytes count the protocol's payloads.  A node that fails
 * an exchange drops out; too few survivors fail the round (err says). */
int hl_secure_round(HlSecAggServer *s, int64_t round, HlNode *const *nodes, int n,
                    const unsigned char *selected, int threads, double *sum,
                    unsigned char *included, int *m, int64_t *bytes_sent,
                    int64_t *bytes_received, hl_err *err);

#endif
