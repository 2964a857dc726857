/*
 * test_encode.c - the encoding plan (ml/encode.c, engine/plan.c): its text
 * round trip, federated standardization against pooled statistics worked
 * out by hand, vocabulary merging, target labels and their order, the
 * NULL rules, the task rules and their errors, and train_config.
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

#include "engine/plan.h"
#include "helios.h"
#include "ml/encode.h"

/* ---- building STATS answers by hand ---- */

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    memcpy(d, s, n);
    return d;
}

/* A STATS answer for ncol columns, all zero. */
static void stats_init(HlMsg *m, int ncol)
{
    memset(m, 0, sizeof *m);
    m->type = HL_MSG_STATS;
    m->nvocab = ncol;
    m->nonnull = calloc((size_t)ncol, sizeof *m->nonnull);
    m->sums = calloc((size_t)ncol, sizeof *m->sums);
    m->sumsq = calloc((size_t)ncol, sizeof *m->sumsq);
    m->vocab = calloc((size_t)ncol, sizeof *m->vocab);
}

/* Column c holds the numeric values v[0..n). */
static void stats_numeric(HlMsg *m, int c, const double *v, int n)
{
    for (int i = 0; i < n; i++) {
        m->nonnull[c]++;
        m->sums[c] += v[i];
        m->sumsq[c] += v[i] * v[i];
    }
}

/* Column c has value counts "a:3,b:1"-style: values[i] seen counts[i] times. */
static void stats_counts(HlMsg *m, int c, const char *const *values, const int64_t *counts, int n)
{
    HlCounts *k = &m->vocab[c];
    k->values = calloc((size_t)(n ? n : 1), sizeof *k->values);
    k->counts = calloc((size_t)(n ? n : 1), sizeof *k->counts);
    k->n = n;
    for (int i = 0; i < n; i++) {
        k->values[i] = dup(values[i]);
        k->counts[i] = counts[i];
        m->nonnull[c] += counts[i];
    }
}

/* One node whose target (column 0, no features) has these labels, once each. */
static void stats_labels(HlMsg *m, const char *const *labels, int n)
{
    int64_t ones[256];
    for (int i = 0; i < n; i++)
        ones[i] = 1;
    stats_init(m, 1);
    stats_counts(m, 0, labels, ones, n);
}

static int plan_labels(const char *opts, const char *const *labels, int n, HlEncoding *e,
                       hl_err *err)
{
    static const char *const cols[] = { "y" };
    HlColKind kind = HL_COL_TEXT;
    HlMsg m;
    int rc;
    stats_labels(&m, labels, n);
    hl_err_clear(err);
    rc = hl_plan_encoding(opts, cols, 1, &kind, &m, 1, e, err);
    hl_msg_clear(&m);
    return rc;
}

/* ---- sqlite values ---- */

static sqlite3 *db;

/* The values of `SELECT <list>`; the statement stays open until the next call. */
static sqlite3_stmt *row_st;

static sqlite3_value **row_of(const char *list, sqlite3_value **vals)
{
    char sql[512];
    sqlite3_finalize(row_st);
    snprintf(sql, sizeof sql, "SELECT %s", list);
    if (sqlite3_prepare_v2(db, sql, -1, &row_st, NULL) != SQLITE_OK || sqlite3_step(row_st) != SQLITE_ROW)
        return NULL;
    for (int i = 0; i < sqlite3_column_count(row_st); i++)
        vals[i] = sqlite3_column_value(row_st, i);
    return vals;
}

/* ---- tests ---- */

/* A plan with a numeric and a text feature survives the text form exactly. */
static void test_round_trip(void)
{
    HlEncoding e, back;
    HlEncFeature f[2];
    char *labels[] = { "B", "M" }, *vocab[] = { "lyon", "nice", "paris" };
    char *json, *json2;
    hl_err err;
    memset(&e, 0, sizeof e);
    memset(f, 0, sizeof f);
    f[0] = (HlEncFeature){ .name = "age", .mean = 41.5, .sd = 0.1 + 0.2, .offset = 0 };
    f[1] = (HlEncFeature){ .name = "ci\"ty", .text = 1, .vocab = vocab, .nvocab = 3, .offset = 1 };
    e = (HlEncoding){ .f = f, .nfeat = 2, .d = 4, .target = "diag", .task = HL_TASK_BINARY,
                      .labels = labels, .nlabels = 2 };
    json = hl_enc_to_json(&e);
    CHECK(json != NULL);
    hl_err_clear(&err);
    CHECK_INT(hl_enc_parse(json, &back, &err), HELIOS_OK);
    CHECK_INT(back.nfeat, 2);
    CHECK_INT(back.d, 4);
    CHECK_STR(back.target, "diag");
    CHECK_INT(back.task, HL_TASK_BINARY);
    CHECK_INT(back.nlabels, 2);
    CHECK_STR(back.labels[1], "M");
    CHECK_STR(back.f[1].name, "ci\"ty");
    CHECK(back.f[0].sd == 0.1 + 0.2);           /* bit for bit */
    CHECK_INT(back.f[1].text, 1);
    CHECK_INT(back.f[1].offset, 1);
    CHECK_STR(back.f[1].vocab[2], "paris");
    json2 = hl_enc_to_json(&back);
    CHECK_STR(json2, json);
    free(json);
    free(json2);
    hl_enc_clear(&back);

    /* not a plan */
    hl_err_clear(&err);
    CHECK_INT(hl_enc_parse("{\"version\":1}", &back, &err), HELIOS_ERROR);
    hl_err_clear(&err);
    CHECK_INT(hl_enc_parse("[1]", &back, &err), HELIOS_ERROR);
    hl_err_clear(&err);
    CHECK_INT(hl_enc_parse("{\"version\":1,\"target\":\"y\",\"task\":\"binary\",\"labels\":[\"a\",\"b\"],"
                           "\"features\":[\"t\"],\"text\":[1],\"mean\":[0.0],\"sd\":[1.0],"
                           "\"nvocab\":[2],\"vocab\":[\"b\",\"a\"]}", &back, &err), HELIOS_ERROR);
    CHECK(strstr(err.msg, "not sorted") != NULL);
}

/*
 * Node A holds x = 1, 2, 3, node B x = 10, 20.  Pooled over the five rows:
 * mean 36/5 = 7.2, population variance
 *   ((-6.2)^2 + (-5.2)^2 + (-4.2)^2 + 2.8^2 + 12.8^2) / 5 = 254.8 / 5 = 50.96.
 * The plan must give exactly these although the nodes differ in size.
 */
static void test_standardize_two_nodes(void)
{
    static const char *const cols[] = { "x", "y" };
    static const char *const yl[] = { "0", "1" };
    static const int64_t yc[] = { 1, 2 };
    static const double a[] = { 1, 2, 3 }, b[] = { 10, 20 };
    HlColKind kinds[] = { HL_COL_NUMERIC, HL_COL_NUMERIC };
    HlMsg m[2];
    HlEncoding e;
    hl_err err;
    double x;
    sqlite3_value *vals[4];
    stats_init(&m[0], 2);
    stats_init(&m[1], 2);
    stats_numeric(&m[0], 0, a, 3);
    stats_numeric(&m[1], 0, b, 2);
    stats_counts(&m[0], 1, yl, yc, 2);
    stats_counts(&m[1], 1, yl, yc, 1);
    hl_err_clear(&err);
    CHECK_INT(hl_plan_encoding("{\"algorithm\":\"logistic_regression\"}", cols, 2, kinds, m, 2, &e,
                               &err), HELIOS_OK);
    CHECK_NEAR(e.f[0].mean, 7.2, 1e-14);
    CHECK_NEAR(e.f[0].sd, sqrt(50.96), 1e-13);
    CHECK_INT(e.d, 1);
    CHECK_INT(e.task, HL_TASK_BINARY);
    /* x = 20 encodes as 12.8 / sd */
    CHECK(row_of("20", vals) != NULL);
    hl_enc_row(&e, vals, &x);
    CHECK_NEAR(x, 12.8 / sqrt(50.96), 1e-14);
    hl_enc_clear(&e);
    hl_msg_clear(&m[0]);
    hl_msg_clear(&m[1]);
}

/*
 * Numerical care: 1000 nodes holding one value each, 1e9 + (i mod 7).  The
 * pooled variance is that of (i mod 7) over i < 1000, computed here by two
 * passes; adding the raw sums first would lose it entirely (sumsq ~ 1e21,
 * eps * 1e21 ~ 1e5 >> the variance 4), Chan's pairwise combination keeps it.
 */
static void test_chan_combination(void)
{
    HlMoments v[1000];
    double mean = 0, var = 0;
    for (int i = 0; i < 1000; i++) {
        double x = 1e9 + (i % 7);
        v[i] = hl_moments_from_sums(1, x, x * x);
        mean += i % 7;
    }
    mean /= 1000;
    for (int i = 0; i < 1000; i++)
        var += ((i % 7) - mean) * ((i % 7) - mean);
    var /= 1000;
    HlMoments t = hl_moments_reduce(v, 1000);
    CHECK_NEAR(t.n, 1000, 0);
    CHECK_NEAR(t.mean, 1e9 + mean, 1e-6);
    CHECK_NEAR(t.m2 / t.n, var, 1e-9 * var);

    /* the combination rule by hand: {1, 3} and {5}: mean 3, M2 = 4 + 0 + 4 */
    HlMoments a = { 2, 2, 2 }, b = { 1, 5, 0 }, c = hl_moments_combine(a, b);
    CHECK_NEAR(c.n, 3, 0);
    CHECK_NEAR(c.mean, 3, 1e-15);
    CHECK_NEAR(c.m2, 8, 1e-14);
}

/* Vocabularies: the union of counts, sorted; the most frequent kept. */
static void test_vocab_merge(void)
{
    static const char *const cols[] = { "city", "y" };
    static const char *const va[] = { "a", "b" }, *vb[] = { "b", "c" }, *yl[] = { "0", "1" };
    static const int64_t ca[] = { 3, 1 }, cb[] = { 2, 5 }, yc[] = { 1, 1 };
    HlColKind kinds[] = { HL_COL_TEXT, HL_COL_NUMERIC };
    HlMsg m[2];
    HlEncoding e;
    hl_err err;
    double x[3];
    sqlite3_value *vals[4];
    stats_init(&m[0], 2);
    stats_init(&m[1], 2);
    stats_counts(&m[0], 0, va, ca, 2);
    stats_counts(&m[1], 0, vb, cb, 2);
    stats_counts(&m[0], 1, yl, yc, 2);
    hl_err_clear(&err);
    CHECK_INT(hl_plan_encoding(NULL, cols, 2, kinds, m, 2, &e, &err), HELIOS_OK);
    CHECK_INT(e.f[0].nvocab, 3);
    CHECK_INT(e.d, 3);
    CHECK_STR(e.f[0].vocab[0], "a");
    CHECK_STR(e.f[0].vocab[2], "c");
    row_of("'b'", vals);
    hl_enc_row(&e, vals, x);
    CHECK(x[0] == 0 && x[1] == 1 && x[2] == 0);
    row_of("'zz'", vals);           /* outside the vocabulary: all zeros */
    hl_enc_row(&e, vals, x);
    CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0);
    row_of("NULL", vals);
    hl_enc_row(&e, vals, x);
    CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0);
    hl_enc_clear(&e);
    hl_msg_clear(&m[0]);
    hl_msg_clear(&m[1]);

    /* 1001 values: the top HL_ENC_MAX_VOCAB by count, ties by value */
    {
        char **names = malloc(1001 * sizeof *names);
        int64_t *counts = malloc(1001 * sizeof *counts);
        for (int i = 0; i < 1001; i++) {
            char buf[16];
            snprintf(buf, sizeof buf, "v%04d", i);
            names[i] = dup(buf);
            counts[i] = i == 1000 ? 2 : 1;     /* v1000 most frequent; v0999 loses the tie */
        }
        stats_init(&m[0], 2);
        stats_counts(&m[0], 0, (const char *const *)names, counts, 1001);
        stats_counts(&m[0], 1, yl, yc, 2);
        hl_err_clear(&err);
        CHECK_INT(hl_plan_encoding(NULL, cols, 2, kinds, m, 1, &e, &err), HELIOS_OK);
        CHECK_INT(e.f[0].nvocab, HL_ENC_MAX_VOCAB);
        CHECK_STR(e.f[0].vocab[998], "v0998");
        CHECK_STR(e.f[0].vocab[999], "v1000");
        hl_enc_clear(&e);
        hl_msg_clear(&m[0]);
        for (int i = 0; i < 1001; i++)
            free(names[i]);
        free(names);
        free(counts);
    }
}

/* Binary labels come out negative first, whatever their spelling. */
static void test_labels(void)
{
    static const struct {
        const char *in[3];
        int n;
        const char *first, *second;
        HlTask task;
    } cases[] = {
        { { "1", "0" }, 2, "0", "1", HL_TASK_BINARY },
        { { "true", "false" }, 2, "false", "true", HL_TASK_BINARY },
        { { "yes", "no" }, 2, "no", "yes", HL_TASK_BINARY },
        { { "True", "false" }, 2, "false", "True", HL_TASK_BINARY },
        { { "Y", "N" }, 2, "N", "Y", HL_TASK_BINARY },
        { { "M", "B" }, 2, "B", "M", HL_TASK_BINARY },
        { { "10", "9", "2" }, 3, "2", "9", HL_TASK_MULTICLASS },   /* numerically */
        { { "setosa", "virginica", "versicolor" }, 3, "setosa", "versicolor", HL_TASK_MULTICLASS },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HlEncoding e;
        hl_err err;
        CHECK_INT(plan_labels(NULL, cases[i].in, cases[i].n, &e, &err), HELIOS_OK);
        CHECK_INT(e.task, cases[i].task);
        CHECK_INT(e.nlabels, cases[i].n);
        if (e.nlabels >= 2) {
            CHECK_STR(e.labels[0], cases[i].first);
            CHECK_STR(e.labels[1], cases[i].second);
        }
        hl_enc_clear(&e);
    }
}

/* hl_enc_target: 1, 1.0 and '1' are one label; NULL and unknown labels skip. */
static void test_target_values(void)
{
    static const char *const l01[] = { "0", "1" }, *lyn[] = { "yes", "no" };
    HlEncoding e;
    hl_err err;
    double y = -1;
    sqlite3_value *v[4];
    CHECK_INT(plan_labels(NULL, l01, 2, &e, &err), HELIOS_OK);
    row_of("1, 1.0, '1', 0", v);
    CHECK_INT(hl_enc_target(&e, v[0], &y), 0);
    CHECK_NEAR(y, 1, 0);
    CHECK_INT(hl_enc_target(&e, v[1], &y), 0);
    CHECK_NEAR(y, 1, 0);
    CHECK_INT(hl_enc_target(&e, v[2], &y), 0);
    CHECK_NEAR(y, 1, 0);
    CHECK_INT(hl_enc_target(&e, v[3], &y), 0);
    CHECK_NEAR(y, 0, 0);
    row_of("NULL, 2, 'x'", v);
    CHECK_INT(hl_enc_target(&e, v[0], &y), -1);
    CHECK_INT(hl_enc_target(&e, v[1], &y), -1);
    CHECK_INT(hl_enc_target(&e, v[2], &y), -1);
    hl_enc_clear(&e);
    CHECK_INT(plan_labels(NULL, lyn, 2, &e, &err), HELIOS_OK);
    row_of("'yes', 'no', 'YES'", v);
    CHECK_INT(hl_enc_target(&e, v[0], &y), 0);
    CHECK_NEAR(y, 1, 0);
    CHECK_INT(hl_enc_target(&e, v[1], &y), 0);
    CHECK_NEAR(y, 0, 0);
    CHECK_INT(hl_enc_target(&e, v[2], &y), -1);     /* labels are exact */
    hl_enc_clear(&e);
}

/* Numeric features: NULL and words are the mean (0); numeric text reads. */
static void test_null_rules(void)
{
    HlEncFeature f = { .name = "x", .mean = 10, .sd = 2 };
    HlEncoding e = { .f = &f, .nfeat = 1, .d = 1, .task = HL_TASK_REGRESSION };
    sqlite3_value *v[4];
    double x, y;
    row_of("NULL, '17', 'abc', x'01'", v);
    hl_enc_row(&e, &v[0], &x);
    CHECK_NEAR(x, 0, 0);
    hl_enc_row(&e, &v[1], &x);
    CHECK_NEAR(x, 3.5, 0);
    hl_enc_row(&e, &v[2], &x);
    CHECK_NEAR(x, 0, 0);
    hl_enc_row(&e, &v[3], &x);
    CHECK_NEAR(x, 0, 0);
    /* a regression target must be a number */
    CHECK_INT(hl_enc_target(&e, v[1], &y), 0);
    CHECK_NEAR(y, 17, 0);
    CHECK_INT(hl_enc_target(&e, v[2], &y), -1);
    CHECK_INT(hl_enc_target(&e, v[0], &y), -1);
    CHECK(!hl_enc_text_number("inf", &y));
    CHECK(!hl_enc_text_number("0x10", &y));
    CHECK(!hl_enc_text_number("", &y));
    CHECK(hl_enc_text_number(" -1.5e3 ", &y) && y == -1500);
}

/* The task rules and the errors that name the column and the count. */
static void test_task_errors(void)
{
    static const char *const one[] = { "1" }, *three[] = { "a", "b", "c" }, *two[] = { "a", "b" };
    HlEncoding e;
    hl_err err;
    char *many[150], buf[16];
    CHECK_INT(plan_labels("{\"algorithm\":\"logistic_regression\"}", one, 1, &e, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "target 'y' has 1 distinct value at all nodes; a classifier needs at least 2");
    CHECK_INT(plan_labels("{\"algorithm\":\"linear_regression\"}", two, 2, &e, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "target 'y' is text; linear_regression needs a numeric target");
    CHECK_INT(plan_labels("{\"algorithm\":\"random_forest\"}", two, 2, &e, &err), HELIOS_NOTIMPL);
    CHECK(strstr(err.msg, "not implemented yet") != NULL);
    CHECK_INT(plan_labels("{\"algorithm\":\"neural_network\",\"output_activation\":\"sigmoid\"}",
                          three, 3, &e, &err), HELIOS_OPTION);
    CHECK(strstr(err.msg, "'y' has 3") != NULL);
    CHECK_INT(plan_labels("{\"algorithm\":\"neural_network\",\"output_activation\":\"softmax\"}",
                          two, 2, &e, &err), HELIOS_OK);
    CHECK_INT(e.task, HL_TASK_MULTICLASS);
    hl_enc_clear(&e);
    for (int i = 0; i < 150; i++) {
        snprintf(buf, sizeof buf, "%d", i);
        many[i] = dup(buf);
    }
    CHECK_INT(plan_labels(NULL, (const char *const *)many, 150, &e, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "target 'y' has 150 distinct values; logistic_regression classifies at most 100 labels");
    /* neural_network with no output_activation: a numeric target with more
     * than 100 values is a regression (the kind comes from the caller) */
    {
        static const char *const cols[] = { "y" };
        HlColKind kind = HL_COL_NUMERIC;
        HlMsg m;
        int64_t ones[150];
        for (int i = 0; i < 150; i++)
            ones[i] = 1;
        stats_init(&m, 1);
        stats_counts(&m, 0, (const char *const *)many, ones, 101);
        m.vocab[0].more = 1;        /* the node cut its list at 101 */
        hl_err_clear(&err);
        CHECK_INT(hl_plan_encoding("{\"algorithm\":\"neural_network\"}", cols, 1, &kind, &m, 1, &e, &err),
                  HELIOS_OK);
        CHECK_INT(e.task, HL_TASK_REGRESSION);
        CHECK_INT(e.nlabels, 0);
        hl_enc_clear(&e);
        hl_err_clear(&err);
        CHECK_INT(hl_plan_encoding(NULL, cols, 1, &kind, &m, 1, &e, &err), HELIOS_ERROR);
        CHECK_STR(err.msg, "target 'y' has more than 100 distinct values; logistic_regression classifies "
                           "at most 100 labels (a numeric target: use linear_regression)");
        hl_msg_clear(&m);
    }
    for (int i = 0; i < 150; i++)
        free(many[i]);
}

/* Kinds: text when any node with values says text; a node without values
 * does not vote. */
static void test_kinds(void)
{
    HlMsg s[2];
    HlColKind k[3];
    hl_err err;
    memset(s, 0, sizeof s);
    for (int i = 0; i < 2; i++) {
        s[i].nvocab = 3;
        s[i].kinds = calloc(3, sizeof *s[i].kinds);
        s[i].nonnull = calloc(3, sizeof *s[i].nonnull);
    }
    s[0].kinds[0] = HL_COL_NUMERIC; s[0].nonnull[0] = 5;
    s[1].kinds[0] = HL_COL_TEXT;    s[1].nonnull[0] = 2;
    s[0].kinds[1] = HL_COL_NUMERIC; s[0].nonnull[1] = 5;
    s[1].kinds[1] = HL_COL_TEXT;    s[1].nonnull[1] = 0;    /* declared TEXT, no values */
    s[0].kinds[2] = HL_COL_TEXT;    s[0].nonnull[2] = 0;
    s[1].kinds[2] = HL_COL_NUMERIC; s[1].nonnull[2] = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_plan_kinds(s, 2, 3, k, &err), HELIOS_OK);
    CHECK_INT(k[0], HL_COL_TEXT);
    CHECK_INT(k[1], HL_COL_NUMERIC);
    CHECK_INT(k[2], HL_COL_TEXT);
    hl_msg_clear(&s[0]);
    hl_msg_clear(&s[1]);
}

/* train_config from a plan and options, and back. */
static void test_train_config(void)
{
    static const char *const three[] = { "a", "b", "c" };
    HlEncoding e;
    HlTrainPlan tp;
    hl_err err;
    char *json;
    CHECK_INT(plan_labels(NULL, three, 3, &e, &err), HELIOS_OK);
    e.d = 5;    /* as if five encoded features */
    hl_err_clear(&err);
    json = hl_plan_train_config(&e, "{\"algorithm\":\"neural_network\",\"layers\":[8,4,3],"
                                    "\"activation\":\"tanh\",\"optimizer\":\"adam\",\"proximal_term\":0.5}", &err);
    CHECK_STR(json, "{\"algorithm\":\"neural_network\",\"task\":\"multiclass\",\"d\":5,\"nclass\":3,"
                    "\"layers\":[8,4],\"activation\":\"tanh\",\"output_activation\":\"softmax\",\"l2\":0.0,"
                    "\"local_epochs\":1,\"batch_size\":32,\"learning_rate\":0.01,\"optimizer\":\"adam\","
                    "\"proximal_term\":0.0,\"adaptive\":false}");
    hl_err_clear(&err);
    CHECK_INT(hl_plan_train_parse(json, &tp, &err), HELIOS_OK);
    CHECK(tp.ops == &hl_model_mlp);
    CHECK_INT(tp.spec.nhidden, 2);
    CHECK_INT(tp.spec.hidden[1], 4);
    CHECK_INT(tp.spec.activation, HL_ACT_TANH);
    CHECK_INT(tp.cfg.optimizer, HL_OPTIM_ADAM);
    CHECK_INT(tp.nparams, 8 * 6 + 4 * 9 + 3 * 5);
    free(json);
    /* proximal_term counts with fedprox */
    json = hl_plan_train_config(&e, "{\"aggregation\":\"fedprox\",\"proximal_term\":0.5}", &err);
    CHECK(json && strstr(json, "\"proximal_term\":0.5") != NULL);
    CHECK(json && strstr(json, "\"layers\":[]") != NULL);
    free(json);
    /* the output layer must match the task */
    hl_err_clear(&err);
    json = hl_plan_train_config(&e, "{\"algorithm\":\"neural_network\",\"layers\":[8,1]}", &err);
    CHECK(json == NULL);
    CHECK_STR(err.msg, "layers: the output layer (the last size) has 1 units, but a multiclass target 'y' needs 3");
    hl_enc_clear(&e);
}

int main(void)
{
    sqlite3_open(":memory:", &db);
    RUN(test_round_trip);
    RUN(test_standardize_two_nodes);
    RUN(test_chan_combination);
    RUN(test_vocab_merge);
    RUN(test_labels);
    RUN(test_target_values);
    RUN(test_null_rules);
    RUN(test_task_errors);
    RUN(test_kinds);
    RUN(test_train_config);
    sqlite3_finalize(row_st);
    sqlite3_close(db);
    return unit_report();
}
