/*
 * train.h - local training: what one node does with the global parameters
 * in one round.  Minibatch gradient steps over local_epochs passes of the
 * node's rows, in an order drawn from the node's (seed, round, node,
 * SHUFFLE) stream, with the local optimizer, FedProx's proximal term and
 * the adaptive learning-rate schedule.
 */
#ifndef HL_TRAIN_H
#define HL_TRAIN_H

#include "model.h"

typedef enum HlOptim { HL_OPTIM_SGD = 1, HL_OPTIM_MOMENTUM, HL_OPTIM_ADAM } HlOptim;

typedef struct HlTrainConfig {
    int local_epochs;
    int batch_size;
    double learning_rate;
    HlOptim optimizer;          /* momentum 0.9; adam beta1 0.9, beta2 0.999, eps 1e-8
                                   (Kingma & Ba 2015); optimizer state starts fresh each round */
    double proximal_mu;         /* FedProx: + mu/2 ||w - w_global||^2 (Li et al. 2020); 0: off */
    int adaptive;               /* adaptive_learning: see train.c for the schedule */
} HlTrainConfig;

typedef struct HlTrainResult {
    double loss_before;         /* mean loss of the global parameters on the rows */
    double loss_after;          /* after local training */
    int steps;                  /* optimizer steps taken */
} HlTrainResult;

/* Trains params in place (they start as the global parameters, which are
 * also given as `global` for the proximal term).  Returns 0, or -1 when out
 * of memory or when spec or cfg is not usable (nparams -1, batch_size < 1):
 * params are then unchanged.  rng is the node's SHUFFLE stream.  res may be
 * NULL: the two extra passes that compute its losses are then skipped.
 * Allocates its work buffers once a call, never a step. */
int hl_train_local(const HlModelOps *ops, const HlModelSpec *spec, const HlTrainConfig *cfg,
                   const HlDataset *ds, const double *global, double *params, HlRng *rng,
                   HlTrainResult *res);

#endif
