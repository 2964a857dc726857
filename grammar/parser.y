/*
 * parser.y - the grammar of helios's federated dialect (Lemon).
 *
 * This file is the dialect's reference: every statement form is one `cmd`
 * rule below, in the order of the manual.  The actions build one HlStmt
 * (src/ast.h) and nothing else: no catalog lookups, no option checking.
 *
 * Habits taken from SQLite's parse.y:
 *   - one token numbering: the scanner (lexer.re) returns these TK_ codes;
 *     the tokens only the scanner produces are declared at the end;
 *   - every dialect keyword falls back to ID, so keywords stay usable as
 *     names and option names (CREATE FEDERATED MODEL training ... WITH
 *     (format = 'x'));
 *   - every nonterminal that owns memory has a %type and a %destructor, so
 *     a statement abandoned half-way through leaks nothing;
 *   - %syntax_error tells a bad token from input that ends too early.
 *
 * hl_parse() and its syntax errors (what was expected, and where a bracket
 * was opened) read Lemon's tables, so they live in expect.inc, which the
 * %code section includes into the generated parser.c.
 */

%name hl_parser
%token_prefix TK_
%token_type {HlToken}
%default_type {int}
%extra_context {HlParseState *ps}
%stack_size 100
%start_symbol input

%include {
#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "parse.h"

/* Stop at the first syntax error: a statement is one unit, and the first
 * error is the one worth reporting. */
#define YYNOERRORRECOVERY 1
/* hl_parse keeps the parser on its own stack: no malloc for the engine. */
#define hl_parser_ENGINEALWAYSONSTACK 1

#define HL_PARSE_DEPTH 100      /* = %stack_size; checked below */

/* The state of one hl_parse() call, Lemon's %extra_context. */
typedef struct HlParseState {
    const char *src;
    int srclen;
    hl_err *err;
    HlStmt *spare;      /* allocated before parsing; the one `cmd` takes it */
    HlStmt *result;     /* set when `input` is reduced */
    int failed;         /* a syntax error was reported */
    int nomem;
    int accepted;
    int last_end;       /* end offset of the last token fed */
    /* The parser's stack just before the current token was fed. */
    int nsnap;
    int snap_state[HL_PARSE_DEPTH + 1];
    int snap_major[HL_PARSE_DEPTH + 1];
    int snap_off[HL_PARSE_DEPTH + 1];   /* offset of a terminal entry */
} HlParseState;

/* PARTITION BY ... of REGISTER FEDERATED NODES */
typedef struct HlPartSpec {
    int kind, off;
    HlName column;
    HlValue alpha;
} HlPartSpec;

/* AS $$ body $$ | AS 'library' [, 'symbol'] */
typedef struct HlFuncBody {
    HlName body, symbol;
} HlFuncBody;

typedef struct HlCmpSpec {
    int cmp, off;
} HlCmpSpec;

/* Lemon's entry points are not static: they need prototypes. */
void hl_parserInit(void *parser, HlParseState *ps);
void hl_parserFinalize(void *parser);
void hl_parser(void *parser, int major, HlToken minor);
int hl_parserFallback(int token);
#ifndef NDEBUG
void hl_parserTrace(FILE *out, char *prompt);
#endif

static void syntax_error(HlParseState *ps, int major, HlToken tok);
static HlStmt *stmt_take(HlParseState *ps, HlStmtKind kind, HlToken first, HlToken last);
static HlName mk_ident(HlParseState *ps, HlToken t);
static HlName mk_string(HlParseState *ps, HlToken t);
static HlName mk_text(HlParseState *ps, HlToken t);
static HlName mk_body(HlParseState *ps, HlToken t);
static HlValue mk_number(HlParseState *ps, int neg, int start, HlToken t);
static HlValue mk_word(int kind, int64_t i, HlToken t);
static HlValue mk_strval(HlParseState *ps, HlToken t);
static HlValue mk_identval(HlName *n);
static void list_push(HlParseState *ps, HlValue *list, HlValue *item);
static void opt_push(HlParseState *ps, HlOptList *l, HlOption *o);
static void part_clear(HlPartSpec *p);
}

%syntax_error {
    syntax_error(ps, yymajor, TOKEN);
}

%stack_overflow {
    ps->failed = 1;
    hl_err_set(ps->err, HELIOS_SYNTAX, ps->last_end, "statement too deeply nested");
}

%parse_accept {
    ps->accepted = 1;
}

/* Token numbering.  The order matters only for messages: expected keywords
 * are listed in this order. */
%token ID STRING INTEGER FLOAT DOLLARBODY.
%token LP RP COMMA LBRACKET RBRACKET MINUS PLUS LT LE GT GE EQ NE.
%token CREATE ALTER DROP USE REGISTER DEREGISTER START STOP CHECKPOINT RESUME
       TAG ROLLBACK DELETE EXPORT REVOKE GRANT SHOW DESCRIBE.
%token FEDERATED EXTENSION WORKSPACE WORKSPACES NODE NODES MODEL MODELS
       TRAINING AGGREGATION FUNCTION ALERT DATA CONSENT.
%token IF NOT EXISTS WITH SET IN ON CASCADE RESTRICT FROM TABLE PARTITION BY
       IID DIRICHLET COLUMN SEED TO AS VERSION RETURNS LANGUAGE WHEN NOTIFY
       WHERE FOR SUBJECT FORMAT TRUE FALSE NULL.

/* Every keyword is also a name where a keyword cannot be. */
%fallback ID
    CREATE ALTER DROP USE REGISTER DEREGISTER START STOP CHECKPOINT RESUME
    TAG ROLLBACK DELETE EXPORT REVOKE GRANT SHOW DESCRIBE
    FEDERATED EXTENSION WORKSPACE WORKSPACES NODE NODES MODEL MODELS
    TRAINING AGGREGATION FUNCTION ALERT DATA CONSENT
    IF NOT EXISTS WITH SET IN ON CASCADE RESTRICT FROM TABLE PARTITION BY
    IID DIRICHLET COLUMN SEED TO AS VERSION RETURNS LANGUAGE WHEN NOTIFY
    WHERE FOR SUBJECT FORMAT TRUE FALSE NULL.

/* One statement, without its ';'. */
input ::= cmd(X).       { ps->result = X; }

%type cmd {HlStmt *}
%destructor cmd { hl_stmt_free($$); (void)ps; /* ps: Lemon fetches it in every destructor */ }

/* ---- names ------------------------------------------------------------- */

/* nm: a bare or "double-quoted" identifier, or a keyword used as one. */
%type nm {HlName}
%destructor nm { hl_name_clear(&$$); }
nm(A) ::= ID(X).                { A = mk_ident(ps, X); }

/* objname: the name of a workspace, node, model, ...: nm or 'string'. */
%type objname {HlName}
%destructor objname { hl_name_clear(&$$); }
objname(A) ::= nm(A).
objname(A) ::= STRING(X).       { A = mk_string(ps, X); }

/* str: a 'string' (file names, tags, targets). */
%type str {HlName}
%destructor str { hl_name_clear(&$$); }
str(A) ::= STRING(X).           { A = mk_string(ps, X); }

/* word: a 'string' or a name (FORMAT json, LANGUAGE plrust). */
%type word {HlName}
%destructor word { hl_name_clear(&$$); }
word(A) ::= objname(A).

/* subject: FOR SUBJECT 'id' | id | 12345 */
%type subject {HlName}
%destructor subject { hl_name_clear(&$$); }
subject(A) ::= objname(A).
subject(A) ::= INTEGER(X).      { A = mk_text(ps, X); }

/* ---- option lists: WITH (name = value, ...) and SET (...) ----------------- */

%type with {HlOptList}
%destructor with { hl_optlist_clear(&$$); }
with(A) ::= .                                   { memset(&A, 0, sizeof A); }
with(A) ::= WITH LP optlist(L) RP.              { A = L; }

%type setlist {HlOptList}
%destructor setlist { hl_optlist_clear(&$$); }
setlist(A) ::= SET LP optlist(L) RP.            { A = L; }

%type optlist {HlOptList}
%destructor optlist { hl_optlist_clear(&$$); }
optlist(A) ::= option(O).                       { memset(&A, 0, sizeof A); opt_push(ps, &A, &O); }
optlist(A) ::= optlist(A) COMMA option(O).      { opt_push(ps, &A, &O); }

%type option {HlOption}
%destructor option { hl_name_clear(&$$.name); hl_value_clear(&$$.value); }
option(A) ::= nm(N) EQ value(V).                { A.name = N; A.value = V; }

/* ---- values ------------------------------------------------------------ */

/* value: a scalar or a [list, of, scalars].  A string that looks like a
 * list ('[128, 64]') stays a string; options decode it. */
%type value {HlValue}
%destructor value { hl_value_clear(&$$); }
value(A) ::= scalar(A).
value(A) ::= LBRACKET(L) RBRACKET(R). {
    memset(&A, 0, sizeof A);
    A.kind = HL_V_LIST;
    A.off = L.offset;
    A.len = R.offset + R.len - L.offset;
}
value(A) ::= LBRACKET(L) scalars(V) RBRACKET(R). {
    A = V;
    A.off = L.offset;
    A.len = R.offset + R.len - L.offset;
}

%type scalars {HlValue}
%destructor scalars { hl_value_clear(&$$); }
scalars(A) ::= scalar(V).                       { memset(&A, 0, sizeof A); A.kind = HL_V_LIST; list_push(ps, &A, &V); }
scalars(A) ::= scalars(A) COMMA scalar(V).      { list_push(ps, &A, &V); }

%type scalar {HlValue}
%destructor scalar { hl_value_clear(&$$); }
scalar(A) ::= STRING(X).        { A = mk_strval(ps, X); }
scalar(A) ::= number(A).
scalar(A) ::= TRUE(X).          { A = mk_word(HL_V_BOOL, 1, X); }
scalar(A) ::= FALSE(X).         { A = mk_word(HL_V_BOOL, 0, X); }
scalar(A) ::= NULL(X).          { A = mk_word(HL_V_NULL, 0, X); }
scalar(A) ::= nm(N).            { A = mk_identval(&N); }

/* number: 42, -0.5, +1e-5, 0x1F */
%type number {HlValue}
%destructor number { hl_value_clear(&$$); }
number(A) ::= INTEGER(X).               { A = mk_number(ps, 0, X.offset, X); }
number(A) ::= FLOAT(X).                 { A = mk_number(ps, 0, X.offset, X); }
number(A) ::= MINUS(S) INTEGER(X).      { A = mk_number(ps, 1, S.offset, X); }
number(A) ::= MINUS(S) FLOAT(X).        { A = mk_number(ps, 1, S.offset, X); }
number(A) ::= PLUS(S) INTEGER(X).       { A = mk_number(ps, 0, S.offset, X); }
number(A) ::= PLUS(S) FLOAT(X).         { A = mk_number(ps, 0, S.offset, X); }

/* ---- common clauses -------------------------------------------------- */

ifnotexists(A) ::= .                    { A = 0; }
ifnotexists(A) ::= IF NOT EXISTS.       { A = 1; }

ifexists(A) ::= .                       { A = 0; }
ifexists(A) ::= IF EXISTS.              { A = 1; }

/* [IN WORKSPACE ws] */
%type inws {HlName}
%destructor inws { hl_name_clear(&$$); }
inws(A) ::= .                           { memset(&A, 0, sizeof A); }
inws(A) ::= IN WORKSPACE objname(N).     { A = N; }

/* ---- CREATE EXTENSION [IF NOT EXISTS] name --------------------------- */

cmd(S) ::= CREATE(A) EXTENSION(B) ifnotexists(E) nm(N). {
    S = stmt_take(ps, HL_STMT_CREATE_EXTENSION, A, B);
    S->if_not_exists = E;
    S->name = N;
}

/* ---- workspaces ------------------------------------------------------ */

/* CREATE FEDERATED WORKSPACE [IF NOT EXISTS] ws [WITH (...)] */
cmd(S) ::= CREATE(A) FEDERATED WORKSPACE(B) ifnotexists(E) objname(N) with(O). {
    S = stmt_take(ps, HL_STMT_CREATE_WORKSPACE, A, B);
    S->if_not_exists = E;
    S->name = N;
    S->opts = O;
}

/* ALTER FEDERATED WORKSPACE ws SET (...) */
cmd(S) ::= ALTER(A) FEDERATED WORKSPACE(B) objname(N) setlist(O). {
    S = stmt_take(ps, HL_STMT_ALTER_WORKSPACE, A, B);
    S->name = N;
    S->opts = O;
}

/* DROP FEDERATED WORKSPACE [IF EXISTS] ws [CASCADE | RESTRICT] */
cmd(S) ::= DROP(A) FEDERATED WORKSPACE(B) ifexists(E) objname(N) dropbehavior(C). {
    S = stmt_take(ps, HL_STMT_DROP_WORKSPACE, A, B);
    S->if_exists = E;
    S->name = N;
    S->cascade = C;
}
dropbehavior(A) ::= .                   { A = 0; }
dropbehavior(A) ::= CASCADE.            { A = 1; }
dropbehavior(A) ::= RESTRICT.           { A = 0; }

/* USE FEDERATED WORKSPACE ws */
cmd(S) ::= USE(A) FEDERATED WORKSPACE(B) objname(N). {
    S = stmt_take(ps, HL_STMT_USE_WORKSPACE, A, B);
    S->name = N;
}

/* ---- nodes ------------------------------------------------------------- */

/* REGISTER FEDERATED NODE 'name' [IN WORKSPACE ws] [WITH (...)] */
cmd(S) ::= REGISTER(A) FEDERATED NODE(B) objname(N) inws(W) with(O). {
    S = stmt_take(ps, HL_STMT_REGISTER_NODE, A, B);
    S->name = N;
    S->workspace = W;
    S->opts = O;
}

/* DEREGISTER FEDERATED NODE [IF EXISTS] 'name' [IN WORKSPACE ws] */
cmd(S) ::= DEREGISTER(A) FEDERATED NODE(B) ifexists(E) objname(N) inws(W). {
    S = stmt_take(ps, HL_STMT_DEREGISTER_NODE, A, B);
    S->if_exists = E;
    S->name = N;
    S->workspace = W;
}

/* ALTER FEDERATED NODE 'name' [IN WORKSPACE ws] SET (...) */
cmd(S) ::= ALTER(A) FEDERATED NODE(B) objname(N) inws(W) setlist(O). {
    S = stmt_take(ps, HL_STMT_ALTER_NODE, A, B);
    S->name = N;
    S->workspace = W;
    S->opts = O;
}

/* REGISTER FEDERATED NODES n [IN WORKSPACE ws] FROM TABLE t
 *     PARTITION BY IID | DIRICHLET(column, alpha) | COLUMN column
 *     [SEED s] [WITH (...)]
 * The simulation form: n in-process nodes over the rows of one table. */
cmd(S) ::= REGISTER(A) FEDERATED NODES(B) INTEGER(C) inws(W) FROM TABLE nm(T)
           partition(P) seed(D) with(O). {
    HlValue n = mk_number(ps, 0, C.offset, C);
    S = stmt_take(ps, HL_STMT_REGISTER_NODES, A, B);
    S->count = n.kind == HL_V_INT ? n.i : -1;   /* -1: too large, options reject it */
    S->count_off = C.offset;
    S->workspace = W;
    S->table = T;
    S->partition = (HlPartition)P.kind;
    S->partition_off = P.off;
    S->part_column = P.column;
    S->alpha = P.alpha;
    S->seed = D;
    S->opts = O;
}

%type partition {HlPartSpec}
%destructor partition { part_clear(&$$); }
partition(A) ::= PARTITION(K) BY IID. {
    memset(&A, 0, sizeof A);
    A.kind = HL_PART_IID;
    A.off = K.offset;
}
partition(A) ::= PARTITION(K) BY DIRICHLET LP nm(C) COMMA number(V) RP. {
    A.kind = HL_PART_DIRICHLET;
    A.off = K.offset;
    A.column = C;
    A.alpha = V;
}
partition(A) ::= PARTITION(K) BY COLUMN nm(C). {
    memset(&A, 0, sizeof A);
    A.kind = HL_PART_COLUMN;
    A.off = K.offset;
    A.column = C;
}

%type seed {HlValue}
%destructor seed { hl_value_clear(&$$); }
seed(A) ::= .                           { memset(&A, 0, sizeof A); }
seed(A) ::= SEED number(V).             { A = V; }

/* ---- models ------------------------------------------------------------ */

/* CREATE FEDERATED MODEL [IF NOT EXISTS] m [IN WORKSPACE ws] [WITH (...)] */
cmd(S) ::= CREATE(A) FEDERATED MODEL(B) ifnotexists(E) objname(N) inws(W) with(O). {
    S = stmt_take(ps, HL_STMT_CREATE_MODEL, A, B);
    S->if_not_exists = E;
    S->name = N;
    S->workspace = W;
    S->opts = O;
}

/* ALTER FEDERATED MODEL m SET (...) */
cmd(S) ::= ALTER(A) FEDERATED MODEL(B) objname(N) setlist(O). {
    S = stmt_take(ps, HL_STMT_ALTER_MODEL, A, B);
    S->name = N;
    S->opts = O;
}

/* DROP FEDERATED MODEL [IF EXISTS] m */
cmd(S) ::= DROP(A) FEDERATED MODEL(B) ifexists(E) objname(N). {
    S = stmt_take(ps, HL_STMT_DROP_MODEL, A, B);
    S->if_exists = E;
    S->name = N;
}

/* DESCRIBE FEDERATED MODEL m */
cmd(S) ::= DESCRIBE(A) FEDERATED MODEL(B) objname(N). {
    S = stmt_take(ps, HL_STMT_DESCRIBE_MODEL, A, B);
    S->name = N;
}

/* TAG FEDERATED MODEL m AS 'tag' */
cmd(S) ::= TAG(A) FEDERATED MODEL(B) objname(N) AS str(T). {
    S = stmt_take(ps, HL_STMT_TAG_MODEL, A, B);
    S->name = N;
    S->tag = T;
}

/* ROLLBACK FEDERATED MODEL m TO VERSION 'tag' | n */
cmd(S) ::= ROLLBACK(A) FEDERATED MODEL(B) objname(N) TO VERSION version(V). {
    S = stmt_take(ps, HL_STMT_ROLLBACK_MODEL, A, B);
    S->name = N;
    S->version = V;
}
%type version {HlValue}
%destructor version { hl_value_clear(&$$); }
version(A) ::= STRING(X).               { A = mk_strval(ps, X); }
version(A) ::= INTEGER(X).              { A = mk_number(ps, 0, X.offset, X); }

/* ---- training ---------------------------------------------------------- */

/* START FEDERATED TRAINING m [WITH (...)] */
cmd(S) ::= START(A) FEDERATED TRAINING(B) objname(N) with(O). {
    S = stmt_take(ps, HL_STMT_START_TRAINING, A, B);
    S->name = N;
    S->opts = O;
}

/* STOP FEDERATED TRAINING m */
cmd(S) ::= STOP(A) FEDERATED TRAINING(B) objname(N). {
    S = stmt_take(ps, HL_STMT_STOP_TRAINING, A, B);
    S->name = N;
}

/* CHECKPOINT FEDERATED TRAINING m TO 'file' [WITH (overwrite = true)] */
cmd(S) ::= CHECKPOINT(A) FEDERATED TRAINING(B) objname(N) TO str(P) with(O). {
    S = stmt_take(ps, HL_STMT_CHECKPOINT, A, B);
    S->name = N;
    S->path = P;
    S->opts = O;
}

/* RESUME FEDERATED TRAINING m [FROM 'file'] [WITH (rounds = n)] */
cmd(S) ::= RESUME(A) FEDERATED TRAINING(B) objname(N) resumefrom(P) with(O). {
    S = stmt_take(ps, HL_STMT_RESUME, A, B);
    S->name = N;
    S->path = P;
    S->opts = O;
}
%type resumefrom {HlName}
%destructor resumefrom { hl_name_clear(&$$); }
resumefrom(A) ::= .                     { memset(&A, 0, sizeof A); }
resumefrom(A) ::= FROM str(P).          { A = P; }

/* ---- custom aggregation functions ------------------------------------ */

/* CREATE FEDERATED AGGREGATION FUNCTION [IF NOT EXISTS] f()
 *     RETURNS type AS $$ body $$ | 'library.so' [, 'symbol'] LANGUAGE lang */
cmd(S) ::= CREATE(A) FEDERATED AGGREGATION FUNCTION(B) ifnotexists(E) objname(N)
           LP RP RETURNS nm(R) AS funcbody(F) LANGUAGE word(L). {
    S = stmt_take(ps, HL_STMT_CREATE_AGGFUNC, A, B);
    S->if_not_exists = E;
    S->name = N;
    S->returns = R;
    S->body = F.body;
    S->symbol = F.symbol;
    S->language = L;
}
%type funcbody {HlFuncBody}
%destructor funcbody { hl_name_clear(&$$.body); hl_name_clear(&$$.symbol); }
funcbody(A) ::= DOLLARBODY(X). {
    memset(&A, 0, sizeof A);
    A.body = mk_body(ps, X);
}
funcbody(A) ::= STRING(X). {
    memset(&A, 0, sizeof A);
    A.body = mk_string(ps, X);
}
funcbody(A) ::= STRING(X) COMMA STRING(Y). {
    A.body = mk_string(ps, X);
    A.symbol = mk_string(ps, Y);
}

/* DROP FEDERATED AGGREGATION FUNCTION [IF EXISTS] f [()] */
cmd(S) ::= DROP(A) FEDERATED AGGREGATION FUNCTION(B) ifexists(E) objname(N) parens. {
    S = stmt_take(ps, HL_STMT_DROP_AGGFUNC, A, B);
    S->if_exists = E;
    S->name = N;
}
parens ::= .
parens ::= LP RP.

/* ---- alerts ------------------------------------------------------------ */

/* CREATE FEDERATED ALERT [IF NOT EXISTS] a ON WORKSPACE ws
 *     WHEN metric <cmp> number NOTIFY 'target' */
cmd(S) ::= CREATE(A) FEDERATED ALERT(B) ifnotexists(E) objname(N)
           ON WORKSPACE objname(W) WHEN nm(M) cmp(C) number(T) NOTIFY str(Y). {
    S = stmt_take(ps, HL_STMT_CREATE_ALERT, A, B);
    S->if_not_exists = E;
    S->name = N;
    S->workspace = W;
    S->metric = M;
    S->cmp = (HlCmp)C.cmp;
    S->cmp_off = C.off;
    S->threshold = T;
    S->notify = Y;
}
%type cmp {HlCmpSpec}
cmp(A) ::= LT(X).                       { A.cmp = HL_CMP_LT; A.off = X.offset; }
cmp(A) ::= LE(X).                       { A.cmp = HL_CMP_LE; A.off = X.offset; }
cmp(A) ::= GT(X).                       { A.cmp = HL_CMP_GT; A.off = X.offset; }
cmp(A) ::= GE(X).                       { A.cmp = HL_CMP_GE; A.off = X.offset; }
cmp(A) ::= EQ(X).                       { A.cmp = HL_CMP_EQ; A.off = X.offset; }
cmp(A) ::= NE(X).                       { A.cmp = HL_CMP_NE; A.off = X.offset; }

/* DROP FEDERATED ALERT [IF EXISTS] a [ON WORKSPACE ws] */
cmd(S) ::= DROP(A) FEDERATED ALERT(B) ifexists(E) objname(N). {
    S = stmt_take(ps, HL_STMT_DROP_ALERT, A, B);
    S->if_exists = E;
    S->name = N;
}
cmd(S) ::= DROP(A) FEDERATED ALERT(B) ifexists(E) objname(N) ON WORKSPACE objname(W). {
    S = stmt_take(ps, HL_STMT_DROP_ALERT, A, B);
    S->if_exists = E;
    S->name = N;
    S->workspace = W;
}

/* ---- privacy and consent (GDPR) ------------------------------------------ */

/* DELETE FROM FEDERATED TRAINING m WHERE column = value */
cmd(S) ::= DELETE(A) FROM FEDERATED TRAINING(B) objname(N) WHERE nm(C) EQ scalar(V). {
    S = stmt_take(ps, HL_STMT_FORGET, A, B);
    S->name = N;
    S->column = C;
    S->value = V;
}

/* EXPORT FEDERATED DATA FOR SUBJECT 'id' FROM WORKSPACE ws TO 'file' [FORMAT fmt] */
cmd(S) ::= EXPORT(A) FEDERATED DATA(B) FOR SUBJECT subject(J) FROM WORKSPACE objname(W)
           TO str(P) format(F). {
    S = stmt_take(ps, HL_STMT_EXPORT, A, B);
    S->subject = J;
    S->workspace = W;
    S->path = P;
    S->format = F;
}
%type format {HlName}
%destructor format { hl_name_clear(&$$); }
format(A) ::= .                         { memset(&A, 0, sizeof A); }
format(A) ::= FORMAT word(F).           { A = F; }

/* REVOKE FEDERATED CONSENT FOR SUBJECT 'id' FROM WORKSPACE ws */
cmd(S) ::= REVOKE(A) FEDERATED CONSENT(B) FOR SUBJECT subject(J) FROM WORKSPACE objname(W). {
    S = stmt_take(ps, HL_STMT_REVOKE_CONSENT, A, B);
    S->subject = J;
    S->workspace = W;
}

/* GRANT FEDERATED CONSENT FOR SUBJECT 'id' TO WORKSPACE ws */
cmd(S) ::= GRANT(A) FEDERATED CONSENT(B) FOR SUBJECT subject(J) TO WORKSPACE objname(W). {
    S = stmt_take(ps, HL_STMT_GRANT_CONSENT, A, B);
    S->subject = J;
    S->workspace = W;
}

/* ---- SHOW FEDERATED WORKSPACES | NODES | MODELS [IN WORKSPACE ws] -------- */

cmd(S) ::= SHOW(A) FEDERATED WORKSPACES(B). {
    S = stmt_take(ps, HL_STMT_SHOW, A, B);
    S->show = HL_SHOW_WORKSPACES;
}
cmd(S) ::= SHOW(A) FEDERATED NODES(B) inws(W). {
    S = stmt_take(ps, HL_STMT_SHOW, A, B);
    S->show = HL_SHOW_NODES;
    S->workspace = W;
}
cmd(S) ::= SHOW(A) FEDERATED MODELS(B) inws(W). {
    S = stmt_take(ps, HL_STMT_SHOW, A, B);
    S->show = HL_SHOW_MODELS;
    S->workspace = W;
}

/* ---- tokens only the scanner produces ------------------------------------
 * The grammar never sees these; plain SQL (front.c) does.  TK_OP is every
 * SQLite operator the dialect does not use (|| << >> & | ~ % == -> ->>). */
%token SEMI DOT STAR SLASH ARROW OP VARIABLE BLOB SPACE COMMENT ILLEGAL.

%code {

_Static_assert(YYSTACKDEPTH == HL_PARSE_DEPTH, "HL_PARSE_DEPTH must equal %stack_size");

/* ---- building the tree ------------------------------------------------- */

/* The statement the single `cmd` reduction fills.  hl_parse allocates it
 * before parsing, and the parse stops at the first error or at `input`, so
 * exactly one reduction can take it and it is never NULL here. */
static HlStmt *stmt_take(HlParseState *ps, HlStmtKind kind, HlToken first, HlToken last)
{
    HlStmt *st = ps->spare;
    assert(st != NULL);
    ps->spare = NULL;
    st->kind = kind;
    st->kw_off = first.offset;
    st->kw_len = last.offset + last.len - first.offset;
    return st;
}

/* Copies src[off..off+len) into a new string, turning each doubled quote
 * character q into one (q == 0: copy as is). */
static char *dup_unquoted(HlParseState *ps, int off, int len, char q)
{
    const char *s = ps->src + off;
    char *out = malloc((size_t)len + 1);
    int n = 0;
    if (!out) {
        ps->nomem = 1;
        return NULL;
    }
    for (int i = 0; i < len; i++) {
        out[n++] = s[i];
        if (q && s[i] == q && i + 1 < len && s[i + 1] == q)
            i++;
    }
    out[n] = '\0';
    return out;
}

/* A name token: bare words keep their spelling, "x" and `x` lose quotes. */
static HlName mk_ident(HlParseState *ps, HlToken t)
{
    HlName n = { NULL, t.offset, t.len };
    char q = t.len >= 2 ? ps->src[t.offset] : 0;
    if (q == '"' || q == '`')
        n.s = dup_unquoted(ps, t.offset + 1, t.len - 2, q);
    else
        n.s = dup_unquoted(ps, t.offset, t.len, 0);
    return n;
}

/* 'text' -> text ('' becomes ') */
static HlName mk_string(HlParseState *ps, HlToken t)
{
    HlName n = { NULL, t.offset, t.len };
    n.s = dup_unquoted(ps, t.offset + 1, t.len - 2, '\'');
    return n;
}

/* The token's text, as is. */
static HlName mk_text(HlParseState *ps, HlToken t)
{
    HlName n = { NULL, t.offset, t.len };
    n.s = dup_unquoted(ps, t.offset, t.len, 0);
    return n;
}

/* $$ body $$ -> body; the span stays the whole token. */
static HlName mk_body(HlParseState *ps, HlToken t)
{
    HlName n = { NULL, t.offset, t.len };
    n.s = dup_unquoted(ps, t.offset + 2, t.len - 4, 0);
    return n;
}

static HlValue mk_word(int kind, int64_t i, HlToken t)
{
    HlValue v;
    memset(&v, 0, sizeof v);
    v.kind = (HlValueKind)kind;
    v.i = i;
    v.r = (double)i;
    v.off = t.offset;
    v.len = t.len;
    return v;
}

static HlValue mk_strval(HlParseState *ps, HlToken t)
{
    HlValue v = mk_word(HL_V_STRING, 0, t);
    v.s = mk_string(ps, t).s;
    return v;
}

/* Takes the name's string. */
static HlValue mk_identval(HlName *n)
{
    HlValue v;
    memset(&v, 0, sizeof v);
    v.kind = HL_V_IDENT;
    v.s = n->s;
    v.off = n->off;
    v.len = n->len;
    n->s = NULL;
    return v;
}

/* The value of number token t, negated when neg; its span starts at start
 * (the sign).  Integers that do not fit in 64 bits become reals, as in
 * SQLite; hex literals are 64-bit patterns (0xFFFFFFFFFFFFFFFF is -1). */
static HlValue mk_number(HlParseState *ps, int neg, int start, HlToken t)
{
    HlValue v;
    char buf[64];
    char *text = buf;
    int n = 0;

    memset(&v, 0, sizeof v);
    v.off = start;
    v.len = t.offset + t.len - start;
    if (t.len >= (int)sizeof buf && !(text = malloc((size_t)t.len + 1))) {
        ps->nomem = 1;
        return v;
    }
    for (int i = 0; i < t.len; i++)     /* drop digit separators: 1_000 */
        if (ps->src[t.offset + i] != '_')
            text[n++] = ps->src[t.offset + i];
    text[n] = '\0';

    if (t.type == TK_INTEGER && n > 2 && text[0] == '0' && (text[1] | 0x20) == 'x') {
        const char *h = text + 2;
        while (*h == '0' && h[1])
            h++;
        if (strlen(h) > 16) {
            ps->failed = 1;
            hl_err_set(ps->err, HELIOS_SYNTAX, t.offset, "hex literal too big: %.*s",
                       t.len, ps->src + t.offset);
        }
        v.kind = HL_V_INT;
        v.i = (int64_t)strtoull(h, NULL, 16);
        if (neg)
            v.i = (int64_t)(0 - (uint64_t)v.i);
        v.r = (double)v.i;
    } else if (t.type == TK_INTEGER) {
        unsigned long long u;
        errno = 0;
        u = strtoull(text, NULL, 10);
        if (errno == 0 && u <= (unsigned long long)INT64_MAX + (unsigned)neg) {
            v.kind = HL_V_INT;
            v.i = neg ? (int64_t)(0 - (uint64_t)u) : (int64_t)u;
            v.r = (double)v.i;
        }
    }
    if (v.kind != HL_V_INT) {
        /* strtod follows LC_NUMERIC; SQL's decimal point is always '.' */
        const char *dp = localeconv()->decimal_point;
        char *dot = strchr(text, '.');
        if (dot && dp && dp[0] && !dp[1])
            *dot = dp[0];
        v.kind = HL_V_REAL;
        v.r = strtod(text, NULL);
        if (neg)
            v.r = -v.r;
    }
    if (text != buf)
        free(text);
    return v;
}

/* Moves *item to the end of the list. */
static void list_push(HlParseState *ps, HlValue *list, HlValue *item)
{
    HlValue *items = realloc(list->items, sizeof *items * (size_t)(list->nitems + 1));
    if (!items) {
        ps->nomem = 1;
        hl_value_clear(item);
        return;
    }
    list->items = items;
    items[list->nitems++] = *item;
}

static void opt_push(HlParseState *ps, HlOptList *l, HlOption *o)
{
    if (hl_optlist_push(l, o) != 0)
        ps->nomem = 1;
}

static void part_clear(HlPartSpec *p)
{
    hl_name_clear(&p->column);
    hl_value_clear(&p->alpha);
}

/* ---- the driver and its syntax errors ---------------------------------- */

/* Included, not compiled on its own: it needs Lemon's tables and yyParser.
 * Found by -I$(srcdir)/grammar, as parser.c is generated in the build tree. */
#include "expect.inc"
}
