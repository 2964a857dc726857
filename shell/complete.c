/*
 * complete.c - tab completion for readline.
 *
 * What a word completes to depends on where it is:
 *   - at the start of a statement, a word that begins with '.': the
 *     dot-commands; after a dot-command, its argument (modes, on/off,
 *     file names, workspace names);
 *   - right after "WITH (" or "SET (" or a ',' inside such a list: option
 *     names, from helios_option_names();
 *   - anywhere else: keywords of SQL and of the dialect, and the names of
 *     workspaces, models and user tables (asked through the API; any error
 *     there is ignored, completion just offers less).
 * Keywords come out in lower case when the word typed so far starts with
 * a lower-case letter.
 */
#include "shell.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <readline/readline.h>
#include <sqlite3.h>

static HlShell *g_sh;
static const HlDbuf *g_pending;

/* The candidates of the current completion attempt. */
static char **g_cand;
static unsigned char *g_is_kw;
static size_t g_ncand, g_capcand;
static int g_lower;

static const char *const keywords[] = {
    /* the dialect */
    "FEDERATED", "WORKSPACE", "WORKSPACES", "NODE", "NODES", "MODEL", "MODELS",
    "TRAINING", "REGISTER", "DEREGISTER", "START", "STOP", "RESUME", "CHECKPOINT",
    "TAG", "EXPORT", "REVOKE", "GRANT", "CONSENT", "SUBJECT", "EXTENSION", "SHOW",
    "DESCRIBE", "USE", "ALERT", "AGGREGATION", "FUNCTION", "PARTITION", "IID",
    "DIRICHLET", "COLUMN", "SEED", "VERSION", "FORMAT", "RETURNS", "LANGUAGE",
    "WITH", "SET", "IN", "TO", "FOR", "FROM", "TABLE", "INTERVAL", "NOW",
    /* SQL */
    "SELECT", "DISTINCT", "ALL", "AS", "WHERE", "GROUP", "BY", "HAVING", "ORDER",
    "ASC", "DESC", "LIMIT", "OFFSET", "JOIN", "LEFT", "RIGHT", "FULL", "INNER",
    "OUTER", "CROSS", "NATURAL", "ON", "USING", "UNION", "INTERSECT", "EXCEPT",
    "INSERT", "INTO", "VALUES", "DEFAULT", "UPDATE", "DELETE", "REPLACE", "UPSERT",
    "CONFLICT", "DO", "NOTHING", "RETURNING", "CREATE", "ALTER", "DROP", "RENAME",
    "ADD", "INDEX", "UNIQUE", "VIEW", "TRIGGER", "TEMP", "TEMPORARY", "VIRTUAL",
    "IF", "NOT", "EXISTS", "PRIMARY", "KEY", "FOREIGN", "REFERENCES", "CHECK",
    "CONSTRAINT", "COLLATE", "NULL", "TRUE", "FALSE", "AND", "OR", "IS", "LIKE",
    "GLOB", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "INTEGER",
    "REAL", "TEXT", "BLOB", "NUMERIC", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
    "RELEASE", "TRANSACTION", "PRAGMA", "EXPLAIN", "QUERY", "PLAN", "ANALYZE",
    "VACUUM", "ATTACH", "DETACH", "DATABASE", "WINDOW", "OVER", "RECURSIVE",
    "COUNT", "SUM", "AVG", "MIN", "MAX", "COALESCE",
};

static void cand_clear(void)
{
    for (size_t i = 0; i < g_ncand; i++)
        free(g_cand[i]);
    g_ncand = 0;
}

static void cand_add(const char *s, int is_kw)
{
    if (g_ncand == g_capcand) {
        g_capcand = g_capcand ? g_capcand * 2 : 256;
        g_cand = hl_xrealloc(g_cand, g_capcand * sizeof *g_cand);
        g_is_kw = hl_xrealloc(g_is_kw, g_capcand);
    }
    g_is_kw[g_ncand] = (unsigned char)is_kw;
    g_cand[g_ncand++] = hl_xstrdup(s);
}

/* The first column of every row of sql through the engine; errors ignored. */
static void cand_query(const char *sql)
{
    helios_stmt *st = NULL;
    if (!g_sh->h || helios_prepare(g_sh->h, sql, -1, 0, &st, NULL) != HELIOS_OK || !st) {
        helios_finalize(st);
        return;
    }
    int n = 0;
    while (helios_step(st) == HELIOS_ROW && n++ < 10000) {
        const char *t = helios_column_text(st, 0);
        if (t && *t)
            cand_add(t, 0);
    }
    helios_finalize(st);
}

static void cand_tables(void)
{
    sqlite3 *db = g_sh->h ? helios_sqlite(g_sh->h) : NULL;
    sqlite3_stmt *st = NULL;
    if (!db || sqlite3_prepare_v2(db,
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'hl\\_%' ESCAPE '\\'",
            -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t && *t)
            cand_add((const char *)t, 0);
    }
    sqlite3_finalize(st);
}

static void cand_workspaces(void)
{
    cand_query("SELECT workspace_name FROM federated_workspace_status");
}

static void cand_objects(void)
{
    cand_workspaces();
    cand_query("SELECT model_name FROM federated_models");
    cand_tables();
}

static void cand_options(void)
{
    const char *const *names = helios_option_names();
    for (size_t i = 0; names && names[i]; i++)
        cand_add(names[i], 0);
}

static char *generator(const char *text, int state)
{
    static size_t idx;
    size_t tl = strlen(text);
    if (!state)
        idx = 0;
    while (idx < g_ncand) {
        size_t i = idx++;
        if (strncasecmp(g_cand[i], text, tl) != 0)
            continue;
        char *m = strdup(g_cand[i]);
        if (m && g_is_kw[i] && g_lower)
            for (char *p = m; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        return m;
    }
    return NULL;
}

/* ---- context ---- */

/* Is the end of s[0..n) right after "WITH (", "SET (" or a ',' in such a
 * list?  A small scan: strings, comments and [...] lists are skipped. */
static int in_option_list(const char *s, size_t n)
{
    enum { MAXD = 64 };
    unsigned char optparen[MAXD];
    int depth = 0, bracket = 0;
    char last = 0;                  /* last significant byte */
    char word[16] = "";             /* last word, upper case, truncated */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\'' || c == '"') {
            for (i++; i < n && s[i] != c; i++)
                ;
            last = c;
            word[0] = 0;
        } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
                ;
            i++;
        } else if (isalnum((unsigned char)c) || c == '_') {
            size_t k = 0;
            while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_')) {
                if (k + 1 < sizeof word)
                    word[k++] = (char)toupper((unsigned char)s[i]);
                i++;
            }
            word[k] = 0;
            i--;
            last = 'a';
        } else if (c == '(') {
            if (depth < MAXD)
                optparen[depth] = strcmp(word, "WITH") == 0 || strcmp(word, "SET") == 0;
            depth++;
            last = c;
            word[0] = 0;
        } else if (c == ')') {
            if (depth > 0)
                depth--;
            last = c;
            word[0] = 0;
        } else if (c == '[') {
            bracket++;
            last = c;
        } else if (c == ']') {
            if (bracket > 0)
                bracket--;
            last = c;
        } else if (c == ';') {
            depth = bracket = 0;
            last = c;
            word[0] = 0;
        } else if (!isspace((unsigned char)c)) {
            last = c;
            word[0] = 0;
        }
    }
    return depth > 0 && depth <= MAXD && optparen[depth - 1] && !bracket &&
           (last == '(' || last == ',');
}

/* Completion of a dot-command's argument; 1 when handled. */
static int dot_argument(const char *line)
{
    char name[16];
    size_t k = 0;
    for (line++; *line && !isspace((unsigned char)*line) && k + 1 < sizeof name; line++)
        name[k++] = *line;
    name[k] = 0;
    if (!strcmp(name, "read") || !strcmp(name, "open") || !strcmp(name, "import"))
        return 0;                   /* readline completes file names */
    if (!strcmp(name, "mode")) {
        for (size_t i = 0; i < hl_nmodes; i++)
            cand_add(hl_modes[i].name, 0);
    } else if (!strcmp(name, "headers") || !strcmp(name, "timer")) {
        cand_add("on", 0);
        cand_add("off", 0);
    } else if (!strcmp(name, "nodes") || !strcmp(name, "models")) {
        cand_workspaces();
    } else if (!strcmp(name, "help")) {
        for (size_t i = 0; hl_dot_name(i); i++)
            cand_add(hl_dot_name(i), 0);
    }
    return 1;
}

static char **attempt(const char *text, int start, int end)
{
    (void)end;
    cand_clear();
    rl_attempted_completion_over = 1;
    g_lower = islower((unsigned char)text[0]);

    size_t lead = 0;
    while (lead < (size_t)start && isspace((unsigned char)rl_line_buffer[lead]))
        lead++;
    if (g_pending->len == 0 && rl_line_buffer[lead] == '.') {
        if (lead == (size_t)start) {
            for (size_t i = 0; hl_dot_name(i); i++) {
                char buf[64];
                snprintf(buf, sizeof buf, ".%s", hl_dot_name(i));
                cand_add(buf, 0);
            }
        } else if (!dot_argument(rl_line_buffer + lead)) {
            rl_attempted_completion_over = 0;
            return NULL;
        }
        return rl_completion_matches(text, generator);
    }

    HlDbuf ctx = HL_DBUF_INIT(HL_MAX_SCRIPT);
    if (hl_dbuf_add(&ctx, hl_dbuf_str(g_pending), g_pending->len) == 0 &&
        hl_dbuf_add(&ctx, rl_line_buffer, (size_t)start) == 0 &&
        in_option_list(ctx.buf ? ctx.buf : "", ctx.len)) {
        cand_options();
    } else {
        cand_objects();
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
            cand_add(keywords[i], 1);
    }
    hl_dbuf_free(&ctx);
    return rl_completion_matches(text, generator);
}

void hl_complete_setup(HlShell *sh, const HlDbuf *pending)
{
    g_sh = sh;
    g_pending = pending;
    rl_attempted_completion_function = attempt;
    rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{(,)[]*+";
}
