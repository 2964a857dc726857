/*
 * async.h - buffered asynchronous aggregation: the steps of a run with
 * async_aggregation = true (FedBuff: Nguyen, Malik, Zhan, Yousefpour,
 * Rabbat, Malek & Huba, "Federated Learning with Buffered Asynchronous
 * Aggregation", AISTATS 2022).
 *
 * The nodes train without waiting for each other: a node that is idle is
 * sent the current global model and trains; its update waits in a buffer
 * (fedbuff.h).  A server step happens when K updates are in it: their
 * staleness-scaled mean goes to the aggregator as its one model (global +
 * mean), so fedavg, fedprox and the server optimizers apply it as they
 * would a round's mean.  A step is a round to the catalog and the views;
 * its participating nodes are the K whose updates it applied, its dropped
 * ones those that failed since the last step and the updates dropped as
 * more than max_staleness steps stale.
 *
 * What it promises:
 *  - at most hl_round_threads_for(nodes) exchanges in flight (FedBuff's
 *    concurrency), and never two at one node;
 *  - a node contributes at most one update to a step: once its update is
 *    in the buffer it waits for the step that takes it (so one fast node
 *    cannot fill a step, and a step lists each node once);
 *  - a node waits for the next step after a failed exchange (a node that
 *    fails at once is not asked again and again); the run fails when
 *    more than nodes - min_nodes_per_round nodes failed since the last
 *    step, or when too few are left to send the K updates;
 *  - idle nodes are sent the model longest-idle first, so with one thread
 *    and in-process nodes the run is deterministic (the nodes train one
 *    after the other, K to a step); with more threads the order in which
 *    the updates arrive decides, which depends on timing;
 *  - evaluation needs the nodes idle: a step that evaluates
 *    (validation_frequency, the last step) first waits for the exchanges
 *    in flight, whose updates wait in the buffer for the next steps;
 *  - at the end (the last step, STOP, a failure) the exchanges in flight
 *    are waited for (a remote one is bounded by stragglers_timeout, else
 *    round_timeout) and their updates discarded, before the nodes close.
 */
#ifndef HL_ASYNC_H
#define HL_ASYNC_H

#include "engine_int.h"

/* K, the updates a step takes: aggregation_batch_size when set (batch >
 * 0), else min_nodes_per_round when above 1, else half the nodes (at
 * least 1). */
int hl_async_k(int batch, int round_min, int nnodes);

/* Whether the run can train asynchronously (its aggregation, privacy and
 * node selection), and K against its nodes.  Returns HELIOS_OK or
 * HELIOS_OPTION with a message saying why not. */
int hl_async_check(const HlRun *r, hl_err *err);

/* The steps first_round..rounds of r (r->async_k updates each), committed
 * as rounds through hl_eng_round_end().  Returns the run's status; *err
 * says why it failed. */
HlRunStatus hl_async_rounds(HlRun *r, sqlite3 *db, HlRunLoop *loop, hl_err *err);

#endif
