/*
 * train.h - local training: what one node does with the global parameters
 * in one round.  Minibatch gradient steps over local_epochs passes of the
 * node's rows, in an order drawn from the node's (seed, round, node,
 * SHUFFLE) stream, with the local optimizer, FedProx's proximal term and
 * the adaptive learning-rate schedule; with record-level differential
 * privacy on, DP-SGD instead (Poisson-sampled batches, each row's gradient
 * clipped, noise on their sum: see train.c), optionally with the clip
 * moving toward a quantile of the rows' gradient norms step by step
 * (adaptive clipping, Andrew et al. 2021).  Accounting for the privacy
 * spent is not here: hl_train_dp_steps() and hl_train_dp_sample_rate() give
 * the accountant what it needs, before the call as after it, and
 * hl_train_dp_adaptive_check() tells it whether adaptive clipping fits in
 * the noise it accounts for.
 */
#ifndef HL_TRAIN_H
#define HL_TRAIN_H

#include "model.h"
#include "dp/mech.h"

typedef enum HlOptim { HL_OPTIM_SGD = 1, HL_OPTIM_MOMENTUM, HL_OPTIM_ADAM } HlOptim;

/* Record-level differential privacy, DP-SGD (Abadi et al. 2016, Alg. 1).
 * All zero: off, and training is exactly what it is without DP.  The last
 * four fields zero: a fixed clip, exactly as before they existed. */
typedef struct HlDpSgdConfig {
    HlDpMechanism mechanism;    /* HL_DP_GAUSSIAN: L2 clip, Gaussian noise;
                                   HL_DP_LAPLACE: L1 clip, Laplace noise; 0: off */
    double clip;                /* C > 0: bound on each row's gradient norm
                                   (adaptive: the first step's bound) */
    double noise_multiplier;    /* z >= 0: noise stddev (Laplace: scale) z C on a
                                   step's sum of clipped gradients; adaptive: the
                                   multiplier of the step as a whole, sum and
                                   count (the sum gets z_Delta, see below) */
    int adaptive;               /* adaptive clipping (Andrew et al. 2021), each
                                   step; Gaussian only; see train.c */
    double target_quantile;     /* gamma in (0, 1]: fraction of rows to leave
                                   unclipped; 0: 0.5 */
    double clip_lr;             /* eta > 0: C moves by at most e^eta a step; 0: 0.2 */
    double count_stddev;        /* sigma_b > 0: stddev of the noise on a step's
                                   count of unclipped rows; 0: q n / 20 */
} HlDpSgdConfig;

typedef struct HlTrainConfig {
    int local_epochs;
    int batch_size;
    double learning_rate;
    HlOptim optimizer;          /* momentum 0.9; adam beta1 0.9, beta2 0.999, eps 1e-8
                                   (Kingma & Ba 2015); optimizer state starts fresh each round */
    double proximal_mu;         /* FedProx: + mu/2 ||w - w_global||^2 (Li et al. 2020); 0: off */
    int adaptive;               /* adaptive_learning: see train.c for the schedule */
    HlDpSgdConfig dp;           /* record-level DP; zeroed: off */
} HlTrainConfig;

typedef struct HlTrainResult {
    double loss_before;         /* mean loss of the global parameters on the rows */
    double loss_after;          /* after local training */
    int steps;                  /* optimizer steps taken; with DP on, what the
                                   accountant composes: `steps` mechanisms
                                   subsampled at hl_train_dp_sample_rate() */
    double clip;                /* the clip the node ends with: with adaptive
                                   clipping the C of the step after the last
                                   (a function of the noisy counts only);
                                   without, dp.clip; DP off: 0 */
} HlTrainResult;

/* Trains params in place (they start as the global parameters, which are
 * also given as `global` for the proximal term).  Returns 0, or -1 when out
 * of memory or when spec or cfg is not usable (nparams -1, batch_size < 1):
 * params are then unchanged; with DP on, also when dp.mechanism is unknown,
 * dp.clip is not > 0 or dp.noise_multiplier is not >= 0 (or not finite),
 * and whenever hl_train_dp_adaptive_check() refuses.
 * rng is the node's SHUFFLE stream; DP-SGD draws both its batches and its
 * noise from it, so the noise is only as secret as that stream's seed
 * (see dp/mech.h).  res may be NULL: the two extra passes that compute its
 * losses are then skipped.  Those losses are exact functions of the rows,
 * outside the DP guarantee: with DP on they must not leave the node
 * unnoised.  Allocates its work buffers once a call, never a step. */
int hl_train_local(const HlModelOps *ops, const HlModelSpec *spec, const HlTrainConfig *cfg,
                   const HlDataset *ds, const double *global, double *params, HlRng *rng,
                   HlTrainResult *res);

/* With cfg->dp on, the steps hl_train_local takes on n rows: local_epochs
 * times max(1, round(n / batch_size)); 0 when n = 0 or batch_size < 1. */
long hl_train_dp_steps(const HlTrainConfig *cfg, int n);

/* With cfg->dp on, the Poisson sampling rate on n rows:
 * q = min(1, batch_size / n); 0 when n = 0 or batch_size < 1. */
double hl_train_dp_sample_rate(const HlTrainConfig *cfg, int n);

/*
 * Whether hl_train_local can honour cfg->dp on n rows, and with what noise:
 * sets *z_delta (unless NULL) to the multiplier of the noise on each step's
 * gradient sum, and returns 0; or returns -1, *z_delta untouched, when the
 * DP configuration is refused (what hl_train_local refuses: a bad
 * mechanism, clip or multiplier; and with dp.adaptive on: the Laplace
 * mechanism, target_quantile outside [0, 1], clip_lr or count_stddev
 * negative or not finite, or 2 sigma_b <= z).
 *
 * DP off: z_delta = 0.  Adaptive off: z_delta = dp.noise_multiplier.
 * Adaptive on: z_delta = (z^-2 - (2 sigma_b)^-2)^(-1/2) (Andrew et al.
 * 2021, Thm. 1; hl_dp_adaptive_multiplier), so that each step, gradient
 * sum and count together, is one Gaussian mechanism of multiplier z: the
 * accountant costs the steps at dp.noise_multiplier, as without adaptive
 * clipping.  With the default sigma_b = q n / 20 = min(batch_size, n) / 20
 * the refusal is min(batch_size, n) <= 10 z: the smallest node binds.
 * n = 0 (or no step) releases nothing and is never refused for sigma_b;
 * z_delta is then dp.noise_multiplier.
 */
int hl_train_dp_adaptive_check(const HlTrainConfig *cfg, int n, double *z_delta);

#endif
