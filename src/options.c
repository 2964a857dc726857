/*
 * options.c - checking option lists against the tables of option_tables.c.
 *
 * hl_opt_check() works in three steps, and changes nothing until all pass:
 *   1. the stored options (base_json) become one slot per table entry;
 *   2. each option of the statement, in order, is looked up (unknown,
 *      duplicate), converted to its canonical JSON value (type, range,
 *      enum) and replaces its slot;
 *   3. the rules below check the merged result for conflicts; a rule fires
 *      only when an option of this statement takes part in it, so what was
 *      accepted before is not re-judged by a statement that did not touch it.
 * The first error found is the one reported, at the statement option that
 * caused it.  Values are accepted as options.h says.
 */
#include "options.h"
#include "helios.h"
#include "json.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_VALUE_MAX 48        /* longest user text quoted in a message */

/* ---------------------------------------------------------------------- */
/* tables                                                                  */

static HlOptDef run_table[64];
static int run_n;
static pthread_once_t run_once = PTHREAD_ONCE_INIT;

/* The training-run table: the model's definitions of hl_opt_run_names, in
 * the model table's order. */
static void build_run_table(void)
{
    int n;
    const HlOptDef *m = hl_opt_base_table(HL_OBJ_MODEL, &n);
    for (int i = 0; i < n; i++)
        for (int j = 0; hl_opt_run_names[j]; j++)
            if (strcmp(m[i].name, hl_opt_run_names[j]) == 0 &&
                run_n < (int)(sizeof run_table / sizeof run_table[0]))
                run_table[run_n++] = m[i];
}

const HlOptDef *hl_opt_table(HlObjKind k, int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    if (k == HL_OBJ_TRAINING) {
        pthread_once(&run_once, build_run_table);
        *n = run_n;
        return run_table;
    }
    return hl_opt_base_table(k, n);
}

const HlOptDef *hl_opt_find(HlObjKind k, const char *name)
{
    int n;
    const HlOptDef *t = hl_opt_table(k, &n);
    for (int i = 0; name && i < n; i++)
        if (strcasecmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

const char *hl_opt_kind_name(HlObjKind k)
{
    static const char *const names[] = { "workspace", "node", "model", "training" };
    return (k >= 0 && k < HL_OBJ__COUNT) ? names[k] : "object";
}

static const char *kind_phrase(HlObjKind k)
{
    static const char *const names[] = { "a workspace", "a node", "a model",
                                         "a training run" };
    return (k >= 0 && k < HL_OBJ__COUNT) ? names[k] : "this object";
}

const char *hl_opt_default(HlObjKind k, const char *name)
{
    const HlOptDef *d = hl_opt_find(k, name);
    return d ? d->def : NULL;
}

const char *hl_opt_is_builtin_aggregation(const char *name)
{
    for (int i = 0; name && hl_opt_builtin_aggregations[i]; i++)
        if (strcasecmp(hl_opt_builtin_aggregations[i], name) == 0)
            return hl_opt_builtin_aggregations[i];
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* near misses                                                             */

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions), case-insensitive; 99 for names too long to be options. */
static int osa_distance(const char *a, const char *b)
{
    enum { L = 64 };
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > L || lb > L)
        return 99;
    int d[L + 1][L + 1];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* The best of cands[0..n) for `in`: the smallest distance within 1 (names
 * of up to 4 letters) or 2, else the first that `in` is a prefix of (3+
 * letters) or that is a prefix of `in` (4+ letters); NULL when none. */
static const char *suggest(const char *const *cands, int n, const char *in)
{
    if (!in || !*in)
        return NULL;
    size_t lin = strlen(in);
    int limit = lin <= 4 ? 1 : 2, best = limit + 1;
    const char *hit = NULL;
    for (int i = 0; i < n; i++) {
        int dist = osa_distance(in, cands[i]);
        if (dist < best) {
            best = dist;
            hit = cands[i];
        }
    }
    for (int i = 0; !hit && i < n; i++) {
        size_t lc = strlen(cands[i]);
        if ((lin >= 3 && lin < lc && strncasecmp(in, cands[i], lin) == 0) ||
            (lc >= 4 && lc < lin && strncasecmp(in, cands[i], lc) == 0))
            hit = cands[i];
    }
    return hit;
}

const char *hl_opt_suggest(HlObjKind k, const char *name)
{
    int n;
    const HlOptDef *t = hl_opt_table(k, &n);
    const char *names[128];
    if (n > 128)
        n = 128;
    for (int i = 0; i < n; i++)
        names[i] = t[i].name;
    return suggest(names, n, name);
}

const char *hl_opt_suggest_choice(const HlOptDef *d, const char *value)
{
    int n = 0;
    if (!d || !d->choices)
        return NULL;
    while (d->choices[n])
        n++;
    return suggest(d->choices, n, value);
}

/* ---------------------------------------------------------------------- */
/* text for messages                                                       */

static void fmt_num(double x, char *buf, size_t n)
{
    if (x == floor(x) && fabs(x) < 1e15)
        snprintf(buf, n, "%.0f", x);
    else
        hl_json_format_real(x, buf, n);
}

/* s, cut to MSG_VALUE_MAX bytes (not inside a UTF-8 sequence) + "...". */
static void clip(const char *s, char *buf, size_t n)
{
    size_t l = strlen(s);
    if (l <= MSG_VALUE_MAX) {
        snprintf(buf, n, "%s", s);
        return;
    }
    l = MSG_VALUE_MAX;
    while (l > 0 && ((unsigned char)s[l] & 0xc0) == 0x80)
        l--;
    snprintf(buf, n, "%.*s...", (int)l, s);
}

/* "an integer (5)", "a string ('x')", "a list", "true", ... */
static void describe_value(const HlValue *v, char *buf, size_t n)
{
    char t[MSG_VALUE_MAX + 8];
    switch (v->kind) {
    case HL_V_INT: snprintf(buf, n, "an integer (%lld)", (long long)v->i); break;
    case HL_V_REAL: hl_json_format_real(v->r, t, sizeof t);
        snprintf(buf, n, "a number (%s)", t); break;
    case HL_V_STRING: clip(v->s ? v->s : "", t, sizeof t);
        snprintf(buf, n, "a string ('%s')", t); break;
    case HL_V_IDENT: clip(v->s ? v->s : "", t, sizeof t);
        snprintf(buf, n, "a name (%s)", t); break;
    case HL_V_BOOL: snprintf(buf, n, "%s", v->i ? "true" : "false"); break;
    case HL_V_LIST: snprintf(buf, n, "a list"); break;
    default: snprintf(buf, n, "NULL"); break;
    }
}

static void describe_json(const HlJsonValue *v, char *buf, size_t n)
{
    char t[MSG_VALUE_MAX + 8];
    switch (v->type) {
    case HL_JSON_INT: snprintf(buf, n, "an integer (%lld)", (long long)v->i); break;
    case HL_JSON_REAL: hl_json_format_real(v->r, t, sizeof t);
        snprintf(buf, n, "a number (%s)", t); break;
    case HL_JSON_STRING: clip(v->s, t, sizeof t);
        snprintf(buf, n, "a string ('%s')", t); break;
    case HL_JSON_BOOL: snprintf(buf, n, "%s", v->i ? "true" : "false"); break;
    case HL_JSON_ARRAY: snprintf(buf, n, "a list"); break;
    default: snprintf(buf, n, "null"); break;
    }
}

/* A canonical value as a message shows it: 5, 0.5, 'HIPAA', true. */
static void show_json(const HlJsonValue *v, char *buf, size_t n)
{
    char t[MSG_VALUE_MAX + 4];
    switch (v->type) {
    case HL_JSON_INT: snprintf(buf, n, "%lld", (long long)v->i); break;
    case HL_JSON_REAL: fmt_num(v->r, buf, n); break;
    case HL_JSON_STRING: clip(v->s, t, sizeof t); snprintf(buf, n, "'%s'", t); break;
    case HL_JSON_BOOL: snprintf(buf, n, "%s", v->i ? "true" : "false"); break;
    case HL_JSON_ARRAY: snprintf(buf, n, "a list"); break;
    default: snprintf(buf, n, "null"); break;
    }
}

/* "'a', 'b' or 'c'" (sep_last " or ") or "'a', 'b', 'c'" (sep_last ", "). */
static void list_choices(const char *const *ch, int quote, const char *sep_last,
                         char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; ch[i] && k < n; i++) {
        const char *sep = i == 0 ? "" : ch[i + 1] ? ", " : sep_last;
        k += (size_t)snprintf(buf + k, n - k, quote ? "%s'%s'" : "%s%s", sep, ch[i]);
    }
}

/* 0 when x is within d's bounds; else "must be ..." in buf, and 1. */
static int range_msg(const HlOptDef *d, double x, char *buf, size_t n)
{
    int lo_x = (d->flags & HL_OPT_MIN_EXCL) != 0, hi_x = (d->flags & HL_OPT_MAX_EXCL) != 0;
    int lo_ok = isinf(d->min) || (lo_x ? x > d->min : x >= d->min);
    int hi_ok = isinf(d->max) || (hi_x ? x < d->max : x <= d->max);
    if (lo_ok && hi_ok)
        return 0;
    char a[40], b[40];
    fmt_num(d->min, a, sizeof a);
    fmt_num(d->max, b, sizeof b);
    const char *lw = lo_x ? "greater than" : "at least", *hw = hi_x ? "less than" : "at most";
    if (!isinf(d->min) && !isinf(d->max)) {
        if (!lo_x && !hi_x)
            snprintf(buf, n, "must be between %s and %s", a, b);
        else
            snprintf(buf, n, "must be %s %s and %s %s", lw, a, hw, b);
    } else if (!isinf(d->min)) {
        snprintf(buf, n, "must be %s %s", lw, a);
    } else {
        snprintf(buf, n, "must be %s %s", hw, b);
    }
    return 1;
}

char *hl_opt_domain(const HlOptDef *d, char *buf, int n)
{
    char r[160] = "", ch[400];
    size_t sz = n > 0 ? (size_t)n : 0;
    if (sz == 0)
        return buf;
    /* A range as the phrase range_msg() would use, minus "must be ". */
    if (!isinf(d->min) || !isinf(d->max)) {
        double out = !isinf(d->min) ? d->min - 1e300 : d->max + 1e300;
        range_msg(d, out, r, sizeof r);
        memmove(r, r + 8, strlen(r + 8) + 1);
    }
    switch (d->type) {
    case HL_OT_INT:
        if (d->choices) {
            list_choices(d->choices, 0, " or ", ch, sizeof ch);
            snprintf(buf, sz, "integer: %s", ch);
        } else {
            snprintf(buf, sz, "integer, %s", r);
        }
        break;
    case HL_OT_REAL: snprintf(buf, sz, "number, %s", r); break;
    case HL_OT_BOOL: snprintf(buf, sz, "boolean"); break;
    case HL_OT_STRING: snprintf(buf, sz, "string"); break;
    case HL_OT_ENUM:
        list_choices(d->choices, 1, " or ", ch, sizeof ch);
        snprintf(buf, sz, "%s%s%s%s", ch,
                 d->flags & HL_OPT_FREE_NAME ? ", or a function name" : "",
                 d->flags & HL_OPT_OR_NUMBER ? ", or a number " : "",
                 d->flags & HL_OPT_OR_NUMBER ? r : "");
        break;
    case HL_OT_INT_LIST: snprintf(buf, sz, "list of integers, each %s", r); break;
    case HL_OT_STRING_LIST: snprintf(buf, sz, "list of strings"); break;
    default: snprintf(buf, sz, "?");
    }
    return buf;
}

/* ---------------------------------------------------------------------- */
/* one value: type, range, enum                                            */

static int opt_err(hl_err *err, int off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int opt_err(hl_err *err, int off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hl_err_vset(err, HELIOS_OPTION, off, fmt, ap);
    va_end(ap);
    return HELIOS_OPTION;
}

static int nomem(hl_err *err)
{
    return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
}

static const char *type_words(HlOptType t)
{
    switch (t) {
    case HL_OT_INT: return "an integer";
    case HL_OT_REAL: return "a number";
    case HL_OT_BOOL: return "true or false";
    case HL_OT_STRING: return "a string";
    case HL_OT_INT_LIST: return "a list of integers";
    case HL_OT_STRING_LIST: return "a list of strings";
    default: return "a value";
    }
}

static int wrong_type(const HlOptDef *d, const HlValue *v, hl_err *err)
{
    char f[MSG_VALUE_MAX + 32];
    describe_value(v, f, sizeof f);
    return opt_err(err, v->off, "option '%s' expects %s, found %s", d->name,
                   type_words(d->type), f);
}

static int set_string(HlJsonValue *out, const char *s, hl_err *err)
{
    out->type = HL_JSON_STRING;
    if (!(out->s = strdup(s)))
        return nomem(err);
    return HELIOS_OK;
}

/* endpoint, backup_endpoint: 'local' or tls|https://host:port. */
static int check_endpoint(const HlOptDef *d, HlJsonValue *val, int off, hl_err *err)
{
    char *s = val->s, f[MSG_VALUE_MAX + 8];
    if (strcasecmp(s, "local") == 0) {
        strcpy(s, "local");
        return HELIOS_OK;
    }
    size_t sl = strncasecmp(s, "tls://", 6) == 0 ? 6 : strncasecmp(s, "https://", 8) == 0 ? 8 : 0;
    const char *h = s + sl, *colon = strrchr(h, ':');
    int ok = sl > 0 && colon && colon > h;
    for (const char *p = h; ok && p < colon; p++)
        ok = isalnum((unsigned char)*p) || strchr(".-_[]:", *p);
    if (ok && *h == '[')
        ok = colon[-1] == ']';
    long port = 0;
    for (const char *p = colon ? colon + 1 : ""; ok && *p; p++) {
        ok = isdigit((unsigned char)*p);
        port = port * 10 + (*p - '0');
        ok = ok && port <= 65535;
    }
    if (ok && port >= 1) {
        for (size_t i = 0; i < sl; i++)
            s[i] = (char)tolower((unsigned char)s[i]);
        return HELIOS_OK;
    }
    clip(s, f, sizeof f);
    return opt_err(err, off, "option '%s' must be 'local', 'tls://host:port' or "
                   "'https://host:port', found '%s'", d->name, f);
}

static int is_sql_name(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    size_t n = 0;
    for (; *s; s++, n++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return 0;
    return n <= 63;
}

static int check_enum(const HlOptDef *d, const HlValue *v, HlJsonValue *out, hl_err *err)
{
    char text[40], ch[400], f[MSG_VALUE_MAX + 32], why[100];
    const char *s = NULL;
    if (v->kind == HL_V_STRING || v->kind == HL_V_IDENT) {
        s = v->s ? v->s : "";
    } else if ((v->kind == HL_V_INT || v->kind == HL_V_REAL) && (d->flags & HL_OPT_OR_NUMBER)) {
        if (range_msg(d, v->r, why, sizeof why) == 0) {
            out->type = HL_JSON_REAL;
            out->r = v->r;
            return HELIOS_OK;
        }
    } else if (v->kind == HL_V_INT) {      /* tls_version = 1.3 */
        snprintf(text, sizeof text, "%lld", (long long)v->i);
        s = text;
    } else if (v->kind == HL_V_REAL) {
        fmt_num(v->r, text, sizeof text);
        s = text;
    }
    for (int i = 0; s && d->choices[i]; i++)
        if (strcasecmp(s, d->choices[i]) == 0)
            return set_string(out, d->choices[i], err);
    if (s && (d->flags & HL_OPT_FREE_NAME) && is_sql_name(s))
        return set_string(out, s, err);

    list_choices(d->choices, 1, ", ", ch, sizeof ch);
    if (s && (v->kind == HL_V_STRING || v->kind == HL_V_IDENT)) {
        clip(s, f + 1, sizeof f - 2);
        f[0] = '\'';
        strcat(f, "'");
    } else {
        describe_value(v, f, sizeof f);
    }
    /* With one choice, "must be 'x'" already says it all. */
    const char *near = s && d->choices[1] ? hl_opt_suggest_choice(d, s) : NULL;
    char tail[120] = "";
    if (near)
        snprintf(tail, sizeof tail, "; did you mean '%s'?", near);
    if (d->flags & HL_OPT_FREE_NAME)
        return opt_err(err, v->off, "option '%s' must be one of %s or the name of an "
                       "aggregation function, found %s%s", d->name, ch, f, tail);
    if (d->flags & HL_OPT_OR_NUMBER) {
        range_msg(d, d->min - 1, why, sizeof why);
        return opt_err(err, v->off, "option '%s' must be one of %s or a number %s, "
                       "found %s%s", d->name, ch, why + 8, f, tail);
    }
    if (!d->choices[1])
        return opt_err(err, v->off, "option '%s' must be %s, found %s%s", d->name, ch, f, tail);
    return opt_err(err, v->off, "option '%s' must be one of %s, found %s%s", d->name, ch,
                   f, tail);
}

/* Items of a list value (already JSON) against an INT_LIST or STRING_LIST;
 * offs[i] is item i's offset (NULL: all at off). */
static int check_items(const HlOptDef *d, HlJsonValue *arr, const int *offs, int off,
                       hl_err *err)
{
    char f[MSG_VALUE_MAX + 32], why[100];
    if (arr->nitems == 0)
        return opt_err(err, off, "option '%s' must not be an empty list", d->name);
    for (int i = 0; i < arr->nitems; i++) {
        HlJsonValue *it = &arr->items[i];
        int at = offs ? offs[i] : off;
        describe_json(it, f, sizeof f);
        if (d->type == HL_OT_INT_LIST) {
            if (it->type != HL_JSON_INT)
                return opt_err(err, at, "option '%s' item %d must be an integer, found %s",
                               d->name, i + 1, f);
            if (range_msg(d, (double)it->i, why, sizeof why))
                return opt_err(err, at, "option '%s' item %d %s, found %lld", d->name,
                               i + 1, why, (long long)it->i);
            continue;
        }
        if (it->type != HL_JSON_STRING)
            return opt_err(err, at, "option '%s' item %d must be a string, found %s",
                           d->name, i + 1, f);
        if (!it->s[0])
            return opt_err(err, at, "option '%s' item %d must not be empty", d->name, i + 1);
        for (int j = 0; j < i; j++)
            if (strcasecmp(arr->items[j].s, it->s) == 0) {
                clip(it->s, f, sizeof f);
                return opt_err(err, at, "option '%s' item %d ('%s') repeats item %d",
                               d->name, i + 1, f, j + 1);
            }
    }
    return HELIOS_OK;
}

/* 'a, b' -> ["a", "b"] (items trimmed). */
static int split_commas(const char *s, HlJsonValue *out, hl_err *err)
{
    out->type = HL_JSON_ARRAY;
    int n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    if (!(out->items = calloc((size_t)n, sizeof *out->items)))
        return nomem(err);
    for (const char *p = s;; p++) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *a = p, *b = e;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        HlJsonValue *it = &out->items[out->nitems++];
        it->type = HL_JSON_STRING;
        if (!(it->s = strndup(a, (size_t)(b - a))))
            return nomem(err);
        if (!*e)
            break;
        p = e;
    }
    return HELIOS_OK;
}

static int check_list(const HlOptDef *d, const HlValue *v, HlJsonValue *out, hl_err *err)
{
    char f[MSG_VALUE_MAX + 32];
    if (v->kind == HL_V_LIST) {
        out->type = HL_JSON_ARRAY;
        int *offs = calloc((size_t)v->nitems + 1, sizeof *offs);
        if (!offs || (v->nitems && !(out->items = calloc((size_t)v->nitems, sizeof *out->items)))) {
            free(offs);
            return nomem(err);
        }
        for (int i = 0; i < v->nitems; i++, out->nitems++) {
            const HlValue *it = &v->items[i];
            HlJsonValue *o = &out->items[i];
            offs[i] = it->off;
            switch (it->kind) {
            case HL_V_INT: o->type = HL_JSON_INT; o->i = it->i; o->r = (double)it->i; break;
            case HL_V_REAL: o->type = HL_JSON_REAL; o->r = it->r; break;
            case HL_V_BOOL: o->type = HL_JSON_BOOL; o->i = it->i != 0; break;
            case HL_V_STRING: case HL_V_IDENT:
                if (set_string(o, it->s ? it->s : "", err) != HELIOS_OK) {
                    free(offs);
                    return HELIOS_NOMEM;
                }
                break;
            default: o->type = it->kind == HL_V_LIST ? HL_JSON_ARRAY : HL_JSON_NULL;
            }
        }
        int rc = check_items(d, out, offs, v->off, err);
        free(offs);
        return rc;
    }
    if (v->kind == HL_V_STRING) {
        const char *s = v->s ? v->s : "";
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '[') {
            hl_err jerr;
            hl_err_clear(&jerr);
            if (hl_json_parse_value(s, out, &jerr) != HELIOS_OK) {
                if (jerr.code == HELIOS_NOMEM)
                    return nomem(err);
                clip(v->s, f, sizeof f);
                return opt_err(err, v->off, "option '%s' expects %s, found a malformed "
                               "list ('%s')", d->name, type_words(d->type), f);
            }
            return check_items(d, out, NULL, v->off, err);
        }
        if (d->type == HL_OT_STRING_LIST) {
            if (split_commas(v->s ? v->s : "", out, err) != HELIOS_OK)
                return HELIOS_NOMEM;
            return check_items(d, out, NULL, v->off, err);
        }
    }
    if (v->kind == HL_V_IDENT && d->type == HL_OT_STRING_LIST) {
        out->type = HL_JSON_ARRAY;
        if (!(out->items = calloc(1, sizeof *out->items)))
            return nomem(err);
        out->nitems = 1;
        return set_string(out->items, v->s ? v->s : "", err);
    }
    return wrong_type(d, v, err);
}

/* Converts statement value v for option d into its canonical JSON *out
 * (which the caller clears, also on failure). */
static int convert(const HlOptDef *d, const HlValue *v, HlJsonValue *out, hl_err *err)
{
    char why[100], f[MSG_VALUE_MAX + 32];
    memset(out, 0, sizeof *out);
    switch (d->type) {
    case HL_OT_INT:
        if (v->kind != HL_V_INT)
            return wrong_type(d, v, err);
        if (d->choices) {
            char t[32], ch[200];
            snprintf(t, sizeof t, "%lld", (long long)v->i);
            int i = 0;
            while (d->choices[i] && strcmp(d->choices[i], t) != 0)
                i++;
            if (!d->choices[i]) {
                list_choices(d->choices, 0, ", ", ch, sizeof ch);
                return opt_err(err, v->off, "option '%s' must be one of %s, found %s",
                               d->name, ch, t);
            }
        } else if (range_msg(d, (double)v->i, why, sizeof why)) {
            return opt_err(err, v->off, "option '%s' %s, found %lld", d->name, why,
                           (long long)v->i);
        }
        out->type = HL_JSON_INT;
        out->i = v->i;
        out->r = (double)v->i;
        return HELIOS_OK;
    case HL_OT_REAL: {
        if (v->kind != HL_V_INT && v->kind != HL_V_REAL)
            return wrong_type(d, v, err);
        double x = v->kind == HL_V_INT ? (double)v->i : v->r;
        if (!isfinite(x))
            return opt_err(err, v->off, "option '%s' expects a finite number", d->name);
        if (range_msg(d, x, why, sizeof why)) {
            fmt_num(x, f, sizeof f);
            return opt_err(err, v->off, "option '%s' %s, found %s", d->name, why, f);
        }
        out->type = HL_JSON_REAL;
        out->r = x;
        return HELIOS_OK;
    }
    case HL_OT_BOOL:
        out->type = HL_JSON_BOOL;
        if (v->kind == HL_V_BOOL) {
            out->i = v->i != 0;
            return HELIOS_OK;
        }
        if ((v->kind == HL_V_STRING || v->kind == HL_V_IDENT) && v->s &&
            (strcasecmp(v->s, "true") == 0 || strcasecmp(v->s, "false") == 0)) {
            out->i = strcasecmp(v->s, "true") == 0;
            return HELIOS_OK;
        }
        return wrong_type(d, v, err);
    case HL_OT_STRING:
        if (v->kind != HL_V_STRING && v->kind != HL_V_IDENT)
            return wrong_type(d, v, err);
        if (!v->s || !v->s[0])
            return opt_err(err, v->off, "option '%s' must not be empty", d->name);
        if (set_string(out, v->s, err) != HELIOS_OK)
            return HELIOS_NOMEM;
        if (strcmp(d->name, "endpoint") == 0 || strcmp(d->name, "backup_endpoint") == 0)
            return check_endpoint(d, out, v->off, err);
        return HELIOS_OK;
    case HL_OT_ENUM:
        return check_enum(d, v, out, err);
    case HL_OT_INT_LIST:
    case HL_OT_STRING_LIST:
        return check_list(d, v, out, err);
    }
    return opt_err(err, v->off, "option '%s' has no type", d->name);
}

/* ---------------------------------------------------------------------- */
/* the merged state                                                        */

typedef enum Origin { FROM_NONE = 0, FROM_BASE, FROM_STMT } Origin;

typedef struct Slot {
    HlJsonValue val;            /* when present */
    int present;
    Origin origin;              /* of the value, or of its removal (NULL) */
    const HlOption *opt;        /* FROM_STMT: the statement's option */
    HlJsonValue defval;         /* the parsed default, when asked for */
    int defstate;               /* 0 not parsed, 1 parsed, -1 none */
} Slot;

typedef struct Merge {
    HlObjKind kind;             /* of the statement */
    const HlOptDef *table;      /* of the stored JSON: the model's for a run */
    int n;
    Slot *slots;
    HlJsonObject extra;         /* stored keys the table does not know: kept */
    hl_err *err;
} Merge;

static int slot_index(const Merge *m, const char *name)
{
    for (int i = 0; name && i < m->n; i++)
        if (strcasecmp(m->table[i].name, name) == 0)
            return i;
    return -1;
}

/* The effective value of option i (explicit, else default) or NULL; *note
 * says where it came from for messages: "" (this statement), "set earlier",
 * "set on the model" or "the default". */
static const HlJsonValue *effective(Merge *m, int i, const char **note)
{
    Slot *s = &m->slots[i];
    if (s->present) {
        *note = s->origin == FROM_STMT ? ""
              : m->kind == HL_OBJ_TRAINING ? "set on the model" : "set earlier";
        return &s->val;
    }
    *note = "the default";
    if (s->defstate == 0) {
        hl_err e;
        hl_err_clear(&e);
        s->defstate = -1;
        if (m->table[i].def && hl_json_parse_value(m->table[i].def, &s->defval, &e) == HELIOS_OK)
            s->defstate = 1;
    }
    return s->defstate == 1 ? &s->defval : NULL;
}

static int matches(const HlJsonValue *v, const char *text)
{
    char t[40];
    switch (v->type) {
    case HL_JSON_STRING: return strcasecmp(v->s, text) == 0;
    case HL_JSON_BOOL: return strcmp(text, v->i ? "true" : "false") == 0;
    case HL_JSON_INT: snprintf(t, sizeof t, "%lld", (long long)v->i); return strcmp(t, text) == 0;
    case HL_JSON_REAL: fmt_num(v->r, t, sizeof t); return strcmp(t, text) == 0;
    default: return 0;
    }
}

static int matches_any(const HlJsonValue *v, const char *const *vals)
{
    for (int i = 0; v && vals && vals[i]; i++)
        if (matches(v, vals[i]))
            return 1;
    return 0;
}

static int is_number(const HlJsonValue *v)
{
    return v && (v->type == HL_JSON_INT || v->type == HL_JSON_REAL);
}

/* "'a'" or "'a', 'b' or 'c'", quoting strings only. */
static void show_vals(const char *const *vals, char *buf, size_t n)
{
    int quote = strcmp(vals[0], "true") != 0 && strcmp(vals[0], "false") != 0;
    list_choices(vals, quote, " or ", buf, n);
}

/* "'a'" or "'a' (5, set earlier)" when a is not of this statement. */
static void subject(Merge *m, int i, char *buf, size_t n)
{
    const char *note;
    const HlJsonValue *v = effective(m, i, &note);
    char t[MSG_VALUE_MAX + 8];
    if (m->slots[i].origin == FROM_STMT || !v) {
        snprintf(buf, n, "'%s'", m->table[i].name);
        return;
    }
    show_json(v, t, sizeof t);
    snprintf(buf, n, "'%s' (%s, %s)", m->table[i].name, t, note);
}

/* "5", "5 (set earlier)", "5 (the default)" */
static void found(const HlJsonValue *v, const char *note, char *buf, size_t n)
{
    char t[MSG_VALUE_MAX + 8];
    show_json(v, t, sizeof t);
    snprintf(buf, n, *note ? "%s (%s)" : "%s", t, note);
}

/* "(5)", "(5, set earlier)" */
static void in_parens(const HlJsonValue *v, const char *note, char *buf, size_t n)
{
    char t[MSG_VALUE_MAX + 8];
    show_json(v, t, sizeof t);
    snprintf(buf, n, *note ? "(%s, %s)" : "(%s)", t, note);
}

static int is_set(const Slot *s)
{
    return s->present && !(s->val.type == HL_JSON_BOOL && !s->val.i);
}

/* Checks one rule; HELIOS_OK when it holds or no option of the statement
 * takes part in it. */
static int check_rule(Merge *m, const HlOptRule *r)
{
    int ia = slot_index(m, r->a), ib = slot_index(m, r->b);
    if (ia < 0 || ib < 0)
        return HELIOS_OK;
    Slot *sa = &m->slots[ia], *sb = &m->slots[ib];
    const Slot *at = sa->origin == FROM_STMT ? sa : sb->origin == FROM_STMT ? sb : NULL;
    if (!at)
        return HELIOS_OK;
    int off = at->opt->name.off;
    const char *na, *nb, *A = r->a, *B = r->b;
    const HlJsonValue *va = effective(m, ia, &na), *vb = effective(m, ib, &nb);
    char sub[160], f[120], g[120], vs[300], why[200] = "";
    if (r->why)
        snprintf(why, sizeof why, "; %s", r->why);
    subject(m, ia, sub, sizeof sub);

    switch (r->rule) {
    case HL_RULE_LE:
        if (!is_number(va) || !is_number(vb) || va->r <= vb->r)
            return HELIOS_OK;
        in_parens(va, na, f, sizeof f);
        in_parens(vb, nb, g, sizeof g);
        return opt_err(m->err, off, "option '%s' %s must not exceed '%s' %s%s", A, f, B, g, why);
    case HL_RULE_REQUIRES:
        if (!is_set(sa))
            return HELIOS_OK;
        if (!r->vals) {
            if (vb)
                return HELIOS_OK;
            return opt_err(m->err, off, "option %s requires '%s' to be set%s", sub, B, why);
        }
        if (matches_any(vb, r->vals))
            return HELIOS_OK;
        show_vals(r->vals, vs, sizeof vs);
        if (!vb)
            return opt_err(m->err, off, "option %s requires '%s' to be %s%s", sub, B, vs, why);
        found(vb, nb, g, sizeof g);
        return opt_err(m->err, off, "option %s requires '%s' to be %s, found %s%s", sub, B,
                       vs, g, why);
    case HL_RULE_REQUIRES_NOT:
        if (!is_set(sa) || !matches_any(vb, r->vals))
            return HELIOS_OK;
        show_vals(r->vals, vs, sizeof vs);
        found(vb, nb, g, sizeof g);
        return opt_err(m->err, off, "option %s requires '%s' other than %s, found %s%s", sub,
                       B, vs, g, why);
    case HL_RULE_EXCLUDES:
        if (!sa->present || !sb->present)
            return HELIOS_OK;
        in_parens(va, na, f, sizeof f);
        in_parens(vb, nb, g, sizeof g);
        return opt_err(m->err, off, "option '%s' %s cannot be combined with '%s' %s%s", A, f,
                       B, g, why);
    case HL_RULE_FORBID:
        if (!va || !matches(va, r->bad) || !matches_any(vb, r->vals))
            return HELIOS_OK;
        found(va, na, f, sizeof f);
        found(vb, nb, g, sizeof g);
        return opt_err(m->err, off, "option '%s' cannot be %s when '%s' is %s%s", A, f, B, g,
                       why);
    case HL_RULE_RANGE_IF: {
        HlOptDef q = m->table[ia];
        q.min = r->lo;
        q.max = r->hi;
        q.flags = 0;
        if (!is_number(va) || !matches_any(vb, r->vals) || !range_msg(&q, va->r, vs, sizeof vs))
            return HELIOS_OK;
        found(va, na, f, sizeof f);
        found(vb, nb, g, sizeof g);
        return opt_err(m->err, off, "option '%s' %s when '%s' is %s, found %s%s", A, vs, B, g,
                       f, why);
    }
    case HL_RULE_NOT_IN:
        if (!va || va->type != HL_JSON_STRING || !vb || vb->type != HL_JSON_ARRAY)
            return HELIOS_OK;
        for (int i = 0; i < vb->nitems; i++)
            if (vb->items[i].type == HL_JSON_STRING && strcasecmp(vb->items[i].s, va->s) == 0) {
                found(va, na, f, sizeof f);
                return opt_err(m->err, off, "option '%s' (%s) is also an item of '%s'%s%s",
                               A, f, B, *nb ? ", " : "", *nb ? nb : "");
            }
        return HELIOS_OK;
    case HL_RULE_DIFFER:
        if (!va || !vb || va->type != HL_JSON_STRING || vb->type != HL_JSON_STRING ||
            strcmp(va->s, vb->s) != 0)
            return HELIOS_OK;
        found(vb, nb, g, sizeof g);
        return opt_err(m->err, off, "option '%s' must differ from '%s' (%s)%s", A, B, g, why);
    }
    return HELIOS_OK;
}

static int check_rules(Merge *m)
{
    int n;
    const HlOptRule *r = hl_opt_rules(&n);
    HlObjKind k = m->kind == HL_OBJ_TRAINING ? HL_OBJ_MODEL : m->kind;
    for (int i = 0; i < n; i++)
        if (r[i].kind == k && check_rule(m, &r[i]) != HELIOS_OK)
            return m->err->code;
    return HELIOS_OK;
}

/* ---------------------------------------------------------------------- */
/* hl_opt_check                                                            */

static int unknown_option(HlObjKind k, const HlOption *o, hl_err *err)
{
    const char *name = o->name.s ? o->name.s : "";
    char t[MSG_VALUE_MAX + 8];
    clip(name, t, sizeof t);
    if (k == HL_OBJ_TRAINING && hl_opt_find(HL_OBJ_MODEL, name))
        return opt_err(err, o->name.off, "option '%s' cannot be set for a training run; "
                       "change the model with ALTER FEDERATED MODEL", t);
    const char *near = hl_opt_suggest(k, name);
    if (near)
        return opt_err(err, o->name.off, "unknown option '%s' for %s; did you mean '%s'?", t,
                       kind_phrase(k), near);
    for (int j = HL_OBJ_WORKSPACE; j <= HL_OBJ_MODEL; j++)
        if (j != (int)k && hl_opt_find((HlObjKind)j, name))
            return opt_err(err, o->name.off, "unknown option '%s' for %s; it is an option "
                           "of %s", t, kind_phrase(k), kind_phrase((HlObjKind)j));
    return opt_err(err, o->name.off, "unknown option '%s' for %s", t, kind_phrase(k));
}

static int load_base(Merge *m, const char *base_json)
{
    HlJsonObject o;
    hl_err e;
    hl_err_clear(&e);
    if (!base_json || !*base_json)
        return HELIOS_OK;
    if (hl_json_parse_object(base_json, &o, &e) != HELIOS_OK) {
        if (e.code == HELIOS_NOMEM)
            return nomem(m->err);
        return hl_err_set(m->err, HELIOS_ERROR, -1, "stored options are not valid JSON: %s",
                          e.msg);
    }
    int rc = HELIOS_OK;
    for (int i = 0; i < o.n && rc == HELIOS_OK; i++) {
        int k = slot_index(m, o.v[i].key);
        if (k >= 0 && !m->slots[k].present) {
            m->slots[k].val = o.v[i].val;
            m->slots[k].present = 1;
            m->slots[k].origin = FROM_BASE;
        } else if (k < 0) {
            rc = hl_json_object_push(&m->extra, o.v[i].key, &o.v[i].val);
            o.v[i].key = NULL;
        } else {
            hl_json_value_clear(&o.v[i].val);  /* "Rounds" after "rounds": first wins */
        }
        memset(&o.v[i].val, 0, sizeof o.v[i].val);
    }
    hl_json_object_clear(&o);
    return rc == HELIOS_OK ? HELIOS_OK : nomem(m->err);
}

static int apply_option(Merge *m, const HlOptList *opts, int i)
{
    const HlOption *o = &opts->v[i];
    const HlOptDef *d = hl_opt_find(m->kind, o->name.s);
    if (!d)
        return unknown_option(m->kind, o, m->err);
    for (int j = 0; j < i; j++)
        if (strcasecmp(opts->v[j].name.s, d->name) == 0)
            return opt_err(m->err, o->name.off, "option '%s' is given twice", d->name);
    Slot *s = &m->slots[slot_index(m, d->name)];
    HlJsonValue v;
    if (o->value.kind == HL_V_NULL) {
        memset(&v, 0, sizeof v);        /* back to the default */
    } else if (convert(d, &o->value, &v, m->err) != HELIOS_OK) {
        hl_json_value_clear(&v);
        return m->err->code;
    }
    hl_json_value_clear(&s->val);
    s->val = v;
    s->present = o->value.kind != HL_V_NULL;
    s->origin = FROM_STMT;
    s->opt = o;
    return HELIOS_OK;
}

static char *write_merged(Merge *m)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    for (int i = 0; i < m->n; i++)
        if (m->slots[i].present)
            hl_json_member(&w, m->table[i].name, &m->slots[i].val);
    for (int i = 0; i < m->extra.n; i++)
        hl_json_member(&w, m->extra.v[i].key, &m->extra.v[i].val);
    hl_json_end_object(&w);
    char *s = hl_json_writer_finish(&w);
    if (!s)
        nomem(m->err);
    return s;
}

char *hl_opt_check(HlObjKind k, const HlOptList *opts, const char *base_json, hl_err *err)
{
    Merge m = { .kind = k, .err = err };
    char *out = NULL;
    if (k < 0 || k >= HL_OBJ__COUNT) {
        hl_err_set(err, HELIOS_MISUSE, -1, "no options for object kind %d", (int)k);
        return NULL;
    }
    m.table = hl_opt_table(k == HL_OBJ_TRAINING ? HL_OBJ_MODEL : k, &m.n);
    if (!(m.slots = calloc((size_t)m.n, sizeof *m.slots))) {
        nomem(err);
        return NULL;
    }
    if (load_base(&m, base_json) != HELIOS_OK)
        goto done;
    for (int i = 0; opts && i < opts->n; i++)
        if (apply_option(&m, opts, i) != HELIOS_OK)
            goto done;
    if (check_rules(&m) != HELIOS_OK)
        goto done;
    out = write_merged(&m);
done:
    for (int i = 0; i < m.n; i++) {
        hl_json_value_clear(&m.slots[i].val);
        hl_json_value_clear(&m.slots[i].defval);
    }
    free(m.slots);
    hl_json_object_clear(&m.extra);
    return out;
}

char *hl_opt_get(HlObjKind k, const char *json, const char *name)
{
    const HlOptDef *d = hl_opt_find(k, name);
    if (!d)
        return NULL;
    char *out = NULL;
    if (json && *json) {
        HlJsonObject o;
        hl_err e;
        hl_err_clear(&e);
        if (hl_json_parse_object(json, &o, &e) == HELIOS_OK) {
            const HlJsonValue *v = hl_json_object_get(&o, d->name);
            if (v)
                out = hl_json_value_text(v);
        }
        hl_json_object_clear(&o);
        if (out)
            return out;
    }
    return d->def ? strdup(d->def) : NULL;
}
