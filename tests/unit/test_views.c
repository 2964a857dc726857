/*
 * test_views.c - the federated views and functions on a connection
 * (storage/views.c, src/sqlfn/vtab.c, src/sqlfn/functions.c): the rows of
 * each view that has rows now, computed by hand from a small catalog and a
 * small training history; the argument errors; the messages of the views
 * and functions that wait for a later capability.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "helios.h"
#include "options.h"
#include "sqlfn.h"
#include "unit.h"
#include "db_helpers.h"
#include "views.h"

static sqlite3 *db;

static const char *rows(const char *sql) { return db_rows(db, sql); }

static int64_t create(HlCatKind k, int64_t ws, const char *name, const char *opts, const char *extra)
{
    hl_err err;
    int64_t id = 0;
    hl_err_clear(&err);
    int rc = hl_cat_create(db, k, ws, name, opts, extra, &id, &err);
    if (rc != HELIOS_OK)
        fprintf(stderr, "create %s: %s\n", name, err.msg);
    CHECK_INT(rc, HELIOS_OK);
    return id;
}

static void audit(const char *action, HlCatKind k, const char *name, const char *ws)
{
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_audit(db, action, k, name, ws, NULL, &err), HELIOS_OK);
}

/* Two workspaces, three nodes, one model, one alert. */
static void setup(void)
{
    hl_err err;
    snprintf(path, sizeof path, "/tmp/hl_test_views_%d.db", (int)getpid());
    unlink(path);
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_open(db, 0, &err), HELIOS_OK);
    CHECK_INT(hl_sqlfn_register(db), SQLITE_OK);

    int64_t ml = create(HL_CAT_WORKSPACE, 0, "ml_consortium",
                        "{\"privacy_budget\":0.5,\"compliance_mode\":\"GDPR\",\"min_nodes\":3,"
                        "\"max_nodes\":10,\"privacy_per_round\":0.01}", NULL);
    int64_t other = create(HL_CAT_WORKSPACE, 0, "other",
                           "{\"privacy_budget\":2.0,\"min_nodes\":1,\"max_nodes\":5,"
                           "\"compliance_mode\":\"HIPAA\"}", NULL);
    create(HL_CAT_NODE, ml, "node_1",
           "{\"endpoint\":\"https://node1.example.com:8443\",\"dataset_size\":1000}", NULL);
    create(HL_CAT_NODE, ml, "node_2",
           "{\"endpoint\":\"https://node2.example.com:8443\",\"data_residency\":\"EU\"}", NULL);
    create(HL_CAT_NODE, other, "site_a", "{\"endpoint\":\"local\"}", NULL);
    create(HL_CAT_MODEL, ml, "customer_churn",
           "{\"algorithm\":\"random_forest\",\"features\":[\"tenure_months\",\"monthly_charges\"],"
           "\"target\":\"churned\",\"rounds\":30}", NULL);
    create(HL_CAT_ALERT, ml, "privacy_budget_low", NULL,
           "{\"metric\":\"remaining_epsilon\",\"cmp\":\"<\",\"threshold\":0.1,"
           "\"notify\":\"privacy-team@example.com\"}");
    audit("CREATE FEDERATED WORKSPACE", HL_CAT_WORKSPACE, "ml_consortium", NULL);
    audit("REGISTER FEDERATED NODE", HL_CAT_NODE, "node_1", "ml_consortium");
}

static void teardown(void)
{
    sqlite3_close(db);
    db = NULL;
    char p[96];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static void test_workspace_status(void)
{
    CHECK_STR(rows("SELECT workspace_name, status, min_nodes_required, max_nodes, registered_nodes, "
                   "active_nodes, models, compliance_mode, privacy_budget, length(created_at) "
                   "FROM federated_workspace_status"),
              "ml_consortium|active|3|10|2|0|1|GDPR|0.5|19\n"
              "other|active|1|5|1|0|0|HIPAA|2.0|19\n");
    /* The guide's query; names compare without regard to case. */
    CHECK_STR(rows("SELECT workspace_name, min_nodes_required, registered_nodes, active_nodes "
                   "FROM federated_workspace_status WHERE workspace_name = 'ML_Consortium'"),
              "ml_consortium|3|2|0\n");
}

static void test_node_views(void)
{
    CHECK_STR(rows("SELECT count(*), count(DISTINCT registered_at) >= 1 FROM federated_node_status"),
              "3|1\n");
    CHECK_STR(rows("SELECT workspace, node_name, status, last_seen, rounds_participated, "
                   "avg_round_time_seconds, dataset_size, contribution_score, endpoint, "
                   "data_residency FROM federated_node_status WHERE workspace = 'ml_consortium' "
                   "ORDER BY node_name"),
              "ml_consortium|node_1|registered|NULL|0|NULL|1000|NULL|https://node1.example.com:8443|NULL\n"
              "ml_consortium|node_2|registered|NULL|0|NULL|NULL|NULL|https://node2.example.com:8443|EU\n");
    CHECK_STR(rows("SELECT node_name, last_heartbeat, connection_status, failure_reason "
                   "FROM federated_node_diagnostics WHERE workspace = 'ml_consortium' "
                   "AND connection_status != 'connected'"),
              "node_1|NULL|never_connected|NULL\n"
              "node_2|NULL|never_connected|NULL\n");
}

static void test_model_views(void)
{
    CHECK_STR(rows("SELECT model_name, workspace, algorithm, status, rounds, target, features "
                   "FROM federated_models"),
              "customer_churn|ml_consortium|random_forest|defined|30|churned|"
              "[\"tenure_months\",\"monthly_charges\"]\n");
    CHECK_STR(rows("SELECT * FROM federated_model_versions('customer_churn')"), "");

    /* A version, as training will write it. */
    hl_cat_protect(db, 0);
    CHECK_INT(sqlite3_exec(db, "INSERT INTO hl_model_version(model_id, version, tag, rounds, metrics) "
                               "SELECT id, 1, 'v1.0_production', 30, '{\"loss\":0.25,\"accuracy\":0.9}' "
                               "FROM hl_model; "
                               "INSERT INTO hl_model_version(model_id, version, rounds) "
                               "SELECT id, 2, 12 FROM hl_model", NULL, NULL, NULL), SQLITE_OK);
    hl_cat_protect(db, 1);
    CHECK_STR(rows("SELECT model_name, version, tag, rounds, global_loss, global_accuracy, is_current "
                   "FROM federated_model_versions('CUSTOMER_CHURN')"),
              "customer_churn|1|v1.0_production|30|0.25|0.9|0\n"
              "customer_churn|2|NULL|12|NULL|NULL|1\n");
    /* The same through the hidden column, and fed by a join. */
    CHECK_STR(rows("SELECT count(*) FROM federated_model_versions WHERE model = 'customer_churn'"),
              "2\n");
    CHECK_STR(rows("SELECT m.name, v.version FROM hl_model m, federated_model_versions(m.name) v "
                   "ORDER BY v.version"),
              "customer_churn|1\ncustomer_churn|2\n");

    /* DESCRIBE: one row per option of the model table. */
    int n = 0;
    hl_opt_table(HL_OBJ_MODEL, &n);
    char want[32];
    snprintf(want, sizeof want, "%d\n", n);
    CHECK_STR(rows("SELECT count(*) FROM federated_model_options('customer_churn')"), want);
    CHECK_STR(rows("SELECT option, value, source FROM federated_model_options('customer_churn') "
                   "WHERE option IN ('rounds', 'algorithm', 'target') ORDER BY option"),
              "algorithm|random_forest|set\nrounds|30|set\ntarget|churned|set\n");
    /* An option left to its default shows the default. */
    const HlOptDef *t = hl_opt_table(HL_OBJ_MODEL, &n);
    for (int i = 0; i < n; i++) {
        if (!t[i].def || strcmp(t[i].name, "rounds") == 0 || strcmp(t[i].name, "algorithm") == 0)
            continue;
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT value IS default_value, source FROM "
                 "federated_model_options('customer_churn') WHERE option = '%s'", t[i].name);
        CHECK_STR(rows(sql), "1|default\n");
        break;
    }
}

/*
 * A training history as storage/runs.c writes it, row by row: run 1 of
 * customer_churn (stopped after one round) and run 2 (completed, three
 * rounds), nodes node_1 (300 rows) and node_2 (100 rows, dropped in
 * round 3), the phases of run 2's round 1, two checkpoints.  Model 'fresh'
 * has no history.
 */
static void add_history(void)
{
    static const char history[] =
        "INSERT INTO hl_run(id, model_id, status, rounds_planned, rounds_done) "
        "SELECT 1, id, 'stopped', 3, 1 FROM hl_model WHERE name = 'customer_churn';"
        "INSERT INTO hl_run(id, model_id, status, rounds_planned, rounds_done) "
        "SELECT 2, id, 'completed', 3, 3 FROM hl_model WHERE name = 'customer_churn';"
        "INSERT INTO hl_round(id, run_id, model_id, round_number, timestamp, duration_seconds, "
        "global_loss, global_accuracy, participating_nodes, dropped_nodes, communication_bytes, "
        "learning_rate, loss_delta, node_variance, privacy_consumed_epsilon) "
        "SELECT v.column1, v.column2, m.id, v.column3, v.column4, v.column5, v.column6, "
        "v.column7, v.column8, v.column9, v.column10, v.column11, v.column12, v.column13, 0 "
        "FROM hl_model m, (VALUES "
        "(1, 1, 1, '2025-12-31 09:00:00', 9.0, 0.9, NULL, 1, 0, 100, 0.1, NULL, 0.0), "
        "(2, 2, 1, '2026-01-01 10:00:00', 2.0, 0.6, NULL, 2, 0, 2000000, 0.1, NULL, 0.01), "
        "(3, 2, 2, '2026-01-01 10:00:02', 1.5, 0.45, 0.8, 2, 1, 3000000, 0.1, -0.15, 0.0025), "
        "(4, 2, 3, '2026-01-01 10:00:04', 1.0, 0.4, 0.85, 1, 1, 1500000, 0.05, -0.05, 0.0)) v "
        "WHERE m.name = 'customer_churn';"
        "INSERT INTO hl_round_node(round_id, node_id, node_name, rows, loss_before, loss_after, "
        "duration_seconds) SELECT v.column1, n.id, n.name, v.column3, NULL, NULL, v.column4 "
        "FROM hl_node n, (VALUES (1, 'node_1', 300, 2.0), (2, 'node_1', 300, 1.0), "
        "(2, 'node_2', 100, 2.0), (3, 'node_1', 300, 0.5), (3, 'node_2', 100, 1.5), "
        "(4, 'node_1', 300, 1.0)) v WHERE n.name = v.column2;"
        /* Out of pipeline order: the view sorts them. */
        "INSERT INTO hl_round_phase(round_id, phase, duration_seconds, cpu_seconds, memory_bytes, "
        "bytes_sent, bytes_received) VALUES "
        "(2, 'aggregation', 0.0, 0.0, 0, 0, 1000000), "
        "(2, 'distribution', 0.5, 0.25, 1500000000, 1000000, 0), "
        "(2, 'local_training', 1.0, 4.0, 500000000, 0, 0), "
        "(1, 'local_training', 9.0, 9.0, 1, 1, 1);"
        "INSERT INTO hl_checkpoint(model_id, run_id, path, round_number, created_at, size_bytes, "
        "checksum) SELECT id, 2, v.column1, v.column2, v.column3, v.column4, v.column5 "
        "FROM hl_model, (VALUES ('/tmp/b.ckpt', 3, '2026-01-01 10:00:05', 8192, 'sha256:cd'), "
        "('/tmp/a.ckpt', 2, '2026-01-01 10:00:03', 4096, 'sha256:ab')) v "
        "WHERE name = 'customer_churn';";
    hl_cat_protect(db, 0);
    char *msg = NULL;
    int rc = sqlite3_exec(db, history, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "history: %s\n", msg);
    sqlite3_free(msg);
    CHECK_INT(rc, SQLITE_OK);
    hl_cat_protect(db, 1);
}

/* Protects the training views: the latest run only, the guide's columns,
 * units (MB = 10^6 bytes, GB = 10^9), phases in pipeline order, no rows and
 * no error for a model without history. */
static void test_training_views(void)
{
    HlCatObj w = {0};
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_get(db, HL_CAT_WORKSPACE, 0, "ml_consortium", &w, &err), HELIOS_OK);
    create(HL_CAT_MODEL, w.id, "fresh", NULL, NULL);
    hl_cat_obj_clear(&w);
    add_history();

    CHECK_STR(rows("SELECT * FROM federated_training_status('customer_churn')"),
              "customer_churn|1|completed|0.6|NULL|2|2.0|2026-01-01 10:00:00\n"
              "customer_churn|2|completed|0.45|0.8|2|1.5|2026-01-01 10:00:02\n"
              "customer_churn|3|completed|0.4|0.85|1|1.0|2026-01-01 10:00:04\n");
    /* The guide's query. */
    CHECK_STR(rows("SELECT round_number, global_loss, global_accuracy, participating_nodes, "
                   "round_duration_seconds FROM federated_training_status('customer_churn') "
                   "ORDER BY round_number DESC LIMIT 2"),
              "3|0.4|0.85|1|1.0\n2|0.45|0.8|2|1.5\n");
    CHECK_STR(rows("SELECT * FROM federated_training_metrics('customer_churn')"),
              "1|2026-01-01 10:00:00|0.6|NULL|2|0|2.0|2.0|0.0\n"
              "2|2026-01-01 10:00:02|0.45|0.8|2|1|1.5|3.0|0.0\n"
              "3|2026-01-01 10:00:04|0.4|0.85|1|1|1.0|1.5|0.0\n");
    CHECK_STR(rows("SELECT round_number FROM federated_training_metrics('customer_churn') "
                   "WHERE timestamp > datetime('2026-01-01 10:00:04', '-3 seconds') "
                   "ORDER BY round_number DESC"),
              "3\n2\n");
    CHECK_STR(rows("SELECT * FROM federated_convergence_diagnostics('customer_churn')"),
              "1|0.6|NULL|0.01|0.1\n"
              "2|0.45|-0.15|0.0025|0.1\n"
              "3|0.4|-0.05|0.0|0.05\n");
    /* cpu_usage_percent = cpu / wall * 100 (400: four busy threads; NULL
     * for a phase that took no time). */
    CHECK_STR(rows("SELECT * FROM federated_performance_metrics"),
              "customer_churn|1|distribution|0.5|50.0|1.5|1.0|0.0\n"
              "customer_churn|1|local_training|1.0|400.0|0.5|0.0|0.0\n"
              "customer_churn|1|aggregation|0.0|NULL|0.0|0.0|1.0\n");
    CHECK_STR(rows("SELECT phase FROM federated_performance_metrics "
                   "WHERE model_name = 'CUSTOMER_CHURN' AND round_number > 0 LIMIT 1"),
              "distribution\n");
    CHECK_STR(rows("SELECT * FROM federated_checkpoints('customer_churn')"),
              "customer_churn|/tmp/a.ckpt|2|2026-01-01 10:00:03|4096|sha256:ab\n"
              "customer_churn|/tmp/b.ckpt|3|2026-01-01 10:00:05|8192|sha256:cd\n");

    /* A model never trained: no rows, no error. */
    static const char *const empty[] = {
        "federated_training_status('fresh')", "federated_training_metrics('fresh')",
        "federated_convergence_diagnostics('fresh')", "federated_checkpoints('fresh')",
        "federated_model_versions('fresh')",
        "federated_performance_metrics WHERE model_name = 'fresh'",
    };
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT * FROM %s", empty[i]);
        CHECK_STR(rows(sql), "");
    }
}

/* Protects federated_node_status's participation columns: node_1 took part
 * in 4 rounds (1 of the old run) taking 2.0, 1.0, 0.5 and 1.0 s, with
 * shares 300/300, 300/400, 300/400, 300/300 (mean 0.875); node_2 in 2
 * rounds, 2.0 and 1.5 s, share 100/400 each; site_a in none.  last_seen is
 * its latest round; dataset_size as declared, else its latest round's rows. */
static void test_node_participation(void)
{
    CHECK_STR(rows("SELECT node_name, status, last_seen, rounds_participated, "
                   "avg_round_time_seconds, dataset_size, contribution_score "
                   "FROM federated_node_status WHERE workspace = 'ml_consortium' "
                   "ORDER BY contribution_score DESC"),
              "node_1|registered|2026-01-01 10:00:04|4|1.125|1000|0.875\n"
              "node_2|registered|2026-01-01 10:00:02|2|1.75|100|0.25\n");
    CHECK_STR(rows("SELECT node_name, last_seen, rounds_participated, avg_round_time_seconds, "
                   "contribution_score FROM federated_node_status WHERE workspace = 'other'"),
              "site_a|NULL|0|NULL|NULL\n");
    /* A heartbeat later than the last round wins. */
    hl_cat_protect(db, 0);
    CHECK_INT(sqlite3_exec(db, "UPDATE hl_node SET last_seen = '2026-02-01 00:00:00' "
                               "WHERE name = 'node_2'", NULL, NULL, NULL), SQLITE_OK);
    hl_cat_protect(db, 1);
    CHECK_STR(rows("SELECT last_seen FROM federated_node_status WHERE node_name = 'node_2'"),
              "2026-02-01 00:00:00\n");
}

static void test_privacy_views(void)
{
    CHECK_STR(rows("SELECT * FROM federated_privacy_budget('ml_consortium')"),
              "ml_consortium|0.5|0.0|0.5\n");
    CHECK_STR(rows("SELECT workspace_name, total_budget_epsilon, consumed_epsilon, remaining_epsilon, "
                   "rounds_completed, estimated_remaining_rounds FROM federated_privacy_budget_status"),
              "ml_consortium|0.5|0.0|0.5|0|50\n"
              "other|2.0|0.0|2.0|0|NULL\n");
}

static void test_alerts_and_audit(void)
{
    CHECK_STR(rows("SELECT alert_name, workspace, metric, cmp, threshold, notify, status "
                   "FROM federated_alerts"),
              "privacy_budget_low|ml_consortium|remaining_epsilon|<|0.1|privacy-team@example.com|enabled\n");
    CHECK_STR(rows("SELECT id, action, object_kind, object_name, workspace, detail, "
                   "timestamp <= now() FROM federated_audit_log"),
              "1|CREATE FEDERATED WORKSPACE|workspace|ml_consortium|NULL|NULL|1\n"
              "2|REGISTER FEDERATED NODE|node|node_1|ml_consortium|NULL|1\n");
}

/* SHOW and DESCRIBE run over the views, ?1 NULL meaning all. */
static void test_show_describe(void)
{
    for (int what = 1; what <= 3; what++) {
        sqlite3_stmt *q = NULL;
        CHECK_INT(sqlite3_prepare_v2(db, hl_cat_show_sql(what), -1, &q, NULL), SQLITE_OK);
        int all = 0, one = 0;
        while (sqlite3_step(q) == SQLITE_ROW)
            all++;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, "OTHER", -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW)
            one++;
        sqlite3_finalize(q);
        static const int want_all[] = {0, 2, 3, 1}, want_one[] = {0, 1, 1, 0};
        CHECK_INT(all, want_all[what]);
        CHECK_INT(one, want_one[what]);
    }
    CHECK(hl_cat_show_sql(0) == NULL);
    CHECK(hl_cat_show_sql(4) == NULL);
    sqlite3_stmt *q = NULL;
    CHECK_INT(sqlite3_prepare_v2(db, hl_cat_describe_sql(), -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_text(q, 1, "customer_churn", -1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(q), SQLITE_ROW);
    CHECK_INT(sqlite3_column_count(q), 6);
    sqlite3_finalize(q);
}

/* Every view with SQL returns as many columns as it declares; every
 * view's declaration is accepted by SQLite. */
static void test_definitions(void)
{
    int n;
    const HlView *v = hl_views(&n);
    for (int i = 0; i < n; i++) {
        char sql[128];
        sqlite3_stmt *q = NULL;
        snprintf(sql, sizeof sql, "SELECT * FROM %s", v[i].name);
        int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
        if (rc != SQLITE_OK)
            fprintf(stderr, "%s: %s\n", v[i].name, sqlite3_errmsg(db));
        CHECK_INT(rc, SQLITE_OK);
        int declared = sqlite3_column_count(q);
        sqlite3_finalize(q);
        CHECK(v[i].sql != NULL || v[i].waiting != NULL);
        CHECK(v[i].help != NULL);
        CHECK(hl_view_find(v[i].name) == &v[i]);
        if (!v[i].sql)
            continue;
        CHECK_INT(sqlite3_prepare_v2(db, v[i].sql, -1, &q, NULL), SQLITE_OK);
        CHECK_INT(sqlite3_column_count(q), declared);
        sqlite3_finalize(q);
    }
    CHECK(hl_view_find("FEDERATED_NODE_STATUS") != NULL);
    CHECK(hl_view_find("nope") == NULL);
}

static void test_argument_errors(void)
{
    CHECK_STR(rows("SELECT * FROM federated_model_versions"),
              "ERROR: federated_model_versions() needs a model name");
    CHECK_STR(rows("SELECT * FROM federated_model_versions(NULL)"),
              "ERROR: federated_model_versions() needs a model name");
    CHECK_STR(rows("SELECT * FROM federated_model_versions('nope')"),
              "ERROR: federated model 'nope' does not exist");
    CHECK_STR(rows("SELECT * FROM federated_privacy_budget('nope')"),
              "ERROR: federated workspace 'nope' does not exist");
    CHECK_STR(rows("SELECT * FROM federated_privacy_budget"),
              "ERROR: federated_privacy_budget() needs a workspace name");
    CHECK_STR(rows("SELECT * FROM federated_compliance_check('ml_consortium')"),
              "ERROR: federated_compliance_check() needs a compliance mode ('HIPAA', 'GDPR' or 'BOTH')");
    CHECK_STR(rows("SELECT * FROM federated_compliance_check('ml_consortium', 'SOX')"),
              "ERROR: federated_compliance_check(): unknown mode 'SOX'; expected 'HIPAA', 'GDPR' or 'BOTH'");
    CHECK_STR(rows("SELECT * FROM federated_compliance_check('healthcare_workspace', 'HIPAA')"),
              "ERROR: federated workspace 'healthcare_workspace' does not exist");
    CHECK_STR(rows("SELECT * FROM federated_evaluate('customer_churn', 'no_such_table')"),
              "ERROR: table 'no_such_table' does not exist");
    CHECK_STR(rows("SELECT * FROM federated_training_status('slow_model')"),
              "ERROR: federated model 'slow_model' does not exist");
    CHECK_STR(rows("SELECT * FROM federated_model_versions('a', 'b')"),
              "ERROR: too many arguments on federated_model_versions() - max 1");
}

/* The compliance views run on a bare connection (they need no engine);
 * a mode is matched in any case.  tests/sql/compliance.sql shows every
 * row; here only that they come. */
static void test_waiting_views(void)
{
    CHECK_STR(rows("SELECT group_concat(status, ',') "
                   "FROM federated_compliance_check('ml_consortium', 'gdpr')"),
              "fail,fail,pass,fail,fail,pass\n");
    CHECK_STR(rows("SELECT check_name, status FROM federated_security_audit('ml_consortium') "
                   "WHERE check_name = 'audit logging'"),
              "audit logging|pass\n");
    sqlite3_exec(db, "CREATE TABLE holdout(x)", NULL, NULL, NULL);
    /* federated_evaluate asks the training engine, which a bare SQLite
     * connection does not have (tests/sql/train_run.sql runs it for real). */
    CHECK_STR(rows("SELECT metric FROM federated_evaluate('customer_churn', 'HOLDOUT')"),
              "ERROR: federated_evaluate() needs a connection opened by helios");
    /* so does federated_data_quality_check (tests/sql/quality.sql) */
    CHECK_STR(rows("SELECT node_name FROM federated_data_quality_check('customer_churn')"),
              "ERROR: federated_data_quality_check() needs a connection opened by helios");
    /* The guide's column lists prepare (the rewrite of AS (...) selects them). */
    CHECK_STR(rows("SELECT global_accuracy, global_precision, global_recall, global_f1_score, "
                   "per_node_metrics FROM federated_evaluate('nope')"),
              "ERROR: federated model 'nope' does not exist");
}

static void test_functions(void)
{
    const char *t = rows("SELECT now()");
    CHECK_INT(strlen(t), 20);           /* 'YYYY-MM-DD HH:MM:SS\n' */
    CHECK_STR(rows("SELECT now() = datetime(now()), now() >= datetime('now', '-5 seconds')"),
              "1|1\n");
    CHECK_STR(rows("SELECT hl_option('workspace', '{\"privacy_budget\":0.5}', 'privacy_budget'), "
                   "typeof(hl_option('model', '{\"rounds\":30}', 'rounds')), "
                   "hl_option('model', '{\"features\":[\"a\",\"b\"]}', 'features'), "
                   "hl_option('model', NULL, 'no_such_option')"),
              "0.5|integer|[\"a\",\"b\"]|NULL\n");
    CHECK_STR(rows("SELECT hl_option('galaxy', '{}', 'x')"),
              "ERROR: hl_option(): unknown object kind 'galaxy'; expected 'workspace', 'node', "
              "'model' or 'training'");

    CHECK_STR(rows("SELECT federated_predict('disease_classifier', 'age', 55)"),
              "ERROR: federated model 'disease_classifier' does not exist");
    /* Arguments are numbered as the user writes them, name => value
     * counting as one: this is federated_predict('customer_churn',
     * tenure_months => 3, monthly_charges), whose 3rd argument lacks a value. */
    CHECK_STR(rows("SELECT federated_predict('customer_churn', 'tenure_months', 3, 'monthly_charges')"),
              "ERROR: federated_predict(): argument 3 ('monthly_charges') has no value");
    CHECK_STR(rows("SELECT federated_predict('customer_churn', 12, 3)"),
              "ERROR: federated_predict(): argument 2 must be a name (write name => value), found 12");
    CHECK_STR(rows("SELECT federated_predict('customer_churn', 'a', 1, 'A', 2)"),
              "ERROR: federated_predict(): argument 3 repeats 'A'");
    CHECK_STR(rows("SELECT federated_predict()"),
              "ERROR: federated_predict() needs a model name as its first argument");
    CHECK_STR(rows("SELECT federated_predict('customer_churn', 'tenure_months', 3)"),
              "ERROR: not implemented yet: federated_predict() needs a trained model, which "
              "arrives with federated training");

    CHECK_STR(rows("SELECT wait_for_convergence('customer_churn', 'timeout', 5)"),
              "ERROR: wait_for_convergence(): unknown argument 'timeout'; expected timeout_seconds");
    CHECK_STR(rows("SELECT wait_for_convergence('customer_churn', 'timeout_seconds', -1)"),
              "ERROR: wait_for_convergence(): timeout_seconds must be a number of seconds, 0 or more");
    CHECK_STR(rows("SELECT wait_for_convergence('customer_churn', 'timeout_seconds', 3600)"),
              "ERROR: not implemented yet: wait_for_convergence() waits for a training run, which "
              "arrives with federated training");

    CHECK_STR(rows("SELECT compare_federated_models('customer_churn', 'version_a', 'v1')"),
              "ERROR: compare_federated_models() needs version_b => ...");
    CHECK_STR(rows("SELECT compare_federated_models('customer_churn', 'version_a', 'v1.0_production', "
                   "'version_b', 'v1.1_candidate')"),
              "ERROR: not implemented yet: compare_federated_models() compares trained model "
              "versions, which arrive with federated training");
}

int main(void)
{
    setup();
    RUN(test_workspace_status);
    RUN(test_node_views);
    RUN(test_model_views);
    RUN(test_privacy_views);
    RUN(test_alerts_and_audit);
    RUN(test_show_describe);
    RUN(test_definitions);
    RUN(test_argument_errors);
    RUN(test_waiting_views);
    RUN(test_functions);
    RUN(test_training_views);
    RUN(test_node_participation);
    teardown();
    return unit_report();
}
