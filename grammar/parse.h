/*
 * parse.h - the federated dialect's parser (grammar/parser.y, by Lemon).
 *
 * hl_parse() turns the tokens of one federated statement into an HlStmt.  It
 * builds the tree and nothing else: names are not looked up and options are
 * not checked (that is src/options.c and src/exec.c).
 */
#ifndef HL_PARSE_H
#define HL_PARSE_H

#include "lexer.h"
#include "../src/ast.h"
#include "../src/err.h"

/* Parses toks[0..n): the tokens of one statement of src, with TK_SPACE and
 * TK_COMMENT already removed and without the closing ';'.  Returns the tree,
 * which the caller frees with hl_stmt_free(), or NULL with *err set:
 *   HELIOS_SYNTAX      offset of the bad token; the message names the token
 *                      found and what was expected there:
 *                      "syntax error at 'WTIH': expected WITH, IN or end of statement"
 *   HELIOS_INCOMPLETE  the tokens end inside the statement; offset is the end
 *                      of the last token: "incomplete input: expected ')'"
 *   HELIOS_NOMEM
 * Lexer errors (TK_ILLEGAL) are reported by the caller before parsing. */
HlStmt *hl_parse(const char *src, int srclen, const HlToken *toks, int n, hl_err *err);

#endif
