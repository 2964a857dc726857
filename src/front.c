/*
 * front.c - a script becomes statements; plain SQL is rewritten for SQLite.
 * See front.h for what is promised.
 */
#include "front.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helios.h"

/* ---- small helpers ------------------------------------------------------ */

static int tok_is_word(const char *src, const HlToken *t, const char *word)
{
    int n = (int)strlen(word);
    return t->len == n && strncasecmp(src + t->offset, word, (size_t)n) == 0;
}

/* A token that can serve as a name: TK_ID or any keyword (they all start
 * with a letter or '_'). */
static int tok_is_name(const char *src, const HlToken *t)
{
    if (t->type == TK_ID)
        return 1;
    if (t->len <= 0)
        return 0;
    unsigned char c = (unsigned char)src[t->offset];
    return (isalpha(c) || c == '_') && t->type != TK_STRING && t->type != TK_INTEGER
        && t->type != TK_FLOAT;
}

/* Levenshtein distance of a[0..na) and b (case-insensitive), capped. */
static int edit_distance(const char *a, int na, const char *b)
{
    int nb = (int)strlen(b);
    if (na > 40 || nb > 40)
        return 99;
    int prev[41], cur[41];
    for (int j = 0; j <= nb; j++)
        prev[j] = j;
    for (int i = 1; i <= na; i++) {
        cur[0] = i;
        for (int j = 1; j <= nb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = prev[j - 1] + cost;
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            cur[j] = v;
        }
        memcpy(prev, cur, sizeof(int) * (size_t)(nb + 1));
    }
    return prev[nb];
}

/* ---- splitting ---------------------------------------------------------- */

typedef struct TokVec { HlToken *v; int n, cap; } TokVec;

static int tokvec_push(TokVec *tv, const HlToken *t)
{
    if (tv->n == tv->cap) {
        int cap = tv->cap ? tv->cap * 2 : 32;
        HlToken *v = realloc(tv->v, sizeof *v * (size_t)cap);
        if (!v)
            return -1;
        tv->v = v;
        tv->cap = cap;
    }
    tv->v[tv->n++] = *t;
    return 0;
}

/* Does the statement whose tokens are t[0..n) belong to the dialect? */
static int is_federated(const char *src, const HlToken *t, int n)
{
    if (n == 0)
        return 0;
    int t1 = n > 1 ? t[1].type : 0;
    switch (t[0].type) {
    case TK_REGISTER: case TK_DEREGISTER: case TK_START: case TK_STOP:
    case TK_TAG: case TK_CHECKPOINT: case TK_RESUME: case TK_EXPORT:
    case TK_GRANT: case TK_REVOKE: case TK_SHOW: case TK_DESCRIBE: case TK_USE:
        return 1;   /* none of these starts an SQLite statement */
    case TK_CREATE:
        if (t1 == TK_EXTENSION)
            return 1;
        /* fall through */
    case TK_ALTER: case TK_DROP:
        if (t1 == TK_FEDERATED)
            return 1;
        /* A near miss of FEDERATED gets the dialect's error, not SQLite's. */
        return n > 1 && t[1].type == TK_ID
            && edit_distance(src + t[1].offset, t[1].len, "federated") <= 2;
    case TK_ROLLBACK:
        return t1 == TK_FEDERATED;
    case TK_DELETE:
        return t1 == TK_FROM && n > 2 && t[2].type == TK_FEDERATED;
    default:
        return 0;
    }
}

void hl_split_clear(HlSplit *s)
{
    if (!s)
        return;
    free(s->toks);
    s->toks = NULL;
    s->ntok = 0;
}

int hl_front_split(const char *src, int len, HlSplit *out, hl_err *err)
{
    HlLexer lx;
    HlToken t;
    TokVec tv = {0};
    int bad = -1;               /* index into tv of the first TK_ILLEGAL */
    HlToken badtok = {0};
    const char *badwhy = NULL;
    int trigger = 0, in_body = 0;

    memset(out, 0, sizeof *out);
    out->start = out->end = out->next = len;
    hl_lex_init(&lx, src, len);
    for (;;) {
        int type = hl_lex_next(&lx, &t);
        if (type == 0) {
            out->next = len;
            break;
        }
        if (type == TK_SPACE || type == TK_COMMENT)
            continue;
        if (type == TK_SEMI) {
            /* Inside CREATE TRIGGER ... BEGIN, only "END ;" ends it. */
            if (!(trigger && in_body && !(tv.n > 0 && tok_is_word(src, &tv.v[tv.n - 1], "END")))) {
                if (tv.n == 0)
                    continue;       /* an empty statement: skip it */
                out->has_semi = 1;
                out->next = t.offset + t.len;
                break;
            }
        }
        if (type == TK_ILLEGAL && bad < 0) {
            bad = tv.n;
            badtok = t;
            badwhy = lx.why;
        }
        if (tokvec_push(&tv, &t) < 0) {
            free(tv.v);
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        }
        if (tv.n == 1)
            out->start = t.offset;
        out->end = t.offset + t.len;
        /* CREATE [TEMP|TEMPORARY] TRIGGER */
        if (tv.n <= 3 && type == TK_ID && tok_is_word(src, &t, "TRIGGER")
            && tv.v[0].type == TK_CREATE)
            trigger = 1;
        if (trigger && type == TK_ID && tok_is_word(src, &t, "BEGIN"))
            in_body = 1;
    }
    if (bad >= 0) {
        free(tv.v);
        int at_end = badtok.offset + badtok.len >= len;
        const char *why = badwhy ? badwhy : "unrecognized token";
        if (at_end && strncmp(why, "unterminated", 12) == 0)
            return hl_err_set(err, HELIOS_INCOMPLETE, badtok.offset, "incomplete input: %s", why);
        return hl_err_set(err, HELIOS_SYNTAX, badtok.offset, "%s", why);
    }
    out->toks = tv.v;
    out->ntok = tv.n;
    out->federated = is_federated(src, tv.v, tv.n);
    return HELIOS_OK;
}

int hl_front_complete(const char *src, int len)
{
    int pos = 0, seen = 0;
    while (pos < len) {
        HlSplit sp;
        hl_err e;
        hl_err_clear(&e);
        int rc = hl_front_split(src + pos, len - pos, &sp, &e);
        if (rc == HELIOS_INCOMPLETE)
            return 0;
        if (rc != HELIOS_OK)
            return 1;           /* a bad token: let the statement run and fail */
        int ntok = sp.ntok, semi = sp.has_semi, next = sp.next;
        hl_split_clear(&sp);
        if (ntok == 0)
            break;
        if (!semi)
            return 0;
        seen = 1;
        pos += next;
    }
    return seen;
}

/* ---- rewriting ---------------------------------------------------------- */

/* One piece of generated text and the source offset it stands for. */
typedef struct Piece { char *text; int anchor; } Piece;

/* Replace src[from..to) by the pieces (from == to: insert). */
typedef struct Edit {
    int from, to, seq;
    Piece *p;
    int np;
} Edit;

typedef struct Rewriter {
    const char *src;
    const HlToken *t;
    int n;
    Edit *e;
    int ne, cap;
    hl_err *err;
    int last_interval;          /* edit index of the last INTERVAL rewrite, or -1 */
    int last_interval_tok;      /* token index of its string */
} Rewriter;

static Edit *edit_new(Rewriter *rw, int from, int to)
{
    if (rw->ne == rw->cap) {
        int cap = rw->cap ? rw->cap * 2 : 8;
        Edit *e = realloc(rw->e, sizeof *e * (size_t)cap);
        if (!e)
            return NULL;
        rw->e = e;
        rw->cap = cap;
    }
    Edit *ed = &rw->e[rw->ne];
    memset(ed, 0, sizeof *ed);
    ed->from = from;
    ed->to = to;
    ed->seq = rw->ne++;
    return ed;
}

static int edit_add(Edit *ed, const char *text, int textlen, int anchor)
{
    Piece *p = realloc(ed->p, sizeof *p * (size_t)(ed->np + 1));
    if (!p)
        return -1;
    ed->p = p;
    char *s = malloc((size_t)textlen + 1);
    if (!s)
        return -1;
    memcpy(s, text, (size_t)textlen);
    s[textlen] = '\0';
    p[ed->np].text = s;
    p[ed->np].anchor = anchor;
    ed->np++;
    return 0;
}

static int edit_adds(Edit *ed, const char *text, int anchor)
{
    return edit_add(ed, text, (int)strlen(text), anchor);
}

static void rewriter_free(Rewriter *rw)
{
    for (int i = 0; i < rw->ne; i++) {
        for (int j = 0; j < rw->e[i].np; j++)
            free(rw->e[i].p[j].text);
        free(rw->e[i].p);
    }
    free(rw->e);
}

static int nomem(Rewriter *rw)
{
    return hl_err_set(rw->err, HELIOS_NOMEM, -1, "out of memory");
}

/* Can the token before a '(' be the name of a called function?  Not when it
 * is an SQL keyword that takes a parenthesised operand: WHERE (ts) - ... */
static int is_function_name(const char *src, const HlToken *t)
{
    static const char *const keywords[] = {
        "SELECT", "WHERE", "AND", "OR", "NOT", "ON", "WHEN", "THEN", "ELSE", "IN", "EXISTS",
        "BY", "AS", "VALUES", "CASE", "FROM", "JOIN", "HAVING", "SET", "RETURNING", "IS",
        "LIKE", "GLOB", "BETWEEN", "DISTINCT", "ALL", "WITH", "USING", "LIMIT", "OFFSET",
        "END", "ESCAPE", "MATCH", "REGEXP", "COLLATE", "DEFAULT", "CHECK",
    };
    if (t->type != TK_ID)
        return 0;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (tok_is_word(src, t, keywords[i]))
            return 0;
    return 1;
}

/* Index of the '(' matching the ')' at index i, or -1. */
static int match_open(const Rewriter *rw, int i)
{
    int depth = 0;
    for (int k = i; k >= 0; k--) {
        if (rw->t[k].type == TK_RP)
            depth++;
        else if (rw->t[k].type == TK_LP && --depth == 0)
            return k;
    }
    return -1;
}

/* name => expr   becomes   'name', expr */
static int rewrite_arrow(Rewriter *rw, int i)
{
    const HlToken *a = &rw->t[i];
    if (i < 2 || !tok_is_name(rw->src, &rw->t[i - 1])
        || (rw->t[i - 2].type != TK_LP && rw->t[i - 2].type != TK_COMMA))
        return hl_err_set(rw->err, HELIOS_SYNTAX, a->offset,
                          "'=>' must follow an argument name inside a function call, as in f(x, name => value)");
    /* Only the federated functions take named arguments. */
    int depth = 0, open = -1;
    for (int k = i - 1; k >= 0 && open < 0; k--) {
        if (rw->t[k].type == TK_RP)
            depth++;
        else if (rw->t[k].type == TK_LP && depth-- == 0)
            open = k;
    }
    if (open < 1 || !tok_is_name(rw->src, &rw->t[open - 1]))
        return hl_err_set(rw->err, HELIOS_SYNTAX, a->offset,
                          "'=>' must follow an argument name inside a function call, as in f(x, name => value)");
    const HlToken *fn = &rw->t[open - 1];
    const char *fs = rw->src + fn->offset;
    if (!(fn->len > 10 && strncasecmp(fs, "federated_", 10) == 0)
        && !tok_is_word(rw->src, fn, "wait_for_convergence")
        && !tok_is_word(rw->src, fn, "compare_federated_models"))
        return hl_err_set(rw->err, HELIOS_SYNTAX, a->offset,
                          "%.*s() takes no named arguments; name => value is for the federated functions",
                          fn->len, fs);
    const HlToken *nm = &rw->t[i - 1];
    Edit *ed = edit_new(rw, nm->offset, a->offset + a->len);
    if (!ed || edit_adds(ed, "'", nm->offset) || edit_add(ed, rw->src + nm->offset, nm->len, nm->offset)
        || edit_adds(ed, "',", a->offset))
        return nomem(rw);
    return HELIOS_OK;
}

/* The SQL type a column-list type name maps to; NULL for "keep as is"
 * (JSON); "" when unknown. */
static const char *sql_type_of(const char *s, int n)
{
    static const struct { const char *name, *sql; } types[] = {
        {"INT", "INTEGER"}, {"INTEGER", "INTEGER"}, {"BIGINT", "INTEGER"},
        {"SMALLINT", "INTEGER"}, {"BOOLEAN", "INTEGER"}, {"BOOL", "INTEGER"},
        {"FLOAT", "REAL"}, {"REAL", "REAL"}, {"DOUBLE", "REAL"}, {"NUMERIC", "REAL"},
        {"DECIMAL", "REAL"}, {"TEXT", "TEXT"}, {"VARCHAR", "TEXT"}, {"CHAR", "TEXT"},
        {"STRING", "TEXT"}, {"TIMESTAMP", "TEXT"}, {"BLOB", "BLOB"}, {"BYTEA", "BLOB"},
        {"JSON", NULL}, {"JSONB", NULL},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if ((int)strlen(types[i].name) == n && strncasecmp(types[i].name, s, (size_t)n) == 0)
            return types[i].sql;
    return "";
}

/* Parses "(c T, c T ...)" starting at the '(' at index lp.  Returns the
 * index of the closing ')' or -1 when the tokens are not a column list
 * (then nothing is reported: SQLite will judge them). */
static int column_list_end(const Rewriter *rw, int lp)
{
    int k = lp + 1;
    if (k < rw->n && (tok_is_word(rw->src, &rw->t[k], "SELECT")
                      || tok_is_word(rw->src, &rw->t[k], "VALUES")
                      || rw->t[k].type == TK_WITH))
        return -1;
    for (;;) {
        if (k + 1 >= rw->n || !tok_is_name(rw->src, &rw->t[k]) || !tok_is_name(rw->src, &rw->t[k + 1]))
            return -1;
        k += 2;
        while (k < rw->n && tok_is_name(rw->src, &rw->t[k]))    /* DOUBLE PRECISION */
            k++;
        if (k < rw->n && rw->t[k].type == TK_LP) {              /* VARCHAR(20) */
            while (k < rw->n && rw->t[k].type != TK_RP)
                k++;
            k++;
        }
        if (k >= rw->n)
            return -1;
        if (rw->t[k].type == TK_RP)
            return k;
        if (rw->t[k].type != TK_COMMA)
            return -1;
        k++;
    }
}

/* Appends "CAST("c" AS T) AS "c", ..." for the column list lp..rp. */
static int add_cast_list(Rewriter *rw, Edit *ed, int lp, int rp)
{
    int k = lp + 1, first = 1;
    while (k < rp) {
        const HlToken *c = &rw->t[k], *ty = &rw->t[k + 1];
        const char *sql = sql_type_of(rw->src + ty->offset, ty->len);
        if (sql && !*sql)
            return hl_err_set(rw->err, HELIOS_SYNTAX, ty->offset,
                              "unknown type '%.*s' in a column list; use INTEGER, REAL (FLOAT), TEXT, JSON (JSONB), BOOLEAN or BLOB",
                              ty->len, rw->src + ty->offset);
        if ((!first && edit_adds(ed, ", ", c->offset))
            || (sql && edit_adds(ed, "CAST(", c->offset))
            || edit_add(ed, rw->src + c->offset, c->len, c->offset)
            || (sql && (edit_adds(ed, " AS ", c->offset) || edit_adds(ed, sql, ty->offset)
                        || edit_adds(ed, ")", c->offset)))
            || edit_adds(ed, " AS ", c->offset)
            || edit_add(ed, rw->src + c->offset, c->len, c->offset))
            return nomem(rw);
        first = 0;
        while (k < rp && rw->t[k].type != TK_COMMA) {
            if (rw->t[k].type == TK_LP)
                while (k < rp && rw->t[k].type != TK_RP)
                    k++;
            k++;
        }
        k++;
    }
    return HELIOS_OK;
}

/* f(args) AS (col TYPE, ...) at AS index i. */
static int rewrite_as_list(Rewriter *rw, int i, int *skip_to)
{
    int lp = i + 1, rp = column_list_end(rw, lp);
    if (rp < 0)
        return HELIOS_OK;
    int open = match_open(rw, i - 1);
    if (open < 1 || !tok_is_name(rw->src, &rw->t[open - 1]))
        return HELIOS_OK;       /* not a function call: leave it to SQLite */
    const HlToken *fn = &rw->t[open - 1], *as = &rw->t[i];
    const HlToken *before = open >= 2 ? &rw->t[open - 2] : NULL;
    /* The rewrite replaces everything from the end of f(...) to the end of
     * the column list, blanks included. */
    int gap = rw->t[i - 1].offset + rw->t[i - 1].len;
    *skip_to = rp;
    if (before && tok_is_word(rw->src, before, "SELECT")) {
        for (int k = rp + 1, depth = 0; k < rw->n; k++) {
            if (rw->t[k].type == TK_LP) depth++;
            else if (rw->t[k].type == TK_RP) depth--;
            else if (depth == 0 && rw->t[k].type == TK_FROM)
                return hl_err_set(rw->err, HELIOS_SYNTAX, rw->t[k].offset,
                                  "SELECT f(...) AS (columns) cannot have its own FROM; write SELECT ... FROM f(...) AS (columns)");
        }
        /* DISTINCT: a function whose rows repeat its wide columns (such as
         * federated_evaluate's metric rows) gives one row in this form. */
        Edit *ins = edit_new(rw, fn->offset, fn->offset);
        if (!ins || edit_adds(ins, "DISTINCT ", fn->offset))
            return nomem(rw);
        int rc = add_cast_list(rw, ins, lp, rp);
        if (rc)
            return rc;
        if (edit_adds(ins, " FROM ", fn->offset))
            return nomem(rw);
        if (!edit_new(rw, gap, rw->t[rp].offset + rw->t[rp].len))
            return nomem(rw);
        return HELIOS_OK;
    }
    if (before && (before->type == TK_FROM || before->type == TK_COMMA
                   || tok_is_word(rw->src, before, "JOIN"))) {
        Edit *ins = edit_new(rw, fn->offset, fn->offset);
        if (!ins || edit_adds(ins, "(SELECT ", fn->offset))
            return nomem(rw);
        int rc = add_cast_list(rw, ins, lp, rp);
        if (rc)
            return rc;
        if (edit_adds(ins, " FROM ", fn->offset))
            return nomem(rw);
        Edit *close = edit_new(rw, gap, rw->t[rp].offset + rw->t[rp].len);
        if (!close || edit_adds(close, ") AS ", as->offset)
            || edit_add(close, rw->src + fn->offset, fn->len, fn->offset))
            return nomem(rw);
        return HELIOS_OK;
    }
    return hl_err_set(rw->err, HELIOS_SYNTAX, as->offset,
                      "a column list AS (...) may follow a table function in FROM, or the single function call of a SELECT");
}

/* Appends the SQLite modifiers of an interval string to ed:
 * '1 hour 30 minutes' with sign -1 gives ", '-1 hours', '-30 minutes'". */
static int add_interval_mods(Rewriter *rw, Edit *ed, const HlToken *str, int sign)
{
    static const struct { const char *unit; const char *sql; int mult; } units[] = {
        {"second", "seconds", 1}, {"seconds", "seconds", 1}, {"sec", "seconds", 1},
        {"secs", "seconds", 1}, {"minute", "minutes", 1}, {"minutes", "minutes", 1},
        {"min", "minutes", 1}, {"mins", "minutes", 1}, {"hour", "hours", 1},
        {"hours", "hours", 1}, {"day", "days", 1}, {"days", "days", 1},
        {"week", "days", 7}, {"weeks", "days", 7}, {"month", "months", 1},
        {"months", "months", 1}, {"year", "years", 1}, {"years", "years", 1},
    };
    const char *p = rw->src + str->offset + 1, *end = rw->src + str->offset + str->len - 1;
    int count = 0;
    while (p < end) {
        while (p < end && isspace((unsigned char)*p)) p++;
        if (p >= end)
            break;
        char num[64];
        int nn = 0;
        while (p < end && nn < 62 && (isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+'))
            num[nn++] = *p++;
        num[nn] = '\0';
        char *stop;
        double v = nn ? strtod(num, &stop) : 0;
        if (!nn || *stop)
            goto bad;
        while (p < end && isspace((unsigned char)*p)) p++;
        const char *u = p;
        while (p < end && isalpha((unsigned char)*p)) p++;
        int un = (int)(p - u), found = -1;
        for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
            if ((int)strlen(units[k].unit) == un && strncasecmp(units[k].unit, u, (size_t)un) == 0)
                found = (int)k;
        if (found < 0)
            goto bad;
        char mod[128];
        snprintf(mod, sizeof mod, ", '%+.15g %s'", sign * v * units[found].mult, units[found].sql);
        if (edit_adds(ed, mod, str->offset))
            return nomem(rw);
        count++;
        while (p < end && (isspace((unsigned char)*p) || *p == ',')) p++;
    }
    if (count)
        return HELIOS_OK;
bad:
    return hl_err_set(rw->err, HELIOS_SYNTAX, str->offset,
                      "invalid interval %.*s: expected amounts and units such as '1 hour' or '2 days 30 minutes' (units: seconds, minutes, hours, days, weeks, months, years)",
                      str->len, rw->src + str->offset);
}

/* X + INTERVAL 'n unit'  or  X - INTERVAL ...  at INTERVAL index i. */
static int rewrite_interval(Rewriter *rw, int i)
{
    const HlToken *iv = &rw->t[i];
    if (i + 1 >= rw->n || rw->t[i + 1].type != TK_STRING)
        return hl_err_set(rw->err, HELIOS_SYNTAX, iv->offset,
                          "INTERVAL must be followed by a string such as '1 hour'");
    if (i < 2 || (rw->t[i - 1].type != TK_MINUS && rw->t[i - 1].type != TK_PLUS))
        return hl_err_set(rw->err, HELIOS_SYNTAX, iv->offset,
                          "INTERVAL can only be added to or subtracted from a time, as in NOW() - INTERVAL '1 hour'");
    const HlToken *op = &rw->t[i - 1], *str = &rw->t[i + 1];
    int sign = op->type == TK_MINUS ? -1 : 1;
    int e = i - 2;
    /* X - INTERVAL 'a' - INTERVAL 'b': add to the same datetime(). */
    if (rw->last_interval >= 0 && rw->last_interval_tok == e) {
        Edit *prev = &rw->e[rw->last_interval];
        char *close = prev->p[prev->np - 1].text;   /* the final ")" */
        prev->np--;
        int rc = add_interval_mods(rw, prev, str, sign);
        if (rc) { free(close); return rc; }
        if (edit_add(prev, close, 1, close ? iv->offset : 0)) { free(close); return nomem(rw); }
        free(close);
        prev->to = str->offset + str->len;
        rw->last_interval_tok = i + 1;
        return HELIOS_OK;
    }
    int s = e;
    if (rw->t[e].type == TK_RP) {
        s = match_open(rw, e);
        if (s < 0)
            return hl_err_set(rw->err, HELIOS_SYNTAX, rw->t[e].offset, "unbalanced ')'");
        if (s >= 1 && is_function_name(rw->src, &rw->t[s - 1]))
            s--;
    } else {
        while (s >= 2 && rw->t[s - 1].type == TK_DOT && tok_is_name(rw->src, &rw->t[s - 2]))
            s -= 2;
    }
    const HlToken *x = &rw->t[s];
    if (x->type == TK_INTEGER || x->type == TK_FLOAT || x->type == TK_BLOB)
        return hl_err_set(rw->err, HELIOS_SYNTAX, x->offset,
                          "INTERVAL needs a time to add to or subtract from, such as NOW() or a timestamp column, not a number");
    Edit *open = edit_new(rw, x->offset, x->offset);
    if (!open || edit_adds(open, "datetime(", x->offset))
        return nomem(rw);
    /* Replace the gap between X's end and the string's end. */
    Edit *mods = edit_new(rw, rw->t[e].offset + rw->t[e].len, str->offset + str->len);
    if (!mods)
        return nomem(rw);
    int rc = add_interval_mods(rw, mods, str, sign);
    if (rc)
        return rc;
    if (edit_adds(mods, ")", iv->offset))
        return nomem(rw);
    rw->last_interval = (int)(mods - rw->e);
    rw->last_interval_tok = i + 1;
    (void)op;
    return HELIOS_OK;
}

static int edit_cmp(const void *a, const void *b)
{
    const Edit *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    /* insertions first, then in creation order */
    int xi = x->from == x->to, yi = y->from == y->to;
    if (xi != yi)
        return xi ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct Buf { char *s; int n, cap; } Buf;

static int buf_add(Buf *b, const char *s, int n)
{
    if (b->n + n + 1 > b->cap) {
        int cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->s, (size_t)cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, (size_t)n);
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

static int map_add(HlOffMap *m, int out, int src, int len, int copied)
{
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 16;
        struct HlOffPiece *v = realloc(m->v, sizeof *v * (size_t)cap);
        if (!v)
            return -1;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n].out = out;
    m->v[m->n].src = src;
    m->v[m->n].len = len;
    m->v[m->n].copied = copied;
    m->n++;
    return 0;
}

void hl_offmap_clear(HlOffMap *m)
{
    if (!m)
        return;
    free(m->v);
    m->v = NULL;
    m->n = m->cap = 0;
}

int hl_offmap_lookup(const HlOffMap *m, int out)
{
    for (int i = 0; i < m->n; i++) {
        const struct HlOffPiece *p = &m->v[i];
        if (out >= p->out && out < p->out + p->len)
            return p->copied ? p->src + (out - p->out) : p->src;
    }
    if (m->n > 0 && out >= m->v[m->n - 1].out)     /* at the very end */
        return m->v[m->n - 1].copied ? m->v[m->n - 1].src + m->v[m->n - 1].len : m->v[m->n - 1].src;
    return -1;
}

char *hl_front_rewrite(const char *src, const HlSplit *sp, HlOffMap *map, hl_err *err)
{
    Rewriter rw = { .src = src, .t = sp->toks, .n = sp->ntok, .err = err,
                    .last_interval = -1, .last_interval_tok = -1 };
    Buf b = {0};
    int rc = HELIOS_OK;

    memset(map, 0, sizeof *map);
    for (int i = 0; i < rw.n && rc == HELIOS_OK; i++) {
        const HlToken *t = &rw.t[i];
        if (t->type == TK_ARROW)
            rc = rewrite_arrow(&rw, i);
        else if (t->type == TK_AS && i > 0 && rw.t[i - 1].type == TK_RP
                 && i + 1 < rw.n && rw.t[i + 1].type == TK_LP) {
            int skip = i;
            rc = rewrite_as_list(&rw, i, &skip);
            i = skip;
        } else if (t->type == TK_ID && tok_is_word(src, t, "INTERVAL")
                   && ((i + 1 < rw.n && rw.t[i + 1].type == TK_STRING)
                       || (i > 0 && (rw.t[i - 1].type == TK_PLUS || rw.t[i - 1].type == TK_MINUS))))
            rc = rewrite_interval(&rw, i);
    }
    if (rc != HELIOS_OK) {
        rewriter_free(&rw);
        return NULL;
    }
    if (rw.ne > 1)
        qsort(rw.e, (size_t)rw.ne, sizeof *rw.e, edit_cmp);
    int pos = sp->start;
    for (int i = 0; i <= rw.ne; i++) {
        int upto = i < rw.ne ? rw.e[i].from : sp->end;
        if (upto > pos) {
            if (map_add(map, b.n, pos, upto - pos, 1) || buf_add(&b, src + pos, upto - pos))
                goto oom;
            pos = upto;
        }
        if (i == rw.ne)
            break;
        for (int j = 0; j < rw.e[i].np; j++) {
            const Piece *p = &rw.e[i].p[j];
            int n = (int)strlen(p->text);
            if (map_add(map, b.n, p->anchor, n, 0) || buf_add(&b, p->text, n))
                goto oom;
        }
        if (rw.e[i].to > pos)
            pos = rw.e[i].to;
    }
    /* Keep the ';': SQLite then tells "near ';'" from "incomplete input". */
    if (sp->has_semi && (map_add(map, b.n, sp->next - 1, 1, 1) || buf_add(&b, ";", 1)))
        goto oom;
    if (!b.s && buf_add(&b, "", 0))
        goto oom;
    rewriter_free(&rw);
    return b.s;
oom:
    rewriter_free(&rw);
    free(b.s);
    hl_offmap_clear(map);
    hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    return NULL;
}
