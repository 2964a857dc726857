/*
 * runs.c - training runs and their rounds in the catalog.  See runs.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "catalog_int.h"
#include "runs.h"
#include "../src/helios.h"

static const char *const run_status_names[HL_RUN__COUNT] = {
    [HL_RUN_RUNNING] = "running",
    [HL_RUN_CONVERGED] = "converged",
    [HL_RUN_COMPLETED] = "completed",
    [HL_RUN_STOPPED] = "stopped",
    [HL_RUN_FAILED] = "failed",
    [HL_RUN_INTERRUPTED] = "interrupted",
    [HL_RUN_BUDGET_EXHAUSTED] = "privacy_budget_exhausted",
};

static const char *const phase_names[HL_CAT_PHASE__COUNT] = {
    [HL_CAT_PHASE_DISTRIBUTION] = "distribution",
    [HL_CAT_PHASE_LOCAL_TRAINING] = "local_training",
    [HL_CAT_PHASE_AGGREGATION] = "aggregation",
    [HL_CAT_PHASE_EVALUATION] = "evaluation",
    [HL_CAT_PHASE_PERSIST] = "persist",
};

const char *hl_cat_run_status_name(HlRunStatus s)
{
    return (unsigned)s < HL_RUN__COUNT ? run_status_names[s] : "?";
}

const char *hl_cat_phase_name(HlCatPhase p)
{
    return (unsigned)p < HL_CAT_PHASE__COUNT ? phase_names[p] : "?";
}

static HlRunStatus run_status_parse(const unsigned char *text)
{
    for (int i = 0; text && i < HL_RUN__COUNT; i++)
        if (strcmp((const char *)text, run_status_names[i]) == 0)
            return (HlRunStatus)i;
    return HL_RUN__COUNT;
}

static int run_succeeded(HlRunStatus s)
{
    return s == HL_RUN_CONVERGED || s == HL_RUN_COMPLETED;
}

/* ---- reading runs ------------------------------------------------------------ */

#define RUN_COLS "r.id, r.model_id, r.status, r.started_at, r.updated_at, r.finished_at, " \
                 "r.options, r.plan, r.spec, r.error, r.rounds_planned, r.rounds_done, " \
                 "r.params, r.server_state"

void hl_cat_run_clear(HlCatRun *r)
{
    if (!r)
        return;
    free(r->started_at);
    free(r->updated_at);
    free(r->finished_at);
    free(r->options);
    free(r->plan);
    free(r->spec);
    free(r->error);
    free(r->params);
    free(r->state);
    memset(r, 0, sizeof *r);
}

static int fill_run(sqlite3_stmt *q, HlCatRun *r, hl_err *err)
{
    int oom = 0;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(q, 0);
    r->model_id = sqlite3_column_int64(q, 1);
    r->status = run_status_parse(sqlite3_column_text(q, 2));
    r->started_at = hl_cat_dup_column(q, 3, &oom);
    r->updated_at = hl_cat_dup_column(q, 4, &oom);
    r->finished_at = hl_cat_dup_column(q, 5, &oom);
    r->options = hl_cat_dup_column(q, 6, &oom);
    r->plan = hl_cat_dup_column(q, 7, &oom);
    r->spec = hl_cat_dup_column(q, 8, &oom);
    r->error = hl_cat_dup_column(q, 9, &oom);
    r->rounds_planned = sqlite3_column_int64(q, 10);
    r->rounds_done = sqlite3_column_int64(q, 11);
    char what[64];
    sqlite3_snprintf((int)sizeof what, what, "the parameters of run %lld", (long long)r->id);
    int rc = oom ? hl_err_set(err, HELIOS_NOMEM, -1, "out of memory")
             : hl_cat_column_doubles(q, 12, &r->params, &r->nparams, what, err);
    sqlite3_snprintf((int)sizeof what, what, "the optimizer state of run %lld", (long long)r->id);
    if (rc == HELIOS_OK)
        rc = hl_cat_column_doubles(q, 13, &r->state, &r->nstate, what, err);
    if (rc == HELIOS_OK && r->status == HL_RUN__COUNT)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the catalog is damaged: run %lld has status '%s'",
                        (long long)r->id, (const char *)sqlite3_column_text(q, 2));
    if (rc != HELIOS_OK)
        hl_cat_run_clear(r);
    return rc;
}

/* Runs the one-row run query `sql` with ?1 = key.  *found: 0 or 1. */
static int read_run(sqlite3 *db, const char *sql, int64_t key, HlCatRun *out, int *found,
                    hl_err *err)
{
    sqlite3_stmt *q;
    HlCatRun r;
    *found = 0;
    int rc = hl_cat_prepare(db, sql, &q, err, "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, key);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        rc = fill_run(q, &r, err);
        if (rc == HELIOS_OK) {
            *out = r;           /* overwritten, not freed: see runs.h */
            *found = 1;
        }
    } else if (step != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_run_get(sqlite3 *db, int64_t run_id, HlCatRun *out, hl_err *err)
{
    int found;
    int rc = read_run(db, "SELECT " RUN_COLS " FROM hl_run r WHERE r.id = ?1", run_id, out,
                      &found, err);
    if (rc == HELIOS_OK && !found)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "training run %lld does not exist",
                        (long long)run_id);
    return rc;
}

int hl_cat_run_latest(sqlite3 *db, int64_t model_id, HlCatRun *out, hl_err *err)
{
    char *model = NULL;
    int found;
    int rc = hl_cat_model_name(db, model_id, &model, err);
    if (rc == HELIOS_OK)
        rc = read_run(db, "SELECT " RUN_COLS " FROM hl_run r WHERE r.model_id = ?1 "
                          "ORDER BY r.id DESC LIMIT 1", model_id, out, &found, err);
    if (rc == HELIOS_OK && !found)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "federated model '%s' has not been trained yet",
                        model);
    free(model);
    return rc;
}

/*
 * What the writes need to know of a run: its model (and the model's name,
 * for messages), status and rounds.  Read inside the write's savepoint, so
 * that what is checked is what is changed.
 */
typedef struct RunHead {
    int64_t id, model_id, rounds_done, rounds_planned;
    HlRunStatus status;
    int has_params;
    char *model;                /* malloc'd */
} RunHead;

static int run_head(sqlite3 *db, int64_t run_id, RunHead *h, hl_err *err)
{
    sqlite3_stmt *q;
    memset(h, 0, sizeof *h);
    int rc = hl_cat_prepare(db, "SELECT r.model_id, m.name, r.status, r.rounds_done, "
                                "r.rounds_planned, r.params IS NOT NULL "
                                "FROM hl_run r JOIN hl_model m ON m.id = r.model_id "
                                "WHERE r.id = ?1", &q, err, "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, run_id);
    int step = sqlite3_step(q), oom = 0;
    if (step == SQLITE_ROW) {
        h->id = run_id;
        h->model_id = sqlite3_column_int64(q, 0);
        h->model = hl_cat_dup_column(q, 1, &oom);
        h->status = run_status_parse(sqlite3_column_text(q, 2));
        h->rounds_done = sqlite3_column_int64(q, 3);
        h->rounds_planned = sqlite3_column_int64(q, 4);
        h->has_params = sqlite3_column_int(q, 5);
        if (oom)
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    } else if (step == SQLITE_DONE)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "training run %lld does not exist",
                        (long long)run_id);
    else
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

/* The model's running run, if any, into *h (h->id 0 when none). */
static int running_run(sqlite3 *db, int64_t model_id, RunHead *h, hl_err *err)
{
    sqlite3_stmt *q;
    int64_t id = 0;
    memset(h, 0, sizeof *h);
    int rc = hl_cat_prepare(db, "SELECT id FROM hl_run WHERE model_id = ?1 AND status = 'running'",
                            &q, err, "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    else if (step != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc == HELIOS_OK && id ? run_head(db, id, h, err) : rc;
}

static int already_training(const RunHead *h, hl_err *err)
{
    return hl_err_set(err, HELIOS_ERROR, -1,
                      "federated model '%s' is already training (run %lld, round %lld of %lld)",
                      h->model, (long long)h->id, (long long)h->rounds_done,
                      (long long)h->rounds_planned);
}

/* The model's status once no run of it is running: trained if it has a
 * version, else defined. */
static int model_status(sqlite3 *db, int64_t model_id, int training, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "UPDATE hl_model SET status = CASE WHEN ?2 THEN 'training' "
                                "WHEN EXISTS (SELECT 1 FROM hl_model_version v "
                                "WHERE v.model_id = hl_model.id) THEN 'trained' "
                                "ELSE 'defined' END WHERE id = ?1",
                            &q, err, "cannot change the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    sqlite3_bind_int(q, 2, training);
    return hl_cat_step_done(db, q, err, "cannot change the catalog");
}

/* ---- beginning and ending runs ----------------------------------------------- */

static int check_start(sqlite3 *db, const HlCatRunStart *s, hl_err *err)
{
    if (!s)
        return hl_err_set(err, HELIOS_MISUSE, -1, "a training run needs its start");
    if (s->rounds_planned < 0 || s->rounds_done < 0)
        return hl_err_set(err, HELIOS_MISUSE, -1, "a training run's rounds cannot be negative");
    int rc = hl_cat_check_json(db, s->options ? s->options : "{}", 1, "the run's options", err);
    if (rc == HELIOS_OK)
        rc = hl_cat_check_json(db, s->plan ? s->plan : "{}", 0, "the run's encoding plan", err);
    if (rc == HELIOS_OK)
        rc = hl_cat_check_json(db, s->spec ? s->spec : "{}", 0, "the run's model spec", err);
    return rc;
}

static int insert_run(sqlite3 *db, const HlCatRunStart *s, int64_t *run_id, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "INSERT INTO hl_run(model_id, options, plan, spec, rounds_planned, "
                                "rounds_done, params, server_state, owner_pid) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                            &q, err, "cannot begin the training run");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, s->model_id);
    sqlite3_bind_text(q, 2, s->options ? s->options : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, s->plan ? s->plan : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, s->spec ? s->spec : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, s->rounds_planned);
    sqlite3_bind_int64(q, 6, s->rounds_done);
    sqlite3_bind_int64(q, 9, (sqlite3_int64)getpid());
    rc = hl_cat_bind_doubles(q, 7, s->params, s->nparams, err);
    if (rc == HELIOS_OK)
        rc = hl_cat_bind_doubles(q, 8, s->state, s->nstate, err);
    if (rc != HELIOS_OK) {
        sqlite3_finalize(q);
        return rc;
    }
    rc = hl_cat_step_done(db, q, err, "cannot begin the training run");
    if (rc == HELIOS_OK && run_id)
        *run_id = sqlite3_last_insert_rowid(db);
    return rc;
}

int hl_cat_run_begin(sqlite3 *db, const HlCatRunStart *s, int64_t *run_id, hl_err *err)
{
    int own = 0;
    char *model = NULL;
    RunHead running = {0};
    int rc = check_start(db, s, err);
    if (rc == HELIOS_OK)
        rc = hl_cat_model_name(db, s->model_id, &model, err);
    free(model);
    if (rc != HELIOS_OK)
        return rc;
    rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = running_run(db, s->model_id, &running, err);
    if (rc == HELIOS_OK && running.id)
        rc = already_training(&running, err);
    if (rc == HELIOS_OK)
        rc = insert_run(db, s, run_id, err);
    if (rc == HELIOS_OK)
        rc = model_status(db, s->model_id, 1, err);
    free(running.model);
    return hl_cat_txn_end(db, own, rc, err);
}

int hl_cat_run_resume(sqlite3 *db, int64_t run_id, hl_err *err)
{
    int own = 0;
    RunHead h = {0}, running = {0};
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = run_head(db, run_id, &h, err);
    if (rc == HELIOS_OK && h.status == HL_RUN_RUNNING)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "run %lld of federated model '%s' is running already",
                        (long long)run_id, h.model);
    else if (rc == HELIOS_OK && run_succeeded(h.status))
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "run %lld of federated model '%s' has %s; start a new training instead",
                        (long long)run_id, h.model, hl_cat_run_status_name(h.status));
    if (rc == HELIOS_OK)
        rc = running_run(db, h.model_id, &running, err);
    if (rc == HELIOS_OK && running.id)
        rc = already_training(&running, err);
    if (rc == HELIOS_OK) {
        sqlite3_stmt *q;
        rc = hl_cat_prepare(db, "UPDATE hl_run SET status = 'running', finished_at = NULL, "
                                "error = NULL, updated_at = datetime('now'), owner_pid = ?2 "
                                "WHERE id = ?1",
                            &q, err, "cannot resume the training run");
        if (rc == HELIOS_OK) {
            sqlite3_bind_int64(q, 1, run_id);
            sqlite3_bind_int64(q, 2, (sqlite3_int64)getpid());
            rc = hl_cat_step_done(db, q, err, "cannot resume the training run");
        }
    }
    if (rc == HELIOS_OK)
        rc = model_status(db, h.model_id, 1, err);
    free(h.model);
    free(running.model);
    return hl_cat_txn_end(db, own, rc, err);
}

/* The run's latest parameters become the model's next version, current. */
static int make_version(sqlite3 *db, const RunHead *h, const char *metrics, int64_t *version,
                        hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db,
        "INSERT INTO hl_model_version(model_id, version, rounds, params, metrics, run_id, plan, spec) "
        "SELECT r.model_id, (SELECT coalesce(max(v.version), 0) + 1 FROM hl_model_version v "
        "WHERE v.model_id = r.model_id), r.rounds_done, r.params, ?2, r.id, r.plan, r.spec "
        "FROM hl_run r WHERE r.id = ?1", &q, err, "cannot record the model version");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, h->id);
    sqlite3_bind_text(q, 2, metrics, -1, SQLITE_STATIC);
    rc = hl_cat_step_done(db, q, err, "cannot record the model version");
    if (rc != HELIOS_OK)
        return rc;
    int64_t row = sqlite3_last_insert_rowid(db);
    rc = hl_cat_prepare(db, "UPDATE hl_model SET current_version = "
                            "(SELECT version FROM hl_model_version WHERE id = ?2) WHERE id = ?1",
                        &q, err, "cannot record the model version");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, h->model_id);
    sqlite3_bind_int64(q, 2, row);
    rc = hl_cat_step_done(db, q, err, "cannot record the model version");
    if (rc != HELIOS_OK || !version)
        return rc;
    rc = hl_cat_prepare(db, "SELECT version FROM hl_model_version WHERE id = ?1", &q, err,
                        "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, row);
    if (sqlite3_step(q) == SQLITE_ROW)
        *version = sqlite3_column_int64(q, 0);
    else
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

static int end_run(sqlite3 *db, int64_t run_id, HlRunStatus status, const char *error, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "UPDATE hl_run SET status = ?2, error = ?3, "
                                "finished_at = datetime('now') WHERE id = ?1",
                            &q, err, "cannot end the training run");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, hl_cat_run_status_name(status), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, error, -1, SQLITE_STATIC);
    return hl_cat_step_done(db, q, err, "cannot end the training run");
}

int hl_cat_run_finish(sqlite3 *db, int64_t run_id, HlRunStatus status, const char *error,
                      const char *metrics, int64_t *version, hl_err *err)
{
    int own = 0;
    RunHead h = {0};
    if (version)
        *version = 0;
    if ((unsigned)status >= HL_RUN__COUNT || status == HL_RUN_RUNNING)
        return hl_err_set(err, HELIOS_MISUSE, -1, "a training run ends with a final status, not '%s'",
                          hl_cat_run_status_name(status));
    if (!metrics)
        metrics = "{}";
    int rc = hl_cat_check_json(db, metrics, 1, "the version's metrics", err);
    if (rc == HELIOS_OK)
        rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = run_head(db, run_id, &h, err);
    if (rc == HELIOS_OK && h.status != HL_RUN_RUNNING)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "run %lld of federated model '%s' is not running (it ended '%s')",
                        (long long)run_id, h.model, hl_cat_run_status_name(h.status));
    /* A run the privacy budget stopped keeps what its rounds learned. */
    int versioned = run_succeeded(status)
                    || (status == HL_RUN_BUDGET_EXHAUSTED && h.rounds_done > 0);
    if (rc == HELIOS_OK && versioned && !h.has_params)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "run %lld of federated model '%s' has no parameters to make a version of",
                        (long long)run_id, h.model);
    if (rc == HELIOS_OK)
        rc = end_run(db, run_id, status, error, err);
    if (rc == HELIOS_OK && versioned)
        rc = make_version(db, &h, metrics, version, err);
    if (rc == HELIOS_OK)
        rc = model_status(db, h.model_id, 0, err);
    free(h.model);
    rc = hl_cat_txn_end(db, own, rc, err);
    if (rc != HELIOS_OK && version)
        *version = 0;
    return rc;
}

int hl_cat_run_interrupt_all(sqlite3 *db, int64_t model_id, int64_t *n, hl_err *err)
{
    int own = 0;
    sqlite3_stmt *q;
    int64_t changed = 0;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    /* Only runs whose process is gone: not this process's, and not one
     * that another live process on this machine is running. */
    rc = hl_cat_prepare(db, "UPDATE hl_run SET status = 'interrupted', finished_at = datetime('now') "
                            "WHERE status = 'running' AND (?1 = 0 OR model_id = ?1) "
                            "AND NOT hl_process_alive(owner_pid)",
                        &q, err, "cannot change the catalog");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, model_id);
        rc = hl_cat_step_done(db, q, err, "cannot change the catalog");
        changed = sqlite3_changes(db);
    }
    if (rc == HELIOS_OK)
        rc = hl_cat_prepare(db, "UPDATE hl_model SET status = CASE WHEN EXISTS (SELECT 1 FROM "
                                "hl_model_version v WHERE v.model_id = hl_model.id) THEN 'trained' "
                                "ELSE 'defined' END "
                                "WHERE status = 'training' AND (?1 = 0 OR id = ?1)",
                            &q, err, "cannot change the catalog");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, model_id);
        rc = hl_cat_step_done(db, q, err, "cannot change the catalog");
    }
    rc = hl_cat_txn_end(db, own, rc, err);
    if (n)
        *n = rc == HELIOS_OK ? changed : 0;
    return rc;
}

/* ---- rounds -------------------------------------------------------------------- */

static void bind_real(sqlite3_stmt *q, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_double(q, i, v);
}

static int check_round(sqlite3 *db, const HlCatRound *r, char **ts, hl_err *err)
{
    *ts = NULL;
    if (!r)
        return hl_err_set(err, HELIOS_MISUSE, -1, "a round to commit is needed");
    if (!r->params || r->nparams == 0)
        return hl_err_set(err, HELIOS_MISUSE, -1, "round %lld has no global parameters to commit",
                          (long long)r->round_number);
    if (r->nnodes < 0 || r->nphases < 0 || (r->nnodes && !r->nodes) || (r->nphases && !r->phases)
        || r->dropped_nodes < 0 || r->communication_bytes < 0)
        return hl_err_set(err, HELIOS_MISUSE, -1, "round %lld: bad node, phase or traffic counts",
                          (long long)r->round_number);
    for (int i = 0; i < r->nnodes; i++)
        if (!r->nodes[i].node_name || r->nodes[i].rows < 0)
            return hl_err_set(err, HELIOS_MISUSE, -1, "round %lld: node %d has no name or "
                              "negative rows", (long long)r->round_number, i + 1);
    unsigned seen = 0;
    for (int i = 0; i < r->nphases; i++) {
        HlCatPhase p = r->phases[i].phase;
        if ((unsigned)p >= HL_CAT_PHASE__COUNT)
            return hl_err_set(err, HELIOS_MISUSE, -1, "round %lld: unknown phase %d",
                              (long long)r->round_number, (int)p);
        if (seen & (1u << p))
            return hl_err_set(err, HELIOS_MISUSE, -1, "round %lld: phase '%s' is listed twice",
                              (long long)r->round_number, phase_names[p]);
        seen |= 1u << p;
    }
    if (!r->timestamp)
        return HELIOS_OK;
    /* Stored as datetime() writes it, so that views compare times as text. */
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT datetime(?1)", &q, err, "cannot check the round's time");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_text(q, 1, r->timestamp, -1, SQLITE_STATIC);
    int oom = 0;
    if (sqlite3_step(q) == SQLITE_ROW)
        *ts = hl_cat_dup_column(q, 0, &oom);
    if (oom)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    else if (!*ts)
        rc = hl_err_set(err, HELIOS_MISUSE, -1, "round %lld: '%s' is not a time "
                        "('YYYY-MM-DD HH:MM:SS')", (long long)r->round_number, r->timestamp);
    sqlite3_finalize(q);
    return rc;
}

static int insert_round(sqlite3 *db, const RunHead *h, const HlCatRound *r, const char *ts,
                        int64_t *round_id, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db,
        "INSERT INTO hl_round(run_id, model_id, round_number, timestamp, duration_seconds, "
        "global_loss, global_accuracy, participating_nodes, dropped_nodes, communication_bytes, "
        "learning_rate, loss_delta, node_variance, privacy_consumed_epsilon) "
        "VALUES (?1, ?2, ?3, coalesce(?4, datetime('now')), ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
        "?6 - (SELECT p.global_loss FROM hl_round p WHERE p.run_id = ?1 "
        "AND p.round_number = ?3 - 1), ?12, ?13)",
        &q, err, "cannot commit the round");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, h->id);
    sqlite3_bind_int64(q, 2, h->model_id);
    sqlite3_bind_int64(q, 3, r->round_number);
    sqlite3_bind_text(q, 4, ts, -1, SQLITE_STATIC);
    bind_real(q, 5, r->duration_seconds);
    bind_real(q, 6, r->global_loss);
    bind_real(q, 7, r->global_accuracy);
    sqlite3_bind_int(q, 8, r->nnodes);
    sqlite3_bind_int64(q, 9, r->dropped_nodes);
    sqlite3_bind_int64(q, 10, r->communication_bytes);
    bind_real(q, 11, r->learning_rate);
    bind_real(q, 12, r->node_variance);
    bind_real(q, 13, isnan(r->privacy_epsilon) ? 0.0 : r->privacy_epsilon);
    rc = hl_cat_step_done(db, q, err, "cannot commit the round");
    *round_id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int insert_nodes(sqlite3 *db, const RunHead *h, const HlCatRound *r, int64_t round_id,
                        hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "INSERT INTO hl_round_node(round_id, node_id, node_name, rows, "
                                "loss_before, loss_after, duration_seconds) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            &q, err, "cannot commit the round");
    for (int i = 0; rc == HELIOS_OK && i < r->nnodes; i++) {
        const HlCatRoundNode *n = &r->nodes[i];
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, round_id);
        if (n->node_id > 0)
            sqlite3_bind_int64(q, 2, n->node_id);
        else
            sqlite3_bind_null(q, 2);
        sqlite3_bind_text(q, 3, n->node_name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, n->rows);
        bind_real(q, 5, n->loss_before);
        bind_real(q, 6, n->loss_after);
        bind_real(q, 7, n->duration_seconds);
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
            continue;
        if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
            rc = hl_err_set(err, HELIOS_MISUSE, -1,
                            "round %lld of federated model '%s': node '%s' is listed twice",
                            (long long)r->round_number, h->model, n->node_name);
        else if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = hl_err_set(err, HELIOS_NOTFOUND, -1,
                            "round %lld of federated model '%s': node '%s' (id %lld) is not in "
                            "the catalog", (long long)r->round_number, h->model, n->node_name,
                            (long long)n->node_id);
        else
            rc = hl_cat_dberr(db, err, "cannot commit the round");
    }
    sqlite3_finalize(q);
    /* The nodes that answered are active, seen at the round's time. */
    sqlite3_stmt *u = NULL;
    if (rc == HELIOS_OK)
        rc = hl_cat_prepare(db, "UPDATE hl_node SET status = 'active', last_error = NULL, "
                                "last_seen = (SELECT timestamp FROM hl_round WHERE id = ?1) "
                                "WHERE id = ?2",
                            &u, err, "cannot commit the round");
    for (int i = 0; rc == HELIOS_OK && i < r->nnodes; i++) {
        if (r->nodes[i].node_id <= 0)
            continue;
        sqlite3_reset(u);
        sqlite3_bind_int64(u, 1, round_id);
        sqlite3_bind_int64(u, 2, r->nodes[i].node_id);
        if (sqlite3_step(u) != SQLITE_DONE)
            rc = hl_cat_dberr(db, err, "cannot commit the round");
    }
    sqlite3_finalize(u);
    return rc;
}

int hl_cat_round_set_accuracy(sqlite3 *db, int64_t run_id, int round_number, double accuracy,
                              hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "UPDATE hl_round SET global_accuracy = ?3 "
                                "WHERE run_id = ?1 AND round_number = ?2",
                            &q, err, "cannot change the catalog");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_int(q, 2, round_number);
        if (isnan(accuracy))
            sqlite3_bind_null(q, 3);
        else
            sqlite3_bind_double(q, 3, accuracy);
        rc = hl_cat_step_done(db, q, err, "cannot change the catalog");
    }
    return rc;
}

int hl_cat_node_missed(sqlite3 *db, int64_t node_id, int slow, const char *why, hl_err *err)
{
    int own = 0;
    sqlite3_stmt *q;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = hl_cat_prepare(db, "UPDATE hl_node SET status = ?3, last_error = ?2 WHERE id = ?1",
                        &q, err, "cannot change the catalog");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, node_id);
        sqlite3_bind_text(q, 2, why, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, slow ? "slow" : "failed", -1, SQLITE_STATIC);
        rc = hl_cat_step_done(db, q, err, "cannot change the catalog");
    }
    return hl_cat_txn_end(db, own, rc, err);
}

static int insert_phase(sqlite3 *db, int64_t round_id, const HlCatRoundPhase *p, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "INSERT OR REPLACE INTO hl_round_phase(round_id, phase, "
                                "duration_seconds, cpu_seconds, memory_bytes, bytes_sent, "
                                "bytes_received) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            &q, err, "cannot commit the round's phases");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, round_id);
    sqlite3_bind_text(q, 2, phase_names[p->phase], -1, SQLITE_STATIC);
    bind_real(q, 3, isnan(p->duration_seconds) ? 0.0 : p->duration_seconds);
    bind_real(q, 4, isnan(p->cpu_seconds) ? 0.0 : p->cpu_seconds);
    sqlite3_bind_int64(q, 5, p->memory_bytes);
    sqlite3_bind_int64(q, 6, p->bytes_sent);
    sqlite3_bind_int64(q, 7, p->bytes_received);
    return hl_cat_step_done(db, q, err, "cannot commit the round's phases");
}

static int update_run(sqlite3 *db, const HlCatRound *r, int64_t run_id, const char *ts,
                      hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "UPDATE hl_run SET params = ?2, server_state = ?3, "
                                "rounds_done = ?4, updated_at = coalesce(?5, datetime('now')) "
                                "WHERE id = ?1", &q, err, "cannot commit the round");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, run_id);
    rc = hl_cat_bind_doubles(q, 2, r->params, r->nparams, err);
    if (rc == HELIOS_OK)
        rc = hl_cat_bind_doubles(q, 3, r->state, r->nstate, err);
    if (rc != HELIOS_OK) {
        sqlite3_finalize(q);
        return rc;
    }
    sqlite3_bind_int64(q, 4, r->round_number);
    sqlite3_bind_text(q, 5, ts, -1, SQLITE_STATIC);
    return hl_cat_step_done(db, q, err, "cannot commit the round");
}

/* The round in the audit log (catalog.h), in its commit's transaction:
 * action 'TRAINING ROUND', the model, its workspace, and what the round
 * did as JSON. */
static int audit_round(sqlite3 *db, const RunHead *h, int64_t run_id, const HlCatRound *r,
                       hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT w.name, json_object('run', ?2, 'round', ?3, "
                                "'global_loss', ?4, 'participating_nodes', ?5, "
                                "'dropped_nodes', ?6, 'privacy_epsilon', ?7) "
                                "FROM hl_model m JOIN hl_workspace w ON w.id = m.ws_id "
                                "WHERE m.id = ?1",
                            &q, err, "cannot write the audit log");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, h->model_id);
    sqlite3_bind_int64(q, 2, run_id);
    sqlite3_bind_int64(q, 3, r->round_number);
    if (isfinite(r->global_loss))
        sqlite3_bind_double(q, 4, r->global_loss);
    sqlite3_bind_int(q, 5, r->nnodes);
    sqlite3_bind_int64(q, 6, r->dropped_nodes);
    sqlite3_bind_double(q, 7, r->privacy_epsilon);
    if (sqlite3_step(q) == SQLITE_ROW)
        rc = hl_cat_audit_append(db, "TRAINING ROUND", "model", h->model,
                                 (const char *)sqlite3_column_text(q, 0),
                                 (const char *)sqlite3_column_text(q, 1), err);
    else
        rc = hl_cat_dberr(db, err, "cannot write the audit log");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_round_commit(sqlite3 *db, int64_t run_id, const HlCatRound *r, hl_err *err)
{
    int own = 0;
    RunHead h = {0};
    char *ts = NULL;
    int64_t round_id = 0;
    int rc = check_round(db, r, &ts, err);
    if (rc == HELIOS_OK)
        rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK) {
        free(ts);
        return rc;
    }
    rc = run_head(db, run_id, &h, err);
    if (rc == HELIOS_OK && h.status != HL_RUN_RUNNING)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "run %lld of federated model '%s' is not running (it ended '%s')",
                        (long long)run_id, h.model, hl_cat_run_status_name(h.status));
    else if (rc == HELIOS_OK && r->round_number != h.rounds_done + 1)
        rc = hl_err_set(err, HELIOS_MISUSE, -1,
                        "run %lld of federated model '%s': round %lld is out of order; the next "
                        "round is %lld", (long long)run_id, h.model, (long long)r->round_number,
                        (long long)(h.rounds_done + 1));
    if (rc == HELIOS_OK)
        rc = insert_round(db, &h, r, ts, &round_id, err);
    if (rc == HELIOS_OK)
        rc = insert_nodes(db, &h, r, round_id, err);
    for (int i = 0; rc == HELIOS_OK && i < r->nphases; i++)
        rc = insert_phase(db, round_id, &r->phases[i], err);
    if (rc == HELIOS_OK)
        rc = update_run(db, r, run_id, ts, err);
    if (rc == HELIOS_OK)
        rc = audit_round(db, &h, run_id, r, err);
    free(h.model);
    free(ts);
    return hl_cat_txn_end(db, own, rc, err);
}

int hl_cat_round_phase_set(sqlite3 *db, int64_t run_id, int64_t round_number,
                           const HlCatRoundPhase *p, hl_err *err)
{
    int own = 0;
    if (!p || (unsigned)p->phase >= HL_CAT_PHASE__COUNT)
        return hl_err_set(err, HELIOS_MISUSE, -1, "an unknown phase of a round");
    sqlite3_stmt *q;
    int64_t round_id = 0;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = hl_cat_prepare(db, "SELECT id FROM hl_round WHERE run_id = ?1 AND round_number = ?2",
                        &q, err, "cannot read the catalog");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, run_id);
        sqlite3_bind_int64(q, 2, round_number);
        int step = sqlite3_step(q);
        if (step == SQLITE_ROW)
            round_id = sqlite3_column_int64(q, 0);
        else if (step == SQLITE_DONE)
            rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "run %lld has no committed round %lld",
                            (long long)run_id, (long long)round_number);
        else
            rc = hl_cat_dberr(db, err, "cannot read the catalog");
        sqlite3_finalize(q);
    }
    if (rc == HELIOS_OK)
        rc = insert_phase(db, round_id, p, err);
    return hl_cat_txn_end(db, own, rc, err);
}
