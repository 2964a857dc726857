/*
 * test_catalog.c - the catalog of storage/: migrations, persistence, the
 * typed accessors and their messages, statement transactions, protection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "catalog_int.h"
#include "helios.h"
#include "unit.h"
#include "db_helpers.h"

static void remove_db(void) { db_remove(); }
static void fresh_path(const char *tag) { db_fresh("catalog", tag); }

static sqlite3 *raw_open(void)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        fprintf(stderr, "cannot open %s\n", path);
    return db;
}

/* Opens path with the catalog; *rc gets hl_cat_open's result. */
static sqlite3 *cat_open(int *rc, hl_err *err)
{
    sqlite3 *db = raw_open();
    hl_err_clear(err);
    *rc = hl_cat_open(db, 0, err);
    return db;
}

/* The first column of the first row as text (static buffer), "NULL", or
 * "ERROR: message". */
static const char *one(sqlite3 *db, const char *sql)
{
    static char buf[512];
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        snprintf(buf, sizeof buf, "ERROR: %s", sqlite3_errmsg(db));
        return buf;
    }
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(q, 0);
        snprintf(buf, sizeof buf, "%s", t ? t : "NULL");
    } else if (rc == SQLITE_DONE)
        snprintf(buf, sizeof buf, "NO ROW");
    else
        snprintf(buf, sizeof buf, "ERROR: %s", sqlite3_errmsg(db));
    sqlite3_finalize(q);
    return buf;
}

static int64_t mkws(sqlite3 *db, const char *name, const char *opts)
{
    hl_err err;
    int64_t id = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_WORKSPACE, 0, name, opts, NULL, &id, &err), HELIOS_OK);
    return id;
}

static int64_t mk(sqlite3 *db, HlCatKind k, int64_t ws, const char *name)
{
    hl_err err;
    int64_t id = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, k, ws, name, NULL, NULL, &id, &err), HELIOS_OK);
    return id;
}

/* A new file gets the current schema version, foreign keys, WAL, every table. */
static void test_migrate_from_zero(void)
{
    hl_err err;
    int rc;
    fresh_path("zero");
    sqlite3 *db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_OK);
    CHECK_STR(one(db, "PRAGMA user_version"), "5");
    CHECK_STR(one(db, "PRAGMA foreign_keys"), "1");
    CHECK_STR(one(db, "PRAGMA journal_mode"), "wal");
    CHECK_STR(one(db, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master "
                      "WHERE type = 'table' ORDER BY name)"),
              "hl_aggfunc hl_alert hl_audit hl_audit_chain hl_checkpoint hl_extension hl_model hl_model_version "
              "hl_node hl_notification hl_privacy_ledger hl_round hl_round_node hl_round_phase "
              "hl_run hl_workspace");
    /* Opening again is a no-op. */
    CHECK_INT(hl_cat_open(db, 0, &err), HELIOS_OK);
    CHECK_STR(one(db, "PRAGMA user_version"), "5");
    sqlite3_close(db);
    remove_db();
}

/* A catalog of version 3 (made by the migrations of that time) upgrades to
 * the current one, its rows kept: a run may now end
 * 'privacy_budget_exhausted', and still no unknown status. */
static void test_upgrade_from_3(void)
{
    hl_err err;
    int rc;
    fresh_path("v3");
    sqlite3 *db = raw_open();
    for (int v = 1; v <= 3; v++)
        CHECK_INT(sqlite3_exec(db, hl_cat_migration_sql(v), NULL, NULL, NULL), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version = 3;"
                     "INSERT INTO hl_workspace(name) VALUES ('ws');"
                     "INSERT INTO hl_model(ws_id, name) VALUES (1, 'm');"
                     "INSERT INTO hl_run(model_id, status) VALUES (1, 'failed');",
                 NULL, NULL, NULL);
    CHECK_STR(one(db, "SELECT count(*) FROM hl_run"), "1");
    sqlite3_close(db);
    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_OK);
    CHECK_STR(one(db, "PRAGMA user_version"), "5");
    CHECK_STR(one(db, "SELECT status FROM hl_run"), "failed");
    CHECK_STR(one(db, "SELECT count(*) FROM hl_privacy_ledger"), "0");
    CHECK_STR(one(db, "SELECT triggered FROM hl_alert UNION ALL SELECT 'none'"), "none");
    hl_cat_protect(db, 0);
    CHECK_INT(sqlite3_exec(db, "UPDATE hl_run SET status = 'privacy_budget_exhausted'", NULL,
                           NULL, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "UPDATE hl_run SET status = 'bogus'", NULL, NULL, NULL),
              SQLITE_CONSTRAINT);
    hl_cat_protect(db, 1);
    CHECK_STR(one(db, "PRAGMA integrity_check"), "ok");
    sqlite3_close(db);
    /* A second process (connection) sees the widened CHECK too. */
    db = cat_open(&rc, &err);
    CHECK_STR(one(db, "SELECT status FROM hl_run"), "privacy_budget_exhausted");
    sqlite3_close(db);
    remove_db();
}

/* A catalog of version 4 with audit entries upgrades to hash chains: the
 * entries keep their ids and timestamps, each gets its chain (the
 * workspace, or the workspace it is about), its seq and hashes, and the
 * chains verify; the next entry continues its chain. */
static void test_upgrade_audit_from_4(void)
{
    hl_err err;
    int rc;
    fresh_path("v4");
    sqlite3 *db = raw_open();
    for (int v = 1; v <= 4; v++)
        CHECK_INT(sqlite3_exec(db, hl_cat_migration_sql(v), NULL, NULL, NULL), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version = 4;"
                     "INSERT INTO hl_audit(at, action, object_kind, object_name, workspace) VALUES"
                     " ('2025-01-01 10:00:00', 'CREATE FEDERATED WORKSPACE', 'workspace', 'ws', NULL),"
                     " ('2025-01-01 10:01:00', 'REGISTER FEDERATED NODE', 'node', 'n1', 'ws'),"
                     " ('2025-01-01 10:02:00', 'CREATE EXTENSION', 'extension', 'x', NULL);",
                 NULL, NULL, NULL);
    sqlite3_close(db);
    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_OK);
    CHECK_STR(one(db, "SELECT group_concat(chain || ':' || seq, ' ') FROM "
                      "(SELECT chain, seq FROM hl_audit ORDER BY id)"), "ws:1 ws:2 :1");
    CHECK_STR(one(db, "SELECT at FROM hl_audit WHERE id = 2"), "2025-01-01 10:01:00");
    HlCatAuditCheck r;
    CHECK_INT(hl_cat_audit_verify(db, "ws", &r, &err), HELIOS_OK);
    CHECK(r.ok && r.entries == 2);
    CHECK_INT(hl_cat_audit_verify(db, NULL, &r, &err), HELIOS_OK);
    CHECK(r.ok && r.entries == 1);
    CHECK_INT(hl_cat_audit_append(db, "ALTER FEDERATED WORKSPACE", "workspace", "ws", NULL, "{}",
                                  &err), HELIOS_OK);
    CHECK_STR(one(db, "SELECT seq FROM hl_audit WHERE id = 4"), "3");
    CHECK_INT(hl_cat_audit_verify(db, "WS", &r, &err), HELIOS_OK);    /* names ignore case */
    CHECK(r.ok && r.entries == 3);
    sqlite3_close(db);
    remove_db();
}

/* A database of the user's gets the catalog next to its tables. */
static void test_user_tables_get_catalog(void)
{
    hl_err err;
    int rc;
    fresh_path("user");
    sqlite3 *db = raw_open();
    sqlite3_exec(db, "CREATE TABLE patients(id INTEGER, age INTEGER);"
                     "INSERT INTO patients VALUES (1, 55), (2, 61);", NULL, NULL, NULL);
    sqlite3_close(db);
    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_OK);
    CHECK_STR(one(db, "PRAGMA user_version"), "5");
    CHECK_STR(one(db, "SELECT sum(age) FROM patients"), "116");
    CHECK_STR(one(db, "SELECT count(*) FROM hl_workspace"), "0");
    sqlite3_close(db);
    remove_db();
}

/* What was created survives closing and reopening the file. */
static void test_reopen_keeps_data(void)
{
    hl_err err;
    int rc;
    fresh_path("reopen");
    sqlite3 *db = cat_open(&rc, &err);
    int64_t ws = mkws(db, "ml_consortium", "{\"privacy_budget\":0.5}");
    mk(db, HL_CAT_NODE, ws, "node_1");
    sqlite3_close(db);

    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_OK);
    HlCatObj o = {0};
    CHECK_INT(hl_cat_get(db, HL_CAT_WORKSPACE, 0, "ML_CONSORTIUM", &o, &err), HELIOS_OK);
    CHECK_STR(o.name, "ml_consortium");
    CHECK_STR(o.options, "{\"privacy_budget\":0.5}");
    CHECK_STR(o.status, "active");
    CHECK_INT(strlen(o.created_at), 19);
    CHECK_INT(hl_cat_count(db, HL_CAT_NODE, o.id), 1);
    hl_cat_obj_clear(&o);
    sqlite3_close(db);
    remove_db();
}

/* A catalog newer than this build, or a user_version that is not ours, is
 * refused and left alone. */
static void test_version_refused(void)
{
    hl_err err;
    int rc;
    fresh_path("newer");
    sqlite3 *db = cat_open(&rc, &err);
    sqlite3_close(db);
    db = raw_open();
    sqlite3_exec(db, "PRAGMA user_version = 6", NULL, NULL, NULL);
    sqlite3_close(db);
    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_ERROR);
    CHECK_STR(err.msg, "the catalog in this database has schema version 6, newer than this "
                       "build of helios understands (5); open it with a newer helios");
    CHECK_STR(one(db, "PRAGMA user_version"), "6");     /* untouched */
    sqlite3_close(db);
    remove_db();

    fresh_path("foreign");
    db = raw_open();
    sqlite3_exec(db, "CREATE TABLE t(x); PRAGMA user_version = 7", NULL, NULL, NULL);
    sqlite3_close(db);
    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_ERROR);
    CHECK(strstr(err.msg, "user_version = 7 but no helios catalog") != NULL);
    CHECK_STR(one(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'hl_%'"), "0");
    sqlite3_close(db);
    remove_db();

    /* A user table in the way: the migration fails whole. */
    fresh_path("clash");
    db = raw_open();
    sqlite3_exec(db, "CREATE TABLE hl_node(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    db = cat_open(&rc, &err);
    CHECK_INT(rc, HELIOS_ERROR);
    CHECK_STR(err.msg, "cannot add the helios catalog (schema version 5) to this database: "
                       "table hl_node already exists");
    CHECK_STR(one(db, "PRAGMA user_version"), "0");
    CHECK_STR(one(db, "SELECT count(*) FROM sqlite_master WHERE name = 'hl_workspace'"), "0");
    sqlite3_close(db);
    remove_db();
}

/* Create, get, duplicates and their messages; names ignore case. */
static void test_create_get(void)
{
    hl_err err;
    int rc;
    HlCatObj o = {0};
    fresh_path("create");
    sqlite3 *db = cat_open(&rc, &err);
    int64_t w1 = mkws(db, "ml_consortium", NULL);
    int64_t w2 = mkws(db, "Other WS", NULL);

    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_WORKSPACE, 0, "ML_Consortium", NULL, NULL, NULL, &err),
              HELIOS_EXISTS);
    CHECK_STR(err.msg, "federated workspace 'ml_consortium' already exists");

    int64_t n1 = mk(db, HL_CAT_NODE, w1, "node_1");
    mk(db, HL_CAT_NODE, w2, "node_1");      /* unique per workspace only */
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_NODE, w1, "NODE_1", NULL, NULL, NULL, &err), HELIOS_EXISTS);
    CHECK_STR(err.msg, "federated node 'node_1' already exists in workspace 'ml_consortium'");

    mk(db, HL_CAT_MODEL, w1, "churn");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_MODEL, w2, "Churn", NULL, NULL, NULL, &err), HELIOS_EXISTS);
    CHECK_STR(err.msg, "federated model 'churn' already exists (in workspace 'ml_consortium')");

    hl_err_clear(&err);
    CHECK_INT(hl_cat_get(db, HL_CAT_NODE, w1, "Node_1", &o, &err), HELIOS_OK);
    CHECK_INT(o.id, n1);
    CHECK_INT(o.ws_id, w1);
    CHECK_STR(o.ws_name, "ml_consortium");
    CHECK_STR(o.status, "registered");
    CHECK_STR(o.options, "{}");
    hl_cat_obj_clear(&o);

    hl_err_clear(&err);
    CHECK_INT(hl_cat_get(db, HL_CAT_NODE, w1, "node_9", &o, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated node 'node_9' does not exist in workspace 'ml_consortium'");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_get(db, HL_CAT_NODE, 0, "node_1", &o, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "federated node 'node_1' exists in 2 workspaces ('ml_consortium', "
                       "'Other WS'); add IN WORKSPACE <name>");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_get(db, HL_CAT_WORKSPACE, 0, "x", &o, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated workspace 'x' does not exist");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_get(db, HL_CAT_MODEL, 0, "m", &o, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model 'm' does not exist");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_get(db, HL_CAT_MODEL, w2, "churn", &o, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "federated model 'churn' does not exist in workspace 'Other WS' "
                       "(it is in workspace 'ml_consortium')");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_get(db, HL_CAT_MODEL, 0, "CHURN", &o, &err), HELIOS_OK);
    CHECK_STR(o.status, "defined");
    CHECK_STR(o.ws_name, "ml_consortium");
    hl_cat_obj_clear(&o);

    /* Options must be a JSON object; set_options replaces them. */
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_WORKSPACE, 0, "bad", "[1]", NULL, NULL, &err), HELIOS_MISUSE);
    CHECK_INT(hl_cat_set_options(db, HL_CAT_WORKSPACE, w1, "{\"min_nodes\":2}", &err), HELIOS_OK);
    CHECK_STR(one(db, "SELECT options FROM hl_workspace WHERE name = 'ml_consortium'"),
              "{\"min_nodes\":2}");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_set_options(db, HL_CAT_WORKSPACE, 999, "{}", &err), HELIOS_NOTFOUND);

    /* Counts, and the only workspace. */
    CHECK_INT(hl_cat_count(db, HL_CAT_WORKSPACE, 0), 2);
    CHECK_INT(hl_cat_count(db, HL_CAT_NODE, 0), 2);
    CHECK_INT(hl_cat_count(db, HL_CAT_NODE, w2), 1);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_only_workspace(db, &o, &err), HELIOS_NOTFOUND);
    CHECK_STR(err.msg, "there are 2 federated workspaces; say which one with IN WORKSPACE or "
                       "USE FEDERATED WORKSPACE");
    sqlite3_close(db);
    remove_db();
}

/* Alerts and aggregation functions take their definition from `extra`. */
static void test_alert_aggfunc(void)
{
    hl_err err;
    int rc;
    HlCatObj o = {0};
    fresh_path("extra");
    sqlite3 *db = cat_open(&rc, &err);
    int64_t ws = mkws(db, "ml", NULL);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_ALERT, ws, "low", NULL,
                            "{\"metric\":\"remaining_epsilon\",\"cmp\":\"<\",\"threshold\":0.1,"
                            "\"notify\":\"team@example.com\"}", NULL, &err), HELIOS_OK);
    CHECK_STR(one(db, "SELECT metric || ' ' || cmp || ' ' || threshold || ' ' || notify || ' ' "
                      "|| status FROM hl_alert"),
              "remaining_epsilon < 0.1 team@example.com enabled");
    CHECK_INT(hl_cat_get(db, HL_CAT_ALERT, 0, "LOW", &o, &err), HELIOS_OK);
    CHECK_STR(o.ws_name, "ml");
    hl_cat_obj_clear(&o);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_ALERT, ws, "x", NULL, NULL, NULL, &err), HELIOS_MISUSE);

    int64_t f = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_AGGFUNC, 0, "weighted_median", NULL,
                            "{\"returns\":\"FLOAT\",\"language\":\"sql\",\"body\":\"SELECT 1\","
                            "\"symbol\":null}", &f, &err), HELIOS_OK);
    CHECK_STR(one(db, "SELECT returns || language || body || coalesce(symbol, '-') FROM hl_aggfunc"),
              "FLOATsqlSELECT 1-");
    /* A model that uses the function keeps it. */
    hl_err_clear(&err);
    CHECK_INT(hl_cat_create(db, HL_CAT_MODEL, ws, "m", "{\"aggregation\":\"weighted_median\"}",
                            NULL, NULL, &err), HELIOS_OK);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_drop(db, HL_CAT_AGGFUNC, f, 0, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "federated aggregation function 'weighted_median' is used by federated "
                       "model 'm' (aggregation = 'weighted_median'); change that model first");
    sqlite3_close(db);
    remove_db();
}

/* RESTRICT without CASCADE, with a message that counts; CASCADE takes the
 * children, and a model takes its versions. */
static void test_drop(void)
{
    hl_err err;
    int rc;
    fresh_path("drop");
    sqlite3 *db = cat_open(&rc, &err);
    int64_t w = mkws(db, "w", NULL);
    int64_t keep = mkws(db, "keep", NULL);
    mk(db, HL_CAT_NODE, w, "a");
    mk(db, HL_CAT_NODE, w, "b");
    int64_t m = mk(db, HL_CAT_MODEL, w, "m");
    mk(db, HL_CAT_NODE, keep, "a");

    hl_err_clear(&err);
    CHECK_INT(hl_cat_drop(db, HL_CAT_WORKSPACE, w, 0, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "federated workspace 'w' still has 2 nodes and 1 model; "
                       "use DROP FEDERATED WORKSPACE w CASCADE");
    CHECK_INT(hl_cat_count(db, HL_CAT_NODE, w), 2);

    /* A version row, as training will write it, goes with its model. */
    hl_cat_protect(db, 0);
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO hl_model_version(model_id, version) VALUES (%lld, 1)",
             (long long)m);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    hl_cat_protect(db, 1);
    hl_err_clear(&err);
    CHECK_INT(hl_cat_drop(db, HL_CAT_MODEL, m, 0, &err), HELIOS_OK);
    CHECK_STR(one(db, "SELECT count(*) FROM hl_model_version"), "0");

    hl_err_clear(&err);
    CHECK_INT(hl_cat_drop(db, HL_CAT_WORKSPACE, w, 1, &err), HELIOS_OK);
    CHECK_INT(hl_cat_count(db, HL_CAT_NODE, 0), 1);
    CHECK_INT(hl_cat_count(db, HL_CAT_WORKSPACE, 0), 1);
    HlCatObj o = {0};
    CHECK_INT(hl_cat_only_workspace(db, &o, &err), HELIOS_OK);
    CHECK_STR(o.name, "keep");
    hl_cat_obj_clear(&o);

    /* An odd name is quoted in the suggested statement. */
    int64_t odd = mkws(db, "my ws", NULL);
    mk(db, HL_CAT_MODEL, odd, "m2");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_drop(db, HL_CAT_WORKSPACE, odd, 0, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "federated workspace 'my ws' still has 1 model; "
                       "use DROP FEDERATED WORKSPACE \"my ws\" CASCADE");
    hl_err_clear(&err);
    CHECK_INT(hl_cat_drop(db, HL_CAT_WORKSPACE, 12345, 0, &err), HELIOS_NOTFOUND);
    sqlite3_close(db);
    remove_db();
}

/* A statement's savepoint: rolled back, it leaves nothing, not even its
 * audit row; inside a user's BEGIN it leaves the user's transaction open. */
static void test_statement_transaction(void)
{
    hl_err err;
    int rc;
    fresh_path("tx");
    sqlite3 *db = cat_open(&rc, &err);

    hl_err_clear(&err);
    CHECK_INT(hl_cat_begin(db, &err), HELIOS_OK);
    mkws(db, "gone", NULL);
    CHECK_INT(hl_cat_audit(db, "CREATE FEDERATED WORKSPACE", HL_CAT_WORKSPACE, "gone", NULL,
                           "{}", &err), HELIOS_OK);
    hl_cat_rollback(db);
    CHECK_STR(one(db, "SELECT count(*) FROM hl_workspace"), "0");
    CHECK_STR(one(db, "SELECT count(*) FROM hl_audit"), "0");
    CHECK_INT(sqlite3_get_autocommit(db), 1);

    CHECK_INT(hl_cat_begin(db, &err), HELIOS_OK);
    mkws(db, "kept", NULL);
    CHECK_INT(hl_cat_audit(db, "CREATE FEDERATED WORKSPACE", HL_CAT_WORKSPACE, "kept", NULL,
                           "{}", &err), HELIOS_OK);
    CHECK_INT(hl_cat_commit(db, &err), HELIOS_OK);
    CHECK_STR(one(db, "SELECT action || ' ' || object_kind || ' ' || object_name || ' ' || "
                      "coalesce(workspace, '-') || ' ' || detail FROM hl_audit"),
              "CREATE FEDERATED WORKSPACE workspace kept - {}");
    CHECK_INT(strlen(one(db, "SELECT at FROM hl_audit")), 19);

    /* Inside a user's transaction. */
    CHECK_INT(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(hl_cat_begin(db, &err), HELIOS_OK);
    mkws(db, "inner", NULL);
    hl_cat_rollback(db);
    CHECK_INT(sqlite3_get_autocommit(db), 0);
    CHECK_INT(hl_cat_begin(db, &err), HELIOS_OK);
    mkws(db, "inner2", NULL);
    CHECK_INT(hl_cat_commit(db, &err), HELIOS_OK);
    CHECK_INT(sqlite3_get_autocommit(db), 0);
    CHECK_INT(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    CHECK_STR(one(db, "SELECT group_concat(name) FROM hl_workspace"), "kept");
    sqlite3_close(db);
    remove_db();
}

/* Plain SQL reads the catalog but cannot change it. */
static void test_protection(void)
{
    hl_err err;
    int rc;
    fresh_path("protect");
    sqlite3 *db = cat_open(&rc, &err);
    mkws(db, "w", NULL);

    CHECK_INT(sqlite3_exec(db, "INSERT INTO hl_workspace(name) VALUES ('x')", NULL, NULL, NULL),
              SQLITE_AUTH);
    CHECK_STR(hl_cat_protect_errmsg(db),
              "table 'hl_workspace' belongs to the helios catalog; change it with federated statements");
    static const char *const refused[] = {
        "UPDATE hl_workspace SET options = '{}'",
        "DELETE FROM hl_audit",
        "DROP TABLE hl_node",
        "ALTER TABLE hl_model ADD COLUMN x",
        "CREATE INDEX i ON hl_model(status)",
        "CREATE TRIGGER t AFTER INSERT ON hl_node BEGIN SELECT 1; END",
        "CREATE TABLE hl_mine(x)",
        "CREATE TEMP TABLE hl_workspace(x)",
        "PRAGMA user_version = 5",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        rc = sqlite3_exec(db, refused[i], NULL, NULL, NULL);
        if (rc != SQLITE_AUTH)
            fprintf(stderr, "not refused: %s\n", refused[i]);
        CHECK_INT(rc, SQLITE_AUTH);
    }
    CHECK_STR(hl_cat_protect_errmsg(db), "PRAGMA user_version belongs to the helios catalog "
                                         "(it holds the catalog's schema version)");
    CHECK_STR(one(db, "SELECT name FROM hl_workspace"), "w");
    CHECK_STR(one(db, "PRAGMA user_version"), "5");
    CHECK_INT(sqlite3_exec(db, "CREATE TABLE mine(x); INSERT INTO mine VALUES (1)", NULL, NULL,
                           NULL), SQLITE_OK);

    /* Lifted, nested, restored. */
    CHECK_INT(hl_cat_protect(db, 0), HELIOS_OK);
    CHECK_INT(hl_cat_protect(db, 0), HELIOS_OK);
    CHECK_INT(hl_cat_protect(db, 1), HELIOS_OK);
    CHECK_INT(sqlite3_exec(db, "UPDATE hl_workspace SET status = 'active'", NULL, NULL, NULL),
              SQLITE_OK);
    CHECK_INT(hl_cat_protect(db, 1), HELIOS_OK);
    CHECK_INT(sqlite3_exec(db, "UPDATE hl_workspace SET status = 'active'", NULL, NULL, NULL),
              SQLITE_AUTH);
    CHECK_INT(hl_cat_protect(db, 1), HELIOS_OK);        /* extra restores do not stack */
    CHECK_INT(hl_cat_protect(db, 0), HELIOS_OK);
    CHECK_INT(sqlite3_exec(db, "UPDATE hl_workspace SET status = 'active'", NULL, NULL, NULL),
              SQLITE_OK);
    CHECK_INT(hl_cat_protect(db, 1), HELIOS_OK);
    /* The catalog's own functions still write while protected. */
    mkws(db, "w2", NULL);
    CHECK_INT(hl_cat_count(db, HL_CAT_WORKSPACE, 0), 2);
    sqlite3_close(db);
    remove_db();
}

int main(void)
{
    RUN(test_migrate_from_zero);
    RUN(test_upgrade_from_3);
    RUN(test_upgrade_audit_from_4);
    RUN(test_user_tables_get_catalog);
    RUN(test_reopen_keeps_data);
    RUN(test_version_refused);
    RUN(test_create_get);
    RUN(test_alert_aggfunc);
    RUN(test_drop);
    RUN(test_statement_transaction);
    RUN(test_protection);
    return unit_report();
}
