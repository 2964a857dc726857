/*
 * dot.c - dot-commands, one row of dot_cmds[] each.
 *
 * A dot-command is one line: ".name ARG ARG ...".  Arguments are separated
 * by blanks; an argument in '...' or "..." may hold blanks (a doubled
 * quote stands for itself).  The table gives each command's arguments, its
 * help line (which .help prints), how many arguments it takes, and whether
 * it also runs under --syntax-check (which otherwise only checks the
 * argument count).  Each command reports its own errors at the line, and
 * returns 0 or -1.
 */
#include "shell.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DOT_MAX_ARGS 8

typedef struct DotLine {
    const HlSrc *src;
    const char *name;           /* owned, without the dot */
    long name_off;              /* offset of the '.' */
    int argc;                   /* may be more than DOT_MAX_ARGS */
    char *argv[DOT_MAX_ARGS];   /* owned */
    long off[DOT_MAX_ARGS];
} DotLine;

typedef struct DotCmd {
    const char *name;
    const char *args;
    const char *help;
    int (*fn)(HlShell *sh, const DotLine *d);
    int min_args, max_args;
    int in_check;               /* runs under --syntax-check too */
} DotCmd;

static const DotCmd dot_cmds[];
static const size_t dot_ncmds;

/* ---- small helpers ---- */

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "on", "1", "yes", "true" };
    static const char *const no[] = { "off", "0", "no", "false" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = 1; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = 0; return 0; }
    }
    return -1;
}

static int arg_bool(const DotLine *d, int i, int *out)
{
    if (parse_bool(d->argv[i], out) == 0)
        return 0;
    hl_error_at(d->src, d->off[i], "expected on or off, found '%s'", d->argv[i]);
    return -1;
}

static int is_plain_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Append name to b as an identifier, double-quoted when it needs to be. */
static int add_ident(HlDbuf *b, const char *name)
{
    if (is_plain_ident(name))
        return hl_dbuf_adds(b, name);
    int rc = hl_dbuf_addc(b, '"');
    for (const char *p = name; *p && rc == 0; p++)
        rc = *p == '"' ? hl_dbuf_adds(b, "\"\"") : hl_dbuf_addc(b, *p);
    return rc ? rc : hl_dbuf_addc(b, '"');
}

/* ---- the commands ---- */

static int dot_help(HlShell *sh, const DotLine *d)
{
    (void)sh;
    size_t w = 0;
    for (size_t i = 0; i < dot_ncmds; i++) {
        size_t n = strlen(dot_cmds[i].name) + 1 + strlen(dot_cmds[i].args);
        if (n > w)
            w = n;
    }
    int shown = 0;
    for (size_t i = 0; i < dot_ncmds; i++) {
        const DotCmd *c = &dot_cmds[i];
        if (d->argc && strcasecmp(d->argv[0], c->name) != 0 &&
            !(d->argv[0][0] == '.' && strcasecmp(d->argv[0] + 1, c->name) == 0))
            continue;
        int n = printf(".%s%s%s", c->name, *c->args ? " " : "", c->args);
        printf("%*s  %s\n", (int)(w + 1) - n, "", c->help);
        shown++;
    }
    if (!d->argc || strcasecmp(d->argv[0], "mode") == 0 || strcasecmp(d->argv[0], ".mode") == 0) {
        printf("\nOutput modes (.mode MODE, or --MODE on the command line):\n");
        for (size_t i = 0; i < hl_nmodes; i++)
            printf("  %-7s %s\n", hl_modes[i].name, hl_modes[i].help);
    }
    if (!shown) {
        hl_error_at(d->src, d->off[0], "no dot-command '%s'", d->argv[0]);
        return -1;
    }
    return 0;
}

static int dot_quit(HlShell *sh, const DotLine *d)
{
    (void)d;
    sh->stop = 1;
    return 0;
}

static int dot_open(HlShell *sh, const DotLine *d)
{
    return hl_shell_open(sh, d->argv[0], d->src, d->off[0]);
}

static int dot_read(HlShell *sh, const DotLine *d)
{
    if (sh->depth >= HL_MAX_READ_DEPTH) {
        hl_error_at(d->src, d->off[0], ".read nested more than %d deep", HL_MAX_READ_DEPTH);
        return -1;
    }
    HlDbuf text = HL_DBUF_INIT(HL_MAX_SCRIPT);
    if (hl_read_all(d->argv[0], &text) != 0) {
        hl_error_at(d->src, d->off[0], "cannot read '%s': %s", d->argv[0], strerror(errno));
        hl_dbuf_free(&text);
        return -1;
    }
    sh->depth++;
    int rc = hl_input_text(sh, d->argv[0], hl_dbuf_str(&text), text.len);
    sh->depth--;
    hl_dbuf_free(&text);
    /* Errors inside were reported and counted where they happened. */
    (void)rc;
    return 0;
}

static int dot_mode(HlShell *sh, const DotLine *d)
{
    if (d->argc == 0) {
        printf("current output mode: %s\n", sh->mode->name);
        return 0;
    }
    const HlMode *m = hl_mode_find(d->argv[0]);
    if (!m) {
        const char *s = hl_suggest(d->argv[0], hl_modes, hl_nmodes, sizeof hl_modes[0]);
        if (s)
            hl_error_at(d->src, d->off[0], "unknown output mode '%s'; did you mean '%s'?",
                        d->argv[0], s);
        else
            hl_error_at(d->src, d->off[0], "unknown output mode '%s' (see .help mode)",
                        d->argv[0]);
        return -1;
    }
    sh->mode = m;
    return 0;
}

static int dot_headers(HlShell *sh, const DotLine *d)
{
    int on;
    if (arg_bool(d, 0, &on) != 0)
        return -1;
    sh->header = on;
    return 0;
}

static int dot_timer(HlShell *sh, const DotLine *d)
{
    int on;
    if (arg_bool(d, 0, &on) != 0)
        return -1;
    sh->timer = on;
    return 0;
}

/* Run sql on the SQLite connection with ?1 bound to pattern (or NULL), and
 * print the first column of each row, followed by suffix. */
static int list_query(HlShell *sh, const DotLine *d, const char *sql, const char *suffix)
{
    sqlite3 *db = helios_sqlite(sh->h);
    sqlite3_stmt *st = NULL;
    if (!db || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        hl_error_at(d->src, d->name_off, "%s", db ? sqlite3_errmsg(db) : "no database");
        sqlite3_finalize(st);
        return -1;
    }
    if (d->argc)
        sqlite3_bind_text(st, 1, d->argv[0], -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        printf("%s%s\n", t ? (const char *)t : "", suffix);
    }
    if (rc != SQLITE_DONE)
        hl_error_at(d->src, d->name_off, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* User objects only: SQLite's own and the catalog's hl_* are hidden. */
#define USER_OBJECT \
    "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'hl\\_%' ESCAPE '\\' " \
    "AND tbl_name NOT LIKE 'hl\\_%' ESCAPE '\\'"

static int dot_tables(HlShell *sh, const DotLine *d)
{
    return list_query(sh, d,
        "SELECT name FROM (SELECT name, tbl_name, type FROM main.sqlite_master"
        " UNION ALL SELECT name, tbl_name, type FROM temp.sqlite_master)"
        " WHERE type IN ('table', 'view') AND " USER_OBJECT
        " AND (?1 IS NULL OR name LIKE ?1) ORDER BY 1", "");
}

static int dot_schema(HlShell *sh, const DotLine *d)
{
    return list_query(sh, d,
        "SELECT sql FROM (SELECT sql, name, tbl_name, 0 AS s, rowid AS r FROM main.sqlite_master"
        " UNION ALL SELECT sql, name, tbl_name, 1, rowid FROM temp.sqlite_master)"
        " WHERE sql IS NOT NULL AND " USER_OBJECT
        " AND (?1 IS NULL OR name LIKE ?1 OR tbl_name LIKE ?1) ORDER BY s, r", ";");
}

static int dot_import(HlShell *sh, const DotLine *d)
{
    return hl_import_csv(sh, d->src, d->off[0], d->off[1], d->argv[0], d->argv[1]);
}

/* SHOW FEDERATED <what> [IN WORKSPACE ws], through the engine. */
static int show_federated(HlShell *sh, const DotLine *d, const char *what)
{
    HlDbuf sql = HL_DBUF_INIT(1 << 20);
    int rc = hl_dbuf_printf(&sql, "SHOW FEDERATED %s", what);
    if (rc == 0 && d->argc) {
        rc = hl_dbuf_adds(&sql, " IN WORKSPACE ");
        if (rc == 0)
            rc = add_ident(&sql, d->argv[0]);
    }
    if (rc == 0)
        rc = hl_dbuf_addc(&sql, ';');
    if (rc != 0) {
        hl_error_at(d->src, d->name_off, "workspace name too long");
        hl_dbuf_free(&sql);
        return -1;
    }
    /* hl_exec_sql reports and counts its own failure; the only thing that
     * can be wrong is the workspace name, so errors point at it. */
    hl_exec_sql(sh, d->src, (size_t)(d->argc ? d->off[0] : d->name_off), sql.buf, sql.len, 1);
    hl_dbuf_free(&sql);
    return 0;
}

static int dot_workspaces(HlShell *sh, const DotLine *d)
{
    return show_federated(sh, d, "WORKSPACES");
}

static int dot_nodes(HlShell *sh, const DotLine *d)
{
    return show_federated(sh, d, "NODES");
}

static int dot_models(HlShell *sh, const DotLine *d)
{
    return show_federated(sh, d, "MODELS");
}

static const DotCmd dot_cmds[] = {
    { "help",    "[COMMAND]",    "show this help, or one command's",                 dot_help,    0, 1, 1 },
    { "quit",    "",             "leave the shell",                                   dot_quit,    0, 0, 1 },
    { "exit",    "",             "leave the shell (same as .quit)",                   dot_quit,    0, 0, 1 },
    { "open",    "PATH",         "close this catalog and open PATH (\":memory:\" too)", dot_open,  1, 1, 0 },
    { "read",    "FILE",         "run the statements of FILE",                        dot_read,    1, 1, 1 },
    { "mode",    "[MODE]",       "set the output mode (see below), or show it",       dot_mode,    0, 1, 1 },
    { "headers", "on|off",       "show column names or not",                          dot_headers, 1, 1, 1 },
    { "timer",   "on|off",       "print \"Time: 1.234 ms\" after each statement",     dot_timer,   1, 1, 1 },
    { "tables",  "[PATTERN]",    "list user tables and views (LIKE PATTERN)",         dot_tables,  0, 1, 0 },
    { "schema",  "[PATTERN]",    "show the CREATE statements of user objects",        dot_schema,  0, 1, 0 },
    { "import",  "FILE TABLE",   "load CSV with a header row into a new or existing TABLE", dot_import, 2, 2, 0 },
    { "workspaces", "",          "list federated workspaces",                         dot_workspaces, 0, 0, 0 },
    { "nodes",   "[WORKSPACE]",  "list federated nodes",                              dot_nodes,   0, 1, 0 },
    { "models",  "[WORKSPACE]",  "list federated models",                             dot_models,  0, 1, 0 },
};
static const size_t dot_ncmds = sizeof dot_cmds / sizeof dot_cmds[0];

const char *hl_dot_name(size_t i)
{
    return i < dot_ncmds ? dot_cmds[i].name : NULL;
}

/* ---- parsing and dispatch ---- */

static void dotline_free(DotLine *d)
{
    free((char *)d->name);
    for (int i = 0; i < d->argc && i < DOT_MAX_ARGS; i++)
        free(d->argv[i]);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Split the line into name and arguments; -1 (reported) on a bad quote. */
static int dotline_parse(const HlSrc *src, DotLine *d)
{
    const char *s = src->text;
    size_t n = src->len, i = 0;
    memset(d, 0, sizeof *d);
    d->src = src;
    while (i < n && is_blank(s[i]))
        i++;
    d->name_off = (long)i;
    size_t b = ++i;             /* past the '.' */
    while (i < n && !is_blank(s[i]))
        i++;
    char *name = hl_xmalloc(i - b + 1);
    memcpy(name, s + b, i - b);
    name[i - b] = '\0';
    d->name = name;
    for (;;) {
        while (i < n && is_blank(s[i]))
            i++;
        if (i >= n)
            return 0;
        HlDbuf arg = HL_DBUF_INIT(HL_MAX_SCRIPT);
        size_t start = i;
        if (s[i] == '\'' || s[i] == '"') {
            char q = s[i++];
            for (;;) {
                if (i >= n) {
                    hl_error_at(src, (long)start, "unterminated %c in argument", q);
                    hl_dbuf_free(&arg);
                    return -1;
                }
                if (s[i] == q) {
                    if (i + 1 < n && s[i + 1] == q) {
                        hl_dbuf_addc(&arg, q);
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                hl_dbuf_addc(&arg, s[i++]);
            }
        } else {
            while (i < n && !is_blank(s[i]))
                i++;
            hl_dbuf_add(&arg, s + start, i - start);
        }
        if (d->argc < DOT_MAX_ARGS) {
            d->argv[d->argc] = hl_xstrdup(hl_dbuf_str(&arg));
            d->off[d->argc] = (long)start;
        }
        d->argc++;
        hl_dbuf_free(&arg);
    }
}

static const DotCmd *dot_find(const char *name)
{
    for (size_t i = 0; i < dot_ncmds; i++)
        if (strcmp(dot_cmds[i].name, name) == 0)
            return &dot_cmds[i];
    return NULL;
}

static void usage_error(const DotLine *d, const DotCmd *c)
{
    long at = d->argc > c->max_args && c->max_args < DOT_MAX_ARGS
            ? d->off[c->max_args] : d->name_off;
    hl_error_at(d->src, at, "%s arguments; usage: .%s%s%s",
                d->argc > c->max_args ? "too many" : "missing",
                c->name, *c->args ? " " : "", c->args);
}

void hl_dot_run(HlShell *sh, const HlSrc *src)
{
    DotLine d;
    int rc = -1;
    if (dotline_parse(src, &d) != 0)
        goto done;
    const DotCmd *c = dot_find(d.name);
    if (!c) {
        const char *s = hl_suggest(d.name, dot_cmds, dot_ncmds, sizeof dot_cmds[0]);
        if (s)
            hl_error_at(src, d.name_off, "unknown command '.%s'; did you mean '.%s'?", d.name, s);
        else
            hl_error_at(src, d.name_off, "unknown command '.%s' (.help lists them)", d.name);
        goto done;
    }
    if (d.argc < c->min_args || d.argc > c->max_args) {
        usage_error(&d, c);
        goto done;
    }
    rc = sh->check && !c->in_check ? 0 : c->fn(sh, &d);
done:
    if (rc != 0)
        hl_shell_fail(sh);
    dotline_free(&d);
}

int hl_shell_open(HlShell *sh, const char *path, const HlSrc *src, long off)
{
    helios *nh = NULL;
    int rc = helios_open(path, &nh);
    if (rc != HELIOS_OK) {
        /* The library's message names the file already. */
        const char *msg = nh ? helios_errmsg(nh) : "out of memory";
        if (src)
            hl_error_at(src, off, "%s", msg);
        else
            hl_error("%s", msg);
        helios_close(nh);
        return -1;
    }
    helios_close(sh->h);
    sh->h = nh;
    hl_exec_progress_attach(sh);
    free(sh->dbpath);
    sh->dbpath = hl_xstrdup(path);
    return 0;
}
