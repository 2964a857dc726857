/*
 * plan.h - the coordinator's side of the data path: from the nodes' SCHEMA
 * and STATS answers to the encoding plan every node applies, and from the
 * plan and the model's options to the train_config every TRAIN and EVAL
 * message carries.  Pure computation: no SQL, no rows.
 *
 * Kinds (hl_plan_kinds).  A column is numeric when every node that has a
 * non-NULL value in it reports it numeric (node.h says how a node decides),
 * text otherwise; a column no node has a value in is text if any node
 * declares it text, else numeric.
 *
 * Numeric features (hl_plan_encoding).  Each node sends (count, sum, sum of
 * squares) of its non-NULL values.  The coordinator turns each triple into
 * (n, mean, M2 = sumsq - sum^2 / n, clamped at 0) and combines the nodes
 * pairwise in a balanced tree with the update of Chan, Golub & LeVeque
 * (1979): n = na + nb, mean = ma + (mb - ma) nb / n,
 * M2 = M2a + M2b + (mb - ma)^2 na nb / n.  Combining means and M2 instead of
 * adding raw sums keeps the large cross-node shifts out of the subtraction;
 * what remains is each node's own sumsq - sum^2/n, whose relative error is
 * about eps (1 + mean^2 / var) (the node sums with compensation, so the
 * sums themselves are accurate).  mean and population sd = sqrt(M2 / n);
 * an sd of 0 (or no values) becomes 1, no values a mean of 0.
 *
 * Text features: the union of the nodes' value counts, the
 * HL_ENC_MAX_VOCAB most frequent kept (ties by value), sorted by value.
 *
 * The task, from the algorithm and the target (labels: the union of the
 * target's distinct values, in hl_enc_order_labels() order):
 *   logistic_regression  classification: 2 labels binary, 3..100
 *                        multiclass; fewer than 2 or more than 100 is an
 *                        error naming the column and the count;
 *   linear_regression    regression; the target must be numeric;
 *   neural_network       output_activation 'linear': regression (numeric
 *                        target); 'sigmoid': binary (2 labels); 'softmax':
 *                        multiclass (2..100 labels).  Unset: regression
 *                        when the target is numeric with more than 100
 *                        distinct values, else classification by the
 *                        number of labels as for logistic_regression;
 *   random_forest, gradient_boosting: "not implemented yet" (HELIOS_NOTIMPL).
 *
 * train_config (hl_plan_train_config) is one flat JSON object:
 *   {"algorithm":"neural_network","task":"binary","d":30,"nclass":1,
 *    "layers":[64],"activation":"relu","output_activation":"sigmoid",
 *    "l2":0.0,"local_epochs":1,"batch_size":32,"learning_rate":0.01,
 *    "optimizer":"sgd","proximal_term":0.0,"adaptive":false}
 *   algorithm            the model option;
 *   task, d, nclass      from the plan (nclass: the labels of a multiclass
 *                        task, else 1);
 *   layers               the hidden layer sizes only: the model option
 *                        `layers` names the output layer last, which must
 *                        have the task's width (1, or nclass); unset: [64];
 *                        [] for the other algorithms;
 *   activation, output_activation  the hidden and output activations
 *                        (output from the task when the option is unset);
 *   l2                   l2_regularization;
 *   local_epochs, batch_size, learning_rate, optimizer: as the options;
 *   proximal_term        FedProx's mu: the option when aggregation is
 *                        'fedprox', else 0 (the option only means
 *                        something to fedprox, and its default is 0.01);
 *   adaptive             adaptive_learning.
 */
#ifndef HL_PLAN_H
#define HL_PLAN_H

#include "encode.h"
#include "err.h"
#include "model.h"
#include "node.h"
#include "train.h"
#include "update_codec.h"

/* The agreed kind of each of the ncolumns columns from n SCHEMA responses
 * (kinds and nonnull of each, nvocab = ncolumns).  HELIOS_OK or an error
 * (a response that does not match the columns). */
int hl_plan_kinds(const HlMsg *schema, int n, int ncolumns, HlColKind *kinds, hl_err *err);

/* Merges n STATS responses into *e (which the call initializes; on error it
 * is left empty).  columns: features then the target (ncolumns >= 1),
 * kinds: the agreed kinds (hl_plan_kinds), model_opts: the model's options
 * JSON (algorithm, output_activation; NULL means defaults).  Errors name
 * the column: "target 'y' has 1 distinct value at all nodes; a classifier
 * needs at least 2". */
int hl_plan_encoding(const char *model_opts, const char *const *columns, int ncolumns,
                     const HlColKind *kinds, const HlMsg *stats, int n, HlEncoding *e,
                     hl_err *err);

/* The train_config JSON (malloc'd; caller frees) for a plan and the
 * model's options (or a training run's merged options), or NULL and *err
 * (bad layers, an algorithm that does not take the task, out of memory). */
char *hl_plan_train_config(const HlEncoding *e, const char *model_opts, hl_err *err);

/* A train_config read back: the model kind, its spec, the local training
 * options, and the parameter count. */
typedef struct HlTrainPlan {
    const HlModelOps *ops;
    HlModelSpec spec;
    HlTrainConfig cfg;          /* record-level DP: cfg.dp */
    int nparams;
    /* Differential privacy (engine/privacy.h), from the optional members
     * "dp_level": "record" | "node", "dp_mechanism": "gaussian" |
     * "laplacian", "dp_noise_multiplier": z, "dp_clip": C.  dp_level 0: off.
     * At record level cfg.dp is filled too; at node level the node clips
     * its update to the round's clip (the TRAIN request's, C at first). */
    int dp_level;               /* 0, 1 record, 2 node (HlDpLevel) */
    HlDpMechanism dp_mechanism;
    double dp_sigma, dp_clip;
    /* Secure aggregation ("secure_aggregation": true, "secagg_range": R):
     * the node keeps its update, each coordinate clipped to [-R, R], and
     * sends it masked (engine/secure.h). */
    int secure;
    double secagg_range;
    /* A compressed update ("update_bits": 8 | 16 | 32, "update_sparsity":
     * s in [0, 1), both or neither; engine/update_codec.h): the node sends
     * its update coded, with error feedback across rounds.  compress 0:
     * the parameters as they are. */
    int compress;
    HlUpdateCodec codec;
} HlTrainPlan;

int hl_plan_train_parse(const char *json, HlTrainPlan *tp, hl_err *err);

/* Adds the update codec to a train_config (*config is replaced) when bits
 * < 32 or sparsity > 0; else leaves it alone. */
int hl_plan_train_codec(char **config, int bits, double sparsity, hl_err *err);

/* ---- the numerics, exposed for tests ---- */

typedef struct HlMoments {
    double n, mean, m2;         /* count, mean, sum of squared deviations */
} HlMoments;

HlMoments hl_moments_from_sums(double n, double sum, double sumsq);
HlMoments hl_moments_combine(HlMoments a, HlMoments b);    /* Chan et al. 1979 */
/* Combines v[0..n) pairwise (balanced tree) in place; returns the total. */
HlMoments hl_moments_reduce(HlMoments *v, int n);

#endif
