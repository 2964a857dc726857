/*
 * runs.h - training history in the catalog: runs, their rounds (with the
 * nodes and phases of each), model versions and checkpoint rows.
 *
 * A run is one training of a model (START, or RESUME of an interrupted or
 * stopped run).  The engine begins it, commits each round as it completes,
 * and finishes it; a run that ends well ('converged' or 'completed')
 * becomes the model's next version, and that version becomes the one
 * prediction uses.  Everything a killed process needs to go on (the latest
 * global parameters, the server optimizer's state, the number of the last
 * committed round) is written with each round, in the round's transaction.
 *
 * Promises:
 *  - Parameter and state vectors are stored as BLOBs of little-endian
 *    IEEE-754 binary64 values, 8 bytes each, nothing else: a catalog moves
 *    between machines unchanged, and a vector reads back bit for bit
 *    (NaN payloads and signed zeros included).
 *  - Each write is all or nothing in a transaction of its own.  When the
 *    caller holds no transaction that is BEGIN IMMEDIATE ... COMMIT (the
 *    write lock is taken first, waiting out the busy timeout, so a round
 *    commits while the shell's connection writes too), and it is durable
 *    on return.  Inside the caller's transaction (hl_cat_begin() ..
 *    hl_cat_commit(), or a user's BEGIN) it is a savepoint (SAVEPOINT
 *    hl_runs): it commits with the caller, and the caller's rollback undoes
 *    it.  Writes lift the protection of the hl_* tables themselves.
 *  - On error a function returns a HELIOS_* code, fills *err (offset -1)
 *    and changes nothing.  Messages name the model: "federated model 'm'
 *    has no version 'v9'".
 *  - Nothing here audits; the executor records the statement (catalog.h).
 *  - Real values that are NaN are stored as NULL ("not measured"), e.g. a
 *    round's global_accuracy when the round was not evaluated.
 *
 * Model status (hl_model.status, shown by the views): 'training' while a
 * run is running; when it ends, 'trained' if the model has a version, else
 * 'defined'.
 *
 * Not here: the checkpoint files themselves (only their rows), and node
 * status (the engine's, in hl_node).
 */
#ifndef HL_RUNS_H
#define HL_RUNS_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "../src/err.h"

typedef enum HlRunStatus {
    HL_RUN_RUNNING = 0,
    HL_RUN_CONVERGED,           /* success: stopped by convergence_threshold / early stopping */
    HL_RUN_COMPLETED,           /* success: ran all its rounds */
    HL_RUN_STOPPED,             /* STOP FEDERATED TRAINING */
    HL_RUN_FAILED,              /* an error ended it (error says which) */
    HL_RUN_INTERRUPTED,         /* the process died or closed while it ran */
    HL_RUN_BUDGET_EXHAUSTED,    /* the next round would have spent more than the
                                   workspace's privacy budget */
    HL_RUN__COUNT
} HlRunStatus;

/* "running", "converged", ... as stored; "?" for a bad value. */
const char *hl_cat_run_status_name(HlRunStatus s);

/* ---- runs ----------------------------------------------------------------- */

typedef struct HlCatRunStart {
    int64_t model_id;
    const char *options;        /* the effective run options, JSON object; NULL: "{}" */
    const char *plan;           /* the encoding plan, JSON; NULL: "{}" */
    const char *spec;           /* the model spec, JSON; NULL: "{}" */
    int64_t rounds_planned;     /* the round the run means to end at */
    int64_t rounds_done;        /* 0; or, resuming from a checkpoint, its round */
    const double *params;       /* initial global parameters; NULL when none yet */
    size_t nparams;
    const double *state;        /* initial server optimizer state; NULL: none */
    size_t nstate;
} HlCatRunStart;

/* One run as read back; every pointer owned (free with hl_cat_run_clear). */
typedef struct HlCatRun {
    int64_t id;
    int64_t model_id;
    HlRunStatus status;
    char *started_at;           /* 'YYYY-MM-DD HH:MM:SS' UTC */
    char *updated_at;           /* when the last round was committed */
    char *finished_at;          /* NULL while running */
    char *options, *plan, *spec;    /* JSON text */
    char *error;                /* NULL unless it failed */
    int64_t rounds_planned;
    int64_t rounds_done;        /* number of the last committed round */
    double *params;             /* latest global parameters; NULL when none */
    size_t nparams;
    double *state;              /* latest server optimizer state; NULL when none */
    size_t nstate;
} HlCatRun;

void hl_cat_run_clear(HlCatRun *r);    /* frees what r holds; accepts NULL */

/* Begins a run of s->model_id, status 'running', and sets the model's
 * status to 'training'.  *run_id (may be NULL) gets its id.  Refused when
 * the model already has a running run ("federated model 'm' is already
 * training (run 3, round 5 of 30)"), or when the JSON is not valid. */
int hl_cat_run_begin(sqlite3 *db, const HlCatRunStart *s, int64_t *run_id, hl_err *err);

/* Sets an 'interrupted', 'stopped' or 'failed' run back to 'running'
 * (finished_at and error cleared), to go on from its rounds_done.  A run
 * that succeeded, or one whose model has another run running, is refused. */
int hl_cat_run_resume(sqlite3 *db, int64_t run_id, hl_err *err);

/* Ends a run with `status` (not HL_RUN_RUNNING) and `error` (text or
 * NULL).  On success (converged, completed) it also creates the model's
 * next version (max + 1) from the run's latest parameters, plan and spec,
 * with `metrics` (a JSON object, NULL: "{}"; the views read "loss" and
 * "accuracy" from it) and rounds = rounds_done, and makes it the model's
 * current version; *version (may be NULL) gets its number, 0 when none was
 * made.  A run that is not running is refused, as is success without
 * parameters. */
int hl_cat_run_finish(sqlite3 *db, int64_t run_id, HlRunStatus status, const char *error,
                      const char *metrics, int64_t *version, hl_err *err);

/* Marks every running run of model_id (0: of every model) 'interrupted',
 * and their models 'trained' or 'defined': what the engine calls on opening
 * a catalog whose runs no process is running any more (after kill -9).
 * Not while another process may be training on the same catalog: its next
 * round would be refused.  *n (may be NULL) gets how many. */
int hl_cat_run_interrupt_all(sqlite3 *db, int64_t model_id, int64_t *n, hl_err *err);

/* Reads run `run_id`, or the latest run (highest id) of a model.  *out is
 * overwritten without freeing: pass a zeroed or cleared HlCatRun.
 * HELIOS_NOTFOUND: "run 7 does not exist", "federated model 'm' has not
 * been trained yet". */
int hl_cat_run_get(sqlite3 *db, int64_t run_id, HlCatRun *out, hl_err *err);
int hl_cat_run_latest(sqlite3 *db, int64_t model_id, HlCatRun *out, hl_err *err);

/* ---- rounds --------------------------------------------------------------- */

typedef enum HlCatPhase {
    HL_CAT_PHASE_DISTRIBUTION = 0,
    HL_CAT_PHASE_LOCAL_TRAINING,
    HL_CAT_PHASE_AGGREGATION,
    HL_CAT_PHASE_EVALUATION,
    HL_CAT_PHASE_PERSIST,
    HL_CAT_PHASE__COUNT
} HlCatPhase;

/* "distribution", "local_training", ... as stored; "?" for a bad value. */
const char *hl_cat_phase_name(HlCatPhase p);

/* A node that took part in a round. */
typedef struct HlCatRoundNode {
    int64_t node_id;            /* hl_node id; 0 when the node is not in the catalog */
    const char *node_name;      /* required; kept when the node is dropped */
    int64_t rows;               /* rows it trained on */
    double loss_before;         /* its local loss on the global model it received */
    double loss_after;          /* ... and after its local training */
    double duration_seconds;
} HlCatRoundNode;

typedef struct HlCatRoundPhase {
    HlCatPhase phase;
    double duration_seconds;    /* wall time */
    double cpu_seconds;         /* CPU time, all threads: may exceed the wall time */
    int64_t memory_bytes;       /* peak resident memory during the phase */
    int64_t bytes_sent;         /* coordinator to nodes */
    int64_t bytes_received;     /* nodes to coordinator */
} HlCatRoundPhase;

typedef struct HlCatRound {
    int64_t round_number;       /* must be the run's rounds_done + 1 */
    const char *timestamp;      /* 'YYYY-MM-DD HH:MM:SS' UTC; NULL: now */
    double duration_seconds;
    double global_loss;
    double global_accuracy;     /* NaN when not evaluated this round */
    double learning_rate;       /* the effective local learning rate */
    double node_variance;       /* variance of the nodes' local losses */
    double privacy_epsilon;     /* privacy spent by this round (0 without DP) */
    int64_t dropped_nodes;      /* chosen but did not answer */
    int64_t communication_bytes;
    const HlCatRoundNode *nodes;    /* the participating nodes (their count is
                                       participating_nodes), names unique */
    int nnodes;
    const HlCatRoundPhase *phases;  /* at most one per phase */
    int nphases;
    const double *params;       /* global parameters after the round: required */
    size_t nparams;
    const double *state;        /* server optimizer state after it; NULL: none */
    size_t nstate;
} HlCatRound;

/* Commits one round of running run `run_id`: its hl_round row (loss_delta
 * computed here: global_loss minus that of the previous round of the run,
 * NULL for the run's first round), its node and phase rows, and the run's
 * params, server_state, rounds_done and updated_at -- one transaction. */
int hl_cat_round_commit(sqlite3 *db, int64_t run_id, const HlCatRound *r, hl_err *err);

/* The accuracy of round `round_number` of run `run_id`, known after the
 * round was committed (batch_communication: the nodes evaluate a round's
 * model with the next round's training).  NaN: NULL. */
int hl_cat_round_set_accuracy(sqlite3 *db, int64_t run_id, int round_number, double accuracy,
                              hl_err *err);

/* A node that did not answer in a round: status 'slow' (it did not answer
 * in time: stragglers_timeout or round_timeout) or 'failed' (an error, a
 * lost connection), with why.  (hl_cat_round_commit() marks the nodes
 * that answered 'active' and sets their last_seen.) */
int hl_cat_node_missed(sqlite3 *db, int64_t node_id, int slow, const char *why, hl_err *err);

/* Adds (or replaces) one phase of a committed round, for what can only be
 * measured after the commit (the persist phase). */
int hl_cat_round_phase_set(sqlite3 *db, int64_t run_id, int64_t round_number,
                           const HlCatRoundPhase *p, hl_err *err);

/* ---- versions -------------------------------------------------------------- */

/* One model version as read back; every pointer owned. */
typedef struct HlCatVersion {
    int64_t id;
    int64_t model_id;
    int64_t version;            /* 1, 2, ... */
    int64_t run_id;             /* 0 when unknown */
    int64_t rounds;
    int is_current;             /* the version prediction uses */
    char *tag;                  /* NULL when untagged */
    char *created_at;
    char *plan, *spec;          /* JSON text; NULL for versions without them */
    char *metrics;              /* JSON object */
    double *params;             /* NULL when the version has none */
    size_t nparams;
} HlCatVersion;

void hl_cat_version_clear(HlCatVersion *v);    /* accepts NULL */

/* Reads a version of a model: by number when version > 0, else by tag when
 * tag is not NULL (case-insensitive), else the current one (the one
 * ROLLBACK chose, else the latest).  *out as for hl_cat_run_get().
 * HELIOS_NOTFOUND: "federated model 'm' has no version 'v9'", "... has no
 * version 7 (its versions are 1 to 3)", "... has no trained version yet". */
int hl_cat_version_get(sqlite3 *db, int64_t model_id, int64_t version, const char *tag,
                       HlCatVersion *out, hl_err *err);

/* Tags a version (version 0: the current one).  Tags are unique within a
 * model: HELIOS_EXISTS when another version has it ("tag 'v1' already names
 * version 1 of federated model 'm'") or this version has another ("version
 * 2 of federated model 'm' is already tagged 'v1'"); the same tag again is
 * a no-op. */
int hl_cat_version_tag(sqlite3 *db, int64_t model_id, int64_t version, const char *tag,
                       hl_err *err);

/* ROLLBACK FEDERATED MODEL m TO VERSION: makes the version (by number or
 * by tag, as for hl_cat_version_get) the one prediction uses.  *number
 * (may be NULL) gets its number. */
int hl_cat_version_rollback(sqlite3 *db, int64_t model_id, int64_t version, const char *tag,
                            int64_t *number, hl_err *err);

/* ---- checkpoints ------------------------------------------------------------ */

typedef struct HlCatCheckpoint {
    int64_t id;
    int64_t model_id;
    int64_t run_id;             /* 0 when unknown */
    int64_t round_number;
    int64_t size_bytes;
    char *path;                 /* owned */
    char *created_at;           /* owned */
    char *checksum;             /* owned */
} HlCatCheckpoint;

/* Records a checkpoint file written for a model (run_id 0: none).  A
 * second file at the same path replaces the row of the first.  *id (may
 * be NULL) gets the row's id. */
int hl_cat_checkpoint_add(sqlite3 *db, int64_t model_id, int64_t run_id, const char *path,
                          int64_t round_number, int64_t size_bytes, const char *checksum,
                          int64_t *id, hl_err *err);

/* The checkpoints of a model, oldest first: *out (malloc'd array, NULL
 * when *n is 0) and *n.  Free with hl_cat_checkpoints_free(). */
int hl_cat_checkpoint_list(sqlite3 *db, int64_t model_id, HlCatCheckpoint **out, int *n,
                           hl_err *err);
void hl_cat_checkpoints_free(HlCatCheckpoint *c, int n);       /* accepts NULL */

#endif
