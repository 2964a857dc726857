/*
 * privacy.h - differential privacy of a training run: its settings, what a
 * round costs, the noise multiplier that fits a budget, and the ledger
 * check that no round spends past the workspace's budget.
 *
 * DP is on when the workspace has a privacy_budget.  Its options (all on
 * the workspace; src/option_tables.c):
 *   dp_level           'record' (DP-SGD at every node: each row is
 *                      protected) or 'node' (DP-FedAvg: each node's whole
 *                      contribution is protected);
 *   noise_mechanism    'gaussian' (accounted with Renyi DP, src/dp/rdp.h)
 *                      or 'laplacian' (pure epsilon-DP, basic composition);
 *   clipping_threshold C, the bound on a row's gradient (record) or a
 *                      node's update (node);
 *   noise_multiplier   z; when unset, the smallest z that lets the run's
 *                      rounds fit (hl_dp_calibrate);
 *   delta              default min(1e-5, 0.1 / N), N the training rows
 *                      (record) or the nodes (node level): below 1/N;
 *   privacy_per_round  the average epsilon a round may spend: the noise is
 *                      calibrated so that (budget left) / privacy_per_round
 *                      rounds fit (with Renyi composition a round costs
 *                      less the more rounds came before, so a cap on each
 *                      round alone would waste the budget, and one round
 *                      alone cannot cost less than about 0.1 at delta 1e-5
 *                      on the accountant's orders);
 *   adaptive_clipping  Andrew et al. 2021 (src/dp/mech.h).
 *
 * Composition.  Everything a workspace's models spend is composed: Gaussian
 * rounds add their RDP curves on the accountant's order grid; a Laplace
 * round of pure epsilon e is (alpha, e)-RDP at every order (Mironov 2017,
 * Prop. 3), so a mix composes too, and Laplace alone is basic composition
 * (epsilon adds, delta 0).  The workspace's consumed epsilon is the
 * composed curve converted at the smallest delta its rounds used.
 *
 * Record level with nodes of different sizes: node i takes T_i steps a
 * round at sampling rate q_i; each row lives at one node, so a row's
 * privacy is its node's, and a round is charged the pointwise maximum over
 * nodes of their curves (an upper bound for every node), as if every node
 * took part in every round.
 */
#ifndef HL_ENGINE_PRIVACY_H
#define HL_ENGINE_PRIVACY_H

#include <stdint.h>
#include <sqlite3.h>

#include "dp/mech.h"
#include "err.h"
#include "train.h"

typedef enum HlDpLevel { HL_DP_RECORD = 1, HL_DP_NODE } HlDpLevel;

typedef struct HlDpPlan {
    HlDpMechanism mechanism;    /* HL_DP_NONE: DP off (no privacy_budget) */
    HlDpLevel level;
    double budget;              /* privacy_budget */
    double per_round;           /* privacy_per_round; 0: none */
    double delta;               /* 0 until resolved (hl_dp_resolve) */
    int delta_given;
    double sigma;               /* noise_multiplier; 0 until calibrated */
    int sigma_given;
    double clip;                /* clipping_threshold */
    int rounds_fit;             /* the rounds the calibration fitted in the budget */
    int adaptive;
    double quantile, clip_lr, count_stddev;     /* count_stddev < 0: default */
} HlDpPlan;

/* The DP settings of a workspace's options (JSON).  DP off when there is
 * no privacy_budget. */
int hl_dp_plan_read(const char *ws_opts, HlDpPlan *dp, hl_err *err);

/* The privacy a round costs.  rdp: the accountant's order count, filled
 * for Gaussian (zeros for Laplace); *pure: Laplace's epsilon (0 for
 * Gaussian); *q, *steps: the worst node's sampling rate and steps (record)
 * or the node sampling rate and 1 (node), for the ledger. */
typedef struct HlDpRoundCost {
    double *rdp;
    int norders;
    double pure;
    double q;
    int64_t steps;
} HlDpRoundCost;

/* The run-shaped facts the cost depends on. */
typedef struct HlDpShape {
    const int64_t *rows;        /* training rows of each node */
    int nnodes;
    int per_round;              /* nodes chosen a round (node level): <= nnodes */
    const HlTrainConfig *cfg;   /* batch size and local epochs (record level) */
} HlDpShape;

int hl_dp_round_cost(const HlDpPlan *dp, const HlDpShape *sh, double sigma,
                     HlDpRoundCost *cost, hl_err *err);
void hl_dp_round_cost_clear(HlDpRoundCost *c);

/* Epsilon of a composed curve plus pure epsilon, at delta; gaussian 0:
 * no Gaussian round (pure epsilon alone, basic composition). */
double hl_dp_epsilon_of(const double *rdp, int norders, double pure, double delta,
                        int gaussian);

/* Fills dp->delta (when not given) from the shape, then dp->sigma (when not
 * given): the smallest multiplier with which `rounds` more rounds (with
 * privacy_per_round: budget left / privacy_per_round rounds) fit in what
 * is left of the budget after the workspace's ledger.  Fails when nothing
 * fits (the budget is spent). */
int hl_dp_resolve(sqlite3 *db, int64_t ws_id, HlDpPlan *dp, const HlDpShape *sh, int rounds,
                  hl_err *err);

/* Before a round runs: in one transaction, reads what the workspace has
 * spent and its current budget; when the round fits, records it in the
 * ledger and sets *added (the increase of the consumed epsilon) and
 * returns HELIOS_OK; when it does not, records nothing and returns
 * HL_DP_EXHAUSTED with err saying why. */
#define HL_DP_EXHAUSTED 1000
typedef struct HlDpSpendCtx {
    int64_t ws_id, model_id, run_id;
    const char *model;
    int round;
} HlDpSpendCtx;

int hl_dp_spend(sqlite3 *db, const HlDpSpendCtx *ctx, const HlDpPlan *dp,
                const HlDpRoundCost *cost, double clip, double *added, hl_err *err);

/* How many more rounds like the latest recorded one fit in workspace
 * ws_id's budget; -1 when there is no budget; when nothing was spent yet,
 * budget / privacy_per_round (floor) or -1 without it. */
int64_t hl_dp_rounds_left(sqlite3 *db, int64_t ws_id, hl_err *err);

/* The train_config JSON with the dp_* members the nodes read (plan.h): a
 * new string. */
char *hl_dp_train_config(const char *train_config, const HlDpPlan *dp, hl_err *err);

#endif
