/*
 * test_runs.c - training history in the catalog (storage/runs.c,
 * storage/versions.c): the upgrade of a version-1 catalog, runs and their
 * rounds, the parameter BLOB format, versions, tags and rollback,
 * checkpoints, resuming after a crash, and what DROP takes with it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "helios.h"
#include "runs.h"
#include "schema.h"
#include "sqlfn.h"
#include "unit.h"
#include "db_helpers.h"

static void remove_db(void) { db_remove(); }
static void fresh_path(const char *tag) { db_fresh("runs", tag); }

/* Opens path with the catalog and the views; *rc gets hl_cat_open's result. */
static sqlite3 *cat_open(int *rc, hl_err *err)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        fprintf(stderr, "cannot open %s\n", path);
    hl_err_clear(err);
    *rc = hl_cat_open(db, 0, err);
    if (*rc == HELIOS_OK)
        CHECK_INT(hl_sqlfn_register(db), SQLITE_OK);
    return db;
}

static const char *rows(sqlite3 *db, const char *sql) { return db_rows(db, sql); }

static int64_t create(sqlite3 *db, HlCatKind k, int64_t ws, const char *name)
{
    hl_err err;
    int64_t id = 0;
    hl_err_clear(&err);
    int rc = hl_cat_create(db, k, ws, name, NULL, NULL, &id, &err);
    if (rc != HELIOS_OK)
        fprintf(stderr, "create %s: %s\n", name, err.msg);
    CHECK_INT(rc, HELIOS_OK);
    return id;
}

/* A workspace with nodes a (300 rows) and b (100 rows) and model churn. */
typedef struct Fixture {
    sqlite3 *db;
    int64_t ws, a, b, model;
} Fixture;

static Fixture fixture(const char *tag)
{
    Fixture f;
    hl_err err;
    int rc;
    fresh_path(tag);
    f.db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_OK);
    f.ws = create(f.db, HL_CAT_WORKSPACE, 0, "w");
    f.a = create(f.db, HL_CAT_NODE, f.ws, "a");
    f.b = create(f.db, HL_CAT_NODE, f.ws, "b");
    f.model = create(f.db, HL_CAT_MODEL, f.ws, "churn");
    return f;
}

static void fixture_close(Fixture *f)
{
    sqlite3_close(f->db);
    remove_db();
}

/* Values that a careless codec would change: a NaN with a payload, -0.0, a
 * subnormal, the largest double, an odd bit pattern. */
static void tricky(double *v, double base)
{
    uint64_t nan_bits = 0x7ff8000000000123ULL, odd = 0x0123456789abcdefULL;
    memcpy(&v[0], &nan_bits, 8);
    v[1] = -0.0;
    v[2] = 4.9406564584124654e-324;
    v[3] = 1.7976931348623157e308;
    memcpy(&v[4], &odd, 8);
    v[5] = base;
}

static int64_t begin(Fixture *f, int64_t rounds, hl_err *err)
{
    double init[6];
    tricky(init, 0.0);
    HlCatRunStart s = {
        .model_id = f->model, .options = "{\"rounds\":3,\"seed\":42}",
        .plan = "{\"features\":[\"age\"]}", .spec = "{\"kind\":\"logistic\"}",
        .rounds_planned = rounds, .params = init, .nparams = 6,
    };
    int64_t run = 0;
    hl_err_clear(err);
    CHECK_INT(hl_cat_run_begin(f->db, &s, &run, err), HELIOS_OK);
    return run;
}

/* Commits round n of `run`: nodes a and b (b only while n < 3), three
 * phases; loss 1/n; accuracy not measured in round 1. */
static int commit(Fixture *f, int64_t run, int64_t n, const char *node_b_name, hl_err *err)
{
    double params[6], state[2] = {(double)n, -(double)n};
    tricky(params, (double)n);
    HlCatRoundNode nodes[2] = {
        {f->a, "a", 300, 0.9 / (double)n, 0.8 / (double)n, 1.0},
        {f->b, node_b_name, 100, 1.1 / (double)n, 1.0 / (double)n, 2.0},
    };
    HlCatRoundPhase phases[3] = {
        {HL_CAT_PHASE_LOCAL_TRAINING, 2.0, 3.0, 1000000000, 0, 0},
        {HL_CAT_PHASE_DISTRIBUTION, 0.5, 0.5, 1000, 48, 0},
        {HL_CAT_PHASE_AGGREGATION, 0.25, 0.25, 1000, 0, 96},
    };
    char ts[32];
    snprintf(ts, sizeof ts, "2026-03-01 12:00:%02d", (int)n);
    HlCatRound r = {
        .round_number = n, .timestamp = ts, .duration_seconds = 3.0,
        .global_loss = 1.0 / (double)n, .global_accuracy = n == 1 ? NAN : 0.5 + 0.1 * (double)n,
        .learning_rate = 0.1, .node_variance = 0.01, .privacy_epsilon = 0.0,
        .dropped_nodes = n < 3 ? 0 : 1, .communication_bytes = 144,
        .nodes = nodes, .nnodes = n < 3 ? 2 : 1, .phases = phases, .nphases = 3,
        .params = params, .nparams = 6, .state = state, .nstate = 2,
    };
    hl_err_clear(err);
    return hl_cat_round_commit(f->db, run, &r, err);
}

/* ---- migration --------------------------------------------------------------- */

/* Writes a catalog as a version-1 build of helios left it: the version-1
 * schema (storage/schema.sql, migration 1, never edited) and some objects. */
static void write_v1_catalog(const char *extra_sql)
{
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, hl_schema_sql, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
        "INSERT INTO hl_workspace(id, name) VALUES (1, 'w');"
        "INSERT INTO hl_node(id, ws_id, name) VALUES (1, 1, 'a');"
        "INSERT INTO hl_model(id, ws_id, name, status) VALUES (1, 1, 'churn', 'trained');"
        "INSERT INTO hl_model_version(model_id, version, tag, rounds, params, metrics) "
        "VALUES (1, 1, 'old', 5, x'000000000000F03F', '{\"loss\":0.5}');"
        "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
    if (extra_sql)
        CHECK_INT(sqlite3_exec(db, extra_sql, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Every table's and index's SQL, for comparing two catalogs' schemas. */
static char *schema_of(sqlite3 *db)
{
    const char *s = rows(db, "SELECT type, name, sql FROM sqlite_master "
                             "WHERE name LIKE 'hl_%' ORDER BY type, name");
    return strdup(s);
}

/* Protects the upgrade of a version-1 catalog in place: its objects and
 * versions survive, the new tables and columns appear, and the result has
 * the same schema as a catalog created by this build. */
static void test_migrate_v1(void)
{
    hl_err err;
    int rc;
    fresh_path("fresh");
    sqlite3 *db = cat_open(&rc, &err);
    char *want = schema_of(db);
    CHECK(strstr(want, "CREATE TABLE hl_round_phase") != NULL);
    sqlite3_close(db);
    remove_db();

    fresh_path("v1");
    write_v1_catalog(NULL);
    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_OK);
    CHECK_STR(rows(db, "PRAGMA user_version"), "5\n");
    char *got = schema_of(db);
    CHECK_STR(got, want);
    free(got);
    CHECK_STR(rows(db, "SELECT w.name, n.name, m.name, m.status FROM hl_workspace w, hl_node n, "
                       "hl_model m"), "w|a|churn|trained\n");
    CHECK_STR(rows(db, "PRAGMA foreign_key_check"), "");
    /* The old version reads back, without the columns it never had. */
    HlCatVersion v = {0};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_get(db, 1, 0, "OLD", &v, &err), HELIOS_OK);
    CHECK_INT(v.version, 1);
    CHECK_INT(v.rounds, 5);
    CHECK_INT(v.is_current, 1);
    CHECK_INT(v.run_id, 0);
    CHECK(v.plan == NULL && v.spec == NULL);
    CHECK_INT(v.nparams, 1);
    CHECK(v.params && v.params[0] == 1.0);
    CHECK_STR(v.metrics, "{\"loss\":0.5}");
    hl_cat_version_clear(&v);
    CHECK_STR(rows(db, "SELECT model_name, version, tag, global_loss, is_current "
                       "FROM federated_model_versions('churn')"), "churn|1|old|0.5|1\n");
    CHECK_STR(rows(db, "SELECT count(*) FROM federated_training_status('churn')"), "0\n");
    /* Opening again changes nothing. */
    hl_err_clear(&err);
    CHECK_INT(hl_cat_open(db, 0, &err), HELIOS_OK);
    sqlite3_close(db);
    remove_db();
    free(want);

    /* An upgrade that fails leaves the catalog at version 1, whole. */
    fresh_path("v1clash");
    write_v1_catalog("CREATE TABLE hl_checkpoint(x)");
    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_ERROR);
    CHECK_STR(err.msg, "cannot upgrade the catalog to schema version 2: "
                       "table hl_checkpoint already exists");
    CHECK_STR(rows(db, "PRAGMA user_version"), "1\n");
    CHECK_STR(rows(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('hl_run', 'hl_round')"),
              "0\n");
    CHECK_STR(rows(db, "SELECT count(*) FROM pragma_table_info('hl_model_version') "
                       "WHERE name = 'run_id'"), "0\n");
    sqlite3_close(db);
    remove_db();
}

/* ---- runs and rounds ---------------------------------------------------------- */

/* Protects a run of three committed rounds: what is stored, what reads
 * back, the errors that refuse a bad round without changing anything. */
static void test_run_rounds(void)
{
    Fixture f = fixture("rounds");
    hl_err err;
    int64_t run = begin(&f, 3, &err);
    CHECK_INT(run, 1);
    CHECK_STR(rows(f.db, "SELECT status FROM hl_model"), "training\n");

    /* One running run a model. */
    HlCatRunStart again = {.model_id = f.model, .rounds_planned = 3};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_begin(f.db, &again, NULL, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "federated model 'churn' is already training (run 1, round 0 of 3)");
    HlCatRunStart bad = {.model_id = f.model, .options = "[1,2]"};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_begin(f.db, &bad, NULL, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "the run's options must be a JSON object; found: [1,2]");
    HlCatRunStart nomodel = {.model_id = 99};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_begin(f.db, &nomodel, NULL, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model with id 99 does not exist");

    CHECK_INT(commit(&f, run, 1, "b", &err), HELIOS_OK);
    /* Out of order, and a node listed twice: refused, nothing written. */
    CHECK_INT(commit(&f, run, 3, "b", &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "run 1 of federated model 'churn': round 3 is out of order; "
                       "the next round is 2");
    CHECK_INT(commit(&f, run, 2, "A", &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "round 2 of federated model 'churn': node 'A' is listed twice");
    CHECK_STR(rows(f.db, "SELECT (SELECT count(*) FROM hl_round), (SELECT count(*) FROM "
                         "hl_round_node), (SELECT count(*) FROM hl_round_phase), rounds_done "
                         "FROM hl_run"), "1|2|3|1\n");
    CHECK_INT(commit(&f, run, 2, "b", &err), HELIOS_OK);
    CHECK_INT(commit(&f, run, 3, "b", &err), HELIOS_OK);

    /* loss_delta = 1/n - 1/(n-1); accuracy NULL when not evaluated. */
    CHECK_STR(rows(f.db, "SELECT round_number, global_loss, global_accuracy, loss_delta, "
                         "participating_nodes, dropped_nodes, timestamp "
                         "FROM hl_round ORDER BY round_number"),
              "1|1.0|NULL|NULL|2|0|2026-03-01 12:00:01\n"
              "2|0.5|0.7|-0.5|2|0|2026-03-01 12:00:02\n"
              "3|0.333333333333333|0.8|-0.166666666666667|1|1|2026-03-01 12:00:03\n");
    CHECK_STR(rows(f.db, "SELECT round_number, loss_delta FROM "
                         "federated_convergence_diagnostics('churn') WHERE round_number = 2"),
              "2|-0.5\n");
    CHECK_STR(rows(f.db, "SELECT group_concat(phase) FROM (SELECT phase FROM "
                         "federated_performance_metrics WHERE round_number = 3)"),
              "distribution,local_training,aggregation\n");

    /* The run reads back bit for bit. */
    HlCatRun r = {0};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_latest(f.db, f.model, &r, &err), HELIOS_OK);
    CHECK_INT(r.id, run);
    CHECK_INT(r.status, HL_RUN_RUNNING);
    CHECK_INT(r.rounds_done, 3);
    CHECK_INT(r.rounds_planned, 3);
    CHECK_STR(r.options, "{\"rounds\":3,\"seed\":42}");
    CHECK_STR(r.plan, "{\"features\":[\"age\"]}");
    CHECK_STR(r.spec, "{\"kind\":\"logistic\"}");
    CHECK_STR(r.updated_at, "2026-03-01 12:00:03");
    CHECK(r.finished_at == NULL && r.error == NULL);
    double want[6], want_state[2] = {3.0, -3.0};
    tricky(want, 3.0);
    CHECK_INT(r.nparams, 6);
    CHECK(r.params && memcmp(r.params, want, sizeof want) == 0);
    CHECK_INT(r.nstate, 2);
    CHECK(r.state && memcmp(r.state, want_state, sizeof want_state) == 0);
    CHECK(signbit(r.params[1]) && r.params[1] == 0.0);
    hl_cat_run_clear(&r);
    hl_cat_run_clear(NULL);

    /* The BLOB format: little-endian binary64, 8 bytes a value, whatever
     * the machine (3.0 is 0x4008000000000000; -0.0 is 0x8000000000000000). */
    CHECK_STR(rows(f.db, "SELECT length(params), hex(substr(params, 41, 8)), "
                         "hex(substr(params, 9, 8)), hex(substr(params, 1, 8)) FROM hl_run"),
              "48|0000000000000840|0000000000000080|230100000000F87F\n");
    fixture_close(&f);
}

/* Protects finishing: success makes version 1 current and marks the model
 * trained; failure makes no version; a finished run takes no more rounds. */
static void test_finish(void)
{
    Fixture f = fixture("finish");
    hl_err err;
    int64_t run = begin(&f, 2, &err), version = -1;
    CHECK_INT(commit(&f, run, 1, "b", &err), HELIOS_OK);
    CHECK_INT(commit(&f, run, 2, "b", &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_finish(f.db, run, HL_RUN_RUNNING, NULL, NULL, &version, &err),
              HELIOS_MISUSE);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_finish(f.db, run, HL_RUN_CONVERGED, NULL,
                                "{\"loss\":0.5,\"accuracy\":0.7}", &version, &err), HELIOS_OK);
    CHECK_INT(version, 1);
    CHECK_STR(rows(f.db, "SELECT status, current_version FROM hl_model"), "trained|1\n");
    CHECK_STR(rows(f.db, "SELECT status, finished_at IS NOT NULL, error FROM hl_run"),
              "converged|1|NULL\n");
    CHECK_STR(rows(f.db, "SELECT model_name, version, tag, rounds, global_loss, global_accuracy, "
                         "is_current FROM federated_model_versions('churn')"),
              "churn|1|NULL|2|0.5|0.7|1\n");
    CHECK_STR(rows(f.db, "SELECT DISTINCT status FROM federated_training_status('churn')"),
              "converged\n");

    HlCatVersion v = {0};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_get(f.db, f.model, 0, NULL, &v, &err), HELIOS_OK);
    double want[6];
    tricky(want, 2.0);
    CHECK_INT(v.version, 1);
    CHECK_INT(v.run_id, run);
    CHECK_INT(v.is_current, 1);
    CHECK_STR(v.plan, "{\"features\":[\"age\"]}");
    CHECK_STR(v.spec, "{\"kind\":\"logistic\"}");
    CHECK_INT(v.nparams, 6);
    CHECK(v.params && memcmp(v.params, want, sizeof want) == 0);
    hl_cat_version_clear(&v);

    CHECK_INT(commit(&f, run, 3, "b", &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "run 1 of federated model 'churn' is not running (it ended 'converged')");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_finish(f.db, run, HL_RUN_COMPLETED, NULL, NULL, NULL, &err),
              HELIOS_ERROR);
    CHECK_STR(err.msg, "run 1 of federated model 'churn' is not running (it ended 'converged')");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_resume(f.db, run, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "run 1 of federated model 'churn' has converged; start a new training "
                       "instead");

    /* A failed run: no version, the error kept, the model still trained. */
    int64_t run2 = begin(&f, 5, &err);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_finish(f.db, run2, HL_RUN_FAILED, "only 1 of 2 nodes answered", NULL,
                                &version, &err), HELIOS_OK);
    CHECK_INT(version, 0);
    CHECK_STR(rows(f.db, "SELECT status, error FROM hl_run WHERE id = 2"),
              "failed|only 1 of 2 nodes answered\n");
    CHECK_STR(rows(f.db, "SELECT status, current_version FROM hl_model"), "trained|1\n");
    CHECK_STR(rows(f.db, "SELECT count(*) FROM hl_model_version"), "1\n");
    /* The views show the latest run: it has no rounds. */
    CHECK_STR(rows(f.db, "SELECT count(*) FROM federated_training_metrics('churn')"), "0\n");
    /* Success without parameters is refused. */
    HlCatRunStart empty = {.model_id = f.model, .rounds_planned = 1};
    int64_t run3 = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_begin(f.db, &empty, &run3, &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_finish(f.db, run3, HL_RUN_COMPLETED, NULL, NULL, &version, &err),
              HELIOS_ERROR);
    CHECK_STR(err.msg, "run 3 of federated model 'churn' has no parameters to make a version of");
    CHECK_STR(rows(f.db, "SELECT status FROM hl_run WHERE id = 3"), "running\n");

    HlCatRun r = {0};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_get(f.db, 42, &r, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "training run 42 does not exist");
    int64_t other = create(f.db, HL_CAT_MODEL, f.ws, "untrained");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_latest(f.db, other, &r, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model 'untrained' has not been trained yet");
    fixture_close(&f);
}

/* Protects resuming after kill -9: the committed rounds are in the file;
 * the stale run is marked interrupted, resumes, and goes on from its last
 * committed round. */
static void test_interrupt_resume(void)
{
    Fixture f = fixture("resume");
    hl_err err;
    int64_t run = begin(&f, 3, &err), n = -1;
    CHECK_INT(commit(&f, run, 1, "b", &err), HELIOS_OK);
    sqlite3_close(f.db);        /* as if the process died: nothing more was written */

    int rc;
    f.db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_OK);
    /* Its owner is this process, which is alive: the run is left alone. */
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_interrupt_all(f.db, 0, &n, &err), HELIOS_OK);
    CHECK_INT(n, 0);
    /* An owner that is gone (no pid recorded counts as gone): interrupted. */
    hl_cat_protect(f.db, 0);
    CHECK_INT(sqlite3_exec(f.db, "UPDATE hl_run SET owner_pid = NULL", NULL, NULL, NULL), SQLITE_OK);
    hl_cat_protect(f.db, 1);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_interrupt_all(f.db, 0, &n, &err), HELIOS_OK);
    CHECK_INT(n, 1);
    CHECK_STR(rows(f.db, "SELECT r.status, r.rounds_done, m.status FROM hl_run r, hl_model m"),
              "interrupted|1|defined\n");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_resume(f.db, run, &err), HELIOS_OK);
    CHECK_STR(rows(f.db, "SELECT r.status, r.finished_at, m.status FROM hl_run r, hl_model m"),
              "running|NULL|training\n");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_resume(f.db, run, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "run 1 of federated model 'churn' is running already");
    HlCatRun r = {0};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_get(f.db, run, &r, &err), HELIOS_OK);
    CHECK_INT(r.rounds_done, 1);
    double want[6];
    tricky(want, 1.0);
    CHECK(r.params && memcmp(r.params, want, sizeof want) == 0);
    hl_cat_run_clear(&r);
    CHECK_INT(commit(&f, run, 2, "b", &err), HELIOS_OK);
    CHECK_STR(rows(f.db, "SELECT group_concat(round_number) FROM hl_round"), "1,2\n");

    /* The persist phase, measured after the commit. */
    HlCatRoundPhase persist = {HL_CAT_PHASE_PERSIST, 0.125, 0.0625, 0, 0, 0};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_round_phase_set(f.db, run, 2, &persist, &err), HELIOS_OK);
    CHECK_STR(rows(f.db, "SELECT phase, duration_seconds, cpu_usage_percent FROM "
                         "federated_performance_metrics WHERE round_number = 2 "
                         "AND phase = 'persist'"), "persist|0.125|50.0\n");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_round_phase_set(f.db, run, 9, &persist, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "run 1 has no committed round 9");

    /* A stopped run resumes too. */
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_finish(f.db, run, HL_RUN_STOPPED, NULL, NULL, NULL, &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_resume(f.db, run, &err), HELIOS_OK);
    CHECK_INT(commit(&f, run, 3, "b", &err), HELIOS_OK);
    fixture_close(&f);
}

/* Protects the savepoint promise: inside the caller's statement
 * transaction a committed round is undone by the caller's rollback. */
static void test_caller_transaction(void)
{
    Fixture f = fixture("txn");
    hl_err err;
    int64_t run = begin(&f, 3, &err);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_begin(f.db, &err), HELIOS_OK);
    CHECK_INT(commit(&f, run, 1, "b", &err), HELIOS_OK);
    CHECK_STR(rows(f.db, "SELECT rounds_done FROM hl_run"), "1\n");
    hl_cat_rollback(f.db);
    CHECK_STR(rows(f.db, "SELECT rounds_done, (SELECT count(*) FROM hl_round) FROM hl_run"),
              "0|0\n");
    /* And plain SQL is still kept out of the tables the accessors wrote. */
    CHECK_INT(sqlite3_exec(f.db, "DELETE FROM hl_run", NULL, NULL, NULL), SQLITE_AUTH);
    fixture_close(&f);
}

/* ---- versions --------------------------------------------------------------- */

/* Runs a whole training of `rounds` rounds; returns the version made. */
static int64_t train(Fixture *f, int64_t rounds, const char *metrics)
{
    hl_err err;
    int64_t run = begin(f, rounds, &err), version = 0;
    for (int64_t n = 1; n <= rounds; n++)
        CHECK_INT(commit(f, run, n, "b", &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_run_finish(f->db, run, HL_RUN_COMPLETED, NULL, metrics, &version, &err),
              HELIOS_OK);
    return version;
}

/* Protects tags (unique within a model, errors that name the holder) and
 * rollback (errors that name the model and the version asked for). */
static void test_tag_rollback(void)
{
    Fixture f = fixture("tags");
    hl_err err;
    HlCatVersion v = {0};
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_get(f.db, f.model, 0, NULL, &v, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model 'churn' has no trained version yet");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_tag(f.db, f.model, 0, "v1", &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model 'churn' has no trained version yet");

    CHECK_INT(train(&f, 1, "{\"loss\":0.9}"), 1);
    CHECK_INT(train(&f, 2, "{\"loss\":0.4}"), 2);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_tag(f.db, f.model, 1, "v1.0_production", &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_tag(f.db, f.model, 0, "v1.1_candidate", &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_tag(f.db, f.model, 0, "V1.1_CANDIDATE", &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_tag(f.db, f.model, 2, "v1.0_production", &err), HELIOS_EXISTS);
    CHECK_STR(err.msg, "tag 'v1.0_production' already names version 1 of federated model 'churn'");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_tag(f.db, f.model, 2, "v2", &err), HELIOS_EXISTS);
    CHECK_STR(err.msg, "version 2 of federated model 'churn' is already tagged 'v1.1_candidate'");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_tag(f.db, f.model, 2, "  ", &err), HELIOS_MISUSE);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_tag(f.db, f.model, 5, "v5", &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model 'churn' has no version 5 (its versions are 1 to 2)");
    CHECK_STR(rows(f.db, "SELECT version, tag, global_loss, is_current "
                         "FROM federated_model_versions('churn')"),
              "1|v1.0_production|0.9|0\n2|v1.1_candidate|0.4|1\n");

    int64_t number = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_rollback(f.db, f.model, 0, "V1.0_Production", &number, &err),
              HELIOS_OK);
    CHECK_INT(number, 1);
    CHECK_STR(rows(f.db, "SELECT version, is_current FROM federated_model_versions('churn')"),
              "1|1\n2|0\n");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_get(f.db, f.model, 0, NULL, &v, &err), HELIOS_OK);
    CHECK_INT(v.version, 1);
    CHECK_STR(v.tag, "v1.0_production");
    double want[6];
    tricky(want, 1.0);
    CHECK(v.params && memcmp(v.params, want, sizeof want) == 0);
    hl_cat_version_clear(&v);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_rollback(f.db, f.model, 0, "v9", &number, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model 'churn' has no version 'v9' (its versions are 1 to 2)");
    CHECK_INT(number, 0);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_version_rollback(f.db, f.model, 7, NULL, NULL, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model 'churn' has no version 7 (its versions are 1 to 2)");
    CHECK_STR(rows(f.db, "SELECT current_version FROM hl_model"), "1\n");

    /* A new training becomes current again. */
    CHECK_INT(train(&f, 1, NULL), 3);
    CHECK_STR(rows(f.db, "SELECT group_concat(is_current) FROM federated_model_versions('churn')"),
              "0,0,1\n");
    fixture_close(&f);
}

/* ---- checkpoints and drops --------------------------------------------------- */

static void test_checkpoints(void)
{
    Fixture f = fixture("ckpt");
    hl_err err;
    int64_t run = begin(&f, 3, &err), id1 = 0, id2 = 0, id3 = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_checkpoint_add(f.db, f.model, run, "/tmp/c1.hlck", 1, 4096, "sha256:aa",
                                    &id1, &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_checkpoint_add(f.db, f.model, 0, "/tmp/c2.hlck", 2, 8192, "sha256:bb",
                                    &id2, &err), HELIOS_OK);
    /* The same path again replaces its row. */
    hl_err_clear(&err);
    CHECK_INT(hl_cat_checkpoint_add(f.db, f.model, run, "/tmp/c1.hlck", 3, 5000, "sha256:cc",
                                    &id3, &err), HELIOS_OK);
    CHECK_INT(id3, id1);
    HlCatCheckpoint *c = NULL;
    int n = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_checkpoint_list(f.db, f.model, &c, &n, &err), HELIOS_OK);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(c[0].id, id1);
        CHECK_STR(c[0].path, "/tmp/c1.hlck");
        CHECK_INT(c[0].round_number, 3);
        CHECK_INT(c[0].size_bytes, 5000);
        CHECK_STR(c[0].checksum, "sha256:cc");
        CHECK_INT(c[0].run_id, run);
        CHECK_INT(c[1].run_id, 0);
    }
    hl_cat_checkpoints_free(c, n);
    hl_cat_checkpoints_free(NULL, 0);
    CHECK_STR(rows(f.db, "SELECT path, round_number, size_bytes, checksum "
                         "FROM federated_checkpoints('churn') ORDER BY path"),
              "/tmp/c1.hlck|3|5000|sha256:cc\n/tmp/c2.hlck|2|8192|sha256:bb\n");

    int64_t other = create(f.db, HL_CAT_MODEL, f.ws, "other");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_checkpoint_add(f.db, other, run, "/tmp/x", 1, 1, "s", NULL, &err),
              HELIOS_MISUSE);
    CHECK_STR(err.msg, "training run 1 is not a run of federated model 'other'");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_checkpoint_add(f.db, other, 0, "", 1, 1, "s", NULL, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "a checkpoint needs a path");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_checkpoint_list(f.db, other, &c, &n, &err), HELIOS_OK);
    CHECK_INT(n, 0);
    CHECK(c == NULL);
    fixture_close(&f);
}

/* Protects DROP FEDERATED MODEL: the runs, rounds (with their nodes and
 * phases), versions and checkpoint rows go with it; a dropped node leaves
 * its rounds, under its name. */
static void test_drop_cascades(void)
{
    Fixture f = fixture("drop");
    hl_err err;
    train(&f, 2, NULL);
    int64_t run = begin(&f, 3, &err);
    CHECK_INT(commit(&f, run, 1, "b", &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_checkpoint_add(f.db, f.model, run, "/tmp/c", 1, 1, "s", NULL, &err),
              HELIOS_OK);
    static const char counts[] =
        "SELECT (SELECT count(*) FROM hl_run), (SELECT count(*) FROM hl_round), "
        "(SELECT count(*) FROM hl_round_node), (SELECT count(*) FROM hl_round_phase), "
        "(SELECT count(*) FROM hl_model_version), (SELECT count(*) FROM hl_checkpoint)";
    CHECK_STR(rows(f.db, counts), "2|3|6|9|1|1\n");

    hl_err_clear(&err);
    CHECK_INT(hl_cat_drop(f.db, HL_CAT_NODE, f.b, 0, &err), HELIOS_OK);
    CHECK_STR(rows(f.db, "SELECT count(*), count(node_id) FROM hl_round_node WHERE node_name = 'b'"),
              "3|0\n");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_drop(f.db, HL_CAT_MODEL, f.model, 0, &err), HELIOS_OK);
    CHECK_STR(rows(f.db, counts), "0|0|0|0|0|0\n");
    CHECK_STR(rows(f.db, "SELECT node_name, rounds_participated FROM federated_node_status"),
              "a|0\n");
    fixture_close(&f);
}

int main(void)
{
    RUN(test_migrate_v1);
    RUN(test_run_rounds);
    RUN(test_finish);
    RUN(test_interrupt_resume);
    RUN(test_caller_transaction);
    RUN(test_tag_rollback);
    RUN(test_checkpoints);
    RUN(test_drop_cascades);
    return unit_report();
}
