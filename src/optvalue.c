/*
 * optvalue.c - one option value: conversion to canonical JSON, and the
 * words for values, ranges and choices in messages.  See optvalue.h.
 */
#include "optvalue.h"
#include "helios.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int hl_optv_err(hl_err *err, int off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hl_err_vset(err, HELIOS_OPTION, off, fmt, ap);
    va_end(ap);
    return HELIOS_OPTION;
}

int hl_optv_nomem(hl_err *err)
{
    return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
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
const char *hl_optv_suggest(const char *const *cands, int n, const char *in)
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

const char *hl_opt_suggest_choice(const HlOptDef *d, const char *value)
{
    int n = 0;
    if (!d || !d->choices)
        return NULL;
    while (d->choices[n])
        n++;
    return hl_optv_suggest(d->choices, n, value);
}

/* ---------------------------------------------------------------------- */
/* text for messages                                                       */

void hl_optv_fmt_num(double x, char *buf, size_t n)
{
    if (x == floor(x) && fabs(x) < 1e15)
        snprintf(buf, n, "%.0f", x);
    else
        hl_json_format_real(x, buf, n);
}

/* s, cut to HL_OPTV_MSG_MAX bytes (not inside a UTF-8 sequence) + "...". */
void hl_optv_clip(const char *s, char *buf, size_t n)
{
    size_t l = strlen(s);
    if (l <= HL_OPTV_MSG_MAX) {
        snprintf(buf, n, "%s", s);
        return;
    }
    l = HL_OPTV_MSG_MAX;
    while (l > 0 && ((unsigned char)s[l] & 0xc0) == 0x80)
        l--;
    snprintf(buf, n, "%.*s...", (int)l, s);
}

/* "an integer (5)", "a number (0.5)", "a string ('x')", "a list", "true",
 * "null" */
static void describe_json(const HlJsonValue *v, char *buf, size_t n)
{
    char t[HL_OPTV_MSG_MAX + 8];
    switch (v->type) {
    case HL_JSON_INT: snprintf(buf, n, "an integer (%lld)", (long long)v->i); break;
    case HL_JSON_REAL: hl_json_format_real(v->r, t, sizeof t);
        snprintf(buf, n, "a number (%s)", t); break;
    case HL_JSON_STRING: hl_optv_clip(v->s ? v->s : "", t, sizeof t);
        snprintf(buf, n, "a string ('%s')", t); break;
    case HL_JSON_BOOL: snprintf(buf, n, "%s", v->i ? "true" : "false"); break;
    case HL_JSON_ARRAY: snprintf(buf, n, "a list"); break;
    default: snprintf(buf, n, "null"); break;
    }
}

/* A statement value in the words of describe_json, plus "a name (x)" for a
 * bare word and "NULL".  The view j borrows v's string. */
static void describe_value(const HlValue *v, char *buf, size_t n)
{
    char t[HL_OPTV_MSG_MAX + 8];
    HlJsonValue j = { .i = v->i, .r = v->r, .s = v->s };
    switch (v->kind) {
    case HL_V_INT: j.type = HL_JSON_INT; break;
    case HL_V_REAL: j.type = HL_JSON_REAL; break;
    case HL_V_STRING: j.type = HL_JSON_STRING; break;
    case HL_V_BOOL: j.type = HL_JSON_BOOL; break;
    case HL_V_LIST: j.type = HL_JSON_ARRAY; break;
    case HL_V_IDENT: hl_optv_clip(v->s ? v->s : "", t, sizeof t);
        snprintf(buf, n, "a name (%s)", t); return;
    default: snprintf(buf, n, "NULL"); return;
    }
    describe_json(&j, buf, n);
}

/* A canonical value as a message shows it: 5, 0.5, 'HIPAA', true. */
void hl_optv_show(const HlJsonValue *v, char *buf, size_t n)
{
    char t[HL_OPTV_MSG_MAX + 4];
    switch (v->type) {
    case HL_JSON_INT: snprintf(buf, n, "%lld", (long long)v->i); break;
    case HL_JSON_REAL: hl_optv_fmt_num(v->r, buf, n); break;
    case HL_JSON_STRING: hl_optv_clip(v->s, t, sizeof t); snprintf(buf, n, "'%s'", t); break;
    case HL_JSON_BOOL: snprintf(buf, n, "%s", v->i ? "true" : "false"); break;
    case HL_JSON_ARRAY: snprintf(buf, n, "a list"); break;
    default: snprintf(buf, n, "null"); break;
    }
}

/* "'a', 'b' or 'c'" (sep_last " or ") or "'a', 'b', 'c'" (sep_last ", "). */
void hl_optv_choices(const char *const *ch, int quote, const char *sep_last,
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
int hl_optv_range_msg(const HlOptDef *d, double x, char *buf, size_t n)
{
    int lo_x = (d->flags & HL_OPT_MIN_EXCL) != 0, hi_x = (d->flags & HL_OPT_MAX_EXCL) != 0;
    int lo_ok = isinf(d->min) || (lo_x ? x > d->min : x >= d->min);
    int hi_ok = isinf(d->max) || (hi_x ? x < d->max : x <= d->max);
    if (lo_ok && hi_ok)
        return 0;
    char a[40], b[40];
    hl_optv_fmt_num(d->min, a, sizeof a);
    hl_optv_fmt_num(d->max, b, sizeof b);
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
    /* A range as the phrase hl_optv_range_msg() would use, minus "must be ". */
    if (!isinf(d->min) || !isinf(d->max)) {
        double out = !isinf(d->min) ? d->min - 1e300 : d->max + 1e300;
        hl_optv_range_msg(d, out, r, sizeof r);
        memmove(r, r + 8, strlen(r + 8) + 1);
    }
    switch (d->type) {
    case HL_OT_INT:
        if (d->choices) {
            hl_optv_choices(d->choices, 0, " or ", ch, sizeof ch);
            snprintf(buf, sz, "integer: %s", ch);
        } else {
            snprintf(buf, sz, "integer, %s", r);
        }
        break;
    case HL_OT_REAL: snprintf(buf, sz, "number, %s", r); break;
    case HL_OT_BOOL: snprintf(buf, sz, "boolean"); break;
    case HL_OT_STRING: snprintf(buf, sz, "string"); break;
    case HL_OT_ENUM:
        hl_optv_choices(d->choices, 1, " or ", ch, sizeof ch);
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
    char f[HL_OPTV_MSG_MAX + 32];
    describe_value(v, f, sizeof f);
    return hl_optv_err(err, v->off, "option '%s' expects %s, found %s", d->name,
                       type_words(d->type), f);
}

static int set_string(HlJsonValue *out, const char *s, hl_err *err)
{
    out->type = HL_JSON_STRING;
    if (!(out->s = strdup(s)))
        return hl_optv_nomem(err);
    return HELIOS_OK;
}

/* endpoint, backup_endpoint: 'local' or tls|https://host:port. */
static int check_endpoint(const HlOptDef *d, HlJsonValue *val, int off, hl_err *err)
{
    char *s = val->s, f[HL_OPTV_MSG_MAX + 8];
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
    hl_optv_clip(s, f, sizeof f);
    return hl_optv_err(err, off, "option '%s' must be 'local', 'tls://host:port' or "
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
    char text[40], ch[400], f[HL_OPTV_MSG_MAX + 32], why[100];
    const char *s = NULL;
    if (v->kind == HL_V_STRING || v->kind == HL_V_IDENT) {
        s = v->s ? v->s : "";
    } else if ((v->kind == HL_V_INT || v->kind == HL_V_REAL) && (d->flags & HL_OPT_OR_NUMBER)) {
        if (hl_optv_range_msg(d, v->r, why, sizeof why) == 0) {
            out->type = HL_JSON_REAL;
            out->r = v->r;
            return HELIOS_OK;
        }
    } else if (v->kind == HL_V_INT) {      /* tls_version = 1.3 */
        snprintf(text, sizeof text, "%lld", (long long)v->i);
        s = text;
    } else if (v->kind == HL_V_REAL) {
        hl_optv_fmt_num(v->r, text, sizeof text);
        s = text;
    }
    for (int i = 0; s && d->choices[i]; i++)
        if (strcasecmp(s, d->choices[i]) == 0)
            return set_string(out, d->choices[i], err);
    if (s && (d->flags & HL_OPT_FREE_NAME) && is_sql_name(s))
        return set_string(out, s, err);

    hl_optv_choices(d->choices, 1, ", ", ch, sizeof ch);
    if (s && (v->kind == HL_V_STRING || v->kind == HL_V_IDENT)) {
        hl_optv_clip(s, f + 1, sizeof f - 2);
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
        return hl_optv_err(err, v->off, "option '%s' must be one of %s or the name of an "
                           "aggregation function, found %s%s", d->name, ch, f, tail);
    if (d->flags & HL_OPT_OR_NUMBER) {
        hl_optv_range_msg(d, d->min - 1, why, sizeof why);
        return hl_optv_err(err, v->off, "option '%s' must be one of %s or a number %s, "
                           "found %s%s", d->name, ch, why + 8, f, tail);
    }
    if (!d->choices[1])
        return hl_optv_err(err, v->off, "option '%s' must be %s, found %s%s", d->name, ch, f, tail);
    return hl_optv_err(err, v->off, "option '%s' must be one of %s, found %s%s", d->name, ch,
                       f, tail);
}

/* Items of a list value (already JSON) against an INT_LIST or STRING_LIST;
 * offs[i] is item i's offset (NULL: all at off). */
static int check_items(const HlOptDef *d, HlJsonValue *arr, const int *offs, int off,
                       hl_err *err)
{
    char f[HL_OPTV_MSG_MAX + 32], why[100];
    if (arr->nitems == 0)
        return hl_optv_err(err, off, "option '%s' must not be an empty list", d->name);
    for (int i = 0; i < arr->nitems; i++) {
        HlJsonValue *it = &arr->items[i];
        int at = offs ? offs[i] : off;
        describe_json(it, f, sizeof f);
        if (d->type == HL_OT_INT_LIST) {
            if (it->type != HL_JSON_INT)
                return hl_optv_err(err, at, "option '%s' item %d must be an integer, found %s",
                                   d->name, i + 1, f);
            if (hl_optv_range_msg(d, (double)it->i, why, sizeof why))
                return hl_optv_err(err, at, "option '%s' item %d %s, found %lld", d->name,
                                   i + 1, why, (long long)it->i);
            continue;
        }
        if (it->type != HL_JSON_STRING)
            return hl_optv_err(err, at, "option '%s' item %d must be a string, found %s",
                               d->name, i + 1, f);
        if (!it->s[0])
            return hl_optv_err(err, at, "option '%s' item %d must not be empty", d->name, i + 1);
        for (int j = 0; j < i; j++)
            if (strcasecmp(arr->items[j].s, it->s) == 0) {
                hl_optv_clip(it->s, f, sizeof f);
                return hl_optv_err(err, at, "option '%s' item %d ('%s') repeats item %d",
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
        return hl_optv_nomem(err);
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
            return hl_optv_nomem(err);
        if (!*e)
            break;
        p = e;
    }
    return HELIOS_OK;
}

static int check_list(const HlOptDef *d, const HlValue *v, HlJsonValue *out, hl_err *err)
{
    char f[HL_OPTV_MSG_MAX + 32];
    if (v->kind == HL_V_LIST) {
        out->type = HL_JSON_ARRAY;
        int *offs = calloc((size_t)v->nitems + 1, sizeof *offs);
        if (!offs || (v->nitems && !(out->items = calloc((size_t)v->nitems, sizeof *out->items)))) {
            free(offs);
            return hl_optv_nomem(err);
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
                    return hl_optv_nomem(err);
                hl_optv_clip(v->s, f, sizeof f);
                return hl_optv_err(err, v->off, "option '%s' expects %s, found a malformed "
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
            return hl_optv_nomem(err);
        out->nitems = 1;
        return set_string(out->items, v->s ? v->s : "", err);
    }
    return wrong_type(d, v, err);
}

/* Converts statement value v for option d into its canonical JSON *out
 * (which the caller clears, also on failure). */
int hl_optv_convert(const HlOptDef *d, const HlValue *v, HlJsonValue *out, hl_err *err)
{
    char why[100], f[HL_OPTV_MSG_MAX + 32];
    memset(out, 0, sizeof *out);
    switch (d->type) {
    case HL_OT_INT:
        /* A whole number past 64 bits reaches us as a real (as in SQLite):
         * it is out of range, not of the wrong type. */
        if (v->kind == HL_V_REAL && isfinite(v->r) && v->r == floor(v->r) && fabs(v->r) >= 9.2e18
            && !d->choices && hl_optv_range_msg(d, v->r, why, sizeof why))
            return hl_optv_err(err, v->off, "option '%s' %s, found %.17g", d->name, why, v->r);
        if (v->kind != HL_V_INT)
            return wrong_type(d, v, err);
        if (d->choices) {
            char t[32], ch[200];
            snprintf(t, sizeof t, "%lld", (long long)v->i);
            int i = 0;
            while (d->choices[i] && strcmp(d->choices[i], t) != 0)
                i++;
            if (!d->choices[i]) {
                hl_optv_choices(d->choices, 0, ", ", ch, sizeof ch);
                return hl_optv_err(err, v->off, "option '%s' must be one of %s, found %s",
                                   d->name, ch, t);
            }
        } else if (hl_optv_range_msg(d, (double)v->i, why, sizeof why)) {
            return hl_optv_err(err, v->off, "option '%s' %s, found %lld", d->name, why,
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
            return hl_optv_err(err, v->off, "option '%s' expects a finite number", d->name);
        if (hl_optv_range_msg(d, x, why, sizeof why)) {
            hl_optv_fmt_num(x, f, sizeof f);
            return hl_optv_err(err, v->off, "option '%s' %s, found %s", d->name, why, f);
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
            return hl_optv_err(err, v->off, "option '%s' must not be empty", d->name);
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
    return hl_optv_err(err, v->off, "option '%s' has no type", d->name);
}

