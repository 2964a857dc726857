/*
 * catalog.c - the catalog's connection set-up, migrations, transactions and
 * protection, and the helpers the storage modules share (catalog_int.h:
 * errors, the BLOB codec of parameter vectors, JSON checks).  The typed
 * accessors of catalog objects are in catobj.c, of training history in
 * runs.c and versions.c.  See catalog.h and runs.h for what is promised.
 */
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "catalog_int.h"
#include "schema.h"
#include "../src/helios.h"

/* ---- errors and small helpers (shared with catobj.c) ---------------------- */

int hl_cat_dberr(sqlite3 *db, hl_err *err, const char *doing)
{
    int rc = sqlite3_errcode(db) & 0xff;
    if (rc == SQLITE_NOMEM)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "%s: the catalog is locked by another connection (%s)", doing,
                          sqlite3_errmsg(db));
    return hl_err_set(err, HELIOS_ERROR, -1, "%s: %s", doing, sqlite3_errmsg(db));
}

int hl_cat_exec(sqlite3 *db, const char *sql, hl_err *err, const char *doing)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return HELIOS_OK;
    if (rc == SQLITE_NOMEM)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    else
        rc = hl_err_set(err, HELIOS_ERROR, -1, "%s: %s", doing, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc;
}

/* The integer that a one-row query returns; -1 on error (with *err set). */
static int64_t query_int(sqlite3 *db, const char *sql, hl_err *err)
{
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        hl_cat_dberr(db, err, "cannot read the catalog");
        return -1;
    }
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    else if (rc == SQLITE_DONE)
        v = 0;
    else
        hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return v;
}

/* ---- values and lookups shared by runs.c and versions.c ------------------- */

/*
 * Parameter vectors: IEEE-754 binary64, least significant byte first, 8
 * bytes a value and nothing else.  The bytes are placed by shifts of the
 * value's bit pattern, not by memcpy of the double, so that the format is
 * the same on a big-endian machine.
 */
int hl_cat_bind_doubles(sqlite3_stmt *q, int i, const double *v, size_t n, hl_err *err)
{
    if (!v || n == 0)
        return sqlite3_bind_null(q, i) == SQLITE_OK ? HELIOS_OK
               : hl_err_set(err, HELIOS_ERROR, -1, "cannot bind a parameter vector");
    if (n > (size_t)0x7fffffff / 8)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "a vector of %zu values is too big for the catalog", n);
    unsigned char *b = sqlite3_malloc64((sqlite3_uint64)n * 8);
    if (!b)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (size_t k = 0; k < n; k++) {
        uint64_t bits;
        memcpy(&bits, &v[k], 8);
        for (int j = 0; j < 8; j++)
            b[k * 8 + (size_t)j] = (unsigned char)(bits >> (8 * j));
    }
    /* SQLite frees b even when the bind fails. */
    int rc = sqlite3_bind_blob64(q, i, b, (sqlite3_uint64)n * 8, sqlite3_free);
    if (rc == SQLITE_NOMEM)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc != SQLITE_OK)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "a vector of %zu values is too big for the catalog (%s)", n,
                          sqlite3_errstr(rc));
    return HELIOS_OK;
}

int hl_cat_column_doubles(sqlite3_stmt *q, int i, double **v, size_t *n, const char *what,
                          hl_err *err)
{
    const unsigned char *b = sqlite3_column_blob(q, i);
    int bytes = sqlite3_column_bytes(q, i);
    *v = NULL;
    *n = 0;
    if (!b || bytes == 0)
        return HELIOS_OK;
    if (bytes % 8 != 0)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "the catalog is damaged: %s are %d bytes, not a whole number of "
                          "8-byte values", what, bytes);
    size_t count = (size_t)bytes / 8;
    double *d = malloc(count * sizeof *d);
    if (!d)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (size_t k = 0; k < count; k++) {
        uint64_t bits = 0;
        for (int j = 0; j < 8; j++)
            bits |= (uint64_t)b[k * 8 + (size_t)j] << (8 * j);
        memcpy(&d[k], &bits, 8);
    }
    *v = d;
    *n = count;
    return HELIOS_OK;
}

char *hl_cat_dup_column(sqlite3_stmt *q, int i, int *oom)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

int hl_cat_model_name(sqlite3 *db, int64_t model_id, char **name, hl_err *err)
{
    sqlite3_stmt *q;
    *name = NULL;
    int rc = hl_cat_prepare(db, "SELECT name FROM hl_model WHERE id = ?1", &q, err,
                            "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    int step = sqlite3_step(q);
    int oom = 0;
    if (step == SQLITE_ROW)
        *name = hl_cat_dup_column(q, 0, &oom);
    if (oom)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    else if (step == SQLITE_DONE)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "federated model with id %lld does not exist",
                        (long long)model_id);
    else if (step != SQLITE_ROW)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_check_json(sqlite3 *db, const char *json, int object, const char *what, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT json_valid(?1) AND (NOT ?2 OR json_type(?1) = 'object')",
                            &q, err, "cannot check JSON");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_text(q, 1, json, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, object);
    if (sqlite3_step(q) != SQLITE_ROW)
        rc = hl_cat_dberr(db, err, "cannot check JSON");
    else if (!sqlite3_column_int(q, 0))
        rc = hl_err_set(err, HELIOS_MISUSE, -1, "%s must be %s; found: %.80s", what,
                        object ? "a JSON object" : "JSON", json);
    sqlite3_finalize(q);
    return rc;
}

/* ---- protection ------------------------------------------------------------ */

/*
 * One guard per connection: the authorizer's state.  SQLite has no slot for
 * per-connection data before 3.44, so the guards live in a list keyed by the
 * connection, and each is tied to its connection's lifetime by an SQL
 * function (hl_catalog_guard) whose destructor, run when the connection
 * closes, unlinks and frees it.
 */
typedef struct CatGuard {
    sqlite3 *db;
    int lifted;                 /* hl_cat_protect(db, 0) calls not yet undone */
    int has_denied;
    char denied[256];           /* why the last statement was refused */
    int own_txn;                /* hl_cat_begin() opened the transaction itself */
    struct CatGuard *next;
} CatGuard;

static CatGuard *cat_guards;

static sqlite3_mutex *guard_mutex(void)
{
    /* NULL when SQLite is built without threads; enter/leave accept NULL. */
    return sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_APP3);
}

static CatGuard *guard_find(sqlite3 *db)
{
    sqlite3_mutex *m = guard_mutex();
    sqlite3_mutex_enter(m);
    CatGuard *g = cat_guards;
    while (g && g->db != db)
        g = g->next;
    sqlite3_mutex_leave(m);
    return g;
}

static void guard_destroy(void *p)
{
    sqlite3_mutex *m = guard_mutex();
    sqlite3_mutex_enter(m);
    for (CatGuard **pp = &cat_guards; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = ((CatGuard *)p)->next;
            break;
        }
    sqlite3_mutex_leave(m);
    free(p);
}

static void guard_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    const CatGuard *g = sqlite3_user_data(ctx);
    sqlite3_result_int(ctx, g->lifted == 0);
}

static int is_catalog_name(const char *name)
{
    return name && sqlite3_strnicmp(name, "hl_", 3) == 0;
}

static int deny(CatGuard *g, const char *fmt, const char *name)
{
    sqlite3_snprintf((int)sizeof g->denied, g->denied, fmt, name);
    g->has_denied = 1;
    return SQLITE_DENY;
}

static int cat_authorize(void *p, int action, const char *a1, const char *a2,
                         const char *dbname, const char *trigger)
{
    CatGuard *g = p;
    const char *table = NULL, *created = NULL;
    (void)dbname;
    (void)trigger;
    if (g->lifted)
        return SQLITE_OK;
    switch (action) {
    case SQLITE_INSERT: case SQLITE_UPDATE: case SQLITE_DELETE:
    case SQLITE_DROP_TABLE: case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_VIEW: case SQLITE_DROP_TEMP_VIEW: case SQLITE_DROP_VTABLE:
        table = a1;
        break;
    case SQLITE_CREATE_INDEX: case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_CREATE_TRIGGER: case SQLITE_CREATE_TEMP_TRIGGER:
        /* a1 is the new index or trigger, a2 its table: both are checked */
        created = a1;
        table = a2;
        break;
    case SQLITE_ALTER_TABLE:
    case SQLITE_DROP_INDEX: case SQLITE_DROP_TEMP_INDEX:
    case SQLITE_DROP_TRIGGER: case SQLITE_DROP_TEMP_TRIGGER:
        table = a2;
        break;
    case SQLITE_CREATE_TABLE: case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_VIEW: case SQLITE_CREATE_TEMP_VIEW: case SQLITE_CREATE_VTABLE:
        created = a1;
        break;
    case SQLITE_PRAGMA:
        if (a1 && a2 && sqlite3_stricmp(a1, "user_version") == 0)
            return deny(g, "PRAGMA %s belongs to the helios catalog (it holds the catalog's schema version)",
                        a1);
        break;
    default:
        break;
    }
    if (is_catalog_name(table))
        return deny(g, "table '%s' belongs to the helios catalog; change it with federated statements",
                    table);
    if (is_catalog_name(created))
        return deny(g, "the name '%s' is reserved for the helios catalog (names that begin with hl_)",
                    created);
    return SQLITE_OK;
}

/* The guard of db, created (and the authorizer installed) when missing. */
static CatGuard *guard_get(sqlite3 *db)
{
    CatGuard *g = guard_find(db);
    if (g)
        return g;
    g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->db = db;
    sqlite3_mutex *m = guard_mutex();
    sqlite3_mutex_enter(m);
    g->next = cat_guards;
    cat_guards = g;
    sqlite3_mutex_leave(m);
    /* On failure SQLite runs the destructor itself, which unlinks g. */
    if (sqlite3_create_function_v2(db, "hl_catalog_guard", 0, SQLITE_UTF8, g, guard_fn,
                                   NULL, NULL, guard_destroy) != SQLITE_OK)
        return NULL;
    sqlite3_set_authorizer(db, cat_authorize, g);
    return g;
}

int hl_cat_protect(sqlite3 *db, int on)
{
    CatGuard *g = guard_get(db);
    if (!g)
        return HELIOS_NOMEM;
    if (!on)
        g->lifted++;
    else if (g->lifted > 0)
        g->lifted--;
    return HELIOS_OK;
}

const char *hl_cat_protect_errmsg(sqlite3 *db)
{
    const CatGuard *g = guard_find(db);
    return g && g->has_denied ? g->denied : NULL;
}

void hl_cat_lift(sqlite3 *db)
{
    CatGuard *g = guard_find(db);
    if (g)
        g->lifted++;
}

void hl_cat_unlift(sqlite3 *db)
{
    CatGuard *g = guard_find(db);
    if (g && g->lifted > 0)
        g->lifted--;
}

/* ---- transactions -------------------------------------------------------- */

/* Savepoints rather than BEGIN, so that a statement inside a user's BEGIN
 * ... COMMIT is still all or nothing and leaves the user's transaction open. */
/* A statement's transaction.  Outside a user's BEGIN it is BEGIN
 * IMMEDIATE: the write lock first (waiting out the busy timeout), because a
 * deferred transaction that read before writing fails at once with
 * SQLITE_BUSY when the training engine committed a round meanwhile.
 * Inside a user's transaction it is a savepoint. */
int hl_cat_begin(sqlite3 *db, hl_err *err)
{
    CatGuard *g = guard_get(db);
    int own = sqlite3_get_autocommit(db);
    int rc = hl_cat_exec(db, own ? "BEGIN IMMEDIATE; SAVEPOINT hl_stmt" : "SAVEPOINT hl_stmt",
                         err, "cannot start a catalog transaction");
    if (g)
        g->own_txn = rc == HELIOS_OK && own;
    return rc;
}

int hl_cat_commit(sqlite3 *db, hl_err *err)
{
    CatGuard *g = guard_find(db);
    int own = g && g->own_txn;
    int rc = hl_cat_exec(db, own ? "RELEASE hl_stmt; COMMIT" : "RELEASE hl_stmt", err,
                         "cannot commit the catalog change");
    if (rc != HELIOS_OK)
        hl_cat_rollback(db);
    else if (g)
        g->own_txn = 0;
    return rc;
}

void hl_cat_rollback(sqlite3 *db)
{
    CatGuard *g = guard_find(db);
    sqlite3_exec(db, "ROLLBACK TO hl_stmt; RELEASE hl_stmt", NULL, NULL, NULL);
    if (g && g->own_txn && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (g)
        g->own_txn = 0;
}

/*
 * A transaction of its own for a write of several statements, all or
 * nothing.  Inside the caller's transaction it is a savepoint.  Outside
 * one it is BEGIN IMMEDIATE, which waits (busy timeout) for the write lock
 * before reading: a deferred transaction that read first could fail to
 * upgrade with SQLITE_BUSY when another connection wrote meanwhile, as the
 * shell's does while training commits rounds on its own.
 */
int hl_cat_txn_begin(sqlite3 *db, int *own, hl_err *err)
{
    *own = sqlite3_get_autocommit(db);
    int rc = hl_cat_exec(db, *own ? "BEGIN IMMEDIATE" : "SAVEPOINT hl_runs", err,
                         "cannot start a catalog transaction");
    if (rc == HELIOS_OK)
        hl_cat_lift(db);
    return rc;
}

int hl_cat_txn_end(sqlite3 *db, int own, int rc, hl_err *err)
{
    if (rc == HELIOS_OK)
        rc = hl_cat_exec(db, own ? "COMMIT" : "RELEASE hl_runs", err,
                         "cannot commit the catalog change");
    if (rc != HELIOS_OK)
        sqlite3_exec(db, own ? "ROLLBACK" : "ROLLBACK TO hl_runs; RELEASE hl_runs", NULL, NULL,
                     NULL);
    hl_cat_unlift(db);
    return rc;
}

int hl_cat_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **q, hl_err *err, const char *doing)
{
    *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, q, NULL) == SQLITE_OK)
        return HELIOS_OK;
    return hl_cat_dberr(db, err, doing);
}

int hl_cat_step_done(sqlite3 *db, sqlite3_stmt *q, hl_err *err, const char *doing)
{
    int rc = sqlite3_step(q) == SQLITE_DONE ? HELIOS_OK : hl_cat_dberr(db, err, doing);
    sqlite3_finalize(q);
    return rc;
}

/* ---- migrations ------------------------------------------------------------ */

/*
 * Migration i brings a catalog from version i - 1 to version i.  Each runs
 * in the transaction that also sets PRAGMA user_version, so a failed
 * upgrade leaves the catalog at its old version.  Append; never edit a
 * migration that has shipped.
 */
typedef struct CatMigration {
    int version;
    const char *sql;
    int (*after)(sqlite3 *db, hl_err *err);     /* then this, in the same transaction */
} CatMigration;

/*
 * Version 2: training history.  A run is one START (or RESUME) of a
 * model's training; each committed round adds an hl_round row with its
 * nodes and phases, and updates the run's latest parameters, so that a
 * killed process resumes from the last committed round.  A run that ends
 * well becomes the model's next version, which now carries what prediction
 * needs.  Conventions are those of schema.sql; parameters and optimizer
 * state are BLOBs of little-endian IEEE-754 binary64 values (storage/runs.h).
 * Dropping a model drops its runs, rounds, versions and checkpoint rows.
 */
static const char migration_2_sql[] =
    /* status: 'running' until it ends 'converged' or 'completed' (both
     * success: a version is made), 'stopped' (STOP FEDERATED TRAINING),
     * 'failed' (error says why) or 'interrupted' (the process died).
     * rounds_done is the number of the last committed round. */
    "CREATE TABLE hl_run (\n"
    "    id              INTEGER PRIMARY KEY,\n"
    "    model_id        INTEGER NOT NULL REFERENCES hl_model(id) ON DELETE CASCADE,\n"
    "    status          TEXT NOT NULL DEFAULT 'running' CHECK (status IN\n"
    "                    ('running', 'converged', 'completed', 'stopped', 'failed', 'interrupted')),\n"
    "    started_at      TEXT NOT NULL DEFAULT (datetime('now')),\n"
    "    updated_at      TEXT NOT NULL DEFAULT (datetime('now')),\n"
    "    finished_at     TEXT,\n"
    "    options         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),\n"
    "    plan            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(plan)),\n"
    "    spec            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(spec)),\n"
    "    error           TEXT,\n"
    "    rounds_planned  INTEGER NOT NULL DEFAULT 0 CHECK (rounds_planned >= 0),\n"
    "    rounds_done     INTEGER NOT NULL DEFAULT 0 CHECK (rounds_done >= 0),\n"
    "    params          BLOB,\n"
    "    server_state    BLOB\n"
    ");\n"
    "CREATE INDEX hl_run_model ON hl_run(model_id);\n"
    /* At most one running run per model. */
    "CREATE UNIQUE INDEX hl_run_running ON hl_run(model_id) WHERE status = 'running';\n"
    /* loss_delta: global_loss minus the previous round's of the same run. */
    "CREATE TABLE hl_round (\n"
    "    id                  INTEGER PRIMARY KEY,\n"
    "    run_id              INTEGER NOT NULL REFERENCES hl_run(id) ON DELETE CASCADE,\n"
    "    model_id            INTEGER NOT NULL REFERENCES hl_model(id) ON DELETE CASCADE,\n"
    "    round_number        INTEGER NOT NULL CHECK (round_number >= 1),\n"
    "    timestamp           TEXT NOT NULL DEFAULT (datetime('now')),\n"
    "    duration_seconds    REAL NOT NULL DEFAULT 0,\n"
    "    global_loss         REAL,\n"
    "    global_accuracy     REAL,\n"
    "    participating_nodes INTEGER NOT NULL DEFAULT 0,\n"
    "    dropped_nodes       INTEGER NOT NULL DEFAULT 0,\n"
    "    communication_bytes INTEGER NOT NULL DEFAULT 0,\n"
    "    learning_rate       REAL,\n"
    "    loss_delta          REAL,\n"
    "    node_variance       REAL,\n"
    "    privacy_consumed_epsilon REAL NOT NULL DEFAULT 0,\n"
    "    UNIQUE (run_id, round_number)\n"
    ");\n"
    "CREATE INDEX hl_round_model ON hl_round(model_id);\n"
    /* node_name is copied so that history outlives a dropped node. */
    "CREATE TABLE hl_round_node (\n"
    "    id               INTEGER PRIMARY KEY,\n"
    "    round_id         INTEGER NOT NULL REFERENCES hl_round(id) ON DELETE CASCADE,\n"
    "    node_id          INTEGER REFERENCES hl_node(id) ON DELETE SET NULL,\n"
    "    node_name        TEXT NOT NULL COLLATE NOCASE,\n"
    "    rows             INTEGER NOT NULL DEFAULT 0 CHECK (rows >= 0),\n"
    "    loss_before      REAL,\n"
    "    loss_after       REAL,\n"
    "    duration_seconds REAL NOT NULL DEFAULT 0,\n"
    "    UNIQUE (round_id, node_name)\n"
    ");\n"
    "CREATE INDEX hl_round_node_node ON hl_round_node(node_id);\n"
    "CREATE TABLE hl_round_phase (\n"
    "    round_id         INTEGER NOT NULL REFERENCES hl_round(id) ON DELETE CASCADE,\n"
    "    phase            TEXT NOT NULL CHECK (phase IN\n"
    "                     ('distribution', 'local_training', 'aggregation', 'evaluation', 'persist')),\n"
    "    duration_seconds REAL NOT NULL DEFAULT 0,\n"
    "    cpu_seconds      REAL NOT NULL DEFAULT 0,\n"
    "    memory_bytes     INTEGER NOT NULL DEFAULT 0,\n"
    "    bytes_sent       INTEGER NOT NULL DEFAULT 0,\n"
    "    bytes_received   INTEGER NOT NULL DEFAULT 0,\n"
    "    PRIMARY KEY (round_id, phase)\n"
    ");\n"
    /* What prediction needs travels with the version. */
    "ALTER TABLE hl_model_version ADD COLUMN run_id INTEGER REFERENCES hl_run(id) ON DELETE SET NULL;\n"
    "ALTER TABLE hl_model_version ADD COLUMN plan TEXT CHECK (plan IS NULL OR json_valid(plan));\n"
    "ALTER TABLE hl_model_version ADD COLUMN spec TEXT CHECK (spec IS NULL OR json_valid(spec));\n"
    /* CHECKPOINT FEDERATED TRAINING m TO 'path': one row per file written. */
    "CREATE TABLE hl_checkpoint (\n"
    "    id           INTEGER PRIMARY KEY,\n"
    "    model_id     INTEGER NOT NULL REFERENCES hl_model(id) ON DELETE CASCADE,\n"
    "    run_id       INTEGER REFERENCES hl_run(id) ON DELETE SET NULL,\n"
    "    path         TEXT NOT NULL,\n"
    "    round_number INTEGER NOT NULL CHECK (round_number >= 0),\n"
    "    created_at   TEXT NOT NULL DEFAULT (datetime('now')),\n"
    "    size_bytes   INTEGER NOT NULL CHECK (size_bytes >= 0),\n"
    "    checksum     TEXT NOT NULL,\n"
    "    UNIQUE (model_id, path)\n"
    ");\n"
    "CREATE INDEX hl_checkpoint_run ON hl_checkpoint(run_id);\n";

/* 3: which process runs a run, so that opening a catalog interrupts only
 * the runs whose process is gone (see hl_cat_run_interrupt_all). */
static const char migration_3_sql[] =
    "ALTER TABLE hl_run ADD COLUMN owner_pid INTEGER;\n";

/*
 * Version 4: differential privacy and alerts (issue 4).
 *
 * hl_privacy_ledger has one row per training round that spent privacy,
 * written (and the budget checked) in one transaction *before* the round
 * runs, so that no crash or race between models can spend what was not
 * recorded.  Rows outlive their model and run (a dropped model does not
 * give its epsilon back); they go with their workspace.  rdp is the
 * round's Renyi DP on the accountant's order grid (src/dp/rdp.h), a BLOB
 * of little-endian binary64 values, NULL for the Laplace mechanism, whose
 * pure epsilon is in pure_epsilon.  epsilon is what the round added to the
 * workspace's consumed epsilon, cumulative_epsilon the total after it.
 *
 * A run may now end 'privacy_budget_exhausted': the CHECK of hl_run.status
 * is widened in place (the procedure of SQLite's ALTER TABLE page, section
 * "Making Other Kinds Of Table Schema Changes", for loosening a CHECK; no
 * row changes), then the connection reloads the schema.
 *
 * hl_alert.triggered remembers whether the alert's condition held at the
 * last check, so that it fires once per crossing; hl_notification keeps
 * every firing and how its delivery went.
 */
static const char migration_4_sql[] =
    "PRAGMA writable_schema = ON;\n"
    "UPDATE sqlite_master SET sql = replace(sql, "
    "'''failed'', ''interrupted'')', "
    "'''failed'', ''interrupted'', ''privacy_budget_exhausted'')') "
    "WHERE type = 'table' AND name = 'hl_run';\n"
    "PRAGMA writable_schema = RESET;\n"
    "CREATE TABLE hl_privacy_ledger (\n"
    "    id                 INTEGER PRIMARY KEY,\n"
    "    ws_id              INTEGER NOT NULL REFERENCES hl_workspace(id) ON DELETE CASCADE,\n"
    "    model_id           INTEGER REFERENCES hl_model(id) ON DELETE SET NULL,\n"
    "    model_name         TEXT NOT NULL COLLATE NOCASE,\n"
    "    run_id             INTEGER REFERENCES hl_run(id) ON DELETE SET NULL,\n"
    "    round_number       INTEGER NOT NULL CHECK (round_number >= 1),\n"
    "    timestamp          TEXT NOT NULL DEFAULT (datetime('now')),\n"
    "    mechanism          TEXT NOT NULL CHECK (mechanism IN ('gaussian', 'laplacian')),\n"
    "    dp_level           TEXT NOT NULL CHECK (dp_level IN ('record', 'node')),\n"
    "    noise_multiplier   REAL NOT NULL CHECK (noise_multiplier > 0),\n"
    "    clipping_threshold REAL NOT NULL CHECK (clipping_threshold > 0),\n"
    "    sample_rate        REAL NOT NULL CHECK (sample_rate > 0 AND sample_rate <= 1),\n"
    "    steps              INTEGER NOT NULL CHECK (steps >= 0),\n"
    "    delta              REAL NOT NULL CHECK (delta >= 0 AND delta < 1),\n"
    "    rdp                BLOB,\n"
    "    pure_epsilon       REAL NOT NULL DEFAULT 0 CHECK (pure_epsilon >= 0),\n"
    "    epsilon            REAL NOT NULL CHECK (epsilon >= 0),\n"
    "    cumulative_epsilon REAL NOT NULL CHECK (cumulative_epsilon >= 0)\n"
    ");\n"
    "CREATE INDEX hl_privacy_ledger_ws ON hl_privacy_ledger(ws_id);\n"
    "ALTER TABLE hl_alert ADD COLUMN triggered INTEGER NOT NULL DEFAULT 0;\n"
    "CREATE TABLE hl_notification (\n"
    "    id           INTEGER PRIMARY KEY,\n"
    "    ws_id        INTEGER NOT NULL REFERENCES hl_workspace(id) ON DELETE CASCADE,\n"
    "    alert_id     INTEGER REFERENCES hl_alert(id) ON DELETE SET NULL,\n"
    "    alert_name   TEXT NOT NULL COLLATE NOCASE,\n"
    "    fired_at     TEXT NOT NULL DEFAULT (datetime('now')),\n"
    "    model_name   TEXT COLLATE NOCASE,\n"
    "    round_number INTEGER,\n"
    "    metric       TEXT NOT NULL,\n"
    "    value        REAL,\n"
    "    message      TEXT NOT NULL,\n"
    "    notify       TEXT,\n"
    "    delivery     TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX hl_notification_ws ON hl_notification(ws_id);\n";

/*
 * Version 5: the audit log as hash chains (storage/audit.c).  Each entry
 * gets its chain (its workspace's name), its place in it (seq), the hash
 * of the entry before it and its own; hl_audit_chain keeps each chain's head and the
 * anchor that retention leaves.  The entries already there are chained
 * in id order by hl_cat_audit_chain_existing().
 */
static const char migration_5_sql[] =
    "ALTER TABLE hl_audit ADD COLUMN chain TEXT COLLATE NOCASE;\n"
    "ALTER TABLE hl_audit ADD COLUMN seq INTEGER;\n"
    "ALTER TABLE hl_audit ADD COLUMN prev_hash TEXT;\n"
    "ALTER TABLE hl_audit ADD COLUMN hash TEXT;\n"
    "CREATE INDEX hl_audit_chain_seq ON hl_audit(chain, seq);\n"
    "CREATE TABLE hl_audit_chain (\n"
    "    chain       TEXT PRIMARY KEY COLLATE NOCASE,\n"
    "    head_seq    INTEGER NOT NULL,\n"
    "    head_hash   TEXT NOT NULL,\n"
    "    anchor_seq  INTEGER NOT NULL DEFAULT 0,\n"
    "    anchor_hash TEXT NOT NULL DEFAULT "
    "'0000000000000000000000000000000000000000000000000000000000000000'\n"
    ");\n";

static const CatMigration cat_migrations[] = {
    {1, hl_schema_sql, NULL},   /* storage/schema.sql */
    {2, migration_2_sql, NULL},
    {3, migration_3_sql, NULL},
    {4, migration_4_sql, NULL},
    {5, migration_5_sql, hl_cat_audit_chain_existing},
};

_Static_assert(sizeof cat_migrations / sizeof cat_migrations[0] == HL_CAT_SCHEMA_VERSION,
               "one migration per schema version");

const char *hl_cat_migration_sql(int version)
{
    for (size_t i = 0; i < sizeof cat_migrations / sizeof cat_migrations[0]; i++)
        if (cat_migrations[i].version == version)
            return cat_migrations[i].sql;
    return NULL;
}

static int has_catalog(sqlite3 *db, hl_err *err)
{
    return (int)query_int(db, "SELECT count(*) FROM sqlite_master "
                              "WHERE type = 'table' AND name = 'hl_workspace'", err);
}

/* Refuses what this build must not touch: a newer catalog, or a database
 * that uses user_version for something else.  -1: refused (err set);
 * else the current version. */
static int64_t check_version(sqlite3 *db, hl_err *err)
{
    int64_t v = query_int(db, "PRAGMA user_version", err);
    if (v <= 0)
        return v;
    int has = has_catalog(db, err);
    if (has < 0)
        return -1;
    if (!has) {
        hl_err_set(err, HELIOS_ERROR, -1,
                   "this database has PRAGMA user_version = %lld but no helios catalog; helios "
                   "keeps its schema version there, so it cannot add its catalog to this database",
                   (long long)v);
        return -1;
    }
    if (v > HL_CAT_SCHEMA_VERSION) {
        hl_err_set(err, HELIOS_ERROR, -1,
                   "the catalog in this database has schema version %lld, newer than this build "
                   "of helios understands (%d); open it with a newer helios",
                   (long long)v, HL_CAT_SCHEMA_VERSION);
        return -1;
    }
    return v;
}

static int migrate(sqlite3 *db, hl_err *err)
{
    int64_t v = check_version(db, err);
    if (v < 0)
        return err->code;
    if (v == HL_CAT_SCHEMA_VERSION)
        return HELIOS_OK;

    /* BEGIN IMMEDIATE takes the write lock first, so two processes opening a
     * new file do not both migrate it; the second waits, then sees it done. */
    int own = sqlite3_get_autocommit(db);
    int rc = hl_cat_exec(db, own ? "BEGIN IMMEDIATE" : "SAVEPOINT hl_migrate", err,
                         "cannot upgrade the catalog");
    if (rc != HELIOS_OK)
        return rc;
    v = check_version(db, err);
    rc = v < 0 ? err->code : HELIOS_OK;
    for (size_t i = 0; rc == HELIOS_OK && i < sizeof cat_migrations / sizeof cat_migrations[0]; i++) {
        const CatMigration *m = &cat_migrations[i];
        if (m->version <= v)
            continue;
        char doing[96];
        if (v == 0)
            sqlite3_snprintf((int)sizeof doing, doing,
                             "cannot add the helios catalog (schema version %d) to this database",
                             HL_CAT_SCHEMA_VERSION);
        else
            sqlite3_snprintf((int)sizeof doing, doing,
                             "cannot upgrade the catalog to schema version %d", m->version);
        rc = hl_cat_exec(db, m->sql, err, doing);
        if (rc == HELIOS_OK && m->after)
            rc = m->after(db, err);
    }
    if (rc == HELIOS_OK) {
        char sql[64];
        sqlite3_snprintf((int)sizeof sql, sql, "PRAGMA user_version = %d", HL_CAT_SCHEMA_VERSION);
        rc = hl_cat_exec(db, sql, err, "cannot record the catalog's schema version");
    }
    if (rc == HELIOS_OK)
        rc = hl_cat_exec(db, own ? "COMMIT" : "RELEASE hl_migrate", err,
                         "cannot upgrade the catalog");
    if (rc != HELIOS_OK)
        sqlite3_exec(db, own ? "ROLLBACK" : "ROLLBACK TO hl_migrate; RELEASE hl_migrate",
                     NULL, NULL, NULL);
    return rc;
}

/* hl_process_alive(pid): 1 when process pid of this machine is running
 * (this process included), 0 when it is gone or pid is NULL. */
static void fn_process_alive(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    sqlite3_int64 pid = sqlite3_value_int64(argv[0]);
    int alive = pid > 0 && (pid == (sqlite3_int64)getpid()
                            || kill((pid_t)pid, 0) == 0 || errno == EPERM);
    sqlite3_result_int(ctx, alive);
}

int hl_cat_open(sqlite3 *db, int is_memory, hl_err *err)
{
    if (!guard_get(db))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (sqlite3_create_function_v2(db, "hl_process_alive", 1, SQLITE_UTF8, NULL,
                                   fn_process_alive, NULL, NULL, NULL) != SQLITE_OK)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    sqlite3_busy_timeout(db, 5000);
    int rc = hl_cat_exec(db, "PRAGMA foreign_keys = ON", err, "cannot turn on foreign keys");
    if (rc != HELIOS_OK)
        return rc;
    /* A no-op inside a transaction, and drops would then not cascade. */
    if (query_int(db, "PRAGMA foreign_keys", err) != 1)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "cannot turn on foreign keys inside a transaction; open the catalog outside one");
    if (!is_memory) {
        /* Best effort: a read-only file or one in use stays in its mode. */
        sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    }
    hl_cat_lift(db);
    rc = migrate(db, err);
    hl_cat_unlift(db);
    return rc;
}
