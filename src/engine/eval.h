/*
 * eval.h - evaluation as sums: what a node returns for EVAL, and how the
 * coordinator turns the nodes' sums into metrics.
 *
 * A node adds its rows into a vector of counts and sums; the coordinator
 * adds the nodes' vectors (hl_eval_merge) and computes every metric from
 * the total (hl_eval_summarize).  Global metrics therefore come from merged
 * sums, never from rows, and are the same as if one node held every row
 * (up to the AUC's binning, below).
 *
 * The layout (all doubles; counts are exact integers below 2^53):
 *
 *   [0] n           rows evaluated
 *   [1] loss_sum    sum over rows of the model's loss without the l2 term
 *                   (binary or categorical cross-entropy, half squared error)
 *   [2] correct     classification: rows whose predicted class is the label
 *                   (binary: p >= 0.5 predicts class 1); regression: 0
 *   binary (task BINARY), from [3]:
 *     [3] tp  [4] fp  [5] fn  [6] tn        at the 0.5 threshold
 *     [7 .. 7+B)      histogram of p(class 1) over positive rows
 *     [7+B .. 7+2B)   the same over negative rows
 *                     (B = HL_EVAL_BINS; a score p falls in bin
 *                     min(B-1, floor(p B)))
 *   multiclass (task MULTICLASS, k = nclass classes), from [3]:
 *     [3 .. 3+k)      tp per class (predicted c, label c)
 *     [3+k .. 3+2k)   rows predicted as class c
 *     [3+2k .. 3+3k)  rows labelled c
 *   regression, from [3]:
 *     [3] sse = sum (yhat - y)^2  [4] sae = sum |yhat - y|
 *     [5] sum y  [6] sum y^2
 *
 * ROC AUC (binary) is the trapezoid rule over the histogram: sweeping the
 * threshold down bin by bin traces the ROC curve through one point per bin
 * edge, and the area under that polyline is
 *     AUC = sum_b neg_b (P_above_b + pos_b / 2) / (P N),
 * which is the Mann-Whitney statistic (Hanley & McNeil 1982) with every
 * positive/negative pair in the same bin counted as a tie (1/2).  Pairs in
 * different bins are ordered exactly, so the error is at most
 * sum_b pos_b neg_b / (2 P N); with 1000 bins scores closer than 0.001 are
 * the only ones confused.  Multiclass and regression have no AUC (NaN).
 */
#ifndef HL_EVAL_H
#define HL_EVAL_H

#include "model.h"

#define HL_EVAL_BINS 1000

enum {
    HL_EVAL_N = 0,
    HL_EVAL_LOSS = 1,
    HL_EVAL_CORRECT = 2,
    HL_EVAL_TP = 3, HL_EVAL_FP, HL_EVAL_FN, HL_EVAL_TN,
    HL_EVAL_HIST = 7,           /* binary: positives, then negatives */
    HL_EVAL_CLASS = 3,          /* multiclass: tp, predicted, labelled */
    HL_EVAL_SSE = 3, HL_EVAL_SAE, HL_EVAL_SUMY, HL_EVAL_SUMY2
};

/* Global metrics.  NaN where a metric does not apply to the task (rmse of
 * a classifier, AUC of a multiclass model) or cannot be computed (no rows,
 * AUC with one class only, r2 with a constant target).  precision, recall:
 * 0 when nothing was predicted positive / nothing is positive (as
 * scikit-learn's zero_division=0).  Multiclass precision, recall and f1 are
 * macro averages over the classes that are labelled or predicted at least
 * once, f1 being the mean of the per-class f1 scores. */
typedef struct HlEvalSummary {
    double n, loss, accuracy, precision, recall, f1, roc_auc, rmse, mae, r2;
} HlEvalSummary;

/* Length of the vector for a task; nclass is used for MULTICLASS only.
 * 0 for an unknown task. */
int hl_eval_size(HlTask task, int nclass);

/* Adds rows[0..m) of ds (every row when rows is NULL: m is then ignored)
 * into metrics (hl_eval_size(spec->task, spec->nclass) doubles, zeroed by
 * the caller the first time).  Returns 0, or -1 when out of memory or the
 * spec is not one ops takes (metrics unchanged). */
int hl_eval_accumulate(const HlModelOps *ops, const HlModelSpec *spec, const double *params,
                       const HlDataset *ds, const int *rows, int m, double *metrics);

/* acc += m, elementwise over size doubles. */
void hl_eval_merge(double *acc, const double *m, int size);

/* The metrics of a (merged) vector. */
void hl_eval_summarize(HlTask task, int nclass, const double *metrics, HlEvalSummary *out);

/* ROC AUC from positive and negative score histograms of `bins` bins
 * (bin 0 the lowest scores), as above; NaN without both classes. */
double hl_eval_auc_hist(const double *pos, const double *neg, int bins);

#endif
