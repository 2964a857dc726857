/*
 * parse_helpers.h - what the parser's tests share: scanning a statement
 * into tokens and parsing it, with its error.  Included by test_parser.c
 * and test_parse_errors.c only.
 */
#ifndef HL_PARSE_HELPERS_H
#define HL_PARSE_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "parse.h"
#include "unit.h"

/* ---- helpers ----------------------------------------------------------- */

typedef struct Toks {
    HlToken *v;
    int n;
} Toks;

/* Scans src[0..len) without blanks and comments; returns -1 on TK_ILLEGAL. */
static inline int scan(const char *src, int len, Toks *out)
{
    HlLexer lx;
    HlToken t;
    out->v = malloc(sizeof *out->v * (size_t)(len + 1));
    out->n = 0;
    hl_lex_init(&lx, src, len);
    while (hl_lex_next(&lx, &t) != 0) {
        if (t.type == TK_ILLEGAL)
            return -1;
        if (t.type != TK_SPACE && t.type != TK_COMMENT)
            out->v[out->n++] = t;
    }
    return 0;
}

static inline HlStmt *parse_n(const char *src, int len, hl_err *err)
{
    Toks tk;
    HlStmt *st = NULL;
    hl_err_clear(err);
    if (scan(src, len, &tk) == 0)
        st = hl_parse(src, len, tk.v, tk.n, err);
    else
        hl_err_set(err, HELIOS_SYNTAX, -1, "lexer error");
    free(tk.v);
    return st;
}

static inline HlStmt *parse(const char *src, hl_err *err)
{
    return parse_n(src, (int)strlen(src), err);
}

/* Parses src, which must succeed; reports the error otherwise. */
static inline HlStmt *parse_ok(const char *src, int line)
{
    hl_err err;
    HlStmt *st = parse(src, &err);
    unit_checks++;
    if (!st) {
        unit_failed++;
        fprintf(stderr, "%s:%d: parse failed at %d: %s\n   in: %s\n", __FILE__, line,
                err.offset, err.msg, src);
    }
    return st;
}

#define PARSE_OK(src) parse_ok(src, __LINE__)

static inline int off_of(const char *src, const char *needle)
{
    const char *p = strstr(src, needle);
    return p ? (int)(p - src) : -1;
}


#endif
