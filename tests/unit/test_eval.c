/*
 * test_eval.c - evaluation as sums (engine/eval.c): confusion counts,
 * precision, recall and f1 worked out by hand; the histogram AUC against
 * the exact Mann-Whitney AUC; merging node vectors equals evaluating the
 * pooled rows; multiclass macro averages; regression rmse, mae and r2.
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

#include "engine/eval.h"
#include "ml/model.h"
#include "ml/rng.h"

/*
 * Logistic model w = 1, b = 0 on one feature: p = sigmoid(x).
 *   x:  2    1    -1    -2    0.5   -0.5
 *   y:  1    0     1     0    1      0
 *   p>=0.5 predicts 1:  1 1 0 0 1 0
 * tp = 2 (x = 2, 0.5), fp = 1 (x = 1), fn = 1 (x = -1), tn = 2.
 * accuracy 4/6, precision 2/3, recall 2/3, f1 2/3.
 * Exact AUC: positives sigma(2), sigma(-1), sigma(0.5) against negatives
 * sigma(1), sigma(-2), sigma(-0.5): 3 + 1 + 2 = 6 of 9 pairs ordered, 2/3;
 * the six scores fall in six different bins, so the histogram AUC is exact.
 */
static const double bx[] = { 2, 1, -1, -2, 0.5, -0.5 }, by[] = { 1, 0, 1, 0, 1, 0 };
static const double bparams[] = { 1, 0 };
static const HlModelSpec bspec = { .task = HL_TASK_BINARY, .d = 1, .nclass = 1 };

static void test_binary_by_hand(void)
{
    HlDataset ds = { .n = 6, .d = 1, .x = bx, .y = by };
    int size = hl_eval_size(HL_TASK_BINARY, 1);
    double *m = calloc((size_t)size, sizeof *m), loss = 0;
    HlEvalSummary s;
    CHECK_INT(size, 7 + 2 * HL_EVAL_BINS);
    CHECK_INT(hl_eval_accumulate(&hl_model_logistic, &bspec, bparams, &ds, NULL, 0, m), 0);
    CHECK_NEAR(m[HL_EVAL_N], 6, 0);
    CHECK_NEAR(m[HL_EVAL_TP], 2, 0);
    CHECK_NEAR(m[HL_EVAL_FP], 1, 0);
    CHECK_NEAR(m[HL_EVAL_FN], 1, 0);
    CHECK_NEAR(m[HL_EVAL_TN], 2, 0);
    for (int i = 0; i < 6; i++) {
        double p = 1 / (1 + exp(-bx[i]));
        loss += by[i] ? -log(p) : -log(1 - p);
    }
    CHECK_NEAR(m[HL_EVAL_LOSS], loss, 1e-12);
    /* sigma(2) = 0.8808 falls in bin 880 of the positives */
    CHECK_NEAR(m[HL_EVAL_HIST + 880], 1, 0);
    hl_eval_summarize(HL_TASK_BINARY, 1, m, &s);
    CHECK_NEAR(s.n, 6, 0);
    CHECK_NEAR(s.loss, loss / 6, 1e-12);
    CHECK_NEAR(s.accuracy, 4.0 / 6, 1e-15);
    CHECK_NEAR(s.precision, 2.0 / 3, 1e-15);
    CHECK_NEAR(s.recall, 2.0 / 3, 1e-15);
    CHECK_NEAR(s.f1, 2.0 / 3, 1e-15);
    CHECK_NEAR(s.roc_auc, 2.0 / 3, 1e-15);
    CHECK(isnan(s.rmse) && isnan(s.r2));
    free(m);
}

/* Two nodes' vectors merged give what the pooled rows give. */
static void test_merge_equals_pooled(void)
{
    int size = hl_eval_size(HL_TASK_BINARY, 1);
    double *a = calloc((size_t)size, sizeof *a), *b = calloc((size_t)size, sizeof *b);
    double *all = calloc((size_t)size, sizeof *all);
    HlDataset ds = { .n = 6, .d = 1, .x = bx, .y = by };
    static const int first[] = { 0, 1 }, rest[] = { 2, 3, 4, 5 };
    HlEvalSummary sm, sa;
    hl_eval_accumulate(&hl_model_logistic, &bspec, bparams, &ds, first, 2, a);
    hl_eval_accumulate(&hl_model_logistic, &bspec, bparams, &ds, rest, 4, b);
    hl_eval_accumulate(&hl_model_logistic, &bspec, bparams, &ds, NULL, 0, all);
    hl_eval_merge(a, b, size);
    for (int i = 0; i < size; i++)
        if (i != HL_EVAL_LOSS)
            CHECK(a[i] == all[i]);
    CHECK_NEAR(a[HL_EVAL_LOSS], all[HL_EVAL_LOSS], 1e-12);
    hl_eval_summarize(HL_TASK_BINARY, 1, a, &sm);
    hl_eval_summarize(HL_TASK_BINARY, 1, all, &sa);
    CHECK_NEAR(sm.roc_auc, sa.roc_auc, 0);
    CHECK_NEAR(sm.f1, sa.f1, 0);
    free(a);
    free(b);
    free(all);
}

/* The exact AUC: pairs ordered, ties counted 1/2 (Mann-Whitney). */
static double exact_auc(const double *p, const double *y, int n)
{
    double pairs = 0, good = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (y[i] == 1 && y[j] == 0) {
                pairs++;
                good += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
            }
    return good / pairs;
}

/*
 * The histogram AUC: a positive and a negative in one bin count as a tie;
 * elsewhere it equals the exact AUC.  Random scores: the difference stays
 * within the documented bound sum_b pos_b neg_b / (2 P N).
 */
static void test_auc_histogram(void)
{
    double pos[4] = { 0, 1, 0, 1 }, neg[4] = { 1, 1, 0, 0 };
    /* pos in bins 1, 3; neg in 0, 1: pairs (3,0) (3,1) (1,0) ordered, (1,1) a tie */
    CHECK_NEAR(hl_eval_auc_hist(pos, neg, 4), 3.5 / 4, 1e-15);
    double none[4] = { 0, 0, 0, 0 };
    CHECK(isnan(hl_eval_auc_hist(pos, none, 4)));

    enum { N = 400 };
    double p[N], y[N], hp[HL_EVAL_BINS] = { 0 }, hn[HL_EVAL_BINS] = { 0 }, P = 0, Q = 0, tie = 0;
    HlRng r;
    hl_rng_seed(&r, 7, 0, 0, HL_RNG_NOISE);
    for (int i = 0; i < N; i++) {
        y[i] = hl_rng_uniform(&r) < 0.4;
        /* overlapping classes, rounded so that exact ties happen too */
        p[i] = floor((0.35 * y[i] + 0.65 * hl_rng_uniform(&r)) * 4000) / 4000;
        int bin = (int)(p[i] * HL_EVAL_BINS);
        (y[i] ? hp : hn)[bin] += 1;
        *(y[i] ? &P : &Q) += 1;
    }
    for (int b = 0; b < HL_EVAL_BINS; b++)
        tie += hp[b] * hn[b];
    double exact = exact_auc(p, y, N), approx = hl_eval_auc_hist(hp, hn, HL_EVAL_BINS);
    CHECK(fabs(exact - approx) <= tie / (2 * P * Q) + 1e-15);
    CHECK_NEAR(approx, exact, 2e-3);
}

/*
 * Multiclass, k = 3, by hand: labels  0 0 1 1 2 2 2, predictions 0 1 1 1 2 0 2.
 * tp = (1, 2, 2), predicted = (2, 3, 2), labelled = (2, 2, 3).
 * precision = (1/2, 2/3, 1), recall = (1/2, 1, 2/3); f1 = (1/2, 4/5, 4/5).
 * macro: precision 13/18, recall 13/18, f1 (1/2 + 8/5) / 3 = 7/10; accuracy 5/7.
 */
static void test_multiclass_by_hand(void)
{
    int size = hl_eval_size(HL_TASK_MULTICLASS, 3);
    double m[3 + 9] = { 0 };
    HlEvalSummary s;
    static const int lab[] = { 0, 0, 1, 1, 2, 2, 2 }, pred[] = { 0, 1, 1, 1, 2, 0, 2 };
    CHECK_INT(size, 12);
    for (int i = 0; i < 7; i++) {
        m[HL_EVAL_N] += 1;
        m[HL_EVAL_CORRECT] += lab[i] == pred[i];
        m[HL_EVAL_CLASS + lab[i]] += lab[i] == pred[i];
        m[HL_EVAL_CLASS + 3 + pred[i]] += 1;
        m[HL_EVAL_CLASS + 6 + lab[i]] += 1;
    }
    hl_eval_summarize(HL_TASK_MULTICLASS, 3, m, &s);
    CHECK_NEAR(s.accuracy, 5.0 / 7, 1e-15);
    CHECK_NEAR(s.precision, 13.0 / 18, 1e-15);
    CHECK_NEAR(s.recall, 13.0 / 18, 1e-15);
    CHECK_NEAR(s.f1, 0.7, 1e-15);
    CHECK(isnan(s.roc_auc));

    /* the same counts from a model: multinomial logistic on one-hot rows
     * whose weights pick the predicted class */
    static const double x[] = { 1, 0, 0,  0, 1, 0,  0, 1, 0,  0, 1, 0,  0, 0, 1,  1, 0, 0,  0, 0, 1 };
    static const double y[] = { 0, 0, 1, 1, 2, 2, 2 };
    static const double w[] = { 5, 0, 0, 0,  0, 5, 0, 0,  0, 0, 5, 0 };
    HlModelSpec spec = { .task = HL_TASK_MULTICLASS, .d = 3, .nclass = 3 };
    HlDataset ds = { .n = 7, .d = 3, .x = x, .y = y };
    double v[12] = { 0 };
    CHECK_INT(hl_eval_accumulate(&hl_model_logistic, &spec, w, &ds, NULL, 0, v), 0);
    for (int i = 0; i < 12; i++)
        if (i != HL_EVAL_LOSS)
            CHECK_NEAR(v[i], m[i], 0);
}

/*
 * Regression: y^ = x on x = 1, 2, 3 with y = 1, 2, 4.  Errors 0, 0, -1:
 * sse 1, sae 1, rmse sqrt(1/3), mae 1/3; mean y 7/3,
 * sst = (4/3)^2 + (1/3)^2 + (5/3)^2 = 42/9, r2 = 1 - 9/42.  Loss: half the
 * squared error, 1/2 over the three rows.
 */
static void test_regression_by_hand(void)
{
    static const double x[] = { 1, 2, 3 }, y[] = { 1, 2, 4 }, w[] = { 1, 0 };
    HlModelSpec spec = { .task = HL_TASK_REGRESSION, .d = 1, .nclass = 1 };
    HlDataset ds = { .n = 3, .d = 1, .x = x, .y = y };
    double m[7] = { 0 };
    HlEvalSummary s;
    CHECK_INT(hl_eval_size(HL_TASK_REGRESSION, 1), 7);
    CHECK_INT(hl_eval_accumulate(&hl_model_linear, &spec, w, &ds, NULL, 0, m), 0);
    CHECK_NEAR(m[HL_EVAL_SSE], 1, 0);
    CHECK_NEAR(m[HL_EVAL_SAE], 1, 0);
    CHECK_NEAR(m[HL_EVAL_SUMY], 7, 0);
    CHECK_NEAR(m[HL_EVAL_SUMY2], 21, 0);
    hl_eval_summarize(HL_TASK_REGRESSION, 1, m, &s);
    CHECK_NEAR(s.loss, 0.5 / 3, 1e-15);
    CHECK_NEAR(s.rmse, sqrt(1.0 / 3), 1e-15);
    CHECK_NEAR(s.mae, 1.0 / 3, 1e-15);
    CHECK_NEAR(s.r2, 1 - 9.0 / 42, 1e-14);
    CHECK(isnan(s.accuracy) && isnan(s.roc_auc));
}

/* No rows: NaN everywhere but n; nothing predicted positive: precision 0. */
static void test_edge_cases(void)
{
    int size = hl_eval_size(HL_TASK_BINARY, 1);
    double *m = calloc((size_t)size, sizeof *m);
    HlEvalSummary s;
    hl_eval_summarize(HL_TASK_BINARY, 1, m, &s);
    CHECK_NEAR(s.n, 0, 0);
    CHECK(isnan(s.loss) && isnan(s.accuracy) && isnan(s.roc_auc));
    m[HL_EVAL_N] = 2;
    m[HL_EVAL_FN] = 1;
    m[HL_EVAL_TN] = 1;
    m[HL_EVAL_CORRECT] = 1;
    hl_eval_summarize(HL_TASK_BINARY, 1, m, &s);
    CHECK_NEAR(s.precision, 0, 0);
    CHECK_NEAR(s.recall, 0, 0);
    CHECK_NEAR(s.f1, 0, 0);
    CHECK_INT(hl_eval_size(HL_TASK_MULTICLASS, 1), 0);
    free(m);
}

int main(void)
{
    RUN(test_binary_by_hand);
    RUN(test_merge_equals_pooled);
    RUN(test_auc_histogram);
    RUN(test_multiclass_by_hand);
    RUN(test_regression_by_hand);
    RUN(test_edge_cases);
    return unit_report();
}
