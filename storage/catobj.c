/*
 * catobj.c - typed accessors of catalog objects: create, get, set options,
 * drop, count, audit.  One generic implementation over a table of kinds.
 * See catalog.h.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "catalog_int.h"
#include "../src/helios.h"

typedef struct CatKindDef {
    const char *table;          /* SQL table */
    const char *kind;           /* hl_cat_kind_name() */
    const char *label;          /* for messages: "federated workspace" */
    int in_ws;                  /* lives inside a workspace (ws_id column) */
    const char *prep;           /* "in" / "on" workspace, for messages */
    int unique_in_catalog;      /* name unique in the whole catalog */
    const char *extra_cols;     /* columns filled from `extra` (JSON in ?4) */
    const char *extra_vals;
} CatKindDef;

static const CatKindDef cat_kinds[HL_CAT__COUNT] = {
    [HL_CAT_WORKSPACE] = {"hl_workspace", "workspace", "federated workspace", 0, "", 1, "", ""},
    [HL_CAT_NODE] = {"hl_node", "node", "federated node", 1, "in", 0, "", ""},
    [HL_CAT_MODEL] = {"hl_model", "model", "federated model", 1, "in", 1, "", ""},
    [HL_CAT_ALERT] = {"hl_alert", "alert", "federated alert", 1, "on", 0,
                      ", metric, cmp, threshold, notify",
                      ", json_extract(?4, '$.metric'), json_extract(?4, '$.cmp'),"
                      " json_extract(?4, '$.threshold'), json_extract(?4, '$.notify')"},
    [HL_CAT_AGGFUNC] = {"hl_aggfunc", "aggregation function", "federated aggregation function",
                        0, "", 1,
                        ", returns, language, body, symbol",
                        ", json_extract(?4, '$.returns'), json_extract(?4, '$.language'),"
                        " json_extract(?4, '$.body'), json_extract(?4, '$.symbol')"},
    [HL_CAT_EXTENSION] = {"hl_extension", "extension", "extension", 0, "", 1, "", ""},
};

const char *hl_cat_kind_name(HlCatKind k)
{
    return (unsigned)k < HL_CAT__COUNT ? cat_kinds[k].kind : "object";
}

void hl_cat_obj_clear(HlCatObj *o)
{
    if (!o)
        return;
    free(o->name);
    free(o->ws_name);
    free(o->options);
    free(o->status);
    free(o->created_at);
    memset(o, 0, sizeof *o);
}

static const CatKindDef *kind_def(HlCatKind k, hl_err *err)
{
    if ((unsigned)k < HL_CAT__COUNT)
        return &cat_kinds[k];
    hl_err_set(err, HELIOS_MISUSE, -1, "unknown catalog object kind %d", (int)k);
    return NULL;
}

static char *dup_col(sqlite3_stmt *q, int i, int *oom)
{
    const char *s = (const char *)sqlite3_column_text(q, i);
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

/* Prepares "SELECT <object columns> FROM <kind> o ... WHERE <where>". */
static sqlite3_stmt *select_objs(sqlite3 *db, const CatKindDef *d, const char *where, hl_err *err)
{
    char *sql = sqlite3_mprintf(
        "SELECT o.id, %s, o.name, %s, o.options, o.status, o.created_at FROM %s o %s WHERE %s "
        "ORDER BY o.id",
        d->in_ws ? "o.ws_id" : "0", d->in_ws ? "w.name" : "NULL", d->table,
        d->in_ws ? "JOIN hl_workspace w ON w.id = o.ws_id" : "", where);
    sqlite3_stmt *q = NULL;
    if (!sql) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return NULL;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_free(sql);
    return q;
}

/* Fills *o (whose previous contents are overwritten, not freed). */
static int fill_obj(sqlite3_stmt *q, HlCatObj *o, hl_err *err)
{
    int oom = 0;
    memset(o, 0, sizeof *o);
    o->id = sqlite3_column_int64(q, 0);
    o->ws_id = sqlite3_column_int64(q, 1);
    o->name = dup_col(q, 2, &oom);
    o->ws_name = dup_col(q, 3, &oom);
    o->options = dup_col(q, 4, &oom);
    o->status = dup_col(q, 5, &oom);
    o->created_at = dup_col(q, 6, &oom);
    if (oom) {
        hl_cat_obj_clear(o);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    return HELIOS_OK;
}

/* Reads the object of kind d with this id into *o.  HELIOS_NOTFOUND when
 * there is none. */
static int get_by_id(sqlite3 *db, const CatKindDef *d, int64_t id, HlCatObj *o, hl_err *err)
{
    sqlite3_stmt *q = select_objs(db, d, "o.id = ?1", err);
    if (!q)
        return err->code;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        rc = fill_obj(q, o, err);
    else if (rc == SQLITE_DONE)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "%s with id %lld does not exist", d->label,
                        (long long)id);
    else
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

/* The name of workspace ws_id (malloc'd) into *name. */
static int ws_name(sqlite3 *db, int64_t ws_id, char **name, hl_err *err)
{
    HlCatObj ws = {0};
    *name = NULL;
    int rc = get_by_id(db, &cat_kinds[HL_CAT_WORKSPACE], ws_id, &ws, err);
    if (rc == HELIOS_OK) {
        *name = ws.name;
        ws.name = NULL;
    }
    hl_cat_obj_clear(&ws);
    return rc;
}

/*
 * Looks `name` up among objects of kind d.  Fills *found with the one in
 * workspace ws_id (any workspace when ws_id is 0), counts the matches in
 * *n, and puts in *elsewhere (malloc'd, may stay NULL) the workspace of a
 * same-named object outside ws_id.  A second match's workspace goes to
 * *other, for the "several workspaces" message.
 */
static int lookup(sqlite3 *db, const CatKindDef *d, int64_t ws_id, const char *name,
                  HlCatObj *found, int *n, char **elsewhere, char **other, hl_err *err)
{
    sqlite3_stmt *q = select_objs(db, d, "o.name = ?1", err);
    int rc = HELIOS_OK, step = SQLITE_DONE;
    *n = 0;
    if (!q)
        return err->code;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    while (rc == HELIOS_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t row_ws = sqlite3_column_int64(q, 1);
        const char *row_ws_name = (const char *)sqlite3_column_text(q, 3);
        char **slot = NULL;
        if (ws_id == 0 || row_ws == ws_id) {
            if (++*n == 1)
                rc = fill_obj(q, found, err);
            else
                slot = other;
        } else
            slot = elsewhere;
        if (slot && !*slot && row_ws_name && !(*slot = strdup(row_ws_name)))
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    if (rc == HELIOS_OK && step != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_get(sqlite3 *db, HlCatKind k, int64_t ws_id, const char *name, HlCatObj *out,
               hl_err *err)
{
    const CatKindDef *d = kind_def(k, err);
    HlCatObj o = {0};
    char *elsewhere = NULL, *other = NULL, *wsn = NULL;
    int n = 0, rc;
    if (!d)
        return err->code;
    if (!d->in_ws)
        ws_id = 0;
    if (!name)
        return hl_err_set(err, HELIOS_MISUSE, -1, "%s: no name given", d->label);
    rc = lookup(db, d, ws_id, name, &o, &n, &elsewhere, &other, err);
    if (rc == HELIOS_OK && n == 0 && ws_id != 0)
        rc = ws_name(db, ws_id, &wsn, err);
    if (rc == HELIOS_OK && n == 0 && ws_id == 0)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "%s '%s' does not exist", d->label, name);
    else if (rc == HELIOS_OK && n == 0 && elsewhere)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "%s '%s' does not exist %s workspace '%s' "
                        "(it is %s workspace '%s')", d->label, name, d->prep, wsn, d->prep,
                        elsewhere);
    else if (rc == HELIOS_OK && n == 0)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1, "%s '%s' does not exist %s workspace '%s'",
                        d->label, name, d->prep, wsn);
    else if (rc == HELIOS_OK && n > 1)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "%s '%s' exists %s %d workspaces ('%s', '%s'%s); "
                        "add %s WORKSPACE <name>", d->label, name, d->prep, n, o.ws_name,
                        other ? other : "?", n > 2 ? ", ..." : "",
                        strcmp(d->prep, "on") == 0 ? "ON" : "IN");
    if (rc == HELIOS_OK)
        *out = o;               /* overwritten, not freed: see catalog.h */
    else
        hl_cat_obj_clear(&o);
    free(elsewhere);
    free(other);
    free(wsn);
    return rc;
}

/* 1 when `json` is the text of a JSON object, 0 when not, -1 on error. */
static int is_json_object(sqlite3 *db, const char *json, hl_err *err)
{
    sqlite3_stmt *q = NULL;
    int r = -1;
    if (sqlite3_prepare_v2(db, "SELECT json_valid(?1) AND json_type(?1) = 'object'", -1, &q,
                           NULL) != SQLITE_OK) {
        hl_cat_dberr(db, err, "cannot check options");
        return -1;
    }
    sqlite3_bind_text(q, 1, json, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        r = sqlite3_column_int(q, 0) != 0;
    else
        hl_cat_dberr(db, err, "cannot check options");
    sqlite3_finalize(q);
    return r;
}

static int check_json(sqlite3 *db, const CatKindDef *d, const char *name, const char *what,
                      const char *json, hl_err *err)
{
    int ok = is_json_object(db, json, err);
    if (ok < 0)
        return err->code;
    if (!ok)
        return hl_err_set(err, HELIOS_MISUSE, -1, "%s '%s': %s are not a JSON object: %s",
                          d->label, name, what, json);
    return HELIOS_OK;
}

/* Runs one prepared write with protection lifted; returns a HELIOS_* code. */
static int run_write(sqlite3 *db, sqlite3_stmt *q, hl_err *err, const char *doing)
{
    int rc = sqlite3_step(q) == SQLITE_DONE ? HELIOS_OK : hl_cat_dberr(db, err, doing);
    sqlite3_finalize(q);
    hl_cat_unlift(db);
    return rc;
}

static sqlite3_stmt *prepare_write(sqlite3 *db, const char *sql, hl_err *err, const char *doing)
{
    sqlite3_stmt *q = NULL;
    if (!sql) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return NULL;
    }
    hl_cat_lift(db);
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        hl_cat_dberr(db, err, doing);
        hl_cat_unlift(db);
        return NULL;
    }
    return q;
}

static int exists_error(const CatKindDef *d, const char *name, const HlCatObj *o, hl_err *err)
{
    if (d->in_ws && d->unique_in_catalog)
        return hl_err_set(err, HELIOS_EXISTS, -1, "%s '%s' already exists (in workspace '%s')",
                          d->label, o->name, o->ws_name);
    if (d->in_ws)
        return hl_err_set(err, HELIOS_EXISTS, -1, "%s '%s' already exists %s workspace '%s'",
                          d->label, o->name, d->prep, o->ws_name);
    (void)name;
    return hl_err_set(err, HELIOS_EXISTS, -1, "%s '%s' already exists", d->label, o->name);
}

int hl_cat_create(sqlite3 *db, HlCatKind k, int64_t ws_id, const char *name, const char *options,
                  const char *extra, int64_t *id_out, hl_err *err)
{
    const CatKindDef *d = kind_def(k, err);
    if (!d)
        return err->code;
    if (!name || !name[strspn(name, " \t\r\n\f\v")])
        return hl_err_set(err, HELIOS_MISUSE, -1, "a %s needs a name", d->label);
    if (!options)
        options = "{}";
    if (!d->in_ws)
        ws_id = 0;
    else if (ws_id == 0)
        return hl_err_set(err, HELIOS_MISUSE, -1, "%s '%s' needs a workspace", d->label, name);
    if (*d->extra_cols && !extra)
        return hl_err_set(err, HELIOS_MISUSE, -1, "%s '%s' needs its definition", d->label, name);

    int rc = check_json(db, d, name, "options", options, err);
    if (rc == HELIOS_OK && extra)
        rc = check_json(db, d, name, "definitions", extra, err);
    char *wsn = NULL;
    if (rc == HELIOS_OK && ws_id)
        rc = ws_name(db, ws_id, &wsn, err);
    free(wsn);
    if (rc != HELIOS_OK)
        return rc;

    /* Taken?  In the workspace, or anywhere for names unique in the catalog. */
    HlCatObj o = {0};
    char *elsewhere = NULL, *other = NULL;
    int n = 0;
    rc = lookup(db, d, d->unique_in_catalog ? 0 : ws_id, name, &o, &n, &elsewhere, &other, err);
    if (rc == HELIOS_OK && n > 0)
        rc = exists_error(d, name, &o, err);
    hl_cat_obj_clear(&o);
    free(elsewhere);
    free(other);
    if (rc != HELIOS_OK)
        return rc;

    char *sql = sqlite3_mprintf("INSERT INTO %s(%sname, options%s) VALUES(%s?2, ?3%s)", d->table,
                                d->in_ws ? "ws_id, " : "", d->extra_cols, d->in_ws ? "?1, " : "",
                                d->extra_vals);
    sqlite3_stmt *q = prepare_write(db, sql, err, "cannot change the catalog");
    sqlite3_free(sql);
    if (!q)
        return err->code;
    if (d->in_ws)
        sqlite3_bind_int64(q, 1, ws_id);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, options, -1, SQLITE_STATIC);
    if (*d->extra_cols)
        sqlite3_bind_text(q, 4, extra, -1, SQLITE_STATIC);
    rc = run_write(db, q, err, "cannot change the catalog");
    if (rc == HELIOS_OK && id_out)
        *id_out = sqlite3_last_insert_rowid(db);
    return rc;
}

int hl_cat_set_options(sqlite3 *db, HlCatKind k, int64_t id, const char *options, hl_err *err)
{
    const CatKindDef *d = kind_def(k, err);
    HlCatObj o = {0};
    if (!d)
        return err->code;
    if (!options)
        options = "{}";
    int rc = get_by_id(db, d, id, &o, err);
    if (rc == HELIOS_OK)
        rc = check_json(db, d, o.name, "options", options, err);
    hl_cat_obj_clear(&o);
    if (rc != HELIOS_OK)
        return rc;
    char *sql = sqlite3_mprintf("UPDATE %s SET options = ?2 WHERE id = ?1", d->table);
    sqlite3_stmt *q = prepare_write(db, sql, err, "cannot change the catalog");
    sqlite3_free(sql);
    if (!q)
        return err->code;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_text(q, 2, options, -1, SQLITE_STATIC);
    return run_write(db, q, err, "cannot change the catalog");
}

/* "2 nodes and 1 model" for what a workspace still holds; "" when empty. */
static int ws_contents(sqlite3 *db, int64_t ws_id, char *buf, int size, hl_err *err)
{
    static const struct { HlCatKind k; const char *one, *many; } parts[] = {
        {HL_CAT_NODE, "node", "nodes"},
        {HL_CAT_MODEL, "model", "models"},
        {HL_CAT_ALERT, "alert", "alerts"},
    };
    const int nparts = (int)(sizeof parts / sizeof parts[0]);
    int64_t cnt[3];
    int nonzero = 0, done = 0;
    for (int i = 0; i < nparts; i++) {
        cnt[i] = hl_cat_count(db, parts[i].k, ws_id);
        if (cnt[i] < 0)
            return hl_cat_dberr(db, err, "cannot read the catalog");
        nonzero += cnt[i] > 0;
    }
    buf[0] = '\0';
    for (int i = 0; i < nparts; i++) {
        if (cnt[i] == 0)
            continue;
        const char *sep = done == 0 ? "" : done == nonzero - 1 ? " and " : ", ";
        int len = (int)strlen(buf);
        sqlite3_snprintf(size - len, buf + len, "%s%lld %s", sep, (long long)cnt[i],
                         cnt[i] == 1 ? parts[i].one : parts[i].many);
        done++;
    }
    return HELIOS_OK;
}

/* An SQL identifier as it must be written: bare when it can be, else
 * "quoted".  Returns buf. */
static int ident_char(char c, int first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (!first && c >= '0' && c <= '9');
}

static const char *sql_ident(const char *name, char *buf, int size)
{
    int bare = ident_char(name[0], 1);
    for (const char *p = name + 1; bare && *p; p++)
        bare = ident_char(*p, 0);
    if (bare)
        return name;
    sqlite3_snprintf(size, buf, "\"%w\"", name);
    return buf;
}

/* Why an object may not be dropped (err set), or HELIOS_OK. */
static int drop_blocked(sqlite3 *db, HlCatKind k, const HlCatObj *o, int cascade, hl_err *err)
{
    if (k == HL_CAT_WORKSPACE && !cascade) {
        char what[160], ident[300];
        int rc = ws_contents(db, o->id, what, (int)sizeof what, err);
        if (rc != HELIOS_OK)
            return rc;
        if (what[0])
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "federated workspace '%s' still has %s; use DROP FEDERATED WORKSPACE %s CASCADE",
                              o->name, what, sql_ident(o->name, ident, (int)sizeof ident));
    }
    if (k == HL_CAT_AGGFUNC) {
        /* A model whose aggregation names this function would be left
         * unable to train. */
        sqlite3_stmt *q = NULL;
        int rc = HELIOS_OK;
        if (sqlite3_prepare_v2(db, "SELECT name FROM hl_model WHERE "
                                   "json_extract(options, '$.aggregation') = ?1 COLLATE NOCASE "
                                   "ORDER BY id LIMIT 1", -1, &q, NULL) != SQLITE_OK)
            return hl_cat_dberr(db, err, "cannot read the catalog");
        sqlite3_bind_text(q, 1, o->name, -1, SQLITE_STATIC);
        int step = sqlite3_step(q);
        if (step == SQLITE_ROW)
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "federated aggregation function '%s' is used by federated model '%s' "
                            "(aggregation = '%s'); change that model first",
                            o->name, (const char *)sqlite3_column_text(q, 0), o->name);
        else if (step != SQLITE_DONE)
            rc = hl_cat_dberr(db, err, "cannot read the catalog");
        sqlite3_finalize(q);
        return rc;
    }
    return HELIOS_OK;
}

int hl_cat_drop(sqlite3 *db, HlCatKind k, int64_t id, int cascade, hl_err *err)
{
    const CatKindDef *d = kind_def(k, err);
    HlCatObj o = {0};
    if (!d)
        return err->code;
    int rc = get_by_id(db, d, id, &o, err);
    if (rc == HELIOS_OK)
        rc = drop_blocked(db, k, &o, cascade, err);
    hl_cat_obj_clear(&o);
    if (rc != HELIOS_OK)
        return rc;
    /* Children go by ON DELETE CASCADE (hl_cat_open turned foreign keys on). */
    char *sql = sqlite3_mprintf("DELETE FROM %s WHERE id = ?1", d->table);
    sqlite3_stmt *q = prepare_write(db, sql, err, "cannot change the catalog");
    sqlite3_free(sql);
    if (!q)
        return err->code;
    sqlite3_bind_int64(q, 1, id);
    return run_write(db, q, err, "cannot change the catalog");
}

int64_t hl_cat_count(sqlite3 *db, HlCatKind k, int64_t ws_id)
{
    if ((unsigned)k >= HL_CAT__COUNT)
        return -1;
    const CatKindDef *d = &cat_kinds[k];
    int filter = d->in_ws && ws_id != 0;
    char *sql = sqlite3_mprintf("SELECT count(*) FROM %s%s", d->table,
                                filter ? " WHERE ws_id = ?1" : "");
    sqlite3_stmt *q = NULL;
    int64_t n = -1;
    if (sql && sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
        if (filter)
            sqlite3_bind_int64(q, 1, ws_id);
        if (sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_free(sql);
    return n;
}

int hl_cat_only_workspace(sqlite3 *db, HlCatObj *out, hl_err *err)
{
    int64_t n = hl_cat_count(db, HL_CAT_WORKSPACE, 0);
    if (n < 0)
        return hl_cat_dberr(db, err, "cannot read the catalog");
    if (n == 0)
        return hl_err_set(err, HELIOS_NOTFOUND, -1,
                          "no federated workspace exists yet; create one with CREATE FEDERATED WORKSPACE");
    if (n > 1)
        return hl_err_set(err, HELIOS_NOTFOUND, -1,
                          "there are %lld federated workspaces; say which one with IN WORKSPACE or "
                          "USE FEDERATED WORKSPACE", (long long)n);
    sqlite3_stmt *q = select_objs(db, &cat_kinds[HL_CAT_WORKSPACE], "1", err);
    if (!q)
        return err->code;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        rc = fill_obj(q, out, err);     /* overwritten, not freed: see catalog.h */
    else
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_audit(sqlite3 *db, const char *action, HlCatKind k, const char *name,
                 const char *ws_name_, const char *detail, hl_err *err)
{
    return hl_cat_audit_append(db, action, (unsigned)k < HL_CAT__COUNT ? cat_kinds[k].kind : NULL,
                               name, ws_name_, detail, err);
}

int hl_cat_list(sqlite3 *db, HlCatKind k, int64_t ws_id, HlCatObj **out, int *n, hl_err *err)
{
    const CatKindDef *d = kind_def(k, err);
    *out = NULL;
    *n = 0;
    if (!d)
        return err->code;
    sqlite3_stmt *q = select_objs(db, d, d->in_ws && ws_id ? "o.ws_id = ?1" : "1", err);
    if (!q)
        return err->code;
    if (d->in_ws && ws_id)
        sqlite3_bind_int64(q, 1, ws_id);
    HlCatObj *v = NULL;
    int cnt = 0, cap = 0, rc = HELIOS_OK, s;
    while (rc == HELIOS_OK && (s = sqlite3_step(q)) == SQLITE_ROW) {
        if (cnt == cap) {
            HlCatObj *nv = realloc(v, sizeof *v * (size_t)(cap = cap ? cap * 2 : 16));
            if (!nv) {
                rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
                break;
            }
            v = nv;
        }
        rc = fill_obj(q, &v[cnt], err);
        if (rc == HELIOS_OK)
            cnt++;
    }
    if (rc == HELIOS_OK && s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the catalog");
    sqlite3_finalize(q);
    if (rc != HELIOS_OK) {
        hl_cat_list_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return HELIOS_OK;
}

void hl_cat_list_free(HlCatObj *v, int n)
{
    for (int i = 0; v && i < n; i++)
        hl_cat_obj_clear(&v[i]);
    free(v);
}
