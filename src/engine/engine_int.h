/*
 * engine_int.h - internal to the engine (engine.c, run_thread.c,
 * evaluate.c); nothing else includes it.
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
    HlDpPlan dp;                /* differential privacy; dp.mechanism 0: off */
    HlDpRoundCost dp_cost;      /* what each round spends */
    HlDpAdaptiveClip clip;      /* the round's clip (adaptive or fixed) */
    double dp_expected;         /* node level: expected nodes a round */
    int sa_threshold;           /* secure aggregation: the threshold option (0: default) */
    double weight_scale;        /* secure aggregation: 1 / the most rows of a node */
    double timeout;             /* seconds a node has to answer TRAIN: stragglers_timeout,
                                   else round_timeout */
    int batch;                  /* aggregation_batch_size (0: unset) */
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
/* Sends req to every node of r; responses into resp[] (cleared by the
 * caller).  The first failure names its node. */
int hl_eng_ask_all(HlRun *r, const HlMsg *req, HlMsg *resp, hl_err *err);
/* Fills r->nodes with a node for each node of workspace ws_id (local ones
 * only; a remote endpoint is an error); r->nnodes counts those opened, so
 * that they can be closed whatever happened. */
int hl_eng_open_nodes(HlRun *r, sqlite3 *db, int64_t ws_id, hl_err *err);
/* Records how the model's run ended, for hl_engine_wait(); under e->mu. */
void hl_eng_outcome_set(HlEngine *e, int64_t model_id, const char *text);

/* ---- run_thread.c -------------------------------------------------------- */

/* The run's thread (arg: the HlRun): the rounds, committed one by one on
 * the thread's own connection, then the run's final status. */
void *hl_eng_run_thread(void *arg);

#endif
