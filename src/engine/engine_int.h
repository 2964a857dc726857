/*
 * engine_int.h - internal to the engine (engine.c, setup.c,
 * run_thread.c, async.c, evaluate.c); nothing else includes it.
 *
 * A run (HlRun) belongs to its engine's list from the moment its thread
 * starts until reap() joins it; the fields the thread and the caller both
 * touch (stop, done, the engine's list, outcomes and progress function)
 * are read and written under the engine's mutex, or atomically (stop).
 * evaluate.c borrows the struct, on its stack and outside the list, for
 * its nodes and training plan.
 */
#ifndef HL_ENGINE_INT_H
#define HL_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sqlite3.h>

#include "agg.h"
#include "engine.h"
#include "err.h"
#include "node.h"
#include "options.h"
#include "plan.h"
#include "privacy.h"
#include "runs.h"
#include "update_codec.h"

struct HlEvalSummary;           /* eval.h */
struct HlRoundOut;              /* round.h */

/* A node that START or RESUME left out of the run (setup.c). */
typedef struct HlLeftOut {
    int64_t id;                 /* catalog id */
    char *name;
    int slow;                   /* it did not answer in time (HlMsg timed_out) */
    char *why;                  /* its error, naming it */
} HlLeftOut;

typedef struct HlRun {
    HlEngine *e;
    int64_t model_id, run_id;
    char *model;
    HlNode **nodes;
    int nnodes;
    HlTrainPlan tp;
    char *train_config;
    double *params, *state;
    int p;
    size_t nstate;
    const HlAggOps *agg;
    HlAggConfig aggcfg;
    int rounds, first_round, weighted, min_nodes, round_min, per_round, val_freq, early_stop;
    double fraction, threshold;
    int has_valid;
    uint64_t seed;
    int64_t ws_id;
    int64_t *rows;              /* training rows of each node (SETUP) */
    HlLeftOut *left;            /* the registered nodes this run goes on without */
    int nleft;
    HlDpPlan dp;                /* differential privacy; dp.mechanism 0: off */
    HlDpRoundCost dp_cost;      /* what each round spends */
    HlDpAdaptiveClip clip;      /* the round's clip (adaptive or fixed) */
    double dp_expected;         /* node level: expected nodes a round */
    int sa_threshold;           /* secure aggregation: the threshold option (0: default) */
    double weight_scale;        /* secure aggregation: 1 / the most rows of a node */
    double timeout;             /* seconds a node has to answer TRAIN: stragglers_timeout,
                                   else round_timeout */
    int batch;                  /* aggregation_batch_size (0: unset) */
    int batch_comm;             /* batch_communication: a round's evaluation rides on the
                                   next round's TRAIN requests when every node takes part
                                   in every round (run_thread.c) */
    int async;                  /* async_aggregation: the steps are async.c's */
    int async_k;                /* async: the updates a step takes (K, async.h) */
    int max_staleness;          /* async: staler updates are dropped */
    /* The global model for remote nodes, when the model's quantization is
     * below 32 bits (run_thread.c: code_global): each new global model is
     * the previous one plus its change quantized (with the coordinator's
     * error feedback, down_ef), so a node that holds the previous one gets
     * the change coded (down) in place of the parameters. */
    int version;                /* of r->params: 1, 2, ... (node.h) */
    int down_bits;              /* 0: off */
    double *down_ef;
    HlUpdateCode down;          /* version - 1 -> version, dense */
    const char *model_opts;     /* while the nodes are opened: the model's options
                                   (its compression overrides the workspace's); NULL */
    int64_t eval_sent, eval_received;  /* bytes of the EVAL exchanges so far (as
                                   HlRoundOut counts a round's) */
    atomic_int stop;
    int done;
    char outcome[256];          /* how it ended, for hl_engine_wait() */
    pthread_t thread;
    struct HlRun *next;
} HlRun;

struct HlEngine {
    char *uri;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    HlRun *runs;                /* running and finished-but-not-joined */
    struct Outcome *outcomes;
    void (*progress)(void *, const char *, int, int, double, double, double);
    void *progress_arg;
};

/* ---- engine.c ------------------------------------------------------------ */

/* A number option's effective value (true and false count as 1 and 0), or
 * dflt when it is unset or null. */
double hl_eng_opt_num(HlObjKind k, const char *json, const char *name, double dflt);
/* A string option's value, unquoted (malloc'd), or NULL. */
char *hl_eng_opt_str(HlObjKind k, const char *json, const char *name);
/* Fills r->nodes with a node for each node of workspace ws_id (local ones
 * only; a remote endpoint is an error); r->nnodes counts those opened, so
 * that they can be closed whatever happened. */
int hl_eng_open_nodes(HlRun *r, sqlite3 *db, int64_t ws_id, hl_err *err);
/* Records how the model's run ended, for hl_engine_wait(); under e->mu. */
void hl_eng_outcome_set(HlEngine *e, int64_t model_id, const char *text);

/* ---- setup.c ------------------------------------------------------------- */

/* Sends req to every node of r; responses into resp[] (cleared by the
 * caller).  The first failure names its node. */
int hl_eng_ask_all(HlRun *r, const HlMsg *req, HlMsg *resp, hl_err *err);
/* As hl_eng_ask_all(), for START and RESUME: when nodes fail and at least
 * r->min_nodes (and one) answered, those that failed are left out of the
 * run (recorded in r->left, closed, taken out of r->nodes, their responses
 * out of resp[], which stays in step) and the rest go on.  With fewer, the
 * first failure, named as hl_eng_ask_all() names it, and r->nodes as it
 * was. */
int hl_eng_ask_enough(HlRun *r, const HlMsg *req, HlMsg *resp, hl_err *err);
/* Marks each node r left out in the catalog, 'slow' or 'failed' with its
 * reason, and puts "training goes on with 2 of 3 nodes; node 'n3' left
 * out: why" in front of note (which may be NULL).  Nothing when none was. */
int hl_eng_left_out_report(HlRun *r, sqlite3 *db, char *note, size_t notesz, hl_err *err);
/* Frees r->left. */
void hl_eng_left_out_clear(HlRun *r);

/* ---- run_thread.c -------------------------------------------------------- */

/* The run's thread (arg: the HlRun): the rounds, committed one by one on
 * the thread's own connection, then the run's final status. */
void *hl_eng_run_thread(void *arg);

/* What the round loop carries from round to round (run_thread.c, and
 * async.c's steps, which are rounds to the catalog). */
typedef struct HlRunLoop {
    struct HlEvalSummary *last; /* the latest evaluation: the run's final metrics */
    double prev;                /* the previous round's loss; NAN before the first */
    double best;                /* early stopping: the best loss watched, and its round */
    int best_round;
    double t_start;             /* when the rounds began (progress's estimate) */
    /* Called before each evaluation, which needs the nodes idle (async.c
     * waits for its exchanges in flight); NULL: they are. */
    void (*quiesce)(void *arg);
    void *quiesce_arg;
    int pending;                /* batch_communication: the round whose evaluation the
                                   next round's TRAIN requests carry (0: none) */
} HlRunLoop;

/* A round whose new global model is in r->params, for hl_eng_round_end(). */
typedef struct HlRoundEnd {
    int round;
    HlNode **pick;              /* the round's nodes: out->node[i] is pick[i]'s */
    int m;
    const struct HlRoundOut *out;
    double t0, c0;              /* when the round began: wall and CPU seconds */
    double c1;                  /* CPU seconds when the new model was made */
    double spent;               /* epsilon the round was charged */
} HlRoundEnd;

/* Differential privacy: charges round `round` to the ledger before
 * anything of it is released (0 into *spent when DP is off).  Returns
 * HELIOS_OK, else *status says how the run ends (budget exhausted, or
 * failed) and err why. */
int hl_eng_round_charge(HlRun *r, sqlite3 *db, int round, double *spent, HlRunStatus *status,
                        hl_err *err);
/* The end of a round: evaluation when due (validation_frequency, the last
 * round), commit, alerts, progress, then convergence and early stopping.
 * Returns 1 to go on; 0 when the run ends here, *status saying how. */
int hl_eng_round_end(HlRun *r, sqlite3 *db, HlRunLoop *loop, const HlRoundEnd *e,
                     HlRunStatus *status, hl_err *err);

#endif
