/*
 * helios.c - the public API: handles, prepare/step/finalize, errors.
 *
 * A statement is split off by front.c.  A federated one is parsed
 * (grammar/) and checked (exec.c) at prepare time and run by the first
 * helios_step(); a plain one is rewritten (front.c) and prepared by SQLite.
 */
#include "config.h"

#include <ctype.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "engine.h"
#include "partition.h"
#include "runs.h"
#include "clock.h"
#include "exec.h"
#include "internal.h"
#include "options.h"
#include "parse.h"
#include "sqlfn.h"

const char *helios_version(void)
{
    return PACKAGE_VERSION;
}

static int set_err(helios *h, int code, int offset, const char *msg)
{
    hl_err_clear(&h->err);
    return hl_err_set(&h->err, code, offset, "%s", msg);
}

int helios_open(const char *path, helios **out)
{
    helios *h = calloc(1, sizeof *h);
    *out = h;
    if (!h)
        return HELIOS_NOMEM;
    hl_err_clear(&h->err);
    int is_memory = strcmp(path, ":memory:") == 0 || path[0] == '\0';
    /* An in-memory database is opened by a name, in shared-cache mode, so
     * that the training engine and the nodes can open it too. */
    static atomic_int memories;
    if (is_memory)
        h->uri = sqlite3_mprintf("file:helios-mem-%d-%d?mode=memory&cache=shared", (int)getpid(),
                                 atomic_fetch_add(&memories, 1));
    else
        h->uri = sqlite3_mprintf("%s", path);
    if (!h->uri)
        return hl_err_set(&h->err, HELIOS_NOMEM, -1, "out of memory");
    int rc = sqlite3_open_v2(h->uri, &h->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                             hl_clock_vfs());
    if (rc != SQLITE_OK) {
        hl_err_set(&h->err, HELIOS_IO, -1, "cannot open '%s': %s", path,
                   h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
        return HELIOS_IO;
    }
    sqlite3_extended_result_codes(h->db, 1);
    if (hl_cat_open(h->db, is_memory, &h->err) != HELIOS_OK) {
        /* Say which file: the shell may have found it by default. */
        char msg[HL_ERR_MSG_MAX];
        int code = h->err.code;
        memcpy(msg, h->err.msg, sizeof msg);
        hl_err_clear(&h->err);
        return hl_err_set(&h->err, code, -1, "%.200s: %.300s", path, msg);
    }
    if (is_memory)      /* readers do not wait for the engine's writes */
        sqlite3_exec(h->db, "PRAGMA read_uncommitted = 1", NULL, NULL, NULL);
    /* Runs that were running when their process died cannot go on by
     * themselves: they are interrupted, and RESUME continues them. */
    if (hl_cat_run_interrupt_all(h->db, 0, NULL, &h->err) != HELIOS_OK)
        return h->err.code;
    h->engine = hl_engine_new(h->uri);
    if (!h->engine)
        return hl_err_set(&h->err, HELIOS_NOMEM, -1, "out of memory");
    if (hl_sqlfn_register(h->db) != SQLITE_OK || hl_sqlfn_register_training(h->db, h) != SQLITE_OK
        || hl_partition_register(h->db) != SQLITE_OK)
        return hl_err_set(&h->err, HELIOS_ERROR, -1, "cannot register the federated functions: %s",
                          sqlite3_errmsg(h->db));
    hl_cat_protect(h->db, 1);
    return HELIOS_OK;
}

void helios_set_progress(helios *h, helios_progress_fn fn, void *arg)
{
    if (h && h->engine)
        hl_engine_set_progress(h->engine, fn, arg);
}

void helios_cancel(helios *h)
{
    if (h) {
        h->cancel = 1;
        if (h->db)
            sqlite3_interrupt(h->db);
    }
}

int helios_running(helios *h)
{
    return h && h->engine ? hl_engine_count_running(h->engine) : 0;
}

void helios_interrupt(helios *h)
{
    if (h && h->engine)
        hl_engine_stop_all(h->engine);
}

int helios_close(helios *h)
{
    if (!h)
        return HELIOS_OK;
    hl_engine_free(h->engine);  /* waits for the training runs to end */
    if (h->db)
        sqlite3_close_v2(h->db);
    sqlite3_free(h->uri);
    free(h->current_ws);
    free(h);
    return HELIOS_OK;
}

int helios_errcode(helios *h) { return h ? h->err.code : HELIOS_MISUSE; }
const char *helios_errmsg(helios *h) { return h ? h->err.msg : "no handle"; }
int helios_erroffset(helios *h) { return h ? h->err.offset : -1; }

const char *helios_errnote(helios *h, int *offset)
{
    if (!h || !h->err.note[0] || h->err.code == HELIOS_OK)
        return NULL;
    if (offset)
        *offset = h->err.note_offset;
    return h->err.note;
}
int helios_changes(helios *h) { return h ? h->changes : 0; }
void *helios_sqlite(helios *h) { return h ? h->db : NULL; }
const char *helios_current_workspace(helios *h) { return h ? h->current_ws : NULL; }

const char *helios_sqlite_errmsg(helios *h)
{
    if (!h || !h->db)
        return "no database";
    if (sqlite3_errcode(h->db) == SQLITE_AUTH && hl_cat_protect_errmsg(h->db))
        return hl_cat_protect_errmsg(h->db);
    return sqlite3_errmsg(h->db);
}

int helios_complete(const char *sql, int len)
{
    if (len < 0)
        len = (int)strlen(sql);
    return hl_front_complete(sql, len);
}

static void stmt_free(helios_stmt *st)
{
    if (!st)
        return;
    if (st->sq)
        sqlite3_finalize(st->sq);
    hl_stmt_free(st->ast);
    hl_offmap_clear(&st->map);
    free(st->toks);
    free(st->sql);
    free(st->notice);
    free(st->src_copy);
    free(st);
}

/* Is an SQLite prepare error one that --syntax-check reports?  Errors about
 * missing tables or columns are not: the statements that make them have not
 * run. */
static int is_syntax_error(const char *msg)
{
    return strstr(msg, "syntax error") || strstr(msg, "incomplete input")
        || strstr(msg, "unrecognized token");
}

/* The offset (in the prepared text) of the statement's token that spells
 * name[0..n): a string literal 'name', a "quoted" or bare word; the last
 * such token when `last`, else the first; -1 when none. */
static int find_token(const helios_stmt *st, const char *name, int n, int last)
{
    int found = -1;
    for (int i = 0; i < st->ntok; i++) {
        const HlToken *t = &st->toks[i];
        const char *s = st->src_copy + t->offset;
        int quoted = t->type == TK_STRING || (t->len >= 2 && (s[0] == '"' || s[0] == '`'));
        if ((quoted && t->len == n + 2 && strncasecmp(s + 1, name, (size_t)n) == 0)
            || (!quoted && t->len == n && strncasecmp(s, name, (size_t)n) == 0)) {
            found = t->offset + st->src_base;
            if (!last)
                break;
        }
    }
    return found;
}

/* Where an error message points when the library gave no offset: at the
 * name it quotes ("federated model 'x' does not exist"; the repeated one of
 * "argument 3 repeats 'x'"), at a call it names ("federated_predict() needs
 * ..."), at a snake_case name it mentions, or at the name after SQLite's
 * "no such table: x" (the last part of a dotted name). */
static int locate_in_message(const helios_stmt *st, const char *msg)
{
    int last = strstr(msg, " repeats '") != NULL;
    const char *quotes[32];
    int nq = 0;
    for (const char *q = strchr(msg, '\''); q && nq + 1 < 32; q = strchr(q + 1, '\''))
        quotes[nq++] = q;
    /* Names in the order of the message, but a model's name last: in
     * "model 'm' has no version 'v9'" the model is context, v9 the fault. */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k + 1 < nq; k += 2) {
            int is_model = quotes[k] - msg >= 6 && strncmp(quotes[k] - 6, "model ", 6) == 0;
            if (is_model != pass)
                continue;
            int off = find_token(st, quotes[k] + 1, (int)(quotes[k + 1] - quotes[k] - 1), last);
            if (off >= 0)
                return off;
        }
    static const char *const prefixes[] = {
        "no such table: ", "no such column: ", "no such function: ", "no such module: ",
        "ambiguous column name: ", "no such collation sequence: ", "no such index: ",
        "no such view: ", "no such trigger: ",
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t pn = strlen(prefixes[i]);
        if (strncmp(msg, prefixes[i], pn) != 0)
            continue;
        const char *name = msg + pn, *dot = strrchr(name, '.');
        if (dot)
            name = dot + 1;
        return find_token(st, name, (int)strlen(name), 0);
    }
    /* Words of the message with a '_' in them: function and table names. */
    for (const char *p = msg; *p; ) {
        while (*p && !(isalnum((unsigned char)*p) || *p == '_'))
            p++;
        const char *w = p;
        while (*p && (isalnum((unsigned char)*p) || *p == '_'))
            p++;
        if (p > w && memchr(w, '_', (size_t)(p - w))) {
            int off = find_token(st, w, (int)(p - w), 0);
            if (off >= 0)
                return off;
        }
    }
    return -1;
}

/* Turns SQLite's "near \"x\": syntax error" into our shape. */
static void sqlite_error(helios *h, helios_stmt *st)
{
    int off = sqlite3_error_offset(h->db);
    int src = off >= 0 ? hl_offmap_lookup(&st->map, off) : -1;
    const char *msg = sqlite3_errmsg(h->db);
    if (sqlite3_errcode(h->db) == SQLITE_AUTH && hl_cat_protect_errmsg(h->db))
        msg = hl_cat_protect_errmsg(h->db);
    hl_err_clear(&h->err);
    if (strcmp(msg, "incomplete input") == 0) {
        hl_err_set(&h->err, HELIOS_INCOMPLETE, st->off + st->len, "%s", msg);
        return;
    }
    if (src < 0)
        src = locate_in_message(st, msg);
    hl_err_set(&h->err, is_syntax_error(msg) ? HELIOS_SYNTAX : HELIOS_ERROR,
               src >= 0 ? src : st->off, "%s", msg);
}

static int prepare_plain(helios *h, helios_stmt *st, const char *sql, const HlSplit *sp, int flags)
{
    st->sql = hl_front_rewrite(sql, sp, &st->map, &h->err);
    if (!st->sql)
        return h->err.code;
    int rc = sqlite3_prepare_v3(h->db, st->sql, -1, 0, &st->sq, NULL);
    if (rc != SQLITE_OK) {
        if ((flags & HELIOS_PREPARE_CHECK) && !is_syntax_error(sqlite3_errmsg(h->db))) {
            hl_err_clear(&h->err);
            return HELIOS_OK;
        }
        sqlite_error(h, st);
        return h->err.code;
    }
    return HELIOS_OK;
}

static int prepare_federated(helios *h, helios_stmt *st, const char *sql, int len,
                             const HlSplit *sp)
{
    st->ast = hl_parse(sql, len, sp->toks, sp->ntok, &h->err);
    if (!st->ast && h->err.code == HELIOS_INCOMPLETE && sp->has_semi
        && strncmp(h->err.msg, "incomplete input: ", 18) == 0) {
        /* The statement was ended by ';' too early: the ';' is the error. */
        char msg[HL_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "syntax error at ';': %s", h->err.msg + 18);
        int note_off = h->err.note_offset;
        char note[sizeof h->err.note];
        memcpy(note, h->err.note, sizeof note);
        hl_err_clear(&h->err);
        hl_err_set(&h->err, HELIOS_SYNTAX, sp->next - 1, "%s", msg);
        if (note[0])
            hl_err_note(&h->err, note_off, "%s", note);
    }
    if (!st->ast)
        return h->err.code ? h->err.code : HELIOS_SYNTAX;
    return hl_exec_check(st->ast, &h->err);
}

int helios_prepare(helios *h, const char *sql, int len, int flags,
                   helios_stmt **out, const char **tail)
{
    HlSplit sp;
    *out = NULL;
    if (!h)
        return HELIOS_MISUSE;
    hl_err_clear(&h->err);
    if (len < 0)
        len = (int)strlen(sql);
    int rc = hl_front_split(sql, len, &sp, &h->err);
    if (tail)
        *tail = sql + (rc == HELIOS_OK ? sp.next : len);
    if (rc != HELIOS_OK) {
        /* Skip to the next ';' so that a script can go on after the error. */
        if (tail) {
            int k = h->err.offset >= 0 ? h->err.offset : 0;
            while (k < len && sql[k] != ';' && sql[k] != '\n')
                k++;
            while (k < len && sql[k] != ';')
                k++;
            *tail = sql + (k < len ? k + 1 : len);
            if (rc == HELIOS_INCOMPLETE)
                *tail = sql + len;
        }
        return rc;
    }
    if (sp.ntok == 0) {
        hl_split_clear(&sp);
        return HELIOS_OK;
    }
    helios_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        hl_split_clear(&sp);
        return set_err(h, HELIOS_NOMEM, -1, "out of memory");
    }
    st->h = h;
    st->federated = sp.federated;
    st->check_only = (flags & HELIOS_PREPARE_CHECK) != 0;
    st->off = sp.start;
    st->len = sp.end - sp.start;
    st->src_base = sp.start;
    st->src_copy = strndup(sql + sp.start, (size_t)st->len);
    if (!st->src_copy) {
        stmt_free(st);
        hl_split_clear(&sp);
        return set_err(h, HELIOS_NOMEM, -1, "out of memory");
    }
    /* Keep a copy of the tokens, rebased onto src_copy, to locate errors. */
    st->toks = malloc(sizeof *st->toks * (size_t)sp.ntok);
    if (!st->toks) {
        stmt_free(st);
        hl_split_clear(&sp);
        return set_err(h, HELIOS_NOMEM, -1, "out of memory");
    }
    st->ntok = sp.ntok;
    for (int i = 0; i < st->ntok; i++) {
        st->toks[i] = sp.toks[i];
        st->toks[i].offset -= st->src_base;
    }
    rc = sp.federated ? prepare_federated(h, st, sql, len, &sp)
                      : prepare_plain(h, st, sql, &sp, flags);
    hl_split_clear(&sp);
    if (rc != HELIOS_OK) {
        stmt_free(st);
        return rc;
    }
    *out = st;
    return HELIOS_OK;
}

static int step_rows(helios_stmt *st)
{
    helios *h = st->h;
    int rc = sqlite3_step(st->sq);
    if (rc == SQLITE_ROW) {
        st->state = 1;
        return HELIOS_ROW;
    }
    if (rc == SQLITE_DONE) {
        st->state = 2;
        if (!st->federated)
            h->changes = sqlite3_changes(h->db);
        return HELIOS_DONE;
    }
    st->state = 3;
    const char *msg = sqlite3_errmsg(h->db);
    if (sqlite3_errcode(h->db) == SQLITE_AUTH && hl_cat_protect_errmsg(h->db))
        msg = hl_cat_protect_errmsg(h->db);
    int code = HELIOS_ERROR;
    if (strncmp(msg, "not implemented yet", 19) == 0)
        code = HELIOS_NOTIMPL;
    else if (strstr(msg, "does not exist"))
        code = HELIOS_NOTFOUND;
    hl_err_clear(&h->err);
    int off = -1;
    int eo = sqlite3_error_offset(h->db);
    if (eo >= 0 && !st->federated)
        off = hl_offmap_lookup(&st->map, eo);
    if (off < 0)
        off = locate_in_message(st, msg);
    if (off < 0)
        off = st->off;
    hl_err_set(&h->err, code, off, "%s", msg);
    return code;
}

int helios_step(helios_stmt *st)
{
    if (!st)
        return HELIOS_MISUSE;
    helios *h = st->h;
    if (st->state >= 2)
        return st->state == 2 ? HELIOS_DONE : h->err.code;
    if (st->check_only) {
        st->state = 2;
        return HELIOS_DONE;
    }
    hl_err_clear(&h->err);
    if (st->state == 0)
        h->cancel = 0;
    if (st->federated && st->state == 0) {
        sqlite3_stmt *rows = NULL;
        h->changes = 0;
        int rc = hl_exec_run(h, st->ast, &rows, st->tag, sizeof st->tag, &st->notice, &h->err);
        if (rc != HELIOS_OK) {
            st->state = 3;
            if (h->err.offset < 0)
                h->err.offset = st->off;
            return rc;
        }
        if (!rows) {
            st->state = 2;
            return HELIOS_DONE;
        }
        st->sq = rows;
        st->tag[0] = '\0';
    }
    return step_rows(st);
}

int helios_finalize(helios_stmt *st)
{
    stmt_free(st);
    return HELIOS_OK;
}

int helios_column_count(helios_stmt *st)
{
    return st && st->sq ? sqlite3_column_count(st->sq) : 0;
}

const char *helios_column_name(helios_stmt *st, int i)
{
    return st && st->sq ? sqlite3_column_name(st->sq, i) : NULL;
}

int helios_column_type(helios_stmt *st, int i)
{
    return st && st->sq ? sqlite3_column_type(st->sq, i) : HELIOS_NULL;
}

const char *helios_column_text(helios_stmt *st, int i)
{
    return st && st->sq ? (const char *)sqlite3_column_text(st->sq, i) : NULL;
}

double helios_column_double(helios_stmt *st, int i)
{
    return st && st->sq ? sqlite3_column_double(st->sq, i) : 0.0;
}

long long helios_column_int64(helios_stmt *st, int i)
{
    return st && st->sq ? sqlite3_column_int64(st->sq, i) : 0;
}

int helios_stmt_is_federated(helios_stmt *st) { return st ? st->federated : 0; }
int helios_stmt_offset(helios_stmt *st) { return st ? st->off : -1; }
int helios_stmt_length(helios_stmt *st) { return st ? st->len : 0; }

const char *helios_stmt_tag(helios_stmt *st)
{
    return st && st->federated && st->state == 2 && st->tag[0] && !st->sq ? st->tag : NULL;
}

const char *helios_stmt_notice(helios_stmt *st)
{
    return st ? st->notice : NULL;
}

const char *const *helios_option_names(void)
{
    static const char **names;
    if (names)
        return names;
    int total = 0;
    for (int k = 0; k < HL_OBJ__COUNT; k++) {
        int n;
        hl_opt_table((HlObjKind)k, &n);
        total += n;
    }
    const char **v = calloc((size_t)total + 1, sizeof *v);
    if (!v)
        return NULL;
    int m = 0;
    for (int k = 0; k < HL_OBJ__COUNT; k++) {
        int n;
        const HlOptDef *d = hl_opt_table((HlObjKind)k, &n);
        for (int i = 0; i < n; i++) {
            int dup = 0;
            for (int j = 0; j < m && !dup; j++)
                dup = strcmp(v[j], d[i].name) == 0;
            if (!dup)
                v[m++] = d[i].name;
        }
    }
    names = v;
    return names;
}
