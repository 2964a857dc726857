/*
 * versions.c - model versions (read, tag, roll back) and checkpoint rows in
 * the catalog.  See runs.h; versions are made by hl_cat_run_finish().
 */
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "runs.h"
#include "../src/helios.h"

/* The version prediction uses: the one ROLLBACK chose, else the latest. */
#define CURRENT_VERSION(m) "coalesce(" m ".current_version, (SELECT max(x.version) " \
                           "FROM hl_model_version x WHERE x.model_id = " m ".id))"

void hl_cat_version_clear(HlCatVersion *v)
{
    if (!v)
        return;
    free(v->tag);
    free(v->created_at);
    free(v->plan);
    free(v->spec);
    free(v->metrics);
    free(v->params);
    memset(v, 0, sizeof *v);
}

static int fill_version(sqlite3_stmt *q, HlCatVersion *v, hl_err *err)
{
    int oom = 0;
    memset(v, 0, sizeof *v);
    v->id = sqlite3_column_int64(q, 0);
    v->model_id = sqlite3_column_int64(q, 1);
    v->version = sqlite3_column_int64(q, 2);
    v->run_id = sqlite3_column_int64(q, 3);
    v->rounds = sqlite3_column_int64(q, 4);
    v->is_current = sqlite3_column_int(q, 5);
    v->tag = hl_cat_dup_column(q, 6, &oom);
    v->created_at = hl_cat_dup_column(q, 7, &oom);
    v->plan = hl_cat_dup_column(q, 8, &oom);
    v->spec = hl_cat_dup_column(q, 9, &oom);
    v->metrics = hl_cat_dup_column(q, 10, &oom);
    char what[64];
    sqlite3_snprintf((int)sizeof what, what, "the parameters of version %lld",
                     (long long)v->version);
    int rc = oom ? hl_err_set(err, HELIOS_NOMEM, -1, "out of memory")
             : hl_cat_column_doubles(q, 11, &v->params, &v->nparams, what, err);
    if (rc != HELIOS_OK)
        hl_cat_version_clear(v);
    return rc;
}

/* "(its versions are 1 to 3)", "(its only version is 1)" or "" into buf. */
static int version_range(sqlite3 *db, int64_t model_id, char *buf, int size, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT min(version), max(version), count(*) FROM hl_model_version "
                                "WHERE model_id = ?1", &q, err, "cannot read the catalog");
    buf[0] = '\0';
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    if (sqlite3_step(q) != SQLITE_ROW)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    else if (sqlite3_column_int64(q, 2) == 1)
        sqlite3_snprintf(size, buf, " (its only version is %lld)",
                         (long long)sqlite3_column_int64(q, 0));
    else if (sqlite3_column_int64(q, 2) > 1)
        sqlite3_snprintf(size, buf, " (its versions are %lld to %lld)",
                         (long long)sqlite3_column_int64(q, 0),
                         (long long)sqlite3_column_int64(q, 1));
    sqlite3_finalize(q);
    return rc;
}

static int no_such_version(sqlite3 *db, int64_t model_id, const char *model, int64_t version,
                           const char *tag, hl_err *err)
{
    char range[96];
    int rc = version_range(db, model_id, range, (int)sizeof range, err);
    if (rc != HELIOS_OK)
        return rc;
    if (version > 0)
        return hl_err_set(err, HELIOS_NOTFOUND, -1, "federated model '%s' has no version %lld%s",
                          model, (long long)version, range);
    if (tag)
        return hl_err_set(err, HELIOS_NOTFOUND, -1, "federated model '%s' has no version '%s'%s",
                          model, tag, range);
    return hl_err_set(err, HELIOS_NOTFOUND, -1, "federated model '%s' has no trained version yet",
                      model);
}

/* Reads the version chosen by (version, tag) as hl_cat_version_get() says;
 * *model gets the model's name (malloc'd), for the caller's messages. */
static int read_version(sqlite3 *db, int64_t model_id, int64_t version, const char *tag,
                        HlCatVersion *out, char **model, hl_err *err)
{
    sqlite3_stmt *q;
    HlCatVersion v;
    int rc = hl_cat_model_name(db, model_id, model, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = hl_cat_prepare(db,
        "SELECT v.id, v.model_id, v.version, v.run_id, v.rounds, "
        "v.version = " CURRENT_VERSION("m") ", v.tag, v.created_at, v.plan, v.spec, v.metrics, "
        "v.params FROM hl_model_version v JOIN hl_model m ON m.id = v.model_id "
        "WHERE v.model_id = ?1 AND CASE WHEN ?2 > 0 THEN v.version = ?2 "
        "WHEN ?3 IS NOT NULL THEN v.tag = ?3 ELSE v.version = " CURRENT_VERSION("m") " END",
        &q, err, "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    sqlite3_bind_int64(q, 2, version);
    sqlite3_bind_text(q, 3, tag, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        rc = fill_version(q, &v, err);
        if (rc == HELIOS_OK)
            *out = v;           /* overwritten, not freed: see runs.h */
    } else if (step == SQLITE_DONE)
        rc = no_such_version(db, model_id, *model, version, tag, err);
    else
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_version_get(sqlite3 *db, int64_t model_id, int64_t version, const char *tag,
                       HlCatVersion *out, hl_err *err)
{
    char *model = NULL;
    int rc = read_version(db, model_id, version, tag, out, &model, err);
    free(model);
    return rc;
}

/* The version of the model tagged `tag`, 0 when none. */
static int tagged(sqlite3 *db, int64_t model_id, const char *tag, int64_t *version, hl_err *err)
{
    sqlite3_stmt *q;
    *version = 0;
    int rc = hl_cat_prepare(db, "SELECT version FROM hl_model_version WHERE model_id = ?1 "
                                "AND tag = ?2", &q, err, "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    sqlite3_bind_text(q, 2, tag, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *version = sqlite3_column_int64(q, 0);
    else if (step != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_version_tag(sqlite3 *db, int64_t model_id, int64_t version, const char *tag,
                       hl_err *err)
{
    int own = 0;
    if (!tag || !tag[strspn(tag, " \t\r\n\f\v")])
        return hl_err_set(err, HELIOS_MISUSE, -1, "a version's tag must not be empty");
    HlCatVersion v = {0};
    char *model = NULL;
    int64_t holder = 0;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = read_version(db, model_id, version, NULL, &v, &model, err);
    if (rc == HELIOS_OK)
        rc = tagged(db, model_id, tag, &holder, err);
    if (rc == HELIOS_OK && holder && holder != v.version)
        rc = hl_err_set(err, HELIOS_EXISTS, -1,
                        "tag '%s' already names version %lld of federated model '%s'", tag,
                        (long long)holder, model);
    else if (rc == HELIOS_OK && !holder && v.tag)
        rc = hl_err_set(err, HELIOS_EXISTS, -1,
                        "version %lld of federated model '%s' is already tagged '%s'",
                        (long long)v.version, model, v.tag);
    if (rc == HELIOS_OK && !holder) {
        sqlite3_stmt *q;
        rc = hl_cat_prepare(db, "UPDATE hl_model_version SET tag = ?2 WHERE id = ?1", &q, err,
                            "cannot tag the version");
        if (rc == HELIOS_OK) {
            sqlite3_bind_int64(q, 1, v.id);
            sqlite3_bind_text(q, 2, tag, -1, SQLITE_STATIC);
            rc = hl_cat_step_done(db, q, err, "cannot tag the version");
        }
    }
    hl_cat_version_clear(&v);
    free(model);
    return hl_cat_txn_end(db, own, rc, err);
}

int hl_cat_version_rollback(sqlite3 *db, int64_t model_id, int64_t version, const char *tag,
                            int64_t *number, hl_err *err)
{
    int own = 0;
    if (version <= 0 && !tag)
        return hl_err_set(err, HELIOS_MISUSE, -1, "a rollback needs a version number or tag");
    HlCatVersion v = {0};
    char *model = NULL;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = read_version(db, model_id, version, tag, &v, &model, err);
    if (rc == HELIOS_OK) {
        sqlite3_stmt *q;
        rc = hl_cat_prepare(db, "UPDATE hl_model SET current_version = ?2 WHERE id = ?1", &q,
                            err, "cannot roll the model back");
        if (rc == HELIOS_OK) {
            sqlite3_bind_int64(q, 1, model_id);
            sqlite3_bind_int64(q, 2, v.version);
            rc = hl_cat_step_done(db, q, err, "cannot roll the model back");
        }
    }
    rc = hl_cat_txn_end(db, own, rc, err);
    if (number)
        *number = rc == HELIOS_OK ? v.version : 0;
    hl_cat_version_clear(&v);
    free(model);
    return rc;
}

/* ---- checkpoints ------------------------------------------------------------- */

void hl_cat_checkpoints_free(HlCatCheckpoint *c, int n)
{
    if (!c)
        return;
    for (int i = 0; i < n; i++) {
        free(c[i].path);
        free(c[i].created_at);
        free(c[i].checksum);
    }
    free(c);
}

/* A run given for a checkpoint must be one of the model's. */
static int check_run_of(sqlite3 *db, int64_t model_id, const char *model, int64_t run_id,
                        hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT model_id FROM hl_run WHERE id = ?1", &q, err,
                            "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, run_id);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW && sqlite3_column_int64(q, 0) != model_id)
        rc = hl_err_set(err, HELIOS_MISUSE, -1,
                        "training run %lld is not a run of federated model '%s'",
                        (long long)run_id, model);
    else if (step == SQLITE_DONE)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "training run %lld does not exist",
                        (long long)run_id);
    else if (step != SQLITE_ROW)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

static int upsert_checkpoint(sqlite3 *db, int64_t model_id, int64_t run_id, const char *path,
                             int64_t round_number, int64_t size_bytes, const char *checksum,
                             int64_t *id, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db,
        "INSERT INTO hl_checkpoint(model_id, run_id, path, round_number, size_bytes, checksum) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (model_id, path) DO UPDATE SET "
        "run_id = excluded.run_id, round_number = excluded.round_number, "
        "created_at = datetime('now'), size_bytes = excluded.size_bytes, "
        "checksum = excluded.checksum", &q, err, "cannot record the checkpoint");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    if (run_id > 0)
        sqlite3_bind_int64(q, 2, run_id);
    sqlite3_bind_text(q, 3, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, round_number);
    sqlite3_bind_int64(q, 5, size_bytes);
    sqlite3_bind_text(q, 6, checksum, -1, SQLITE_STATIC);
    rc = hl_cat_step_done(db, q, err, "cannot record the checkpoint");
    if (rc != HELIOS_OK || !id)
        return rc;
    /* last_insert_rowid() is not set when the upsert updated. */
    rc = hl_cat_prepare(db, "SELECT id FROM hl_checkpoint WHERE model_id = ?1 AND path = ?2", &q,
                        err, "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    sqlite3_bind_text(q, 2, path, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    else
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_checkpoint_add(sqlite3 *db, int64_t model_id, int64_t run_id, const char *path,
                          int64_t round_number, int64_t size_bytes, const char *checksum,
                          int64_t *id, hl_err *err)
{
    int own = 0;
    if (!path || !*path)
        return hl_err_set(err, HELIOS_MISUSE, -1, "a checkpoint needs a path");
    if (!checksum || !*checksum)
        return hl_err_set(err, HELIOS_MISUSE, -1, "checkpoint '%s' needs a checksum", path);
    if (round_number < 0 || size_bytes < 0)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "checkpoint '%s': round and size cannot be negative", path);
    char *model = NULL;
    int rc = hl_cat_model_name(db, model_id, &model, err);
    if (rc == HELIOS_OK && run_id > 0)
        rc = check_run_of(db, model_id, model, run_id, err);
    free(model);
    if (rc != HELIOS_OK)
        return rc;
    rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = upsert_checkpoint(db, model_id, run_id, path, round_number, size_bytes, checksum, id, err);
    return hl_cat_txn_end(db, own, rc, err);
}

int hl_cat_checkpoint_list(sqlite3 *db, int64_t model_id, HlCatCheckpoint **out, int *n,
                           hl_err *err)
{
    sqlite3_stmt *q;
    HlCatCheckpoint *list = NULL;
    int count = 0, cap = 0, step = SQLITE_DONE, oom = 0;
    *out = NULL;
    *n = 0;
    char *model = NULL;
    int rc = hl_cat_model_name(db, model_id, &model, err);
    free(model);
    if (rc == HELIOS_OK)
        rc = hl_cat_prepare(db, "SELECT id, model_id, run_id, round_number, size_bytes, path, "
                                "created_at, checksum FROM hl_checkpoint WHERE model_id = ?1 "
                                "ORDER BY created_at, id", &q, err, "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, model_id);
    while (!oom && (step = sqlite3_step(q)) == SQLITE_ROW) {
        if (count == cap) {
            int ncap = cap ? cap * 2 : 8;
            HlCatCheckpoint *grown = realloc(list, (size_t)ncap * sizeof *grown);
            if (!grown) {
                oom = 1;
                break;
            }
            list = grown;
            cap = ncap;
        }
        HlCatCheckpoint *c = &list[count++];
        memset(c, 0, sizeof *c);
        c->id = sqlite3_column_int64(q, 0);
        c->model_id = sqlite3_column_int64(q, 1);
        c->run_id = sqlite3_column_int64(q, 2);
        c->round_number = sqlite3_column_int64(q, 3);
        c->size_bytes = sqlite3_column_int64(q, 4);
        c->path = hl_cat_dup_column(q, 5, &oom);
        c->created_at = hl_cat_dup_column(q, 6, &oom);
        c->checksum = hl_cat_dup_column(q, 7, &oom);
    }
    if (oom)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    else if (step != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    if (rc != HELIOS_OK) {
        hl_cat_checkpoints_free(list, count);
        return rc;
    }
    *out = list;
    *n = count;
    return HELIOS_OK;
}
