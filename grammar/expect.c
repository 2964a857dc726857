/*
 * expect.c - feeding one statement's tokens to the Lemon parser, and saying
 * what it expected when it rejects one.
 *
 * NOT COMPILED ON ITS OWN: grammar/parser.y includes this file at the end of
 * its %code section, so that it lands inside the generated parser.c.  It
 * reads what only that file has: Lemon's static tables (yy_action,
 * yy_lookahead, yy_shift_ofst, yy_default, yyRuleInfo*), its yyParser struct
 * and yy_find_reduce_action(), and parser.y's HlParseState.  Hence no
 * #include lines here, and every function but hl_parse is static.
 *
 * Error messages name what was expected.  Before each token is fed, hl_parse
 * keeps a copy of the parser's state stack; when the token is rejected, the
 * LALR automaton is replayed on that copy for every terminal, which gives
 * the exact set of acceptable tokens (the copy matters: Lemon's default
 * reductions may already have popped states by the time the error shows).
 * The messages themselves are promised in parse.h.
 */

/* ---- syntax errors ------------------------------------------------------- */

/* The action for terminal t in state s, without keyword fallback. */
static int action_for(int s, int t)
{
    int i;
    if (s > YY_MAX_SHIFT)
        return s;               /* a pending reduce */
    i = yy_shift_ofst[s] + t;
    if (i >= 0 && i < YY_NLOOKAHEAD && yy_lookahead[i] == t)
        return yy_action[i];
    return yy_default[s];
}

/* Would terminal t be shifted (or accepted) from the snapshot stack?  The
 * automaton is replayed on a copy: reductions pop and push until t is
 * shifted or rejected. */
static int snap_accepts(const HlParseState *ps, int t)
{
    int st[HL_PARSE_DEPTH + 8];
    int top = ps->nsnap - 1;

    memcpy(st, ps->snap_state, sizeof st[0] * (size_t)ps->nsnap);
    for (int steps = 0; steps < 1000; steps++) {
        int act = action_for(st[top], t);
        if (act >= YY_MIN_REDUCE && act <= YY_MAX_REDUCE) {
            int rule = act - YY_MIN_REDUCE;
            top += yyRuleInfoNRhs[rule];
            if (top < 0 || top + 1 >= (int)(sizeof st / sizeof st[0]))
                return 0;
            st[top + 1] = yy_find_reduce_action((YYACTIONTYPE)st[top],
                                                (YYCODETYPE)yyRuleInfoLhs[rule]);
            top++;
            continue;
        }
        if (act == YY_ACCEPT_ACTION)
            return t == 0;
        return act <= YY_MAX_SHIFTREDUCE;
    }
    return 0;
}

/* Message order: keywords, punctuation, classes of token, closing
 * brackets (they may get "to close '(' at ..."), the end. */
static int expect_rank(int t)
{
    if (t == 0)
        return 4;
    if (t == TK_RP || t == TK_RBRACKET)
        return 3;
    if (t == TK_ID || t == TK_STRING || t == TK_INTEGER || t == TK_FLOAT
        || t == TK_DOLLARBODY)
        return 2;
    if (hl_parserFallback(t) == TK_ID)
        return 0;
    return 1;
}

/* Writes "A, B or C" for the terminals acceptable at the snapshot. */
static void expected_list(const HlParseState *ps, char *out, size_t size)
{
    int ok[YYNTOKEN];
    int value = 0;
    const char *names[YYNTOKEN + 1];
    int n = 0;
    size_t used = 0;

    for (int t = 0; t < YYNTOKEN; t++)
        ok[t] = t != TK_ILLEGAL && t != TK_SPACE && t != TK_COMMENT && snap_accepts(ps, t);
    /* Where names, strings and numbers all go, say "a value". */
    if (ok[TK_ID] && ok[TK_STRING] && ok[TK_INTEGER]) {
        value = 1;
        ok[TK_ID] = ok[TK_STRING] = ok[TK_INTEGER] = ok[TK_FLOAT] = 0;
        ok[TK_MINUS] = ok[TK_PLUS] = ok[TK_LBRACKET] = 0;
        ok[TK_TRUE] = ok[TK_FALSE] = ok[TK_NULL] = 0;
    }
    if (ok[TK_INTEGER] || ok[TK_FLOAT])         /* "a number" covers -1 */
        ok[TK_MINUS] = ok[TK_PLUS] = 0;
    if (ok[TK_FLOAT])                           /* "a number" covers integers */
        ok[TK_INTEGER] = 0;
    if (ok[TK_ID])                              /* names can be 'strings' */
        ok[TK_STRING] = 0;

    for (int rank = 0; rank <= 4; rank++) {
        if (rank == 2 && value)
            names[n++] = "a value";
        for (int t = 0; t < YYNTOKEN; t++)
            if (ok[t] && expect_rank(t) == rank)
                names[n++] = hl_lex_token_name(t);
    }
    out[0] = '\0';
    for (int i = 0; i < n && i < 6; i++) {
        const char *sep = i == 0 ? "" : (i == n - 1 ? " or " : ", ");
        int w = snprintf(out + used, size - used, "%s%s", sep, names[i]);
        if (w < 0 || (size_t)w >= size - used)
            return;
        used += (size_t)w;
    }
    if (n > 6)
        snprintf(out + used, size - used, ", ...");
}

/* Index of the innermost '(' or '[' still open in the snapshot, or -1. */
static int open_bracket(const HlParseState *ps)
{
    for (int i = ps->nsnap - 1; i > 0; i--)
        if (ps->snap_major[i] == TK_LP || ps->snap_major[i] == TK_LBRACKET)
            return i;
    return -1;
}

/* The token as the user wrote it, for "syntax error at ...": quoted,
 * cut at a newline and shortened when long. */
static void token_text(const HlParseState *ps, HlToken t, char *out, size_t size)
{
    const char *s = ps->src + t.offset;
    int n = 0, cut = 0;
    while (n < t.len && s[n] != '\n' && s[n] != '\r')
        n++;
    if (n < t.len)
        cut = 1;
    if (n > 32) {
        n = 29;
        cut = 1;
    }
    if (t.type == TK_STRING)    /* its text has the quotes */
        snprintf(out, size, "string %.*s%s", n, s, cut ? "...'" : "");
    else
        snprintf(out, size, "'%.*s%s'", n, s, cut ? "..." : "");
}

/* %syntax_error: the token `tok` (major 0: the end of the statement) was
 * rejected in the state that ps->snap_* recorded. */
static void syntax_error(HlParseState *ps, int major, HlToken tok)
{
    char expected[256], at[64], closing[80] = "";
    int ob = open_bracket(ps);

    ps->failed = 1;
    if (major == TK_LBRACKET && ob >= 0 && ps->snap_major[ob] == TK_LBRACKET) {
        hl_err_set(ps->err, HELIOS_SYNTAX, tok.offset,
                   "syntax error at '[': lists cannot be nested");
        return;
    }
    if (major == TK_LBRACKET && snap_accepts(ps, TK_STRING) && snap_accepts(ps, TK_INTEGER)) {
        hl_err_set(ps->err, HELIOS_SYNTAX, tok.offset,
                   "syntax error at '[': expected a single value, not a list");
        return;
    }
    expected_list(ps, expected, sizeof expected);
    if (ob >= 0) {
        int closer = ps->snap_major[ob] == TK_LP ? TK_RP : TK_RBRACKET;
        if (snap_accepts(ps, closer))
            snprintf(closing, sizeof closing, " to close '%c'",
                     ps->snap_major[ob] == TK_LP ? '(' : '[');
    }
    if (major == 0) {
        hl_err_set(ps->err, HELIOS_INCOMPLETE, ps->last_end,
                   "incomplete input: expected %s%s", expected, closing);
        if (closing[0])
            hl_err_note(ps->err, ps->snap_off[ob], "the '%c' opened here",
                        ps->snap_major[ob] == TK_LP ? '(' : '[');
        return;
    }
    token_text(ps, tok, at, sizeof at);
    if (expected[0]) {
        hl_err_set(ps->err, HELIOS_SYNTAX, tok.offset, "syntax error at %s: expected %s%s",
                   at, expected, closing);
        if (closing[0])
            hl_err_note(ps->err, ps->snap_off[ob], "the '%c' opened here",
                        ps->snap_major[ob] == TK_LP ? '(' : '[');
    }
    else
        hl_err_set(ps->err, HELIOS_SYNTAX, tok.offset, "syntax error at %s", at);
}

/* ---- the driver -------------------------------------------------------- */

/* Records the parser's stack before a token is fed (see syntax_error). */
static void snapshot(HlParseState *ps, const yyParser *p)
{
    int n = (int)(p->yytos - p->yystack) + 1;
    for (int i = 0; i < n; i++) {
        ps->snap_state[i] = p->yystack[i].stateno;
        ps->snap_major[i] = p->yystack[i].major;
        ps->snap_off[i] = i > 0 && p->yystack[i].major < YYNTOKEN
                          ? p->yystack[i].minor.yy0.offset : -1;
    }
    ps->nsnap = n;
}

static int token_known(int type)
{
    return type > 0 && type < YYNTOKEN && type != TK_SPACE && type != TK_COMMENT;
}

HlStmt *hl_parse(const char *src, int srclen, const HlToken *toks, int n, hl_err *err)
{
    HlParseState ps;
    yyParser parser;
    HlToken end = { 0, 0, 0 };
    int first_off = -1;

    memset(&ps, 0, sizeof ps);
    ps.src = src;
    ps.srclen = srclen;
    ps.err = err;
    ps.spare = calloc(1, sizeof *ps.spare);
    if (!ps.spare) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return NULL;
    }
    hl_parserInit(&parser, &ps);
    for (int i = 0; i < n && !ps.failed && !ps.accepted; i++) {
        HlToken t = toks[i];
        if (t.type == TK_SPACE || t.type == TK_COMMENT)
            continue;
        snapshot(&ps, &parser);
        if (!token_known(t.type)) {     /* not ours to parse: the caller's slip */
            syntax_error(&ps, TK_ILLEGAL, t);
            break;
        }
        if (first_off < 0)
            first_off = t.offset;
        hl_parser(&parser, t.type, t);
        if (ps.accepted)        /* a default reduction ended the statement early: */
            syntax_error(&ps, t.type, t);       /* t is one token too many */
        ps.last_end = t.offset + t.len;
    }
    if (!ps.failed) {
        end.offset = ps.last_end;
        snapshot(&ps, &parser);
        hl_parser(&parser, 0, end);
    }
    hl_parserFinalize(&parser);

    if (!ps.failed && (ps.nomem || !ps.result)) {
        ps.failed = 1;
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    hl_stmt_free(ps.spare);
    if (ps.failed) {
        hl_stmt_free(ps.result);
        return NULL;
    }
    ps.result->off = first_off;
    ps.result->len = ps.last_end - first_off;
    return ps.result;
}
