/*
 * front.h - the front end: a script becomes statements.
 *
 * hl_front_split() finds the first statement of a text: it scans tokens
 * (strings, comments and $$ bodies respected, CREATE TRIGGER ... BEGIN ...
 * END kept whole), stops at the ';' that ends the statement, and says
 * whether the statement belongs to the federated dialect (its first tokens
 * name it: CREATE FEDERATED, REGISTER, SHOW FEDERATED, ...) or is plain SQL.
 *
 * hl_front_rewrite() turns a plain SQL statement into the SQL that SQLite
 * runs, with the dialect's conveniences rewritten:
 *   f(a, name => expr)            ->  f(a, 'name', expr)
 *   SELECT f(x) AS (c T, ...)     ->  SELECT DISTINCT CAST(c AS T) AS c, ... FROM f(x)
 *   ... FROM f(x) AS (c T, ...)   ->  ... FROM (SELECT CAST(c AS T) AS c, ... FROM f(x))
 *   X - INTERVAL '1 hour'         ->  datetime(X, '-1 hours')
 * and keeps a map from the rewritten text back to the original, so that an
 * error SQLite reports points at the user's own text.
 *
 * Nothing here touches a database.
 */
#ifndef HL_FRONT_H
#define HL_FRONT_H

#include "err.h"
#include "lexer.h"

typedef struct HlSplit {
    int start;          /* offset of the statement's first token (len when none) */
    int end;            /* offset just past its last token, before the ';' */
    int next;           /* where the next statement starts (past the ';') */
    int has_semi;       /* ended by ';' (else by the end of the text) */
    int federated;      /* 1: the dialect's parser takes it; 0: plain SQL */
    HlToken *toks;      /* owned: the statement's tokens, blanks, comments and ';' removed */
    int ntok;
} HlSplit;

/* Splits off the first statement of src[0..len).  ntok == 0 means only
 * blanks and comments were left (next == len).  A token the scanner rejects
 * (unterminated string, stray byte) is an error: HELIOS_INCOMPLETE for an
 * unterminated token at the end of the text, else HELIOS_SYNTAX; nothing is
 * allocated then.  Free with hl_split_clear(). */
int hl_front_split(const char *src, int len, HlSplit *out, hl_err *err);
void hl_split_clear(HlSplit *s);

/* 1 when src[0..len) ends with a complete statement, as sqlite3_complete(). */
int hl_front_complete(const char *src, int len);

/* Where a byte of the rewritten SQL came from. */
typedef struct HlOffMap {
    struct HlOffPiece { int out, src, len, copied; } *v;
    int n, cap;
} HlOffMap;

/* Rewrites the plain SQL statement `sp` of src.  Returns the SQL text
 * (malloc'd, NUL-terminated; caller frees) and fills *map (free with
 * hl_offmap_clear), or NULL with *err set at the offending token. */
char *hl_front_rewrite(const char *src, const HlSplit *sp, HlOffMap *map, hl_err *err);
void hl_offmap_clear(HlOffMap *m);
/* The source offset of byte `out` of the rewritten text (-1 if unknown). */
int hl_offmap_lookup(const HlOffMap *m, int out);

#endif
