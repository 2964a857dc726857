/*
 * engine.h - training runs: set up synchronously, rounds in the background.
 *
 * hl_engine_start() does what can fail because of the definitions or the
 * data, on the caller's thread, so that START FEDERATED TRAINING reports it
 * at once: it reads the workspace's nodes, checks min_nodes, asks every node
 * for its schema and statistics, agrees the encoding, has every node load
 * and encode its rows, initializes the model from its seed and records the
 * run in the catalog (inside the caller's transaction).  Then a thread runs
 * the rounds: each round is committed to the catalog (on the engine's own
 * connection) before the next begins.  STOP sets a flag the thread reads
 * between rounds.  hl_engine_free() waits for every run, so a script piped
 * into the shell ends after its training.
 *
 * The round loop's numbers:
 *   global_loss      the rows-weighted mean loss of the global model on the
 *                    training rows of the round's nodes, as they received it
 *                    (the model after the previous round);
 *   global_accuracy  measured every validation_frequency rounds and at the
 *                    last: the new global model on the validation rows of all
 *                    nodes (on their training rows when validation_split = 0);
 *   convergence      the run converges when global_loss improves by less
 *                    than convergence_threshold from one round to the next,
 *                    or when the loss on the validation rows (the training
 *                    loss when there are none) has not improved on its best
 *                    for early_stopping_rounds rounds.
 */
#ifndef HL_ENGINE_H
#define HL_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "err.h"

typedef struct HlEngine HlEngine;

/* db_uri: what the engine opens for its own connection and what nodes
 * without a `database` option read (the catalog's file, or the URI of a
 * shared in-memory database). */
HlEngine *hl_engine_new(const char *db_uri);
/* Waits for every run to end, then frees; accepts NULL. */
void hl_engine_free(HlEngine *e);

/* Starts training model `model_id` (name `model`) of workspace `ws_id` with
 * the effective options `opts` (the model's merged with the run's, JSON)
 * and the workspace's `ws_opts`.  A node that fails SCHEMA, STATS or SETUP
 * is left out of the run (closed; marked failed, or slow, in the catalog)
 * when at least the workspace's min_nodes others answer; with fewer, the
 * first failure is the error.  On error nothing is running and *err says
 * why (names the node, table or column at fault).  note (notesz bytes; may
 * be NULL) receives what the user should know, e.g. the nodes left out and
 * why, the noise multiplier differential privacy calibrated, or "". */
int hl_engine_start(HlEngine *e, sqlite3 *db, int64_t model_id, const char *model,
                    int64_t ws_id, const char *ws_opts, const char *opts, char *note,
                    size_t notesz, hl_err *err);

/* What a run goes on from: a checkpoint file, or an interrupted or
 * stopped run of the catalog (run_id > 0, which then continues). */
typedef struct HlResume {
    const char *plan, *spec;    /* of the run */
    const double *params, *state;
    size_t nparams, nstate;
    int64_t rounds_done, rounds_planned;
    int64_t run_id;
} HlResume;

/* Like hl_engine_start(), from saved state: the run's own options (opts),
 * encoding plan and spec; rounds go on from rounds_done + 1 on the same
 * random streams, so the result is the one an uninterrupted run gives. */
int hl_engine_resume(HlEngine *e, sqlite3 *db, int64_t model_id, const char *model,
                     int64_t ws_id, const char *ws_opts, const char *opts,
                     const HlResume *from, char *note, size_t notesz, hl_err *err);

/* Asks the model's run to stop after its current round.  HELIOS_NOTFOUND
 * when it is not training. */
int hl_engine_stop(HlEngine *e, int64_t model_id, hl_err *err);

/* Waits up to timeout seconds (< 0: for ever) for the model's run to end.
 * Returns 1 when it has ended (or none is running), 0 on timeout.  When
 * status is not NULL it receives how the model's last run in this process
 * ended ("completed after 30 rounds", "converged at round 12", "stopped
 * after round 3", "failed: ..."), or "" when none has. */
int hl_engine_wait(HlEngine *e, int64_t model_id, double timeout, char *status, size_t n);

int hl_engine_running(HlEngine *e, int64_t model_id);

/* Evaluates the model's current version: on the validation rows its
 * training held out at every node of workspace ws_id (all their rows when
 * it held out none), or on `table` of this database.  *json_out (malloc'd)
 * gets {"per_node": {name: metrics}, "metrics": {...}, "rows_are": ...,
 * "version": n}; metrics are computed from the nodes' merged counts. */
int hl_engine_evaluate(HlEngine *e, sqlite3 *db, int64_t model_id, int64_t ws_id,
                       const char *table, char **json_out, hl_err *err);

/* federated_data_quality_check(): asks every node of workspace ws_id for
 * the QUALITY of model `model`'s features (model_opts: its options: the
 * features, source and compression).  *json_out (malloc'd) gets an array,
 * one element a node in catalog order: {"node_name": n,
 * "feature_statistics": {feature: {"count", "mean", "std", "min", "max"}
 * (numeric) or {"count", "distinct"} (text)}, "missing_values": {feature:
 * NULLs}, "outliers": {feature: count} (numeric features only)}.  A node
 * that fails is the error, named (engine/quality.c). */
int hl_engine_quality(HlEngine *e, sqlite3 *db, int64_t ws_id, const char *model,
                      const char *model_opts, char **json_out, hl_err *err);

/* The function told of each committed round (helios_set_progress). */
void hl_engine_set_progress(HlEngine *e, void (*fn)(void *, const char *, int, int, double,
                                                    double, double), void *arg);

/* How many runs are going on. */
int hl_engine_count_running(HlEngine *e);

/* Asks every run to stop after its current round. */
void hl_engine_stop_all(HlEngine *e);

#endif
