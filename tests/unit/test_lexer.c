/*
 * test_lexer.c - the scanner (grammar/lexer.re): token codes, offsets and
 * lengths for the inputs that are easy to get wrong (quotes, comments, $$
 * bodies, numbers, operators, unterminated constructs, bytes that are not
 * text), keyword lookup, token names and line/column computation.
 */
#include "unit.h"

#include "lexer.h"

#include <stdlib.h>

typedef struct Tok {
    int type, off, len;
} Tok;

/* Scans all of src[0..len) into out (including blanks and comments);
 * returns the count.  Checks on the way that the tokens tile the input. */
static int lex_all(const char *src, int len, Tok *out, int max, const char **whys)
{
    HlLexer lx;
    HlToken t;
    int n = 0, pos = 0;
    hl_lex_init(&lx, src, len);
    while (hl_lex_next(&lx, &t) != 0) {
        CHECK_INT(t.offset, pos);
        CHECK(t.len > 0);
        if (t.len <= 0 || n >= max)
            return n;
        pos = t.offset + t.len;
        if (whys)
            whys[n] = lx.why;
        out[n].type = t.type;
        out[n].off = t.offset;
        out[n].len = t.len;
        n++;
    }
    CHECK_INT(t.offset, len);
    CHECK_INT(t.len, 0);
    CHECK_INT(pos, len);
    return n;
}

/* The tokens of src, blanks included, must be exactly want[0..nwant). */
static void expect_tokens(const char *src, const Tok *want, int nwant, int line)
{
    Tok got[64];
    int n = lex_all(src, (int)strlen(src), got, 64, NULL);
    int bad = n != nwant;
    for (int i = 0; !bad && i < n; i++)
        bad = got[i].type != want[i].type || got[i].off != want[i].off
              || got[i].len != want[i].len;
    unit_checks++;
    if (bad) {
        unit_failed++;
        fprintf(stderr, "%s:%d: tokens of [%s]:\n", __FILE__, line, src);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "   got  %s %d %d\n", hl_lex_token_name(got[i].type), got[i].off,
                    got[i].len);
        for (int i = 0; i < nwant; i++)
            fprintf(stderr, "   want %s %d %d\n", hl_lex_token_name(want[i].type), want[i].off,
                    want[i].len);
    }
}

#define EXPECT(src, ...) do { const Tok w_[] = { __VA_ARGS__ }; \
    expect_tokens(src, w_, (int)(sizeof w_ / sizeof w_[0]), __LINE__); } while (0)

/* The first token of src alone. */
static Tok first(const char *src, int len, const char **why)
{
    HlLexer lx;
    HlToken t;
    Tok r;
    hl_lex_init(&lx, src, len);
    r.type = hl_lex_next(&lx, &t);
    r.off = t.offset;
    r.len = t.len;
    if (why)
        *why = lx.why;
    return r;
}

static void test_strings_and_identifiers(void)
{
    EXPECT("'it''s'", { TK_STRING, 0, 7 });
    EXPECT("'' ''''", { TK_STRING, 0, 2 }, { TK_SPACE, 2, 1 }, { TK_STRING, 3, 4 });
    EXPECT("'a;b--c/*d'", { TK_STRING, 0, 11 });
    EXPECT("'multi\nline'", { TK_STRING, 0, 12 });
    EXPECT("\"My WS\"", { TK_ID, 0, 7 });
    EXPECT("\"a\"\"b\"", { TK_ID, 0, 6 });
    EXPECT("`back``q`", { TK_ID, 0, 9 });
    EXPECT("\"WITH\"", { TK_ID, 0, 6 });                 /* quoted: never a keyword */
    EXPECT("x'AB' X'0f'", { TK_BLOB, 0, 5 }, { TK_SPACE, 5, 1 }, { TK_BLOB, 6, 5 });
    EXPECT("x 'AB'", { TK_ID, 0, 1 }, { TK_SPACE, 1, 1 }, { TK_STRING, 2, 4 });
    EXPECT("héllo_wörld", { TK_ID, 0, 13 });           /* UTF-8 bytes are name bytes */
    EXPECT("a$b _x1", { TK_ID, 0, 3 }, { TK_SPACE, 3, 1 }, { TK_ID, 4, 3 });
}

static void test_numbers(void)
{
    EXPECT("42 0.5 .5 5. 1e-5 1E+10 2.5e3 0x1F 1_000",
           { TK_INTEGER, 0, 2 }, { TK_SPACE, 2, 1 }, { TK_FLOAT, 3, 3 }, { TK_SPACE, 6, 1 },
           { TK_FLOAT, 7, 2 }, { TK_SPACE, 9, 1 }, { TK_FLOAT, 10, 2 }, { TK_SPACE, 12, 1 },
           { TK_FLOAT, 13, 4 }, { TK_SPACE, 17, 1 }, { TK_FLOAT, 18, 5 }, { TK_SPACE, 23, 1 },
           { TK_FLOAT, 24, 5 }, { TK_SPACE, 29, 1 }, { TK_INTEGER, 30, 4 }, { TK_SPACE, 34, 1 },
           { TK_INTEGER, 35, 5 });
    EXPECT("-1", { TK_MINUS, 0, 1 }, { TK_INTEGER, 1, 1 });
    EXPECT("t.col", { TK_ID, 0, 1 }, { TK_DOT, 1, 1 }, { TK_ID, 2, 3 });
    EXPECT("1.5.2", { TK_FLOAT, 0, 3 }, { TK_FLOAT, 3, 2 });
    EXPECT("12abc 1e", { TK_ILLEGAL, 0, 5 }, { TK_SPACE, 5, 1 }, { TK_ILLEGAL, 6, 2 });
}

static void test_operators(void)
{
    EXPECT("( ) , ; = [ ] . * + - / < > <= >= <> != =>",
           { TK_LP, 0, 1 }, { TK_SPACE, 1, 1 }, { TK_RP, 2, 1 }, { TK_SPACE, 3, 1 },
           { TK_COMMA, 4, 1 }, { TK_SPACE, 5, 1 }, { TK_SEMI, 6, 1 }, { TK_SPACE, 7, 1 },
           { TK_EQ, 8, 1 }, { TK_SPACE, 9, 1 }, { TK_LBRACKET, 10, 1 }, { TK_SPACE, 11, 1 },
           { TK_RBRACKET, 12, 1 }, { TK_SPACE, 13, 1 }, { TK_DOT, 14, 1 }, { TK_SPACE, 15, 1 },
           { TK_STAR, 16, 1 }, { TK_SPACE, 17, 1 }, { TK_PLUS, 18, 1 }, { TK_SPACE, 19, 1 },
           { TK_MINUS, 20, 1 }, { TK_SPACE, 21, 1 }, { TK_SLASH, 22, 1 }, { TK_SPACE, 23, 1 },
           { TK_LT, 24, 1 }, { TK_SPACE, 25, 1 }, { TK_GT, 26, 1 }, { TK_SPACE, 27, 1 },
           { TK_LE, 28, 2 }, { TK_SPACE, 30, 1 }, { TK_GE, 31, 2 }, { TK_SPACE, 33, 1 },
           { TK_NE, 34, 2 }, { TK_SPACE, 36, 1 }, { TK_NE, 37, 2 }, { TK_SPACE, 39, 1 },
           { TK_ARROW, 40, 2 });
    EXPECT("a||b<<c>>d&e|f~g%h==i->j->>k",
           { TK_ID, 0, 1 }, { TK_OP, 1, 2 }, { TK_ID, 3, 1 }, { TK_OP, 4, 2 }, { TK_ID, 6, 1 },
           { TK_OP, 7, 2 }, { TK_ID, 9, 1 }, { TK_OP, 10, 1 }, { TK_ID, 11, 1 },
           { TK_OP, 12, 1 }, { TK_ID, 13, 1 }, { TK_OP, 14, 1 }, { TK_ID, 15, 1 },
           { TK_OP, 16, 1 }, { TK_ID, 17, 1 }, { TK_OP, 18, 2 }, { TK_ID, 20, 1 },
           { TK_OP, 21, 2 }, { TK_ID, 23, 1 }, { TK_OP, 24, 3 }, { TK_ID, 27, 1 });
    /* Named arguments as the guide writes them. */
    EXPECT("age => 55", { TK_ID, 0, 3 }, { TK_SPACE, 3, 1 }, { TK_ARROW, 4, 2 },
           { TK_SPACE, 6, 1 }, { TK_INTEGER, 7, 2 });
    EXPECT("a=>=b", { TK_ID, 0, 1 }, { TK_ARROW, 1, 2 }, { TK_EQ, 3, 1 }, { TK_ID, 4, 1 });
}

static void test_comments_and_bodies(void)
{
    EXPECT("a -- c ; 'x\nb", { TK_ID, 0, 1 }, { TK_SPACE, 1, 1 }, { TK_COMMENT, 2, 9 },
           { TK_SPACE, 11, 1 }, { TK_ID, 12, 1 });
    EXPECT("--end", { TK_COMMENT, 0, 5 });
    EXPECT("/* a ; ' */b", { TK_COMMENT, 0, 11 }, { TK_ID, 11, 1 });
    EXPECT("/***/ /* ** / */", { TK_COMMENT, 0, 5 }, { TK_SPACE, 5, 1 }, { TK_COMMENT, 6, 10 });
    EXPECT("1-2", { TK_INTEGER, 0, 1 }, { TK_MINUS, 1, 1 }, { TK_INTEGER, 2, 1 });
    EXPECT("$$ a; 'b' \"c\" -- d\n$x $ $$;",
           { TK_DOLLARBODY, 0, 26 }, { TK_SEMI, 26, 1 });
    EXPECT("$$$$", { TK_DOLLARBODY, 0, 4 });
    /* $name is a parameter, not a body. */
    EXPECT("$name ?1 ? :x @y", { TK_VARIABLE, 0, 5 }, { TK_SPACE, 5, 1 },
           { TK_VARIABLE, 6, 2 }, { TK_SPACE, 8, 1 }, { TK_VARIABLE, 9, 1 },
           { TK_SPACE, 10, 1 }, { TK_VARIABLE, 11, 2 }, { TK_SPACE, 13, 1 },
           { TK_VARIABLE, 14, 2 });
    EXPECT(" \t\r\n\f\v", { TK_SPACE, 0, 6 });
}

static const struct {
    const char *src;
    int off, len;
    const char *why;
} illegal[] = {
    { "'open",              0, 5, "unterminated string" },
    { "a 'it''s",           2, 6, "unterminated string" },
    { "'ab''",              0, 5, "unterminated string" },   /* '' is an escape */
    { "\"open",             0, 5, "unterminated quoted identifier" },
    { "x `q",               2, 2, "unterminated quoted identifier" },
    { "/* open *",          0, 9, "unterminated comment" },
    { "a /* b */ /*",       10, 2, "unterminated comment" },
    { "$$ body $",          0, 9, "unterminated $$ body" },
    { "AS $$ x;\n",         3, 6, "unterminated $$ body" },
    { "x'ABC'",             0, 6, "malformed blob literal" },
    { "x'GG'",              0, 5, "malformed blob literal" },
    { "x'AB",               1, 3, "unterminated string" },
    { "12abc",              0, 5, "malformed number" },
    { "0x",                 0, 2, "malformed number" },
    { "1e+",                0, 2, "malformed number" },
    { "a { b",              2, 1, "unexpected character" },
    { "a ! b",              2, 1, "unexpected character" },
    { "#",                  0, 1, "unexpected character" },
    { "\\",                 0, 1, "unexpected character" },
    { "a\x01",              1, 1, "unexpected character" },
    { "$ 1",                0, 1, "unexpected character" },
    { ": x",                0, 1, "unexpected character" },
};

static void test_illegal(void)
{
    for (size_t i = 0; i < sizeof illegal / sizeof illegal[0]; i++) {
        Tok t[16];
        const char *whys[16];
        int n = lex_all(illegal[i].src, (int)strlen(illegal[i].src), t, 16, whys);
        int k = 0;
        while (k < n && t[k].type != TK_ILLEGAL)
            k++;
        unit_checks++;
        if (k == n || t[k].off != illegal[i].off || t[k].len != illegal[i].len
            || !whys[k] || strcmp(whys[k], illegal[i].why) != 0) {
            unit_failed++;
            fprintf(stderr, "%s:%d: [%s]: want ILLEGAL at %d+%d (%s), got %s\n", __FILE__,
                    __LINE__, illegal[i].src, illegal[i].off, illegal[i].len, illegal[i].why,
                    k < n ? whys[k] : "no ILLEGAL token");
        }
    }
}

/* A NUL byte is text, not the end; the end is len, wherever the NULs are;
 * and nothing after src[len) is read or matters. */
static void test_nul_and_length(void)
{
    const char nul[] = { 'a', '\0', 'b' };
    Tok t[8];
    const char *whys[8];
    int n = lex_all(nul, 3, t, 8, whys);
    CHECK_INT(n, 3);
    CHECK_INT(t[1].type, TK_ILLEGAL);
    CHECK_INT(t[1].off, 1);
    CHECK_STR(whys[1], "unexpected character");
    CHECK_INT(t[2].type, TK_ID);

    /* 'abc' cut after 3 bytes is unterminated; the rest is not looked at. */
    const char *why;
    Tok f = first("'abc'", 3, &why);
    CHECK_INT(f.type, TK_ILLEGAL);
    CHECK_INT(f.len, 3);
    CHECK_STR(why, "unterminated string");
    f = first("WITHOUT", 4, NULL);
    CHECK_INT(f.type, TK_WITH);
    CHECK_INT(f.len, 4);
    f = first("$$ x $$", 6, &why);
    CHECK_INT(f.type, TK_ILLEGAL);
    CHECK_STR(why, "unterminated $$ body");

    /* A heap buffer with no terminator at all: ASan catches any overread. */
    char *buf = malloc(4);
    memcpy(buf, "1e-5", 4);
    f = first(buf, 4, NULL);
    CHECK_INT(f.type, TK_FLOAT);
    CHECK_INT(f.len, 4);
    memcpy(buf, "'a''", 4);
    f = first(buf, 4, &why);
    CHECK_INT(f.type, TK_ILLEGAL);
    CHECK_INT(f.len, 4);
    free(buf);

    f = first("", 0, NULL);
    CHECK_INT(f.type, 0);
    CHECK_INT(f.off, 0);
    f = first(NULL, 0, NULL);
    CHECK_INT(f.type, 0);

    /* After an illegal token, scanning goes on. */
    HlLexer lx;
    HlToken tok;
    hl_lex_init(&lx, "# WITH", 6);
    CHECK_INT(hl_lex_next(&lx, &tok), TK_ILLEGAL);
    CHECK_INT(hl_lex_next(&lx, &tok), TK_SPACE);
    CHECK_INT(hl_lex_next(&lx, &tok), TK_WITH);
    CHECK(lx.why == NULL);
    CHECK_INT(hl_lex_next(&lx, &tok), 0);
    CHECK_INT(hl_lex_next(&lx, &tok), 0);       /* and stays at the end */
}

/* Every short string over an alphabet of the tricky bytes scans into
 * tokens that tile it exactly (lex_all checks the tiling). */
static void test_tiling(void)
{
    static const char alpha[] = "'\"`$-/*x1.e=>[ \n\0";
    const int na = (int)sizeof alpha - 1;
    char s[4];
    Tok t[8];
    int before = unit_failed;
    for (int a = 0; a < na; a++)
        for (int b = 0; b < na; b++)
            for (int c = 0; c < na; c++) {
                s[0] = alpha[a];
                s[1] = alpha[b];
                s[2] = alpha[c];
                lex_all(s, 3, t, 8, NULL);
                if (unit_failed != before) {
                    fprintf(stderr, "   tiling failed on %d %d %d\n", a, b, c);
                    return;
                }
            }
}

static void test_keywords(void)
{
    CHECK_INT(hl_lex_keyword("create", 6), TK_CREATE);
    CHECK_INT(hl_lex_keyword("Federated", 9), TK_FEDERATED);
    CHECK_INT(hl_lex_keyword("WORKSPACES", 10), TK_WORKSPACES);
    CHECK_INT(hl_lex_keyword("true", 4), TK_TRUE);
    CHECK_INT(hl_lex_keyword("FALSE", 5), TK_FALSE);
    CHECK_INT(hl_lex_keyword("Null", 4), TK_NULL);
    CHECK_INT(hl_lex_keyword("WITHOUT", 4), TK_WITH);   /* only n bytes count */
    CHECK_INT(hl_lex_keyword("SELECT", 6), TK_ID);      /* plain SQL's: not ours */
    CHECK_INT(hl_lex_keyword("INTERVAL", 8), TK_ID);
    CHECK_INT(hl_lex_keyword("WIT", 3), TK_ID);
    CHECK_INT(hl_lex_keyword("WITHX", 5), TK_ID);
    CHECK_INT(hl_lex_keyword("", 0), TK_ID);
    CHECK_INT(hl_lex_keyword("ın", 3), TK_ID);          /* dotless i: not IN */

    /* The codes the front end relies on. */
    const int codes[] = {
        TK_CREATE, TK_FEDERATED, TK_EXTENSION, TK_REGISTER, TK_DEREGISTER, TK_START,
        TK_STOP, TK_ALTER, TK_DROP, TK_TAG, TK_ROLLBACK, TK_CHECKPOINT, TK_RESUME,
        TK_DELETE, TK_FROM, TK_EXPORT, TK_REVOKE, TK_GRANT, TK_SHOW, TK_DESCRIBE,
        TK_USE, TK_AS, TK_WITH,
    };
    /* Every keyword's name maps back to its code: the table is sorted and
     * complete. */
    int nkw = 0;
    for (int code = 1; code < 256; code++) {
        const char *name = hl_lex_token_name(code);
        if (name[0] < 'A' || name[0] > 'Z')
            continue;
        nkw++;
        CHECK_INT(hl_lex_keyword(name, (int)strlen(name)), code);
    }
    CHECK_INT(nkw, 63);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        CHECK_INT(hl_lex_keyword(hl_lex_token_name(codes[i]),
                                 (int)strlen(hl_lex_token_name(codes[i]))), codes[i]);
    EXPECT("Create FEDERATED workspace",
           { TK_CREATE, 0, 6 }, { TK_SPACE, 6, 1 }, { TK_FEDERATED, 7, 9 },
           { TK_SPACE, 16, 1 }, { TK_WORKSPACE, 17, 9 });
}

static void test_token_names(void)
{
    CHECK_STR(hl_lex_token_name(0), "end of statement");
    CHECK_STR(hl_lex_token_name(TK_LP), "'('");
    CHECK_STR(hl_lex_token_name(TK_RBRACKET), "']'");
    CHECK_STR(hl_lex_token_name(TK_ARROW), "'=>'");
    CHECK_STR(hl_lex_token_name(TK_WORKSPACE), "WORKSPACE");
    CHECK_STR(hl_lex_token_name(TK_STRING), "a string");
    CHECK_STR(hl_lex_token_name(TK_FLOAT), "a number");
    CHECK_STR(hl_lex_token_name(TK_INTEGER), "an integer");
    CHECK_STR(hl_lex_token_name(TK_ID), "a name");
    CHECK_STR(hl_lex_token_name(TK_NE), "'!='");
    CHECK_STR(hl_lex_token_name(9999), "an unknown token");
}

static void test_linecol(void)
{
    const char *s = "ab\ncd\n\nefg";
    int line, col;
    hl_lex_linecol(s, 10, 0, &line, &col);
    CHECK(line == 1 && col == 1);
    hl_lex_linecol(s, 10, 2, &line, &col);      /* the '\n' itself */
    CHECK(line == 1 && col == 3);
    hl_lex_linecol(s, 10, 3, &line, &col);
    CHECK(line == 2 && col == 1);
    hl_lex_linecol(s, 10, 4, &line, &col);
    CHECK(line == 2 && col == 2);
    hl_lex_linecol(s, 10, 6, &line, &col);
    CHECK(line == 3 && col == 1);
    hl_lex_linecol(s, 10, 9, &line, &col);
    CHECK(line == 4 && col == 3);
    hl_lex_linecol(s, 10, 10, &line, &col);     /* the end: after the last byte */
    CHECK(line == 4 && col == 4);
    hl_lex_linecol(s, 10, 99, &line, &col);     /* past the end: clamped */
    CHECK(line == 4 && col == 4);
    hl_lex_linecol(s, 10, -1, &line, &col);     /* unknown */
    CHECK(line == 1 && col == 1);
    hl_lex_linecol("é\nx", 4, 3, &line, &col);  /* columns count bytes */
    CHECK(line == 2 && col == 1);
    hl_lex_linecol("éx", 3, 2, &line, &col);
    CHECK(line == 1 && col == 3);
}

int main(void)
{
    RUN(test_strings_and_identifiers);
    RUN(test_numbers);
    RUN(test_operators);
    RUN(test_comments_and_bodies);
    RUN(test_illegal);
    RUN(test_nul_and_length);
    RUN(test_tiling);
    RUN(test_keywords);
    RUN(test_token_names);
    RUN(test_linecol);
    return unit_report();
}
