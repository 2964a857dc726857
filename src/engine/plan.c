/* plan.c - see plan.h: kinds, the encoding plan and train_config. */
#include "plan.h"

#include "secagg/secagg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "json.h"
#include "options.h"

/* ---- moments ------------------------------------------------------------ */

HlMoments hl_moments_from_sums(double n, double sum, double sumsq)
{
    HlMoments m = { 0, 0, 0 };
    if (n <= 0)
        return m;
    m.n = n;
    m.mean = sum / n;
    m.m2 = sumsq - sum * m.mean;
    if (!(m.m2 > 0))
        m.m2 = 0;       /* rounding can leave a constant column slightly negative */
    return m;
}

HlMoments hl_moments_combine(HlMoments a, HlMoments b)
{
    HlMoments m;
    double delta;
    if (a.n <= 0)
        return b;
    if (b.n <= 0)
        return a;
    m.n = a.n + b.n;
    delta = b.mean - a.mean;
    m.mean = a.mean + delta * (b.n / m.n);
    m.m2 = a.m2 + b.m2 + delta * delta * (a.n * b.n / m.n);
    return m;
}

HlMoments hl_moments_reduce(HlMoments *v, int n)
{
    HlMoments zero = { 0, 0, 0 };
    if (n <= 0)
        return zero;
    for (int step = 1; step < n; step *= 2)
        for (int i = 0; i + step < n; i += 2 * step)
            v[i] = hl_moments_combine(v[i], v[i + step]);
    return v[0];
}

/* ---- kinds ---------------------------------------------------------------- */

int hl_plan_kinds(const HlMsg *schema, int n, int ncolumns, HlColKind *kinds, hl_err *err)
{
    for (int i = 0; i < n; i++)
        if (!schema[i].kinds || !schema[i].nonnull || schema[i].nvocab != ncolumns)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "node answer %d to SCHEMA has %d columns, expected %d", i + 1,
                              schema[i].nvocab, ncolumns);
    for (int c = 0; c < ncolumns; c++) {
        int seen = 0, text = 0, declared_text = 0;
        for (int i = 0; i < n; i++) {
            int t = schema[i].kinds[c] == HL_COL_TEXT;
            declared_text |= t;
            if (schema[i].nonnull[c] > 0) {
                seen = 1;
                text |= t;
            }
        }
        kinds[c] = (seen ? text : declared_text) ? HL_COL_TEXT : HL_COL_NUMERIC;
    }
    return HELIOS_OK;
}

/* ---- options ---------------------------------------------------------------- */

/* The effective value of a model option, parsed; HELIOS_OK with type NULL
 * when it has none. */
static int opt_value(const char *opts, const char *name, HlJsonValue *v)
{
    char *text = hl_opt_get(HL_OBJ_MODEL, opts, name);
    hl_err e;
    int rc;
    memset(v, 0, sizeof *v);
    if (!text)
        return HELIOS_OK;
    hl_err_clear(&e);
    rc = hl_json_parse_value(text, v, &e);
    free(text);
    return rc;
}

/* A string option into buf ("" when unset). */
static void opt_string(const char *opts, const char *name, char *buf, size_t n)
{
    HlJsonValue v;
    buf[0] = 0;
    if (opt_value(opts, name, &v) == HELIOS_OK && v.type == HL_JSON_STRING)
        snprintf(buf, n, "%s", v.s);
    hl_json_value_clear(&v);
}

static double opt_number(const char *opts, const char *name, double def)
{
    HlJsonValue v;
    double r = def;
    if (opt_value(opts, name, &v) == HELIOS_OK) {
        if (v.type == HL_JSON_INT || v.type == HL_JSON_REAL)
            r = v.r;
        else if (v.type == HL_JSON_BOOL)
            r = (double)v.i;
    }
    hl_json_value_clear(&v);
    return r;
}

/* ---- value counts ------------------------------------------------------------ */

typedef struct Count {
    const char *value;          /* borrowed from a STATS response */
    int64_t count;
} Count;

static int cmp_count_value(const void *a, const void *b)
{
    return strcmp(((const Count *)a)->value, ((const Count *)b)->value);
}

static int cmp_count_freq(const void *a, const void *b)
{
    const Count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->value, y->value);
}

/* The union of the nodes' counts of column c, one entry a value, sorted
 * by value, in *out (malloc'd; caller frees); *more when a node cut its
 * list.  Returns the number of values, or -1 when out of memory. */
static int merge_counts(const HlMsg *stats, int n, int c, Count **out, int *more)
{
    size_t total = 0, k = 0, u = 0;
    Count *v;
    *more = 0;
    for (int i = 0; i < n; i++)
        if (stats[i].vocab) {
            total += (size_t)stats[i].vocab[c].n;
            *more |= stats[i].vocab[c].more;
        }
    if (!(v = malloc((total ? total : 1) * sizeof *v)))
        return -1;
    for (int i = 0; i < n; i++)
        for (int j = 0; stats[i].vocab && j < stats[i].vocab[c].n; j++)
            v[k++] = (Count){ stats[i].vocab[c].values[j], stats[i].vocab[c].counts[j] };
    if (k > 1)    /* qsort(NULL, 0) is undefined */
        qsort(v, k, sizeof *v, cmp_count_value);
    for (size_t j = 0; j < k; j++) {
        if (u > 0 && strcmp(v[u - 1].value, v[j].value) == 0)
            v[u - 1].count += v[j].count;
        else
            v[u++] = v[j];
    }
    *out = v;
    return (int)u;
}

/* The most frequent `keep` of v[0..n) (ties by value), sorted by value, as
 * owned strings; NULL when out of memory. */
static char **top_values(Count *v, int n, int keep)
{
    char **s;
    if (n > keep) {
        qsort(v, (size_t)n, sizeof *v, cmp_count_freq);
        qsort(v, (size_t)keep, sizeof *v, cmp_count_value);
        n = keep;
    }
    if (!(s = calloc((size_t)(n > 0 ? n : 1), sizeof *s)))
        return NULL;
    for (int i = 0; i < n; i++)
        if (!(s[i] = strdup(v[i].value))) {
            while (i-- > 0)
                free(s[i]);
            free(s);
            return NULL;
        }
    return s;
}

/* ---- the task ---------------------------------------------------------------- */

typedef struct Target {
    const char *name;
    int numeric;
    int nlabels;                /* distinct values seen */
    int more;                   /* a node had more than it sent */
} Target;

static int too_few(const Target *t, hl_err *err)
{
    return hl_err_set(err, HELIOS_ERROR, -1,
                      "target '%s' has %d distinct value%s at all nodes; a classifier needs at least 2",
                      t->name, t->nlabels, t->nlabels == 1 ? "" : "s");
}

static int too_many(const Target *t, const char *algorithm, hl_err *err)
{
    char count[32];
    if (t->more)
        snprintf(count, sizeof count, "more than %d", HL_ENC_MAX_LABELS);
    else
        snprintf(count, sizeof count, "%d", t->nlabels);
    return hl_err_set(err, HELIOS_ERROR, -1,
                      "target '%s' has %s distinct values; %s classifies at most %d labels%s",
                      t->name, count, algorithm, HL_ENC_MAX_LABELS,
                      t->numeric ? " (a numeric target: use linear_regression)" : "");
}

static int classify(const Target *t, const char *algorithm, HlTask *task, hl_err *err)
{
    if (t->nlabels < 2)
        return too_few(t, err);
    if (t->more || t->nlabels > HL_ENC_MAX_LABELS)
        return too_many(t, algorithm, err);
    *task = t->nlabels == 2 ? HL_TASK_BINARY : HL_TASK_MULTICLASS;
    return HELIOS_OK;
}

static int need_numeric(const Target *t, const char *why, hl_err *err)
{
    if (!t->numeric)
        return hl_err_set(err, HELIOS_ERROR, -1, "target '%s' is text; %s needs a numeric target",
                          t->name, why);
    return HELIOS_OK;
}

static int choose_task(const char *opts, const Target *t, HlTask *task, hl_err *err)
{
    char alg[64], out[32];
    opt_string(opts, "algorithm", alg, sizeof alg);
    opt_string(opts, "output_activation", out, sizeof out);
    if (strcmp(alg, "logistic_regression") == 0)
        return classify(t, alg, task, err);
    if (strcmp(alg, "linear_regression") == 0) {
        *task = HL_TASK_REGRESSION;
        return need_numeric(t, alg, err);
    }
    if (strcmp(alg, "neural_network") == 0) {
        int rc;
        if (strcmp(out, "linear") == 0 || (!*out && t->numeric && (t->more || t->nlabels > HL_ENC_MAX_LABELS))) {
            *task = HL_TASK_REGRESSION;
            return need_numeric(t, "a neural_network with a linear output", err);
        }
        if ((rc = classify(t, alg, task, err)) != HELIOS_OK)
            return rc;
        if (strcmp(out, "sigmoid") == 0 && *task != HL_TASK_BINARY)
            return hl_err_set(err, HELIOS_OPTION, -1,
                              "output_activation 'sigmoid' needs a target with 2 labels; '%s' has %d (use 'softmax')",
                              t->name, t->nlabels);
        if (strcmp(out, "softmax") == 0)
            *task = HL_TASK_MULTICLASS;
        return HELIOS_OK;
    }
    if (strcmp(alg, "random_forest") == 0 || strcmp(alg, "gradient_boosting") == 0)
        return hl_err_set(err, HELIOS_NOTIMPL, -1, "algorithm '%s' is not implemented yet", alg);
    return hl_err_set(err, HELIOS_OPTION, -1, "unknown algorithm '%s'", alg);
}

/* ---- the plan ------------------------------------------------------------------ */

static int plan_numeric(const HlMsg *stats, int n, int c, HlEncFeature *f, hl_err *err)
{
    HlMoments *m = malloc((size_t)(n > 0 ? n : 1) * sizeof *m), tot;
    if (!m)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int i = 0; i < n; i++) {
        if (!stats[i].sums || !stats[i].sumsq) {
            free(m);
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "node answer %d to STATS has no sums for numeric column '%s'",
                              i + 1, f->name);
        }
        m[i] = hl_moments_from_sums((double)stats[i].nonnull[c], stats[i].sums[c],
                                    stats[i].sumsq[c]);
    }
    tot = hl_moments_reduce(m, n);
    free(m);
    f->mean = tot.n > 0 ? tot.mean : 0.0;
    f->sd = tot.n > 0 ? sqrt(tot.m2 / tot.n) : 1.0;
    if (!(f->sd > 0) || !isfinite(f->sd) || !isfinite(f->mean)) {
        f->sd = 1.0;
        if (!isfinite(f->mean))
            f->mean = 0.0;
    }
    return HELIOS_OK;
}

static int plan_text(const HlMsg *stats, int n, int c, HlEncFeature *f, hl_err *err)
{
    Count *v;
    int more, k = merge_counts(stats, n, c, &v, &more);
    if (k < 0)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    f->text = 1;
    f->vocab = top_values(v, k, HL_ENC_MAX_VOCAB);
    f->nvocab = k < HL_ENC_MAX_VOCAB ? k : HL_ENC_MAX_VOCAB;
    free(v);
    if (!f->vocab) {
        f->nvocab = 0;
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    return HELIOS_OK;
}

static int plan_target(const char *opts, const HlMsg *stats, int n, int c, HlColKind kind,
                       HlEncoding *e, hl_err *err)
{
    Target t = { e->target, kind == HL_COL_NUMERIC, 0, 0 };
    Count *v;
    int64_t nonnull = 0;
    int rc, k;
    for (int i = 0; i < n; i++)
        nonnull += stats[i].nonnull[c];
    if (nonnull == 0)
        return hl_err_set(err, HELIOS_ERROR, -1, "target '%s' has no values at any node", t.name);
    if ((k = merge_counts(stats, n, c, &v, &t.more)) < 0)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    t.nlabels = k;
    rc = choose_task(opts, &t, &e->task, err);
    if (rc == HELIOS_OK && e->task != HL_TASK_REGRESSION) {
        if (!(e->labels = top_values(v, k, k)))
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        else {
            e->nlabels = k;
            hl_enc_order_labels(e->labels, k);
        }
    }
    free(v);
    return rc;
}

static int check_stats(const HlMsg *stats, int n, int ncolumns, hl_err *err)
{
    if (n < 1)
        return hl_err_set(err, HELIOS_ERROR, -1, "no node answered STATS");
    for (int i = 0; i < n; i++)
        if (!stats[i].nonnull || stats[i].nvocab != ncolumns)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "node answer %d to STATS has %d columns, expected %d", i + 1,
                              stats[i].nvocab, ncolumns);
    return HELIOS_OK;
}

int hl_plan_encoding(const char *opts, const char *const *columns, int ncolumns,
                     const HlColKind *kinds, const HlMsg *stats, int n, HlEncoding *e,
                     hl_err *err)
{
    int rc, nf = ncolumns - 1, d = 0;
    memset(e, 0, sizeof *e);
    if (ncolumns < 1)
        return hl_err_set(err, HELIOS_ERROR, -1, "no target column");
    if ((rc = check_stats(stats, n, ncolumns, err)) != HELIOS_OK)
        return rc;
    if (!(e->target = strdup(columns[nf]))
        || !(e->f = calloc((size_t)(nf > 0 ? nf : 1), sizeof *e->f))) {
        hl_enc_clear(e);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    rc = plan_target(opts, stats, n, nf, kinds[nf], e, err);
    for (int c = 0; rc == HELIOS_OK && c < nf; c++) {
        HlEncFeature *f = &e->f[c];
        e->nfeat = c + 1;
        if (!(f->name = strdup(columns[c])))
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        else if (kinds[c] == HL_COL_TEXT)
            rc = plan_text(stats, n, c, f, err);
        else
            rc = plan_numeric(stats, n, c, f, err);
        f->offset = d;
        d += f->text ? f->nvocab : 1;
    }
    e->d = d;
    if (rc != HELIOS_OK)
        hl_enc_clear(e);
    return rc;
}

/* ---- train_config --------------------------------------------------------------- */

static const char *const act_names[] = { NULL, "relu", "tanh", "sigmoid", "softmax", "linear" };

static HlAct act_parse(const char *s)
{
    for (int a = HL_ACT_RELU; s && a <= HL_ACT_LINEAR; a++)
        if (strcmp(act_names[a], s) == 0)
            return (HlAct)a;
    return 0;
}

static const char *const optim_names[] = { NULL, "sgd", "momentum", "adam" };

static HlOptim optim_parse(const char *s)
{
    for (int o = HL_OPTIM_SGD; s && o <= HL_OPTIM_ADAM; o++)
        if (strcmp(optim_names[o], s) == 0)
            return (HlOptim)o;
    return 0;
}

static HlAct task_output(HlTask t)
{
    return t == HL_TASK_BINARY ? HL_ACT_SIGMOID
         : t == HL_TASK_MULTICLASS ? HL_ACT_SOFTMAX : HL_ACT_LINEAR;
}

/* The hidden layer sizes of a neural network from option `layers`. */
static int nn_hidden(const HlEncoding *e, const char *opts, int *hidden, int *nhidden,
                     hl_err *err)
{
    HlJsonValue v;
    int width = e->task == HL_TASK_MULTICLASS ? e->nlabels : 1, rc = HELIOS_OK;
    if (opt_value(opts, "layers", &v) != HELIOS_OK || v.type != HL_JSON_ARRAY) {
        hl_json_value_clear(&v);
        hidden[0] = 64;
        *nhidden = 1;
        return HELIOS_OK;
    }
    if (v.nitems < 1 || v.nitems > HL_MAX_LAYERS + 1)
        rc = hl_err_set(err, HELIOS_OPTION, -1, "layers: %d sizes; between 1 and %d expected",
                        v.nitems, HL_MAX_LAYERS + 1);
    else if (v.items[v.nitems - 1].i != width)
        rc = hl_err_set(err, HELIOS_OPTION, -1,
                        "layers: the output layer (the last size) has %lld units, but a %s target '%s' needs %d",
                        (long long)v.items[v.nitems - 1].i, hl_enc_task_name(e->task),
                        e->target, width);
    else {
        *nhidden = v.nitems - 1;
        for (int i = 0; i < *nhidden; i++)
            hidden[i] = (int)v.items[i].i;
    }
    hl_json_value_clear(&v);
    return rc;
}

char *hl_plan_train_config(const HlEncoding *e, const char *opts, hl_err *err)
{
    char alg[64], act[32], out[32], optim[32], agg[64];
    int hidden[HL_MAX_LAYERS], nhidden = 0, nn;
    HlJsonWriter w;
    char *json;
    opt_string(opts, "algorithm", alg, sizeof alg);
    opt_string(opts, "activation", act, sizeof act);
    opt_string(opts, "output_activation", out, sizeof out);
    opt_string(opts, "optimizer", optim, sizeof optim);
    opt_string(opts, "aggregation", agg, sizeof agg);
    if (!hl_model_find(alg)) {
        hl_err_set(err, HELIOS_NOTIMPL, -1, "algorithm '%s' is not implemented yet", alg);
        return NULL;
    }
    nn = strcmp(alg, "neural_network") == 0;
    if (nn && nn_hidden(e, opts, hidden, &nhidden, err) != HELIOS_OK)
        return NULL;
    if (!*out || !nn)
        snprintf(out, sizeof out, "%s", act_names[task_output(e->task)]);
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_key(&w, "algorithm");
    hl_json_string(&w, alg);
    hl_json_key(&w, "task");
    hl_json_string(&w, hl_enc_task_name(e->task));
    hl_json_key(&w, "d");
    hl_json_int(&w, e->d);
    hl_json_key(&w, "nclass");
    hl_json_int(&w, e->task == HL_TASK_MULTICLASS ? e->nlabels : 1);
    hl_json_key(&w, "layers");
    hl_json_begin_array(&w);
    for (int i = 0; i < nhidden; i++)
        hl_json_int(&w, hidden[i]);
    hl_json_end_array(&w);
    hl_json_key(&w, "activation");
    hl_json_string(&w, *act ? act : "relu");
    hl_json_key(&w, "output_activation");
    hl_json_string(&w, out);
    hl_json_key(&w, "l2");
    hl_json_real(&w, opt_number(opts, "l2_regularization", 0.0));
    hl_json_key(&w, "local_epochs");
    hl_json_int(&w, (int64_t)opt_number(opts, "local_epochs", 1));
    hl_json_key(&w, "batch_size");
    hl_json_int(&w, (int64_t)opt_number(opts, "batch_size", 32));
    hl_json_key(&w, "learning_rate");
    hl_json_real(&w, opt_number(opts, "learning_rate", 0.01));
    hl_json_key(&w, "optimizer");
    hl_json_string(&w, *optim ? optim : "sgd");
    hl_json_key(&w, "proximal_term");
    hl_json_real(&w, strcmp(agg, "fedprox") == 0 ? opt_number(opts, "proximal_term", 0.0) : 0.0);
    hl_json_key(&w, "adaptive");
    hl_json_bool(&w, opt_number(opts, "adaptive_learning", 0) != 0);
    if (opt_number(opts, "secure_aggregation", 0) != 0) {
        hl_json_key(&w, "secure_aggregation");
        hl_json_bool(&w, 1);
        hl_json_key(&w, "secagg_range");
        hl_json_real(&w, HL_SECAGG_DEFAULT_RANGE);
    }
    hl_json_end_object(&w);
    if (!(json = hl_json_writer_finish(&w)))
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    return json;
}

static const HlJsonValue *member(const HlJsonObject *o, const char *key, HlJsonType type)
{
    const HlJsonValue *v = hl_json_object_get(o, key);
    if (!v)
        return NULL;
    if (v->type == type || (type == HL_JSON_REAL && v->type == HL_JSON_INT))
        return v;
    return NULL;
}

static int train_parse_object(const HlJsonObject *o, HlTrainPlan *tp, hl_err *err)
{
    const HlJsonValue *alg = member(o, "algorithm", HL_JSON_STRING);
    const HlJsonValue *task = member(o, "task", HL_JSON_STRING);
    const HlJsonValue *d = member(o, "d", HL_JSON_INT), *nclass = member(o, "nclass", HL_JSON_INT);
    const HlJsonValue *layers = member(o, "layers", HL_JSON_ARRAY);
    const HlJsonValue *act = member(o, "activation", HL_JSON_STRING);
    const HlJsonValue *out = member(o, "output_activation", HL_JSON_STRING);
    const HlJsonValue *l2 = member(o, "l2", HL_JSON_REAL);
    const HlJsonValue *epochs = member(o, "local_epochs", HL_JSON_INT);
    const HlJsonValue *batch = member(o, "batch_size", HL_JSON_INT);
    const HlJsonValue *lr = member(o, "learning_rate", HL_JSON_REAL);
    const HlJsonValue *optim = member(o, "optimizer", HL_JSON_STRING);
    const HlJsonValue *mu = member(o, "proximal_term", HL_JSON_REAL);
    const HlJsonValue *adaptive = member(o, "adaptive", HL_JSON_BOOL);
    HlModelSpec *s = &tp->spec;
    if (!alg || !task || !d || !nclass || !layers || !act || !out || !l2 || !epochs || !batch
        || !lr || !optim || !mu || !adaptive)
        return hl_err_set(err, HELIOS_ERROR, -1, "train_config: a member is missing or mistyped");
    if (!(tp->ops = hl_model_find(alg->s)))
        return hl_err_set(err, HELIOS_NOTIMPL, -1, "algorithm '%s' is not implemented yet", alg->s);
    s->task = hl_enc_task_parse(task->s);
    s->d = (int)d->i;
    s->nclass = (int)nclass->i;
    if (layers->nitems > HL_MAX_LAYERS)
        return hl_err_set(err, HELIOS_ERROR, -1, "train_config: too many layers");
    s->nhidden = layers->nitems;
    for (int i = 0; i < layers->nitems; i++)
        s->hidden[i] = layers->items[i].type == HL_JSON_INT ? (int)layers->items[i].i : 0;
    s->activation = act_parse(act->s);
    s->output = act_parse(out->s);
    s->l2 = l2->r;
    tp->cfg.local_epochs = (int)epochs->i;
    tp->cfg.batch_size = (int)batch->i;
    tp->cfg.learning_rate = lr->r;
    tp->cfg.optimizer = optim_parse(optim->s);
    tp->cfg.proximal_mu = mu->r;
    tp->cfg.adaptive = (int)adaptive->i;
    if (!s->task || !s->activation || !s->output || !tp->cfg.optimizer
        || tp->cfg.local_epochs < 1 || tp->cfg.batch_size < 1 || !(tp->cfg.learning_rate > 0))
        return hl_err_set(err, HELIOS_ERROR, -1, "train_config: a value is out of range");
    if ((tp->nparams = tp->ops->nparams(s)) < 0)
        return hl_err_set(err, HELIOS_ERROR, -1, "%s does not take a %s task", alg->s, task->s);
    return HELIOS_OK;
}

/* The optional dp_* members (see plan.h). */
static int train_parse_dp(const HlJsonObject *o, HlTrainPlan *tp, hl_err *err)
{
    const HlJsonValue *level = member(o, "dp_level", HL_JSON_STRING);
    const HlJsonValue *mech = member(o, "dp_mechanism", HL_JSON_STRING);
    const HlJsonValue *z = member(o, "dp_noise_multiplier", HL_JSON_REAL);
    const HlJsonValue *clip = member(o, "dp_clip", HL_JSON_REAL);
    if (!level && !mech && !z && !clip)
        return HELIOS_OK;
    if (!level || !mech || !z || !clip || !(z->r > 0) || !(clip->r > 0)
        || (strcmp(level->s, "record") != 0 && strcmp(level->s, "node") != 0)
        || (strcmp(mech->s, "gaussian") != 0 && strcmp(mech->s, "laplacian") != 0))
        return hl_err_set(err, HELIOS_ERROR, -1, "train_config: malformed dp_* members");
    tp->dp_level = strcmp(level->s, "node") == 0 ? 2 : 1;
    tp->dp_mechanism = strcmp(mech->s, "laplacian") == 0 ? HL_DP_LAPLACE : HL_DP_GAUSSIAN;
    tp->dp_sigma = z->r;
    tp->dp_clip = clip->r;
    if (tp->dp_level == 1) {
        tp->cfg.dp.mechanism = tp->dp_mechanism;
        tp->cfg.dp.clip = clip->r;
        tp->cfg.dp.noise_multiplier = z->r;
        const HlJsonValue *qt = member(o, "dp_quantile", HL_JSON_REAL);
        const HlJsonValue *lr = member(o, "dp_clip_lr", HL_JSON_REAL);
        const HlJsonValue *sb = member(o, "dp_count_stddev", HL_JSON_REAL);
        if (qt || lr || sb) {
            if (!qt || !lr || !sb)
                return hl_err_set(err, HELIOS_ERROR, -1, "train_config: malformed dp_* members");
            tp->cfg.dp.adaptive = 1;
            tp->cfg.dp.target_quantile = qt->r;
            tp->cfg.dp.clip_lr = lr->r;
            tp->cfg.dp.count_stddev = sb->r;
        }
    }
    return HELIOS_OK;
}

int hl_plan_train_parse(const char *json, HlTrainPlan *tp, hl_err *err)
{
    HlJsonObject o;
    int rc;
    memset(tp, 0, sizeof *tp);
    if (!json)
        return hl_err_set(err, HELIOS_ERROR, -1, "train_config: none given");
    if ((rc = hl_json_parse_object(json, &o, err)) == HELIOS_OK)
        rc = train_parse_object(&o, tp, err);
    if (rc == HELIOS_OK)
        rc = train_parse_dp(&o, tp, err);
    if (rc == HELIOS_OK) {
        const HlJsonValue *sec = member(&o, "secure_aggregation", HL_JSON_BOOL);
        const HlJsonValue *range = member(&o, "secagg_range", HL_JSON_REAL);
        if (sec && sec->i) {
            if (!range || !(range->r > 0))
                rc = hl_err_set(err, HELIOS_ERROR, -1, "train_config: secagg_range is missing");
            else {
                tp->secure = 1;
                tp->secagg_range = range->r;
            }
        }
    }
    if (rc == HELIOS_OK) {
        const HlJsonValue *bits = member(&o, "update_bits", HL_JSON_INT);
        const HlJsonValue *sp = member(&o, "update_sparsity", HL_JSON_REAL);
        if (bits || sp) {
            if (!bits || !sp || (bits->i != 8 && bits->i != 16 && bits->i != 32)
                || !(sp->r >= 0 && sp->r < 1))
                rc = hl_err_set(err, HELIOS_ERROR, -1,
                                "train_config: malformed update_bits / update_sparsity");
            else {
                tp->compress = 1;
                tp->codec.bits = (int)bits->i;
                tp->codec.sparsity = sp->r;
            }
        }
    }
    hl_json_object_clear(&o);
    return rc;
}

int hl_plan_train_codec(char **config, int bits, double sparsity, hl_err *err)
{
    if (bits >= 32 && !(sparsity > 0))
        return HELIOS_OK;
    size_t n = strlen(*config);
    char *s = malloc(n + 80);
    if (!s)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    /* the object's closing brace, then the two members */
    memcpy(s, *config, n - 1);
    snprintf(s + n - 1, 80, ",\"update_bits\":%d,\"update_sparsity\":%.17g}", bits, sparsity);
    free(*config);
    *config = s;
    return HELIOS_OK;
}
