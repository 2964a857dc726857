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
    /* Size of the server state in doubles (0: none), for p parameters. */
    size_t (*state_size)(int p);
    /* Combines models[0..m) (each p doubles) with weights (> 0) into out
     * (p doubles; may alias global).  state (state_size(p) doubles, zeroed
     * before round 1) is updated.  Returns 0, -1 when m is too small for
     * the rule (krum), -2 when out of memory. */
    int (*aggregate)(const HlAggConfig *c, const double *global, const double *const *models,
                     const double *weights, int m, int p, double *state, double *out);
} HlAggOps;

/* The aggregator named `name`, or NULL (then it may be a custom one). */
const HlAggOps *hl_agg_find(const char *name);

extern const HlAggOps hl_agg_fedavg;        /* fedavg.c (also fedprox: the server side is the same) */
extern const HlAggOps hl_agg_fedprox;
extern const HlAggOps hl_agg_fedadam;       /* fedopt.c */
extern const HlAggOps hl_agg_fedyogi;
extern const HlAggOps hl_agg_fedadagrad;
extern const HlAggOps hl_agg_median;        /* median.c */
extern const HlAggOps hl_agg_trimmed_mean;  /* trimmed_mean.c */
extern const HlAggOps hl_agg_krum;          /* krum.c */

#endif
