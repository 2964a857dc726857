/*
 * agg.h - aggregators, one file each behind one vtable.
 *
 * An aggregator turns the m node models of a round (full parameter
 * vectors, each with its weight: rows when weighted_aggregation, else 1)
 * and the current global model into the next global model.  Server-side
 * optimizer state (FedAdam's moments) lives in an opaque state the engine
 * keeps across rounds and checkpoints as a flat vector.
 */
#ifndef HL_AGG_H
#define HL_AGG_H

#include <stddef.h>

typedef struct HlAggConfig {
    double server_learning_rate;    /* FedOpt eta (Reddi et al. 2021) */
    double beta1, beta2, tau;       /* FedOpt */
    double trim_fraction;           /* trimmed_mean: dropped at each end, per coordinate */
    int byzantine;                  /* krum's f; -1: the largest with m > 2f + 2 */
} HlAggConfig;

typedef struct HlAggOps {
    const char *name;               /* the option value: "fedavg" */
    int sums;                       /* 1: the result depends on the updates only through
                                       their weighted sum (what noise on the sum and
                                       secure aggregation need); 0: robust rules */
    int per_step;                   /* 1: the engine first rescales each update by
                                       tau_eff / tau_i (hl_agg_fednova_scale) */
    /* Size of the server state in doubles (0: none), for p parameters. */
    size_t (*state_size)(int p);
    /* Combines models[0..m) (each p doubles) with weights (> 0; NULL: all
     * 1) into out (p doubles; may alias global).  state (state_size(p)
     * doubles, zeroed before round 1) is updated.  Returns 0, -1 when m is
     * too small for the rule (krum; any rule when m < 1; fedavg and fedopt
     * also when the weights do not sum to a positive finite number), -2
     * when out of memory.  On -1 and -2, out and state are untouched. */
    int (*aggregate)(const HlAggConfig *c, const double *global, const double *const *models,
                     const double *weights, int m, int p, double *state, double *out);
} HlAggOps;

/* The aggregator named `name` (case-insensitive), or NULL (then it may be
 * a custom one). */
const HlAggOps *hl_agg_find(const char *name);

/*
 * Shared by the aggregator files (agg.c); the engine needs none of them.
 * weights may be NULL in these helpers: every weight is then 1.
 */

/* Coordinates are processed in blocks of this many, so the running sums
 * live on the stack and no aggregator but the robust ones allocates. */
#define HL_AGG_BLOCK 256

/* state_size() of the aggregators without server state: 0. */
size_t hl_agg_no_state(int p);
/* Sum of a[0..n) with Neumaier's compensated summation. */
double hl_agg_sum(const double *a, int n);
/* Coordinates [j0, j0 + n) (n <= HL_AGG_BLOCK) of the weighted mean of
 * models[i] - center (center NULL: of models[i]) into dst[0..n): the
 * products w_i (x_ij - c_j) summed per coordinate with Neumaier's
 * compensated summation, divided once by wsum.  dst may alias anything:
 * it is written only after every input of the block has been read. */
void hl_agg_mean_block(const double *const *models, const double *weights, int m, double wsum,
                       const double *center, int j0, int n, double *dst);
/* The total order the robust aggregators sort by: -0.0 == 0.0, and NaN
 * after +inf (so a few NaN coordinates are trimmed like huge values). */
int hl_agg_less(double a, double b);
/* Reorders a[0..n) so that a[k] is the k-th smallest (from 0) by
 * hl_agg_less, with nothing greater before it and nothing smaller after.
 * Expected O(n); falls back to a sort past 2 log2(n) bad pivots, so
 * adversarial inputs cost at most O(n log n). */
void hl_agg_select(double *a, int n, int k);
/* Sorts a[0..n) by hl_agg_less. */
void hl_agg_sort(double *a, int n);

extern const HlAggOps hl_agg_fedavg;        /* fedavg.c (also fedprox: the server side is the same) */
extern const HlAggOps hl_agg_fedprox;
extern const HlAggOps hl_agg_fednova;

/* FedNova's rescaling (fedavg.c): models[i] <- global + (models[i] -
 * global) tau_eff / steps[i], tau_eff = the weights' mean of the steps
 * over the nodes that took any.  Returns tau_eff (0: none took a step). */
double hl_agg_fednova_scale(const double *global, double *const *models, const double *weights,
                            const double *steps, int m, int p);
extern const HlAggOps hl_agg_fedadam;       /* fedopt.c */
extern const HlAggOps hl_agg_fedyogi;
extern const HlAggOps hl_agg_fedadagrad;
extern const HlAggOps hl_agg_median;        /* median.c */
extern const HlAggOps hl_agg_trimmed_mean;  /* trimmed_mean.c */
extern const HlAggOps hl_agg_krum;          /* krum.c */

#endif
