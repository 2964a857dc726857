/*
 * output.c - output modes, one row of hl_modes[] each.
 *
 * A mode is a function that receives HL_OUT_BEGIN (column names are in o),
 * HL_OUT_ROW (the current row is in o->vals/o->types) and HL_OUT_END.
 * Streaming modes print as rows arrive; the columnar ones (table, box) keep
 * the rows until the end to size the columns, and print what they hold at
 * HL_OUT_END even when the statement failed halfway, so the user sees the
 * rows that were produced before the error.
 *
 * NULL prints as nothing (as in sqlite3), except in json (null).  Numbers
 * are right-aligned in table and box; column names are centered.  Control
 * characters inside table and box cells are shown as \n, \t, \r or \xHH so
 * that one value never breaks the grid.
 */
#include "shell.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- helpers ---- */

/* Terminal columns of a UTF-8 string: one per character. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static void put_repeat(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputs(s, f);
}

/* A copy of s with control characters escaped; caller frees. */
static char *cell_text(const char *s)
{
    size_t extra = 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            extra += 3;
    char *out = hl_xmalloc(strlen(s) + extra + 1), *q = out;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n') { *q++ = '\\'; *q++ = 'n'; }
        else if (c == '\t') { *q++ = '\\'; *q++ = 't'; }
        else if (c == '\r') { *q++ = '\\'; *q++ = 'r'; }
        else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            *q++ = '\\'; *q++ = 'x'; *q++ = hex[c >> 4]; *q++ = hex[c & 15];
        } else
            *q++ = (char)c;
    }
    *q = '\0';
    return out;
}

static int is_number_type(int t)
{
    return t == HELIOS_INTEGER || t == HELIOS_FLOAT;
}

/* ---- list: values separated by '|' ---- */

static void mode_list(HlOut *o, HlOutEvent ev)
{
    const char **v = ev == HL_OUT_BEGIN ? (const char **)o->names : o->vals;
    if (ev == HL_OUT_END || (ev == HL_OUT_BEGIN && !o->header))
        return;
    for (int i = 0; i < o->ncol; i++) {
        if (i)
            fputc('|', o->f);
        if (v[i])
            fputs(v[i], o->f);
    }
    fputc('\n', o->f);
}

/* ---- csv: RFC 4180 quoting ---- */

static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void mode_csv(HlOut *o, HlOutEvent ev)
{
    const char **v = ev == HL_OUT_BEGIN ? (const char **)o->names : o->vals;
    if (ev == HL_OUT_END || (ev == HL_OUT_BEGIN && !o->header))
        return;
    for (int i = 0; i < o->ncol; i++) {
        if (i)
            fputc(',', o->f);
        csv_field(o->f, v[i]);
    }
    fputc('\n', o->f);
}

/* ---- json: an array of objects per statement ---- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"':  fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static void json_value(FILE *f, const char *s, int type)
{
    if (!s) {
        fputs("null", f);
    } else if (type == HELIOS_INTEGER) {
        fputs(s, f);
    } else if (type == HELIOS_FLOAT) {
        /* JSON has no Inf or NaN. */
        char *end;
        double d = strtod(s, &end);
        if (*end || !isfinite(d))
            fputs("null", f);
        else
            fputs(s, f);
    } else {
        json_string(f, s);
    }
}

static void mode_json(HlOut *o, HlOutEvent ev)
{
    if (ev == HL_OUT_BEGIN)
        return;
    if (ev == HL_OUT_END) {
        fputs(o->rowno ? "]\n" : "[]\n", o->f);
        return;
    }
    fputs(o->rowno == 1 ? "[{" : ",\n{", o->f);
    for (int i = 0; i < o->ncol; i++) {
        if (i)
            fputc(',', o->f);
        json_string(o->f, o->names[i]);
        fputc(':', o->f);
        json_value(o->f, o->vals[i], o->types[i]);
    }
    fputc('}', o->f);
}

/* ---- line: one "name = value" per column, a blank line between rows ---- */

static void mode_line(HlOut *o, HlOutEvent ev)
{
    if (ev != HL_OUT_ROW)
        return;
    size_t w = 0;
    for (int i = 0; i < o->ncol; i++) {
        size_t n = text_width(o->names[i]);
        if (n > w)
            w = n;
    }
    if (o->rowno > 1)
        fputc('\n', o->f);
    for (int i = 0; i < o->ncol; i++) {
        put_repeat(o->f, " ", w - text_width(o->names[i]));
        fprintf(o->f, "%s = %s\n", o->names[i], o->vals[i] ? o->vals[i] : "");
    }
}

/* ---- table and box: a grid sized to the widest value ---- */

typedef struct Grid {
    const char *h, *v;                    /* horizontal and vertical strokes */
    const char *top[3], *mid[3], *bot[3]; /* left, cross, right */
} Grid;

static const Grid grid_ascii = {
    "-", "|", {"+", "+", "+"}, {"+", "+", "+"}, {"+", "+", "+"}
};
static const Grid grid_box = {
    "\u2500", "\u2502",
    {"\u250c", "\u252c", "\u2510"},
    {"\u251c", "\u253c", "\u2524"},
    {"\u2514", "\u2534", "\u2518"}
};

static void grid_rule(FILE *f, const Grid *g, const char *const *corner,
                      const size_t *w, int ncol)
{
    fputs(corner[0], f);
    for (int i = 0; i < ncol; i++) {
        put_repeat(f, g->h, w[i] + 2);
        fputs(i + 1 < ncol ? corner[1] : corner[2], f);
    }
    fputc('\n', f);
}

/* align: 'l', 'r' or 'c' */
static void grid_cell(FILE *f, const char *s, size_t width, int align)
{
    size_t n = text_width(s), pad = width - n, left;
    left = align == 'r' ? pad : align == 'c' ? pad / 2 : 0;
    put_repeat(f, " ", left + 1);
    fputs(s, f);
    put_repeat(f, " ", pad - left + 1);
}

static void grid_keep_row(HlOut *o)
{
    if (o->nrows == o->caprows) {
        o->caprows = o->caprows ? o->caprows * 2 : 64;
        o->cells = hl_xrealloc(o->cells, o->caprows * (size_t)o->ncol * sizeof *o->cells);
        o->ctypes = hl_xrealloc(o->ctypes, o->caprows * (size_t)o->ncol * sizeof *o->ctypes);
    }
    size_t base = o->nrows * (size_t)o->ncol;
    for (int i = 0; i < o->ncol; i++) {
        o->cells[base + (size_t)i] = o->vals[i] ? cell_text(o->vals[i]) : NULL;
        o->ctypes[base + (size_t)i] = o->types[i];
    }
    o->nrows++;
}

static void grid_print(HlOut *o, const Grid *g)
{
    int nc = o->ncol;
    size_t *w = hl_xmalloc((size_t)nc * sizeof *w);
    char **hdr = hl_xmalloc((size_t)nc * sizeof *hdr);
    for (int i = 0; i < nc; i++) {
        hdr[i] = cell_text(o->names[i]);
        w[i] = o->header ? text_width(hdr[i]) : 0;
    }
    for (size_t r = 0; r < o->nrows; r++)
        for (int i = 0; i < nc; i++) {
            const char *c = o->cells[r * (size_t)nc + (size_t)i];
            size_t n = c ? text_width(c) : 0;
            if (n > w[i])
                w[i] = n;
        }
    grid_rule(o->f, g, g->top, w, nc);
    if (o->header) {
        fputs(g->v, o->f);
        for (int i = 0; i < nc; i++) {
            grid_cell(o->f, hdr[i], w[i], 'c');
            fputs(g->v, o->f);
        }
        fputc('\n', o->f);
        grid_rule(o->f, g, g->mid, w, nc);
    }
    for (size_t r = 0; r < o->nrows; r++) {
        fputs(g->v, o->f);
        for (int i = 0; i < nc; i++) {
            size_t k = r * (size_t)nc + (size_t)i;
            const char *c = o->cells[k];
            grid_cell(o->f, c ? c : "", w[i], is_number_type(o->ctypes[k]) ? 'r' : 'l');
            fputs(g->v, o->f);
        }
        fputc('\n', o->f);
    }
    if (o->header || o->nrows)
        grid_rule(o->f, g, g->bot, w, nc);
    for (int i = 0; i < nc; i++)
        free(hdr[i]);
    free(hdr);
    free(w);
}

static void mode_grid(HlOut *o, HlOutEvent ev, const Grid *g)
{
    if (ev == HL_OUT_ROW)
        grid_keep_row(o);
    else if (ev == HL_OUT_END)
        grid_print(o, g);
}

static void mode_table(HlOut *o, HlOutEvent ev)
{
    mode_grid(o, ev, &grid_ascii);
}

static void mode_box(HlOut *o, HlOutEvent ev)
{
    mode_grid(o, ev, &grid_box);
}

/* ---- the table of modes ---- */

const HlMode hl_modes[] = {
    { "table", mode_table, "ASCII grid with +---+ rules (default on a terminal)", 1 },
    { "box",   mode_box,   "grid drawn with Unicode box characters", 1 },
    { "list",  mode_list,  "values separated by | (default on a pipe)", 0 },
    { "csv",   mode_csv,   "comma-separated values, RFC 4180 quoting", 0 },
    { "json",  mode_json,  "a JSON array of objects per statement", 1 },
    { "line",  mode_line,  "one \"column = value\" line per column", 1 },
};
const size_t hl_nmodes = sizeof hl_modes / sizeof hl_modes[0];

const HlMode *hl_mode_find(const char *name)
{
    for (size_t i = 0; i < hl_nmodes; i++)
        if (strcasecmp(hl_modes[i].name, name) == 0)
            return &hl_modes[i];
    return NULL;
}

/* ---- driving a mode ---- */

void hl_out_begin(HlOut *o, const HlShell *sh, helios_stmt *st)
{
    memset(o, 0, sizeof *o);
    o->mode = sh->mode;
    o->f = stdout;
    o->header = sh->header >= 0 ? sh->header : sh->mode->header;
    o->ncol = helios_column_count(st);
    o->names = hl_xmalloc((size_t)o->ncol * sizeof *o->names);
    o->vals = hl_xmalloc((size_t)o->ncol * sizeof *o->vals);
    o->types = hl_xmalloc((size_t)o->ncol * sizeof *o->types);
    for (int i = 0; i < o->ncol; i++) {
        const char *n = helios_column_name(st, i);
        o->names[i] = hl_xstrdup(n ? n : "");
    }
    o->mode->fn(o, HL_OUT_BEGIN);
}

void hl_out_row(HlOut *o, helios_stmt *st)
{
    for (int i = 0; i < o->ncol; i++) {
        o->types[i] = helios_column_type(st, i);
        o->vals[i] = o->types[i] == HELIOS_NULL ? NULL : helios_column_text(st, i);
    }
    o->rowno++;
    o->mode->fn(o, HL_OUT_ROW);
}

void hl_out_end(HlOut *o)
{
    if (!o->mode)
        return;
    o->mode->fn(o, HL_OUT_END);
    for (size_t k = 0; k < o->nrows * (size_t)o->ncol; k++)
        free(o->cells[k]);
    free(o->cells);
    free(o->ctypes);
    for (int i = 0; i < o->ncol; i++)
        free(o->names[i]);
    free(o->names);
    free(o->vals);
    free(o->types);
    memset(o, 0, sizeof *o);
    fflush(stdout);
}
