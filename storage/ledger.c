/*
 * ledger.c - the privacy ledger, alerts and notifications in the catalog;
 * see ledger.h.
 */
#include "ledger.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "catalog_int.h"
#include "../src/helios.h"

void hl_cat_spent_clear(HlCatSpent *s)
{
    if (!s)
        return;
    free(s->rdp);
    memset(s, 0, sizeof *s);
}

/* The totals alone, in one aggregate query (no row comes back to C). */
static int spent_totals(sqlite3 *db, int64_t ws_id, HlCatSpent *out, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT count(*), total(pure_epsilon), min(delta), count(rdp), "
                                "(SELECT cumulative_epsilon FROM hl_privacy_ledger "
                                "WHERE ws_id = ?1 ORDER BY id DESC LIMIT 1) "
                                "FROM hl_privacy_ledger WHERE ws_id = ?1",
                            &q, err, "cannot read the privacy ledger");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, ws_id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        out->rounds = sqlite3_column_int64(q, 0);
        out->pure_epsilon = sqlite3_column_double(q, 1);
        out->min_delta = sqlite3_column_double(q, 2);
        out->gaussian_rounds = sqlite3_column_int64(q, 3);
        out->cumulative_epsilon = sqlite3_column_double(q, 4);
    } else
        rc = hl_cat_dberr(db, err, "cannot read the privacy ledger");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_privacy_spent(sqlite3 *db, int64_t ws_id, int norders, HlCatSpent *out,
                         hl_err *err)
{
    memset(out, 0, sizeof *out);
    out->norders = norders;
    out->rdp = calloc((size_t)(norders > 0 ? norders : 1), sizeof *out->rdp);
    if (!out->rdp)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (norders <= 0) {
        int trc = spent_totals(db, ws_id, out, err);
        if (trc != HELIOS_OK)
            hl_cat_spent_clear(out);
        return trc;
    }
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT id, rdp, pure_epsilon, delta, cumulative_epsilon "
                                "FROM hl_privacy_ledger WHERE ws_id = ?1 ORDER BY id",
                            &q, err, "cannot read the privacy ledger");
    if (rc != HELIOS_OK) {
        hl_cat_spent_clear(out);
        return rc;
    }
    sqlite3_bind_int64(q, 1, ws_id);
    int s;
    while (rc == HELIOS_OK && (s = sqlite3_step(q)) == SQLITE_ROW) {
        char what[64];
        sqlite3_snprintf((int)sizeof what, what, "privacy ledger row %lld",
                         (long long)sqlite3_column_int64(q, 0));
        double *v = NULL;
        size_t n = 0;
        if (norders > 0)
            rc = hl_cat_column_doubles(q, 1, &v, &n, what, err);
        if (rc == HELIOS_OK && v && n != (size_t)norders)
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "%s holds %zu Renyi orders; this build accounts on %d", what, n,
                            norders);
        for (size_t i = 0; rc == HELIOS_OK && v && i < n; i++)
            out->rdp[i] += v[i];
        free(v);
        double d = sqlite3_column_double(q, 3);
        if (out->rounds == 0 || d < out->min_delta)
            out->min_delta = d;
        out->pure_epsilon += sqlite3_column_double(q, 2);
        out->gaussian_rounds += sqlite3_column_type(q, 1) != SQLITE_NULL;
        out->cumulative_epsilon = sqlite3_column_double(q, 4);
        out->rounds++;
    }
    if (rc == HELIOS_OK && s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the privacy ledger");
    sqlite3_finalize(q);
    if (rc != HELIOS_OK)
        hl_cat_spent_clear(out);
    return rc;
}

int hl_cat_privacy_last(sqlite3 *db, int64_t ws_id, int norders, double *rdp, double *pure,
                        int *found, hl_err *err)
{
    *found = 0;
    *pure = 0;
    memset(rdp, 0, sizeof *rdp * (size_t)norders);
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT id, rdp, pure_epsilon FROM hl_privacy_ledger "
                                "WHERE ws_id = ?1 ORDER BY id DESC LIMIT 1",
                            &q, err, "cannot read the privacy ledger");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, ws_id);
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        double *v = NULL;
        size_t n = 0;
        rc = hl_cat_column_doubles(q, 1, &v, &n, "the latest privacy ledger row", err);
        if (rc == HELIOS_OK && v && n != (size_t)norders)
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "the latest privacy ledger row holds %zu Renyi orders; this build accounts on %d",
                            n, norders);
        if (rc == HELIOS_OK && v)
            memcpy(rdp, v, sizeof *v * n);
        free(v);
        *pure = sqlite3_column_double(q, 2);
        *found = rc == HELIOS_OK;
    } else if (s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the privacy ledger");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_workspace_options(sqlite3 *db, int64_t ws_id, char **options, hl_err *err)
{
    *options = NULL;
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT options FROM hl_workspace WHERE id = ?1", &q, err,
                            "cannot read the catalog");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, ws_id);
    int s = sqlite3_step(q), oom = 0;
    if (s == SQLITE_ROW) {
        *options = hl_cat_dup_column(q, 0, &oom);
        if (oom || !*options)
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    } else if (s == SQLITE_DONE)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "the workspace of this training was dropped");
    else
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_privacy_record(sqlite3 *db, const HlCatSpend *s, hl_err *err)
{
    int own;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_stmt *q = NULL;
    rc = hl_cat_prepare(db,
                        "INSERT INTO hl_privacy_ledger(ws_id, model_id, model_name, run_id, "
                        "round_number, timestamp, mechanism, dp_level, noise_multiplier, "
                        "clipping_threshold, sample_rate, steps, delta, rdp, pure_epsilon, "
                        "epsilon, cumulative_epsilon) VALUES (?1, ?2, ?3, ?4, ?5, "
                        "coalesce(?6, datetime('now')), ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                        "?15, ?16, ?17)",
                        &q, err, "cannot record privacy spending");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, s->ws_id);
        if (s->model_id > 0)
            sqlite3_bind_int64(q, 2, s->model_id);
        sqlite3_bind_text(q, 3, s->model_name, -1, SQLITE_STATIC);
        if (s->run_id > 0)
            sqlite3_bind_int64(q, 4, s->run_id);
        sqlite3_bind_int64(q, 5, s->round_number);
        if (s->timestamp)
            sqlite3_bind_text(q, 6, s->timestamp, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, s->mechanism, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 8, s->dp_level, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 9, s->noise_multiplier);
        sqlite3_bind_double(q, 10, s->clipping_threshold);
        sqlite3_bind_double(q, 11, s->sample_rate);
        sqlite3_bind_int64(q, 12, s->steps);
        sqlite3_bind_double(q, 13, s->delta);
        rc = hl_cat_bind_doubles(q, 14, s->rdp, s->rdp ? (size_t)s->nrdp : 0, err);
        sqlite3_bind_double(q, 15, s->pure_epsilon);
        sqlite3_bind_double(q, 16, s->epsilon);
        sqlite3_bind_double(q, 17, s->cumulative_epsilon);
        if (rc == HELIOS_OK)
            rc = hl_cat_step_done(db, q, err, "cannot record privacy spending");
        else
            sqlite3_finalize(q);
    }
    return hl_cat_txn_end(db, own, rc, err);
}

/* ---- alerts ------------------------------------------------------------------ */

void hl_cat_alerts_free(HlCatAlert *a, int n)
{
    for (int i = 0; a && i < n; i++) {
        free(a[i].name);
        free(a[i].metric);
        free(a[i].cmp);
        free(a[i].notify);
    }
    free(a);
}

int hl_cat_alerts(sqlite3 *db, int64_t ws_id, HlCatAlert **out, int *n, hl_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT id, name, metric, cmp, threshold, notify, triggered "
                                "FROM hl_alert WHERE ws_id = ?1 AND status = 'enabled' "
                                "ORDER BY id", &q, err, "cannot read the alerts");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, ws_id);
    HlCatAlert *v = NULL;
    int k = 0, s, oom = 0;
    while ((s = sqlite3_step(q)) == SQLITE_ROW) {
        HlCatAlert *nv = realloc(v, sizeof *v * (size_t)(k + 1));
        if (!nv) {
            oom = 1;
            break;
        }
        v = nv;
        HlCatAlert *a = &v[k++];
        memset(a, 0, sizeof *a);
        a->id = sqlite3_column_int64(q, 0);
        a->name = hl_cat_dup_column(q, 1, &oom);
        a->metric = hl_cat_dup_column(q, 2, &oom);
        a->cmp = hl_cat_dup_column(q, 3, &oom);
        a->threshold = sqlite3_column_double(q, 4);
        a->notify = hl_cat_dup_column(q, 5, &oom);
        a->triggered = sqlite3_column_int(q, 6);
        if (oom)
            break;
    }
    if (oom)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    else if (s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the alerts");
    sqlite3_finalize(q);
    if (rc != HELIOS_OK) {
        hl_cat_alerts_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return HELIOS_OK;
}

int hl_cat_alert_set_triggered(sqlite3 *db, int64_t id, int triggered, hl_err *err)
{
    int own;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_stmt *q;
    rc = hl_cat_prepare(db, "UPDATE hl_alert SET triggered = ?2 WHERE id = ?1", &q, err,
                        "cannot update an alert");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int(q, 2, triggered != 0);
        rc = hl_cat_step_done(db, q, err, "cannot update an alert");
    }
    return hl_cat_txn_end(db, own, rc, err);
}

int hl_cat_notification_add(sqlite3 *db, const HlCatNotification *n, hl_err *err)
{
    int own;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_stmt *q;
    rc = hl_cat_prepare(db,
                        "INSERT INTO hl_notification(ws_id, alert_id, alert_name, fired_at, "
                        "model_name, round_number, metric, value, message, notify, delivery) "
                        "VALUES (?1, ?2, ?3, coalesce(?4, datetime('now')), ?5, ?6, ?7, ?8, ?9, "
                        "?10, ?11)", &q, err, "cannot record a notification");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, n->ws_id);
        if (n->alert_id > 0)
            sqlite3_bind_int64(q, 2, n->alert_id);
        sqlite3_bind_text(q, 3, n->alert_name, -1, SQLITE_STATIC);
        if (n->timestamp)
            sqlite3_bind_text(q, 4, n->timestamp, -1, SQLITE_STATIC);
        if (n->model_name)
            sqlite3_bind_text(q, 5, n->model_name, -1, SQLITE_STATIC);
        if (n->round_number > 0)
            sqlite3_bind_int64(q, 6, n->round_number);
        sqlite3_bind_text(q, 7, n->metric, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 8, n->value);
        sqlite3_bind_text(q, 9, n->message, -1, SQLITE_STATIC);
        if (n->notify)
            sqlite3_bind_text(q, 10, n->notify, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 11, n->delivery, -1, SQLITE_STATIC);
        rc = hl_cat_step_done(db, q, err, "cannot record a notification");
    }
    /* and in the audit log (catalog.h), with what fired and how its
     * delivery went */
    if (rc == HELIOS_OK)
        rc = hl_cat_prepare(db, "SELECT w.name, json_object('model', ?2, 'round', ?3, "
                                "'metric', ?4, 'value', ?5, 'message', ?6, 'delivery', ?7) "
                                "FROM hl_workspace w WHERE w.id = ?1",
                            &q, err, "cannot write the audit log");
    if (rc == HELIOS_OK) {
        sqlite3_bind_int64(q, 1, n->ws_id);
        if (n->model_name)
            sqlite3_bind_text(q, 2, n->model_name, -1, SQLITE_STATIC);
        if (n->round_number > 0)
            sqlite3_bind_int64(q, 3, n->round_number);
        sqlite3_bind_text(q, 4, n->metric, -1, SQLITE_STATIC);
        if (isfinite(n->value))
            sqlite3_bind_double(q, 5, n->value);
        sqlite3_bind_text(q, 6, n->message, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, n->delivery, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW)
            rc = hl_cat_audit_append(db, "ALERT FIRED", "alert", n->alert_name,
                                     (const char *)sqlite3_column_text(q, 0),
                                     (const char *)sqlite3_column_text(q, 1), err);
        sqlite3_finalize(q);
    }
    return hl_cat_txn_end(db, own, rc, err);
}
