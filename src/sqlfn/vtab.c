/*
 * vtab.c - one eponymous virtual table driver for all the federated views.
 *
 * Each view of storage/views.h becomes a module of its own name whose
 * client data is its HlView; the table exists on every connection without
 * CREATE (eponymous-only: xCreate is NULL).  Arguments are hidden columns:
 * SQLite turns `f('m')` into the constraint `model = 'm'`, which
 * xBestIndex passes to xFilter.  xFilter checks the arguments, then runs
 * the view's SQL over the catalog on the same connection and hands its
 * rows through; a waiting view fails there with "not implemented yet".
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sqlfn.h"
#include "views.h"

typedef struct VTab {
    sqlite3_vtab base;
    sqlite3 *db;
    const HlView *view;
    int ncols;                  /* visible columns; hidden arguments follow */
} VTab;

typedef struct VCursor {
    sqlite3_vtab_cursor base;
    sqlite3_stmt *q;            /* the view's query, NULL when not running */
    int eof;
    sqlite3_int64 rowid;
    sqlite3_value *args[HL_VIEW_MAX_ARGS];  /* owned copies; NULL when not given */
} VCursor;

/* Number of columns in a column list ("a TEXT, b INTEGER").  Column
 * declarations in views.c hold no parentheses or quoted commas. */
static int count_columns(const char *cols)
{
    int n = 1;
    for (const char *p = cols; *p; p++)
        n += *p == ',';
    return n;
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **errmsg)
{
    const HlView *v = aux;
    (void)argc;
    (void)argv;
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_str_appendf(s, "CREATE TABLE x(%s", v->columns);
    for (int i = 0; i < v->nargs; i++)
        sqlite3_str_appendf(s, ", \"%w\" HIDDEN", v->args[i].name);
    sqlite3_str_appendall(s, ")");
    char *decl = sqlite3_str_finish(s);
    if (!decl)
        return SQLITE_NOMEM;
    int rc = sqlite3_declare_vtab(db, decl);
    sqlite3_free(decl);
    if (rc != SQLITE_OK) {
        *errmsg = sqlite3_mprintf("%s: bad column list: %s", v->name, sqlite3_errmsg(db));
        return rc;
    }
    sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    VTab *t = sqlite3_malloc(sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    t->db = db;
    t->view = v;
    t->ncols = count_columns(v->columns);
    *out = &t->base;
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* Equality constraints on the hidden argument columns become xFilter's
 * arguments; idxNum is the bit mask of the arguments given, in order. */
static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    const VTab *t = (const VTab *)vt;
    int use[HL_VIEW_MAX_ARGS];
    unsigned given = 0, unusable = 0;
    for (int a = 0; a < HL_VIEW_MAX_ARGS; a++)
        use[a] = -1;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        int a = c->iColumn - t->ncols;
        if (a < 0 || a >= t->view->nargs || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (!c->usable)
            unusable |= 1u << a;
        else if (use[a] < 0)
            use[a] = i;
    }
    int n = 0;
    for (int a = 0; a < t->view->nargs; a++) {
        if (use[a] < 0)
            continue;
        info->aConstraintUsage[use[a]].argvIndex = ++n;
        info->aConstraintUsage[use[a]].omit = 1;
        given |= 1u << a;
    }
    /* A plan without an argument that another plan can supply (a join
     * feeding f(t.x)) is refused, so that SQLite picks the one with it. */
    if (unusable & ~given)
        return SQLITE_CONSTRAINT;
    info->idxNum = (int)given;
    info->estimatedCost = given ? 10.0 : 1000.0;
    info->estimatedRows = given ? 10 : 1000;
    return SQLITE_OK;
}

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    (void)vt;
    VCursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->eof = 1;
    *out = &c->base;
    return SQLITE_OK;
}

static void cursor_reset(VCursor *c)
{
    sqlite3_finalize(c->q);
    c->q = NULL;
    for (int a = 0; a < HL_VIEW_MAX_ARGS; a++) {
        sqlite3_value_free(c->args[a]);
        c->args[a] = NULL;
    }
    c->eof = 1;
    c->rowid = 0;
}

static int vt_close(sqlite3_vtab_cursor *cur)
{
    cursor_reset((VCursor *)cur);
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int vt_fail(VCursor *c, const char *fmt, ...)
{
    sqlite3_vtab *vt = c->base.pVtab;
    va_list ap;
    va_start(ap, fmt);
    sqlite3_free(vt->zErrMsg);
    vt->zErrMsg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    return vt->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* 1 when the one-parameter query finds a row, 0 when not, -1 on error. */
static int exists(sqlite3 *db, const char *sql, const char *name)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int check_choice(VCursor *c, const HlView *v, const HlViewArg *a, const char *text)
{
    for (const char *const *ch = a->choices; *ch; ch++)
        if (strcasecmp(*ch, text) == 0)
            return SQLITE_OK;
    sqlite3_str *s = sqlite3_str_new(NULL);
    for (const char *const *ch = a->choices; *ch; ch++)
        sqlite3_str_appendf(s, "%s'%s'", ch == a->choices ? "" : ch[1] ? ", " : " or ", *ch);
    char *list = sqlite3_str_finish(s);
    int rc = vt_fail(c, "%s(): unknown %s '%s'; expected %s", v->name, a->name, text,
                     list ? list : "?");
    sqlite3_free(list);
    return rc;
}

/* Checks argument a (given or not).  SQLITE_OK or an error in zErrMsg. */
static int check_arg(VCursor *c, sqlite3 *db, const HlView *v, int a)
{
    static const char *const exists_sql[] = {
        [HL_VARG_MODEL] = "SELECT 1 FROM hl_model WHERE name = ?1",
        [HL_VARG_WORKSPACE] = "SELECT 1 FROM hl_workspace WHERE name = ?1",
        [HL_VARG_TABLE] = "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') "
                          "AND name = ?1 COLLATE NOCASE UNION ALL "
                          "SELECT 1 FROM sqlite_temp_master WHERE type IN ('table', 'view') "
                          "AND name = ?1 COLLATE NOCASE",
    };
    static const char *const missing_fmt[] = {
        [HL_VARG_MODEL] = "federated model '%s' does not exist",
        [HL_VARG_WORKSPACE] = "federated workspace '%s' does not exist",
        [HL_VARG_TABLE] = "table '%s' does not exist",
    };
    const HlViewArg *arg = &v->args[a];
    sqlite3_value *val = c->args[a];
    if (!val || sqlite3_value_type(val) == SQLITE_NULL) {
        if (arg->optional)
            return SQLITE_OK;
        return vt_fail(c, "%s() needs %s", v->name, arg->what);
    }
    const char *text = (const char *)sqlite3_value_text(val);
    if (!text)
        return SQLITE_NOMEM;
    if (arg->kind == HL_VARG_TEXT)
        return arg->choices ? check_choice(c, v, arg, text) : SQLITE_OK;
    int found = exists(db, exists_sql[arg->kind], text);
    if (found < 0)
        return vt_fail(c, "%s(): %s", v->name, sqlite3_errmsg(db));
    return found ? SQLITE_OK : vt_fail(c, missing_fmt[arg->kind], text);
}

static int vt_next(sqlite3_vtab_cursor *cur)
{
    VCursor *c = (VCursor *)cur;
    int rc = sqlite3_step(c->q);
    if (rc == SQLITE_ROW) {
        c->rowid++;
        return SQLITE_OK;
    }
    c->eof = 1;
    if (rc == SQLITE_DONE)
        return SQLITE_OK;
    VTab *t = (VTab *)cur->pVtab;
    return vt_fail(c, "%s", sqlite3_errmsg(t->db));
}

static int vt_filter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv)
{
    VCursor *c = (VCursor *)cur;
    VTab *t = (VTab *)cur->pVtab;
    const HlView *v = t->view;
    (void)idxStr;
    cursor_reset(c);
    for (int a = 0, j = 0; a < v->nargs && j < argc; a++) {
        if (!(idxNum & (1 << a)))
            continue;
        if (!(c->args[a] = sqlite3_value_dup(argv[j++])))
            return SQLITE_NOMEM;
    }
    for (int a = 0; a < v->nargs; a++) {
        int rc = check_arg(c, t->db, v, a);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (!v->sql)
        return vt_fail(c, "not implemented yet: %s", v->waiting);
    if (sqlite3_prepare_v2(t->db, v->sql, -1, &c->q, NULL) != SQLITE_OK)
        return vt_fail(c, "%s: %s", v->name, sqlite3_errmsg(t->db));
    for (int a = 0; a < v->nargs; a++)
        if (c->args[a])
            sqlite3_bind_value(c->q, a + 1, c->args[a]);
    c->eof = 0;
    return vt_next(cur);
}

static int vt_eof(sqlite3_vtab_cursor *cur)
{
    return ((VCursor *)cur)->eof;
}

static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
    VCursor *c = (VCursor *)cur;
    const VTab *t = (const VTab *)cur->pVtab;
    if (i < t->ncols)
        sqlite3_result_value(ctx, sqlite3_column_value(c->q, i));
    else if (i - t->ncols < t->view->nargs && c->args[i - t->ncols])
        sqlite3_result_value(ctx, c->args[i - t->ncols]);
    else
        sqlite3_result_null(ctx);
    return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = ((VCursor *)cur)->rowid;
    return SQLITE_OK;
}

static const sqlite3_module view_module = {
    .iVersion = 0,
    .xCreate = NULL,            /* eponymous-only: no CREATE VIRTUAL TABLE */
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index,
    .xDisconnect = vt_disconnect,
    .xDestroy = NULL,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
};

int hl_sqlfn_register_views(sqlite3 *db)
{
    int n;
    const HlView *v = hl_views(&n);
    for (int i = 0; i < n; i++) {
        int rc = sqlite3_create_module_v2(db, v[i].name, &view_module, (void *)&v[i], NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}
