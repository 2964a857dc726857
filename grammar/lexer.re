/*
 * lexer.re - the helios scanner (re2c); see lexer.h for the contract.
 *
 * The rules follow SQLite's tokenizer (sqlite src/tokenize.c), so that any
 * text SQLite accepts splits into the same tokens, with three differences
 * the dialect needs: `[` `]` are list brackets (not [quoted] identifiers),
 * `=>` is one token (named arguments), and `$$ ... $$` is one token (a
 * function body).  Unterminated strings, quoted identifiers, comments and
 * bodies are one TK_ILLEGAL token reaching to the end of the input, so the
 * error points at where the construct starts.
 *
 * The input need not be NUL-terminated: YYPEEK returns 0 at the limit and
 * re2c's end-of-input rule tells that 0 from a NUL byte in the text.
 */
#include "lexer.h"

#include <stddef.h>

/* The dialect's keywords: the grammar's own, nothing of plain SQL's. */
static const struct {
    const char *word;
    int code;
} keywords[] = {
    { "AGGREGATION", TK_AGGREGATION }, { "ALERT", TK_ALERT },
    { "ALTER", TK_ALTER },             { "AS", TK_AS },
    { "BY", TK_BY },                   { "CASCADE", TK_CASCADE },
    { "CHECKPOINT", TK_CHECKPOINT },   { "COLUMN", TK_COLUMN },
    { "CONSENT", TK_CONSENT },         { "CREATE", TK_CREATE },
    { "DATA", TK_DATA },               { "DELETE", TK_DELETE },
    { "DEREGISTER", TK_DEREGISTER },   { "DESCRIBE", TK_DESCRIBE },
    { "DIRICHLET", TK_DIRICHLET },     { "DROP", TK_DROP },
    { "EXISTS", TK_EXISTS },           { "EXPORT", TK_EXPORT },
    { "EXTENSION", TK_EXTENSION },     { "FALSE", TK_FALSE },
    { "FEDERATED", TK_FEDERATED },     { "FOR", TK_FOR },
    { "FORMAT", TK_FORMAT },           { "FROM", TK_FROM },
    { "FUNCTION", TK_FUNCTION },       { "GRANT", TK_GRANT },
    { "IF", TK_IF },                   { "IID", TK_IID },
    { "IN", TK_IN },                   { "LANGUAGE", TK_LANGUAGE },
    { "MODEL", TK_MODEL },             { "MODELS", TK_MODELS },
    { "NODE", TK_NODE },               { "NODES", TK_NODES },
    { "NOT", TK_NOT },                 { "NOTIFY", TK_NOTIFY },
    { "NULL", TK_NULL },               { "ON", TK_ON },
    { "PARTITION", TK_PARTITION },     { "REGISTER", TK_REGISTER },
    { "RESTRICT", TK_RESTRICT },       { "RESUME", TK_RESUME },
    { "RETURNS", TK_RETURNS },         { "REVOKE", TK_REVOKE },
    { "ROLLBACK", TK_ROLLBACK },       { "SEED", TK_SEED },
    { "SET", TK_SET },                 { "SHOW", TK_SHOW },
    { "START", TK_START },             { "STOP", TK_STOP },
    { "SUBJECT", TK_SUBJECT },         { "TABLE", TK_TABLE },
    { "TAG", TK_TAG },                 { "TO", TK_TO },
    { "TRAINING", TK_TRAINING },       { "TRUE", TK_TRUE },
    { "USE", TK_USE },                 { "VERSION", TK_VERSION },
    { "WHEN", TK_WHEN },               { "WHERE", TK_WHERE },
    { "WITH", TK_WITH },               { "WORKSPACE", TK_WORKSPACE },
    { "WORKSPACES", TK_WORKSPACES },
};

#define NKEYWORDS ((int)(sizeof keywords / sizeof keywords[0]))

/* ASCII only: keywords must not depend on the locale (Turkish i). */
static int upper(int c)
{
    return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Compares word[0..n) case-insensitively with the NUL-terminated kw. */
static int kwcmp(const char *word, int n, const char *kw)
{
    for (int i = 0; i < n; i++) {
        int a = upper((unsigned char)word[i]), b = (unsigned char)kw[i];
        if (a != b || b == 0)
            return a - b;
    }
    return -(unsigned char)kw[n];
}

int hl_lex_keyword(const char *word, int n)
{
    int lo = 0, hi = NKEYWORDS - 1;
    if (n < 2 || n > 11)
        return TK_ID;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = kwcmp(word, n, keywords[mid].word);
        if (c == 0)
            return keywords[mid].code;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return TK_ID;
}

const char *hl_lex_token_name(int type)
{
    switch (type) {
    case 0:             return "end of statement";
    case TK_ID:         return "a name";
    case TK_STRING:     return "a string";
    case TK_INTEGER:    return "an integer";
    case TK_FLOAT:      return "a number";
    case TK_DOLLARBODY: return "a $$ body $$";
    case TK_VARIABLE:   return "a parameter";
    case TK_BLOB:       return "a blob";
    case TK_LP:         return "'('";
    case TK_RP:         return "')'";
    case TK_COMMA:      return "','";
    case TK_SEMI:       return "';'";
    case TK_EQ:         return "'='";
    case TK_LBRACKET:   return "'['";
    case TK_RBRACKET:   return "']'";
    case TK_DOT:        return "'.'";
    case TK_STAR:       return "'*'";
    case TK_PLUS:       return "'+'";
    case TK_MINUS:      return "'-'";
    case TK_SLASH:      return "'/'";
    case TK_LT:         return "'<'";
    case TK_LE:         return "'<='";
    case TK_GT:         return "'>'";
    case TK_GE:         return "'>='";
    case TK_NE:         return "'!='";
    case TK_ARROW:      return "'=>'";
    case TK_OP:         return "an operator";
    case TK_SPACE:      return "white space";
    case TK_COMMENT:    return "a comment";
    case TK_ILLEGAL:    return "an illegal token";
    default:
        for (int i = 0; i < NKEYWORDS; i++)
            if (keywords[i].code == type)
                return keywords[i].word;
        return "an unknown token";
    }
}

void hl_lex_init(HlLexer *lx, const char *src, int len)
{
    lx->src = src;
    lx->len = src && len > 0 ? len : 0;
    lx->pos = 0;
    lx->why = NULL;
}

void hl_lex_linecol(const char *src, int len, int offset, int *line, int *col)
{
    int ln = 1, start = 0;
    if (offset > len)
        offset = len;
    for (int i = 0; i < offset; i++)
        if (src[i] == '\n') {
            ln++;
            start = i + 1;
        }
    *line = ln;
    *col = offset < 0 ? 1 : offset - start + 1;
}

/* A hex blob x'..' needs an even number of digits. */
static int blob_ok(const unsigned char *start, const unsigned char *end)
{
    return ((end - start - 3) & 1) == 0;
}

int hl_lex_next(HlLexer *lx, HlToken *tok)
{
    const unsigned char *base = (const unsigned char *)lx->src;
    const unsigned char *lim = base + lx->len;
    const unsigned char *cur = base + lx->pos;
    const unsigned char *mar = cur;
    const unsigned char *start = cur;
    int type;

    lx->why = NULL;
    if (!base) {                        /* hl_lex_init(NULL, 0) */
        tok->type = 0;
        tok->offset = tok->len = 0;
        return 0;
    }
    /*!re2c
        re2c:api = custom;
        re2c:api:style = free-form;
        re2c:define:YYCTYPE = "unsigned char";
        re2c:define:YYPEEK = "(cur < lim ? *cur : 0)";
        re2c:define:YYSKIP = "++cur;";
        re2c:define:YYBACKUP = "mar = cur;";
        re2c:define:YYRESTORE = "cur = mar;";
        re2c:define:YYLESSTHAN = "(lim - cur < @@{len})";
        re2c:yyfill:enable = 0;
        re2c:eof = 0;

        idstart = [A-Za-z_\x80-\xff];
        idchar  = [A-Za-z0-9_$\x80-\xff];
        digits  = [0-9]+ ("_" [0-9]+)*;
        hex     = [0-9A-Fa-f]+ ("_" [0-9A-Fa-f]+)*;
        exp     = [eE] [+-]? digits;
        integer = digits | "0" [xX] hex;
        float   = digits "." digits? exp? | "." digits exp? | digits exp;

        $ { tok->type = 0; tok->offset = lx->len; tok->len = 0; return 0; }

        [ \t\n\v\f\r]+                              { type = TK_SPACE; goto done; }
        "--" [^\n]*                                 { type = TK_COMMENT; goto done; }
        "/*" ([^*] | "*"+ [^*/])* "*"+ "/"          { type = TK_COMMENT; goto done; }
        "/*" ([^*] | "*"+ [^*/])* "*"*              { lx->why = "unterminated comment"; goto bad; }

        "'" ([^'] | "''")* "'"                      { type = TK_STRING; goto done; }
        "'" ([^'] | "''")*                          { lx->why = "unterminated string"; goto bad; }
        ["] ([^"] | ["]["])* ["]                    { type = TK_ID; goto done; }
        ["] ([^"] | ["]["])*                        { lx->why = "unterminated quoted identifier"; goto bad; }
        "`" ([^`] | "``")* "`"                      { type = TK_ID; goto done; }
        "`" ([^`] | "``")*                          { lx->why = "unterminated quoted identifier"; goto bad; }
        [xX] "'" [0-9A-Fa-f]* "'" {
            if (blob_ok(start, cur)) { type = TK_BLOB; goto done; }
            lx->why = "malformed blob literal"; goto bad;
        }
        [xX] "'" ([^'] | "''")* "'"                 { lx->why = "malformed blob literal"; goto bad; }

        "$$" ([^$] | "$" [^$])* "$$"                { type = TK_DOLLARBODY; goto done; }
        "$$" ([^$] | "$" [^$])* "$"?                { lx->why = "unterminated $$ body"; goto bad; }

        "?" [0-9]*                                  { type = TK_VARIABLE; goto done; }
        [:@] idchar+                                { type = TK_VARIABLE; goto done; }
        "$" [A-Za-z0-9_\x80-\xff] idchar*           { type = TK_VARIABLE; goto done; }

        idstart idchar* {
            type = hl_lex_keyword((const char *)start, (int)(cur - start));
            goto done;
        }

        integer                                     { type = TK_INTEGER; goto done; }
        float                                       { type = TK_FLOAT; goto done; }
        (integer | float) idchar+                   { lx->why = "malformed number"; goto bad; }

        "("     { type = TK_LP; goto done; }
        ")"     { type = TK_RP; goto done; }
        ","     { type = TK_COMMA; goto done; }
        ";"     { type = TK_SEMI; goto done; }
        "="     { type = TK_EQ; goto done; }
        "=>"    { type = TK_ARROW; goto done; }
        "["     { type = TK_LBRACKET; goto done; }
        "]"     { type = TK_RBRACKET; goto done; }
        "."     { type = TK_DOT; goto done; }
        "*"     { type = TK_STAR; goto done; }
        "+"     { type = TK_PLUS; goto done; }
        "-"     { type = TK_MINUS; goto done; }
        "/"     { type = TK_SLASH; goto done; }
        "<"     { type = TK_LT; goto done; }
        "<="    { type = TK_LE; goto done; }
        ">"     { type = TK_GT; goto done; }
        ">="    { type = TK_GE; goto done; }
        "<>"    { type = TK_NE; goto done; }
        "!="    { type = TK_NE; goto done; }
        "==" | "||" | "|" | "&" | "~" | "%" | "<<" | ">>" | "->" | "->>"
                { type = TK_OP; goto done; }

        *       { lx->why = "unexpected character"; goto bad; }
    */
bad:
    type = TK_ILLEGAL;
done:
    tok->type = type;
    tok->offset = (int)(start - base);
    tok->len = (int)(cur - start);
    lx->pos = (int)(cur - base);
    return type;
}
