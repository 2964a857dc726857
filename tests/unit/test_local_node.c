/*
 * test_local_node.c - the in-process node (engine/local_node.c) end to end:
 * a small SQLite table of real data (40 rows of the Wisconsin breast-cancer
 * set, Wolberg, Street & Mangasarian 1995, CC BY 4.0, with a text column
 * and NULLs added) split between two nodes by data_filter; SCHEMA, STATS,
 * the plan, SETUP, rounds of TRAIN with a plain weighted FedAvg written
 * here, and EVAL: the loss goes down and the accuracy ends high.  Also:
 * errors that name tables and columns, bit-identical reruns (also with the
 * nodes trained on two threads), and a shared-cache in-memory database.
 */
#include "unit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/eval.h"
#include "engine/local_node.h"
#include "engine/plan.h"
#include "helios.h"

/* mean_radius, mean_texture, mean_smoothness, mean_concave_points, site, diagnosis */
static const char cells_values[] =
    "(17.99,10.38,0.1184,0.1471,'north','M'),"
    "(13.73,22.61,0.1131,0.08025,'south','M'),"
    "(15.3,25.27,0.1082,0.08751,'east','M'),"
    "(19.07,24.81,0.09081,0.09961,'north','M'),"
    "(19.21,18.57,0.1053,0.08994,NULL,'M'),"
    "(18.94,21.31,0.09009,0.07951,'east','M'),"
    "(12.0,15.65,0.09723,0.01863,'north','B'),"
    "(11.6,NULL,0.08983,0.0335,'south','B'),"
    "(14.26,19.65,0.07837,0.07798,'east','B'),"
    "(13.61,24.69,0.09258,0.03085,'north','M'),"
    "(9.738,11.97,0.0925,0.0,'south','B'),"
    "(13.15,15.34,0.09384,0.03483,'east','B'),"
    "(17.47,24.68,0.1049,0.1043,'north','M'),"
    "(15.7,20.31,0.09597,0.05189,NULL,'M'),"
    "(13.77,22.29,0.12,0.06526,'east','M'),"
    "(20.58,22.14,0.0909,0.09561,'north','M'),"
    "(13.27,17.02,0.08445,0.02456,'south','B'),"
    "(14.22,27.85,0.08223,0.04408,'east','B'),"
    "(19.73,19.82,0.1062,0.0974,'north','M'),"
    "(10.6,18.95,0.09688,0.02642,'south','B'),"
    "(19.16,26.6,0.102,0.09664,'east','M'),"
    "(12.72,13.78,0.09667,0.01924,'north','B'),"
    "(13.5,12.71,0.07376,0.004419,NULL,'B'),"
    "(12.86,13.32,0.1134,0.034,'east','B'),"
    "(12.99,14.23,0.09462,0.02098,'north','B'),"
    "(11.66,17.07,0.07561,0.01162,'south','B'),"
    "(13.4,16.95,0.07937,0.01473,'east','B'),"
    "(13.66,15.15,0.08268,0.02471,'north','B'),"
    "(15.49,19.97,0.116,0.09113,'south','M'),"
    "(16.14,14.86,0.09495,0.04528,'east','B'),"
    "(11.57,19.04,0.08546,0.01428,'north','B'),"
    "(14.86,16.94,0.08924,0.02877,NULL,'B'),"
    "(14.53,19.34,0.08388,0.02925,'east','B'),"
    "(14.4,26.99,0.06995,0.01737,'north','B'),"
    "(14.2,20.53,0.08931,0.03058,'south','B'),"
    "(12.25,22.44,0.08192,0.01261,'east','B'),"
    "(9.268,12.87,0.1634,0.05252,'north','B'),"
    "(12.88,18.22,0.1218,0.05303,'south','B'),"
    "(13.68,16.33,0.09277,0.0188,'east','B'),"
    "(10.32,16.35,0.09434,0.005495,'north','B')";

static char dbpath[128], dbpath2[128];

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static void make_db(const char *path)
{
    sqlite3 *db;
    unlink(path);
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(exec(db, "CREATE TABLE cells (id INTEGER PRIMARY KEY, radius REAL, texture REAL,"
                       " smoothness REAL, concave REAL, site TEXT, diagnosis TEXT);"
                       "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                       "INSERT INTO notes (body) VALUES ('not data')"), SQLITE_OK);
    {
        size_t n = strlen(cells_values) + 128;
        char *sql = malloc(n);
        snprintf(sql, n, "INSERT INTO cells (radius, texture, smoothness, concave, site, diagnosis)"
                         " VALUES %s", cells_values);
        CHECK_INT(exec(db, sql), SQLITE_OK);
        free(sql);
    }
    /* two rows without a diagnosis: skipped everywhere */
    CHECK_INT(exec(db, "INSERT INTO cells (radius, diagnosis) VALUES (30, NULL), (31, NULL)"), SQLITE_OK);
    sqlite3_close(db);
}

static char *columns[] = { "radius", "texture", "smoothness", "concave", "site", "diagnosis" };
enum { NCOL = 6 };
static const char *opts = "{\"algorithm\":\"logistic_regression\",\"learning_rate\":0.1,"
                          "\"local_epochs\":5,\"batch_size\":8}";

static int ask(HlNode *n, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    memset(resp, 0, sizeof *resp);
    hl_err_clear(err);
    return n->ops->exchange(n, req, resp, err);
}

typedef struct Job {
    HlNode *node;
    const HlMsg *req;
    HlMsg resp;
    hl_err err;
    int rc;
} Job;

static void *job_run(void *arg)
{
    Job *j = arg;
    j->rc = ask(j->node, j->req, &j->resp, &j->err);
    return NULL;
}

/* One request to every node, on a thread each when `threads`. */
static int ask_all(HlNode **nodes, int n, const HlMsg *req, Job *jobs, int threads)
{
    pthread_t t[8];
    int rc = HELIOS_OK;
    for (int i = 0; i < n; i++) {
        jobs[i].node = nodes[i];
        jobs[i].req = req;
        if (threads)
            pthread_create(&t[i], NULL, job_run, &jobs[i]);
        else
            job_run(&jobs[i]);
    }
    for (int i = 0; i < n; i++) {
        if (threads)
            pthread_join(t[i], NULL);
        if (jobs[i].rc != HELIOS_OK) {
            fprintf(stderr, "node %d: %s\n", i, jobs[i].err.msg);
            rc = jobs[i].rc;
        }
    }
    return rc;
}

static void clear_jobs(Job *jobs, int n)
{
    for (int i = 0; i < n; i++)
        hl_msg_clear(&jobs[i].resp);
}

static double sql_double(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    double r = NAN;
    sqlite3_open(path, &db);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        r = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return r;
}

typedef struct Run {
    double *params;
    int nparams;
    HlEvalSummary before, after;
} Run;

static void evaluate(HlNode **nodes, const char *config, const double *params, int np,
                     HlEvalSummary *s)
{
    HlMsg req = { .type = HL_MSG_EVAL, .train_config = (char *)config,
                  .params = (double *)params, .nparams = np, .eval_split = 2 };
    Job jobs[2];
    double m[7 + 2 * HL_EVAL_BINS] = { 0 };
    memset(jobs, 0, sizeof jobs);
    CHECK_INT(ask_all(nodes, 2, &req, jobs, 0), HELIOS_OK);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(jobs[i].resp.nmetrics, 7 + 2 * HL_EVAL_BINS);
        if (jobs[i].resp.metrics)
            hl_eval_merge(m, jobs[i].resp.metrics, jobs[i].resp.nmetrics);
    }
    hl_eval_summarize(HL_TASK_BINARY, 1, m, s);
    clear_jobs(jobs, 2);
}

/* The whole data path; checks along the way when `check`. */
static void federated_run(Run *out, int threads, int check)
{
    hl_err err;
    HlNode *nodes[2];
    Job jobs[2];
    HlColKind kinds[NCOL];
    HlEncoding e;
    HlTrainPlan tp;
    char *plan, *config;
    memset(jobs, 0, sizeof jobs);
    hl_err_clear(&err);
    nodes[0] = hl_local_node_new(1, "a", dbpath, "id <= 25", &err);
    nodes[1] = hl_local_node_new(2, "b", dbpath, "id > 25", &err);
    CHECK(nodes[0] && nodes[1]);

    /* SCHEMA: the one table with every column; site is text */
    HlMsg schema = { .type = HL_MSG_SCHEMA, .columns = columns, .ncolumns = NCOL };
    CHECK_INT(ask_all(nodes, 2, &schema, jobs, threads), HELIOS_OK);
    if (check) {
        CHECK_STR(jobs[0].resp.table, "cells");
        CHECK_INT(jobs[0].resp.rows, 25);
        CHECK_INT(jobs[1].resp.rows, 17);
        CHECK_INT(jobs[0].resp.kinds[4], HL_COL_TEXT);
        CHECK_INT(jobs[0].resp.kinds[0], HL_COL_NUMERIC);
        CHECK_INT(jobs[0].resp.kinds[5], HL_COL_TEXT);
        CHECK_INT(jobs[0].resp.nonnull[1], 24);     /* one texture is NULL */
    }
    HlMsg both[2] = { jobs[0].resp, jobs[1].resp };
    CHECK_INT(hl_plan_kinds(both, 2, NCOL, kinds, &err), HELIOS_OK);
    clear_jobs(jobs, 2);

    /* STATS with the agreed kinds */
    HlMsg stats = { .type = HL_MSG_STATS, .columns = columns, .ncolumns = NCOL, .kinds = kinds };
    CHECK_INT(ask_all(nodes, 2, &stats, jobs, threads), HELIOS_OK);
    if (check) {
        CHECK_INT(jobs[1].resp.rows, 17);
        CHECK_INT(jobs[1].resp.rows_skipped, 2);
        CHECK_INT(jobs[1].resp.vocab[5].n, 2);
    }
    HlMsg st2[2] = { jobs[0].resp, jobs[1].resp };
    CHECK_INT(hl_plan_encoding(opts, (const char *const *)columns, NCOL, kinds, st2, 2, &e, &err),
              HELIOS_OK);
    clear_jobs(jobs, 2);
    if (check) {
        /* the federated mean and sd are the pooled ones */
        CHECK_NEAR(e.f[0].mean, sql_double(dbpath, "SELECT avg(radius) FROM cells WHERE diagnosis IS NOT NULL"), 1e-12);
        CHECK_NEAR(e.f[1].sd, sqrt(sql_double(dbpath, "SELECT avg(texture * texture) - avg(texture) * avg(texture)"
                                                      " FROM cells WHERE diagnosis IS NOT NULL")), 1e-9);
        CHECK_INT(e.f[4].nvocab, 3);
        CHECK_STR(e.f[4].vocab[0], "east");
        CHECK_INT(e.d, 7);
        CHECK_INT(e.task, HL_TASK_BINARY);
        CHECK_STR(e.labels[1], "M");
    }

    /* SETUP: load, encode, split */
    plan = hl_enc_to_json(&e);
    HlMsg setup = { .type = HL_MSG_SETUP, .encoding = plan, .seed = 42, .validation_split = 0.2 };
    CHECK_INT(ask_all(nodes, 2, &setup, jobs, threads), HELIOS_OK);
    if (check) {
        for (int i = 0; i < 2; i++)
            CHECK_INT(jobs[i].resp.rows_train + jobs[i].resp.rows_valid + jobs[i].resp.rows_skipped,
                      jobs[i].resp.rows);
        CHECK_INT(jobs[0].resp.rows_train + jobs[0].resp.rows_valid + jobs[1].resp.rows_train
                  + jobs[1].resp.rows_valid, 40);
        CHECK(jobs[0].resp.rows_valid + jobs[1].resp.rows_valid > 0);
    }
    clear_jobs(jobs, 2);
    free(plan);

    /* rounds of TRAIN and a plain FedAvg weighted by rows */
    config = hl_plan_train_config(&e, opts, &err);
    CHECK(config != NULL);
    CHECK_INT(hl_plan_train_parse(config, &tp, &err), HELIOS_OK);
    out->nparams = tp.nparams;
    out->params = calloc((size_t)tp.nparams, sizeof *out->params);
    evaluate(nodes, config, out->params, out->nparams, &out->before);
    for (int round = 1; round <= 10; round++) {
        HlMsg train = { .type = HL_MSG_TRAIN, .train_config = config, .params = out->params,
                        .nparams = out->nparams, .seed = 42, .round = round };
        double rows = 0;
        CHECK_INT(ask_all(nodes, 2, &train, jobs, threads), HELIOS_OK);
        for (int i = 0; i < 2; i++)
            rows += (double)jobs[i].resp.rows_train;
        for (int j = 0; j < out->nparams; j++) {
            double s = 0;
            for (int i = 0; i < 2; i++)
                s += (double)jobs[i].resp.rows_train * jobs[i].resp.params[j];
            out->params[j] = s / rows;
        }
        if (check && round == 1)
            CHECK(jobs[0].resp.loss_after < jobs[0].resp.loss_before);
        clear_jobs(jobs, 2);
    }
    evaluate(nodes, config, out->params, out->nparams, &out->after);
    free(config);
    hl_enc_clear(&e);
    for (int i = 0; i < 2; i++)
        nodes[i]->ops->close(nodes[i]);
}

static void test_federated_training(void)
{
    Run r;
    federated_run(&r, 0, 1);
    CHECK_NEAR(r.before.loss, log(2.0), 1e-12);
    CHECK_NEAR(r.before.n, 40, 0);
    CHECK(r.after.loss < 0.5 * r.before.loss);
    CHECK(r.after.accuracy >= 0.9);
    CHECK(r.after.roc_auc >= 0.95);
    printf("after 10 rounds: loss %.4f, accuracy %.3f, auc %.3f, f1 %.3f\n", r.after.loss,
           r.after.accuracy, r.after.roc_auc, r.after.f1);
    free(r.params);
}

/* Two runs, and a run with the nodes on two threads: bit-identical. */
static void test_determinism(void)
{
    Run a, b, c;
    federated_run(&a, 0, 0);
    federated_run(&b, 0, 0);
    federated_run(&c, 1, 0);
    CHECK_INT(a.nparams, b.nparams);
    CHECK(memcmp(a.params, b.params, (size_t)a.nparams * sizeof *a.params) == 0);
    CHECK(memcmp(a.params, c.params, (size_t)a.nparams * sizeof *a.params) == 0);
    free(a.params);
    free(b.params);
    free(c.params);
}

static int schema_error(const char *path, const char *filter, char *source, char **cols, int n,
                        hl_err *err)
{
    HlNode *node = hl_local_node_new(3, "a", path, filter, err);
    HlMsg req = { .type = HL_MSG_SCHEMA, .source = source, .columns = cols, .ncolumns = n }, resp;
    int rc = ask(node, &req, &resp, err);
    hl_msg_clear(&resp);
    node->ops->close(node);
    return rc;
}

static void test_errors(void)
{
    hl_err err;
    char *bad[] = { "radius", "bmi", "age", "diagnosis" };
    CHECK(schema_error(dbpath, NULL, "nope", columns, NCOL, &err) != HELIOS_OK);
    CHECK_STR(err.msg, "node 'a' has no table 'nope' (tables: 'cells', 'notes')");
    CHECK(schema_error(dbpath, NULL, "cells", bad, 4, &err) != HELIOS_OK);
    CHECK_STR(err.msg, "table 'cells' at node 'a' has no columns 'bmi', 'age'");
    CHECK(schema_error(dbpath, NULL, NULL, bad, 4, &err) != HELIOS_OK);
    CHECK_STR(err.msg, "no table at node 'a' has all of the columns 'radius', 'bmi', 'age', 'diagnosis'"
                       " ('cells' lacks 'bmi', 'age'; 'notes' lacks 'radius', 'bmi', 'age', 'diagnosis')");
    CHECK(schema_error(dbpath, "no_such_col > 1", NULL, columns, NCOL, &err) != HELIOS_OK);
    CHECK_STR(err.msg, "node 'a': no such column: no_such_col");
    CHECK(schema_error(dbpath, "1) UNION SELECT 1 --", NULL, columns, NCOL, &err) != HELIOS_OK);
    CHECK(schema_error("/nonexistent/x.db", NULL, NULL, columns, NCOL, &err) == HELIOS_IO);
    CHECK(strstr(err.msg, "cannot open database '/nonexistent/x.db'") != NULL);

    /* several candidates */
    sqlite3 *db;
    char *two[] = { "a", "b" };
    unlink(dbpath2);
    sqlite3_open(dbpath2, &db);
    exec(db, "CREATE TABLE t1 (a, b); CREATE TABLE t2 (a, b, c); CREATE TABLE t3 (b)");
    sqlite3_close(db);
    CHECK(schema_error(dbpath2, NULL, NULL, two, 2, &err) != HELIOS_OK);
    CHECK_STR(err.msg, "several tables at node 'a' have all of the columns 'a', 'b': 't1', 't2';"
                       " set the model's source option");
    CHECK_INT(schema_error(dbpath2, NULL, "T2", two, 2, &err), HELIOS_OK);   /* names as SQL: any case */

    /* TRAIN before SETUP */
    HlNode *node = hl_local_node_new(4, "a", dbpath, NULL, &err);
    double p[8] = { 0 };
    HlMsg req = { .type = HL_MSG_TRAIN, .params = p, .nparams = 8 }, resp;
    CHECK_INT(ask(node, &req, &resp, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "node 'a' has no data set up (SETUP first)");
    hl_msg_clear(&resp);
    node->ops->close(node);
}

/* The shell's in-memory database, shared through a URI. */
static void test_shared_memory(void)
{
    sqlite3 *db;
    hl_err err;
    HlNode *node;
    char *cols[] = { "x", "y" };
    HlMsg req = { .type = HL_MSG_SCHEMA, .columns = cols, .ncolumns = 2 }, resp;
    const char *uri = "file:helios-test-mem?mode=memory&cache=shared";
    CHECK_INT(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                              NULL), SQLITE_OK);
    exec(db, "CREATE TABLE m (x REAL, y INTEGER); INSERT INTO m VALUES (1, 0), (2, 1), (3, 1)");
    hl_err_clear(&err);
    node = hl_local_node_new(5, "mem", uri, "x > 1", &err);
    CHECK_INT(ask(node, &req, &resp, &err), HELIOS_OK);
    CHECK_STR(resp.table, "m");
    CHECK_INT(resp.rows, 2);
    hl_msg_clear(&resp);
    node->ops->close(node);
    sqlite3_close(db);
}

/* A node whose filter matches nothing: set up, trained and evaluated
 * without a row, it sends the global parameters back with weight 0. */
static void test_empty_node(void)
{
    static const char *plan = "{\"version\":1,\"target\":\"diagnosis\",\"task\":\"binary\","
                              "\"labels\":[\"B\",\"M\"],\"features\":[\"radius\"],\"text\":[0],"
                              "\"mean\":[14.0],\"sd\":[3.0],\"nvocab\":[0],\"vocab\":[]}";
    hl_err err;
    HlEncoding e;
    HlNode *node;
    HlMsg resp;
    double p[2] = { 0.5, -0.25 };
    char *config;
    hl_err_clear(&err);
    CHECK_INT(hl_enc_parse(plan, &e, &err), HELIOS_OK);
    config = hl_plan_train_config(&e, NULL, &err);
    node = hl_local_node_new(6, "empty", dbpath, "0", &err);
    HlMsg setup = { .type = HL_MSG_SETUP, .encoding = (char *)plan, .seed = 1, .validation_split = 0.5 };
    CHECK_INT(ask(node, &setup, &resp, &err), HELIOS_OK);
    CHECK_INT(resp.rows, 0);
    CHECK_INT(resp.rows_train, 0);
    hl_msg_clear(&resp);
    HlMsg train = { .type = HL_MSG_TRAIN, .train_config = config, .params = p, .nparams = 2, .round = 1 };
    CHECK_INT(ask(node, &train, &resp, &err), HELIOS_OK);
    CHECK_INT(resp.rows_train, 0);
    CHECK(resp.params && resp.params[0] == 0.5 && resp.params[1] == -0.25);
    hl_msg_clear(&resp);
    HlMsg ev = { .type = HL_MSG_EVAL, .train_config = config, .params = p, .nparams = 2, .eval_split = 2 };
    CHECK_INT(ask(node, &ev, &resp, &err), HELIOS_OK);
    CHECK(resp.metrics && resp.metrics[HL_EVAL_N] == 0);
    hl_msg_clear(&resp);
    /* a wrong parameter count is refused */
    train.nparams = 1;
    CHECK_INT(ask(node, &train, &resp, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "node 'empty': 1 parameters sent, the model has 2");
    hl_msg_clear(&resp);
    node->ops->close(node);
    free(config);
    hl_enc_clear(&e);
}

/* Secure aggregation: the coordinator never holds one node's update.  With
 * secure_aggregation in the config a node answers TRAIN without
 * parameters (its rows and losses only); its update leaves it only inside
 * SECAGG messages, masked (tests/unit/test_secagg.c checks the masking;
 * tests/sql/secure.sql the sums).  The same request without it returns
 * the parameters. */
static void test_secure_keeps_update(void)
{
    static const char *plan = "{\"version\":1,\"target\":\"diagnosis\",\"task\":\"binary\","
                              "\"labels\":[\"B\",\"M\"],\"features\":[\"radius\"],\"text\":[0],"
                              "\"mean\":[14.0],\"sd\":[3.0],\"nvocab\":[0],\"vocab\":[]}";
    hl_err err;
    HlEncoding e;
    HlMsg resp;
    double p[2] = { 0.5, -0.25 };
    hl_err_clear(&err);
    CHECK_INT(hl_enc_parse(plan, &e, &err), HELIOS_OK);
    char *plain = hl_plan_train_config(&e, NULL, &err);
    char *secure = hl_plan_train_config(&e, "{\"secure_aggregation\":true}", &err);
    CHECK(plain && secure && strstr(secure, "\"secure_aggregation\":true"));
    HlNode *node = hl_local_node_new(7, "site", dbpath, NULL, &err);
    HlMsg setup = { .type = HL_MSG_SETUP, .encoding = (char *)plan, .seed = 1 };
    CHECK_INT(ask(node, &setup, &resp, &err), HELIOS_OK);
    CHECK(resp.rows_train > 0);
    hl_msg_clear(&resp);
    HlMsg train = { .type = HL_MSG_TRAIN, .train_config = plain, .params = p, .nparams = 2,
                    .round = 1, .weight_scale = 0.01 };
    CHECK_INT(ask(node, &train, &resp, &err), HELIOS_OK);
    CHECK(resp.params != NULL && resp.nparams == 2);
    hl_msg_clear(&resp);
    train.train_config = secure;
    CHECK_INT(ask(node, &train, &resp, &err), HELIOS_OK);
    CHECK(resp.params == NULL && resp.nparams == 0 && resp.blob == NULL);
    CHECK(resp.rows_train > 0);
    hl_msg_clear(&resp);
    node->ops->close(node);
    free(plain);
    free(secure);
    hl_enc_clear(&e);
}

int main(void)
{
    snprintf(dbpath, sizeof dbpath, "/tmp/helios-test-local-%ld.db", (long)getpid());
    snprintf(dbpath2, sizeof dbpath2, "/tmp/helios-test-local2-%ld.db", (long)getpid());
    make_db(dbpath);
    RUN(test_federated_training);
    RUN(test_determinism);
    RUN(test_errors);
    RUN(test_secure_keeps_update);
    RUN(test_shared_memory);
    RUN(test_empty_node);
    unlink(dbpath);
    unlink(dbpath2);
    return unit_report();
}
