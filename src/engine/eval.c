/* eval.c - see eval.h: evaluation as sums, and metrics from the sums. */
#include "eval.h"

#include <stdlib.h>
#include <string.h>

int hl_eval_size(HlTask task, int nclass)
{
    switch (task) {
    case HL_TASK_BINARY: return HL_EVAL_HIST + 2 * HL_EVAL_BINS;
    case HL_TASK_MULTICLASS: return nclass >= 2 ? HL_EVAL_CLASS + 3 * nclass : 0;
    case HL_TASK_REGRESSION: return HL_EVAL_SUMY2 + 1;
    }
    return 0;
}

/* The loss sum over the rows, without the l2 term: the model's own mean
 * loss (from logits, as training computes it) less its value on no rows. */
static double loss_sum(const HlModelOps *ops, const HlModelSpec *s, const double *params,
                       const HlDataset *ds, const int *rows, int m)
{
    double all, l2;
    if (m == 0)
        return 0.0;
    all = hl_model_loss_grad_alloc(ops, s, params, ds, rows, m, NULL);
    l2 = hl_model_loss_grad_alloc(ops, s, params, ds, rows, 0, NULL);
    return (all - l2) * m;
}

static void add_row(const HlModelSpec *s, const double *out, double y, double *v)
{
    if (s->task == HL_TASK_BINARY) {
        double p = out[0];
        int pos = y >= 0.5, pred = p >= 0.5;
        int bin = p >= 1.0 ? HL_EVAL_BINS - 1 : p > 0.0 ? (int)(p * HL_EVAL_BINS) : 0;
        if (bin >= HL_EVAL_BINS)
            bin = HL_EVAL_BINS - 1;
        v[HL_EVAL_CORRECT] += pos == pred;
        v[pos ? (pred ? HL_EVAL_TP : HL_EVAL_FN) : (pred ? HL_EVAL_FP : HL_EVAL_TN)] += 1;
        v[HL_EVAL_HIST + (pos ? 0 : HL_EVAL_BINS) + bin] += 1;
    } else if (s->task == HL_TASK_MULTICLASS) {
        int k = s->nclass, best = 0, label = (int)y;
        for (int c = 1; c < k; c++)
            if (out[c] > out[best])
                best = c;
        if (label < 0 || label >= k)
            return;
        v[HL_EVAL_CORRECT] += best == label;
        v[HL_EVAL_CLASS + label] += best == label;
        v[HL_EVAL_CLASS + k + best] += 1;
        v[HL_EVAL_CLASS + 2 * k + label] += 1;
    } else {
        double e = out[0] - y;
        v[HL_EVAL_SSE] += e * e;
        v[HL_EVAL_SAE] += fabs(e);
        v[HL_EVAL_SUMY] += y;
        v[HL_EVAL_SUMY2] += y * y;
    }
}

int hl_eval_accumulate(const HlModelOps *ops, const HlModelSpec *spec, const double *params,
                       const HlDataset *ds, const int *rows, int m, double *metrics)
{
    int size = hl_eval_size(spec->task, spec->nclass);
    int nout = spec->task == HL_TASK_MULTICLASS ? spec->nclass : 1;
    int *all = NULL;
    double *v, *out, loss;
    if (size == 0 || ops->nparams(spec) < 0)
        return -1;
    if (!rows) {
        m = ds->n;
        if (m > 0 && !(all = malloc((size_t)m * sizeof *all)))
            return -1;
        for (int i = 0; i < m; i++)
            all[i] = i;
        rows = all;
    }
    v = calloc((size_t)size + (size_t)nout, sizeof *v);
    loss = v ? loss_sum(ops, spec, params, ds, rows, m) : NAN;
    if (!v || isnan(loss)) {
        free(v);
        free(all);
        return -1;
    }
    out = v + size;
    for (int i = 0; i < m; i++) {
        int r = rows[i];
        ops->predict(spec, params, ds->x + (size_t)r * ds->d, out);
        add_row(spec, out, ds->y[r], v);
    }
    v[HL_EVAL_N] = m;
    v[HL_EVAL_LOSS] = loss;
    hl_eval_merge(metrics, v, size);
    free(v);
    free(all);
    return 0;
}

void hl_eval_merge(double *acc, const double *m, int size)
{
    for (int i = 0; i < size; i++)
        acc[i] += m[i];
}

double hl_eval_auc_hist(const double *pos, const double *neg, int bins)
{
    double P = 0, N = 0, above = 0, area = 0;
    for (int b = 0; b < bins; b++) {
        P += pos[b];
        N += neg[b];
    }
    if (P <= 0 || N <= 0)
        return NAN;
    for (int b = bins - 1; b >= 0; b--) {
        area += neg[b] * (above + pos[b] / 2);
        above += pos[b];
    }
    return area / (P * N);
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0.0;
}

static double f1_of(double p, double r)
{
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

static void summarize_multiclass(int k, const double *v, HlEvalSummary *o)
{
    const double *tp = v + HL_EVAL_CLASS, *pred = tp + k, *lab = pred + k;
    double sp = 0, sr = 0, sf = 0;
    int used = 0;
    for (int c = 0; c < k; c++) {
        double p, r;
        if (pred[c] == 0 && lab[c] == 0)
            continue;
        p = ratio(tp[c], pred[c]);
        r = ratio(tp[c], lab[c]);
        sp += p;
        sr += r;
        sf += f1_of(p, r);
        used++;
    }
    o->precision = used ? sp / used : NAN;
    o->recall = used ? sr / used : NAN;
    o->f1 = used ? sf / used : NAN;
}

void hl_eval_summarize(HlTask task, int nclass, const double *v, HlEvalSummary *o)
{
    double n = v[HL_EVAL_N];
    o->n = n;
    o->loss = n > 0 ? v[HL_EVAL_LOSS] / n : NAN;
    o->accuracy = o->precision = o->recall = o->f1 = o->roc_auc = NAN;
    o->rmse = o->mae = o->r2 = NAN;
    if (n <= 0)
        return;
    if (task == HL_TASK_BINARY) {
        double tp = v[HL_EVAL_TP], fp = v[HL_EVAL_FP], fn = v[HL_EVAL_FN];
        o->accuracy = v[HL_EVAL_CORRECT] / n;
        o->precision = ratio(tp, tp + fp);
        o->recall = ratio(tp, tp + fn);
        o->f1 = f1_of(o->precision, o->recall);
        o->roc_auc = hl_eval_auc_hist(v + HL_EVAL_HIST, v + HL_EVAL_HIST + HL_EVAL_BINS,
                                      HL_EVAL_BINS);
    } else if (task == HL_TASK_MULTICLASS) {
        o->accuracy = v[HL_EVAL_CORRECT] / n;
        summarize_multiclass(nclass, v, o);
    } else if (task == HL_TASK_REGRESSION) {
        /* sum (y - ybar)^2 from the two sums: cancellation costs about
         * eps (mean^2 / var) relative, fine unless the target is a large
         * constant plus tiny variation. */
        double sst = v[HL_EVAL_SUMY2] - v[HL_EVAL_SUMY] * v[HL_EVAL_SUMY] / n;
        o->rmse = sqrt(v[HL_EVAL_SSE] / n);
        o->mae = v[HL_EVAL_SAE] / n;
        o->r2 = sst > 0 ? 1.0 - v[HL_EVAL_SSE] / sst : NAN;
    }
}
