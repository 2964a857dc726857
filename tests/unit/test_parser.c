/*
 * test_parser.c - the grammar (grammar/parser.y) through hl_parse():
 *   - every federated statement of the guide (spec/guide-examples.sql,
 *     embedded below as it is) parses, to the right kind;
 *   - the tree's fields, values and offsets, checked by hand on a few;
 *   - keywords stay usable as names;
 *   - (bad inputs as data are in test_parse_errors.c);
 *   - every prefix of a good statement is "incomplete input" at its end,
 *     and mangled statements fail cleanly (run under ASan or valgrind, these
 *     are the leak tests of the error paths);
 *   - the AST helpers of src/ast.c.
 */
#include "unit.h"

#include "helios.h"
#include "parse.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>

#include "parse_helpers.h"

/* ---- the guide --------------------------------------------------------- */

/* The guide's statements, read from tests/guide/guide-examples.sql (a copy
 * of the spec's) under $top_srcdir ("..", from a build directory, when
 * unset).  NUL-terminated; guide_len bytes. */
static char *guide;
static int guide_len;

static int load_guide(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/guide/guide-examples.sql", top && *top ? top : "..");
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot read %s\n", __FILE__, path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    guide = malloc(cap);
    while (guide && (n += fread(guide + n, 1, cap - 1 - n, f)) == cap - 1) {
        char *g = realloc(guide, cap *= 2);
        if (!g) { free(guide); guide = NULL; }
        else guide = g;
    }
    fclose(f);
    if (!guide)
        return -1;
    guide[n] = '\0';
    guide_len = (int)n;
    return 0;
}

/* The kinds of the guide's federated statements, in order. */
static const HlStmtKind guide_kinds[] = {
    HL_STMT_CREATE_EXTENSION, HL_STMT_CREATE_WORKSPACE, HL_STMT_REGISTER_NODE,
    HL_STMT_CREATE_MODEL, HL_STMT_START_TRAINING, HL_STMT_CREATE_WORKSPACE,
    HL_STMT_REGISTER_NODE, HL_STMT_CREATE_MODEL, HL_STMT_CREATE_WORKSPACE,
    HL_STMT_REGISTER_NODE, HL_STMT_CREATE_MODEL, HL_STMT_START_TRAINING,
    HL_STMT_CHECKPOINT, HL_STMT_RESUME, HL_STMT_TAG_MODEL, HL_STMT_ROLLBACK_MODEL,
    HL_STMT_ALTER_WORKSPACE, HL_STMT_ALTER_MODEL, HL_STMT_CREATE_MODEL,
    HL_STMT_CREATE_AGGFUNC, HL_STMT_ALTER_MODEL, HL_STMT_FORGET, HL_STMT_EXPORT,
    HL_STMT_REVOKE_CONSENT, HL_STMT_CREATE_ALERT, HL_STMT_ALTER_MODEL,
    HL_STMT_ALTER_MODEL, HL_STMT_ALTER_MODEL, HL_STMT_CREATE_WORKSPACE,
    HL_STMT_ALTER_WORKSPACE, HL_STMT_ALTER_WORKSPACE, HL_STMT_ALTER_MODEL,
    HL_STMT_ALTER_MODEL, HL_STMT_ALTER_MODEL, HL_STMT_ALTER_WORKSPACE,
    HL_STMT_ALTER_WORKSPACE, HL_STMT_ALTER_MODEL, HL_STMT_ALTER_WORKSPACE,
};
#define NGUIDE ((int)(sizeof guide_kinds / sizeof guide_kinds[0]))

/* A statement of the guide: its tokens, without the ';'. */
typedef struct GuideStmt {
    int first, n;               /* into the token array */
} GuideStmt;

/* Splits the guide at ';' and calls fn on each federated statement (the
 * ones not starting with a plain word such as SELECT). */
static int guide_each(void (*fn)(const HlToken *t, int n, int index))
{
    Toks tk;
    int start = 0, count = 0;
    int len = guide_len;
    HlLexer lx;
    HlToken t;

    tk.v = malloc(sizeof *tk.v * (size_t)len);
    tk.n = 0;
    hl_lex_init(&lx, guide, len);
    while (hl_lex_next(&lx, &t) != 0) {
        CHECK(t.type != TK_ILLEGAL);
        if (t.type == TK_SPACE || t.type == TK_COMMENT)
            continue;
        if (t.type != TK_SEMI) {
            tk.v[tk.n++] = t;
            continue;
        }
        if (tk.n > start && tk.v[start].type != TK_ID)
            fn(tk.v + start, tk.n - start, count++);
        start = tk.n;
    }
    CHECK_INT(start, tk.n);     /* the guide ends with a ';' */
    free(tk.v);
    return count;
}

static void guide_parse_one(const HlToken *t, int n, int index)
{
    hl_err err;
    hl_err_clear(&err);
    HlStmt *st = hl_parse(guide, guide_len, t, n, &err);
    unit_checks++;
    if (!st) {
        int line, col;
        hl_lex_linecol(guide, guide_len, err.offset, &line, &col);
        unit_failed++;
        fprintf(stderr, "%s: guide line %d:%d: %s\n", __FILE__, line, col, err.msg);
        return;
    }
    if (index < NGUIDE)
        CHECK_STR(hl_stmt_kind_name(st->kind), hl_stmt_kind_name(guide_kinds[index]));
    CHECK_INT(st->off, t[0].offset);
    CHECK_INT(st->off + st->len, t[n - 1].offset + t[n - 1].len);
    CHECK_INT(st->kw_off, t[0].offset);
    CHECK(st->name.s != NULL || st->subject.s != NULL);
    hl_stmt_free(st);
}

static void test_guide(void)
{
    CHECK_INT(guide_each(guide_parse_one), NGUIDE);
}

/* Every proper prefix of a good statement is either a good statement
 * itself or "incomplete input" at the end of its last token: never a
 * syntax error, never a crash or a leak. */
static void guide_prefixes_one(const HlToken *t, int n, int index)
{
    (void)index;
    for (int k = 0; k < n; k++) {
        hl_err err;
        hl_err_clear(&err);
        HlStmt *st = hl_parse(guide, guide_len, t, k, &err);
        if (st) {
            hl_stmt_free(st);
            continue;
        }
        CHECK_INT(err.code, HELIOS_INCOMPLETE);
        CHECK_INT(err.offset, k ? t[k - 1].offset + t[k - 1].len : 0);
        CHECK(strncmp(err.msg, "incomplete input: expected ", 27) == 0);
    }
}

/* Dropping or doubling any one token gives an error (or another good
 * statement) with an offset inside the statement, and leaks nothing. */
static void guide_mangle_one(const HlToken *t, int n, int index)
{
    HlToken *m = malloc(sizeof *m * (size_t)(n + 1));
    (void)index;
    for (int k = 0; k < n; k++) {
        for (int how = 0; how < 2; how++) {
            int mn = 0;
            for (int i = 0; i < n; i++) {
                if (i == k && how == 0)
                    continue;
                m[mn++] = t[i];
                if (i == k && how == 1)
                    m[mn++] = t[i];
            }
            hl_err err;
            hl_err_clear(&err);
            HlStmt *st = hl_parse(guide, guide_len, m, mn, &err);
            if (st) {
                hl_stmt_free(st);
                continue;
            }
            CHECK(err.code == HELIOS_SYNTAX || err.code == HELIOS_INCOMPLETE);
            CHECK(err.offset >= t[0].offset && err.offset <= t[n - 1].offset + t[n - 1].len);
            CHECK(strlen(err.msg) > 20);
        }
    }
    free(m);
}

static void test_guide_robustness(void)
{
    guide_each(guide_prefixes_one);
    guide_each(guide_mangle_one);
}

/* ---- fields, checked by hand --------------------------------------------- */

static void test_create_workspace(void)
{
    const char *sql =
        "CREATE FEDERATED WORKSPACE healthcare_consortium\n"
        "WITH (\n"
        "    privacy_budget = 0.5,        -- Differential privacy epsilon\n"
        "    min_nodes = 3,\n"
        "    compliance_mode = 'HIPAA',   -- HIPAA or GDPR\n"
        "    encryption = 'AES-256-GCM'\n"
        ")";
    HlStmt *st = PARSE_OK(sql);
    if (!st)
        return;
    CHECK_INT(st->kind, HL_STMT_CREATE_WORKSPACE);
    CHECK_INT(st->kw_off, 0);
    CHECK_INT(st->kw_len, 26);
    CHECK_INT(st->off, 0);
    CHECK_INT(st->len, (int)strlen(sql));
    CHECK_STR(st->name.s, "healthcare_consortium");
    CHECK_INT(st->name.off, 27);
    CHECK_INT(st->name.len, 21);
    CHECK_INT(st->if_not_exists, 0);
    CHECK(st->workspace.s == NULL);
    CHECK_INT(st->opts.n, 4);
    if (st->opts.n == 4) {
        HlOption *o = st->opts.v;
        CHECK_STR(o[0].name.s, "privacy_budget");
        CHECK_INT(o[0].name.off, off_of(sql, "privacy_budget"));
        CHECK_INT(o[0].name.len, 14);
        CHECK_INT(o[0].value.kind, HL_V_REAL);
        CHECK_NEAR(o[0].value.r, 0.5, 0);
        CHECK_INT(o[0].value.off, off_of(sql, "0.5"));
        CHECK_INT(o[0].value.len, 3);
        CHECK_INT(o[1].value.kind, HL_V_INT);
        CHECK_INT(o[1].value.i, 3);
        CHECK_NEAR(o[1].value.r, 3.0, 0);
        CHECK_STR(o[2].name.s, "compliance_mode");
        CHECK_INT(o[2].value.kind, HL_V_STRING);
        CHECK_STR(o[2].value.s, "HIPAA");
        CHECK_INT(o[2].value.off, off_of(sql, "'HIPAA'"));
        CHECK_INT(o[2].value.len, 7);
        CHECK_STR(o[3].value.s, "AES-256-GCM");
    }
    hl_stmt_free(st);
}

static void test_create_model(void)
{
    const char *sql =
        "CREATE FEDERATED MODEL IF NOT EXISTS fraud_detector IN WORKSPACE financial_consortium WITH (\n"
        "    layers = '[128, 64, 32, 1]',\n"
        "    features = ['transaction_amount', 'merchant_category',\n"
        "                'velocity'],\n"
        "    sizes = [128, -64, 1e-5],\n"
        "    weighted_aggregation = true,\n"
        "    activation = relu,\n"
        "    empty = [],\n"
        "    nothing = NULL\n"
        ")";
    HlStmt *st = PARSE_OK(sql);
    if (!st)
        return;
    CHECK_INT(st->kind, HL_STMT_CREATE_MODEL);
    CHECK_INT(st->if_not_exists, 1);
    CHECK_STR(st->name.s, "fraud_detector");
    CHECK_STR(st->workspace.s, "financial_consortium");
    CHECK_INT(st->workspace.off, off_of(sql, "financial_consortium"));
    CHECK_INT(st->kw_len, 22);
    CHECK_INT(st->opts.n, 7);
    if (st->opts.n == 7) {
        HlValue *v = &st->opts.v[0].value;
        CHECK_INT(v->kind, HL_V_STRING);               /* stays a string */
        CHECK_STR(v->s, "[128, 64, 32, 1]");
        v = &st->opts.v[1].value;
        CHECK_INT(v->kind, HL_V_LIST);
        CHECK_INT(v->nitems, 3);
        CHECK_INT(v->off, off_of(sql, "['transaction_amount'"));
        CHECK_INT(v->off + v->len, off_of(sql, "'velocity']") + 11);
        if (v->nitems == 3) {
            CHECK_INT(v->items[0].kind, HL_V_STRING);
            CHECK_STR(v->items[0].s, "transaction_amount");
            CHECK_STR(v->items[2].s, "velocity");
            CHECK_INT(v->items[2].off, off_of(sql, "'velocity'"));
        }
        v = &st->opts.v[2].value;
        CHECK_INT(v->nitems, 3);
        if (v->nitems == 3) {
            CHECK_INT(v->items[0].kind, HL_V_INT);
            CHECK_INT(v->items[1].i, -64);
            CHECK_INT(v->items[1].off, off_of(sql, "-64"));
            CHECK_INT(v->items[1].len, 3);
            CHECK_INT(v->items[2].kind, HL_V_REAL);
            CHECK_NEAR(v->items[2].r, 1e-5, 1e-20);
        }
        CHECK_INT(st->opts.v[3].value.kind, HL_V_BOOL);
        CHECK_INT(st->opts.v[3].value.i, 1);
        CHECK_INT(st->opts.v[4].value.kind, HL_V_IDENT);
        CHECK_STR(st->opts.v[4].value.s, "relu");
        CHECK_INT(st->opts.v[5].value.kind, HL_V_LIST);
        CHECK_INT(st->opts.v[5].value.nitems, 0);
        CHECK_INT(st->opts.v[5].value.len, 2);
        CHECK_INT(st->opts.v[6].value.kind, HL_V_NULL);
        CHECK_INT(st->opts.v[6].value.len, 4);
    }
    hl_stmt_free(st);
}

/* Number spellings and what they become. */
static void test_numbers(void)
{
    static const struct {
        const char *text;
        HlValueKind kind;
        int64_t i;
        double r;
    } nums[] = {
        { "42", HL_V_INT, 42, 42 },
        { "-1", HL_V_INT, -1, -1 },
        { "+7", HL_V_INT, 7, 7 },
        { "- 3", HL_V_INT, -3, -3 },
        { "-0.5", HL_V_REAL, 0, -0.5 },
        { "1e-5", HL_V_REAL, 0, 1e-5 },
        { "2.5E3", HL_V_REAL, 0, 2500 },
        { ".25", HL_V_REAL, 0, 0.25 },
        { "5.", HL_V_REAL, 0, 5 },
        { "0x1F", HL_V_INT, 31, 31 },
        { "-0x10", HL_V_INT, -16, -16 },
        { "0xFFFFFFFFFFFFFFFF", HL_V_INT, -1, -1 },
        { "1_000_000", HL_V_INT, 1000000, 1e6 },
        { "9223372036854775807", HL_V_INT, INT64_MAX, 9223372036854775807.0 },
        { "-9223372036854775808", HL_V_INT, INT64_MIN, -9223372036854775808.0 },
        { "9223372036854775808", HL_V_REAL, 0, 9223372036854775808.0 },
        { "-99999999999999999999", HL_V_REAL, 0, -1e20 },
        { "0x00000000000000000001", HL_V_INT, 1, 1 },   /* leading zeros are not "too big" */
        { "1" "0000000000" "0000000000" "0000000000" "0000000000" "0000000000"
          "0000000000" "0000000000", HL_V_REAL, 0, 1e70 },
    };
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        char sql[128];
        snprintf(sql, sizeof sql, "ALTER FEDERATED MODEL m SET (x = %s)", nums[k].text);
        HlStmt *st = PARSE_OK(sql);
        if (!st)
            continue;
        HlValue *v = &st->opts.v[0].value;
        CHECK_INT(v->kind, nums[k].kind);
        if (nums[k].kind == HL_V_INT)
            CHECK_INT(v->i, nums[k].i);
        CHECK_NEAR(v->r, nums[k].r, fabs(nums[k].r) * 1e-15);
        CHECK_INT(v->off, 33);
        CHECK_INT(v->len, (int)strlen(nums[k].text));
        hl_stmt_free(st);
    }
}

/* SQL's decimal point is '.', whatever LC_NUMERIC says (where a locale
 * with a decimal comma is installed). */
static void test_numbers_locale(void)
{
    static const char *const commas[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", NULL };
    char *saved = setlocale(LC_NUMERIC, NULL);
    char old[64];
    int found = 0;
    snprintf(old, sizeof old, "%s", saved ? saved : "C");
    for (int i = 0; commas[i] && !found; i++)
        found = setlocale(LC_NUMERIC, commas[i]) != NULL;
    if (!found)
        return;                 /* nothing to test on this machine */
    HlStmt *st = PARSE_OK("ALTER FEDERATED MODEL m SET (x = 0.25, y = 1.5e2)");
    if (st) {
        CHECK_NEAR(st->opts.v[0].value.r, 0.25, 0);
        CHECK_NEAR(st->opts.v[1].value.r, 150, 0);
        hl_stmt_free(st);
    }
    setlocale(LC_NUMERIC, old);
}

static void test_names(void)
{
    /* The brief's example: keywords are names where a name goes. */
    const char *sql =
        "CREATE FEDERATED MODEL training IN WORKSPACE data WITH (format = 'x', source = 't')";
    HlStmt *st = PARSE_OK(sql);
    if (st) {
        CHECK_STR(st->name.s, "training");
        CHECK_STR(st->workspace.s, "data");
        CHECK_INT(st->opts.n, 2);
        if (st->opts.n == 2)
            CHECK_STR(st->opts.v[0].name.s, "format");
        hl_stmt_free(st);
    }
    /* Every keyword, in any case, as an option name and as a bare value. */
    for (int code = 1; code < 256; code++) {
        const char *kw = hl_lex_token_name(code);
        char buf[128];
        if (kw[0] < 'A' || kw[0] > 'Z')
            continue;
        snprintf(buf, sizeof buf, "ALTER FEDERATED MODEL m SET (%s = x, y = %s)", kw, kw);
        st = PARSE_OK(buf);
        if (!st)
            continue;
        CHECK_STR(st->opts.v[0].name.s, kw);
        if (code == TK_TRUE || code == TK_FALSE)
            CHECK_INT(st->opts.v[1].value.kind, HL_V_BOOL);
        else if (code == TK_NULL)
            CHECK_INT(st->opts.v[1].value.kind, HL_V_NULL);
        else {
            CHECK_INT(st->opts.v[1].value.kind, HL_V_IDENT);
            CHECK_STR(st->opts.v[1].value.s, kw);
        }
        hl_stmt_free(st);
        /* and as a model name, except IF which starts IF EXISTS */
        if (code == TK_IF)
            continue;
        snprintf(buf, sizeof buf, "DROP FEDERATED MODEL %s", kw);
        st = PARSE_OK(buf);
        if (st)
            CHECK_STR(st->name.s, kw);
        hl_stmt_free(st);
    }
    /* Quoted names lose their quotes; doubled quotes become one. */
    sql = "REGISTER FEDERATED NODE 'it''s' IN WORKSPACE \"My \"\"WS\"\"\" WITH (`odd``name` = 1)";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_STR(st->name.s, "it's");
        CHECK_INT(st->name.off, 24);
        CHECK_INT(st->name.len, 7);
        CHECK_STR(st->workspace.s, "My \"WS\"");
        CHECK_INT(st->workspace.len, 11);
        CHECK_STR(st->opts.v[0].name.s, "odd`name");
        hl_stmt_free(st);
    }
    st = PARSE_OK("create federated workspace Ünïcödé");
    if (st) {
        CHECK_STR(st->name.s, "Ünïcödé");
        hl_stmt_free(st);
    }
}

static void test_statements(void)
{
    HlStmt *st;

    st = PARSE_OK("CREATE EXTENSION IF NOT EXISTS heliosdb_federated_learning");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_CREATE_EXTENSION);
        CHECK_INT(st->if_not_exists, 1);
        CHECK_STR(st->name.s, "heliosdb_federated_learning");
        CHECK_INT(st->kw_len, 16);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED WORKSPACE IF EXISTS w CASCADE");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DROP_WORKSPACE);
        CHECK(st->if_exists && st->cascade);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED WORKSPACE w RESTRICT");
    if (st) {
        CHECK(!st->if_exists && !st->cascade);
        hl_stmt_free(st);
    }
    st = PARSE_OK("USE FEDERATED WORKSPACE ml_consortium");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_USE_WORKSPACE);
        CHECK_STR(st->name.s, "ml_consortium");
        hl_stmt_free(st);
    }
    st = PARSE_OK("DEREGISTER FEDERATED NODE IF EXISTS 'n1' IN WORKSPACE w");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DEREGISTER_NODE);
        CHECK(st->if_exists);
        CHECK_STR(st->name.s, "n1");
        CHECK_STR(st->workspace.s, "w");
        hl_stmt_free(st);
    }
    st = PARSE_OK("ALTER FEDERATED NODE 'n1' IN WORKSPACE w SET (max_cpu_cores = 4)");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_ALTER_NODE);
        CHECK_STR(st->workspace.s, "w");
        CHECK_INT(st->opts.n, 1);
        hl_stmt_free(st);
    }

    const char *sql = "REGISTER FEDERATED NODES 20 IN WORKSPACE sim FROM TABLE patients "
                      "PARTITION BY DIRICHLET(label, 0.5) SEED 42 WITH (data_residency = 'EU')";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_INT(st->kind, HL_STMT_REGISTER_NODES);
        CHECK_INT(st->count, 20);
        CHECK_INT(st->count_off, 25);
        CHECK_STR(st->workspace.s, "sim");
        CHECK_STR(st->table.s, "patients");
        CHECK_INT(st->table.off, off_of(sql, "patients"));
        CHECK_INT(st->partition, HL_PART_DIRICHLET);
        CHECK_INT(st->partition_off, off_of(sql, "PARTITION"));
        CHECK_STR(st->part_column.s, "label");
        CHECK_INT(st->alpha.kind, HL_V_REAL);
        CHECK_NEAR(st->alpha.r, 0.5, 0);
        CHECK_INT(st->seed.kind, HL_V_INT);
        CHECK_INT(st->seed.i, 42);
        CHECK_INT(st->opts.n, 1);
        CHECK_INT(st->kw_len, 24);
        hl_stmt_free(st);
    }
    st = PARSE_OK("REGISTER FEDERATED NODES 3 FROM TABLE t PARTITION BY IID");
    if (st) {
        CHECK_INT(st->partition, HL_PART_IID);
        CHECK(st->workspace.s == NULL);
        CHECK_INT(st->seed.kind, HL_V_NULL);
        CHECK(st->part_column.s == NULL);
        hl_stmt_free(st);
    }
    st = PARSE_OK("REGISTER FEDERATED NODES 3 FROM TABLE t PARTITION BY COLUMN region SEED 7");
    if (st) {
        CHECK_INT(st->partition, HL_PART_COLUMN);
        CHECK_STR(st->part_column.s, "region");
        CHECK_INT(st->seed.i, 7);
        hl_stmt_free(st);
    }
    st = PARSE_OK("REGISTER FEDERATED NODES 99999999999999999999 FROM TABLE t PARTITION BY IID");
    if (st) {
        CHECK_INT(st->count, -1);       /* too large: left to the checker */
        hl_stmt_free(st);
    }

    st = PARSE_OK("DESCRIBE FEDERATED MODEL m");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DESCRIBE_MODEL);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED MODEL IF EXISTS m");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DROP_MODEL);
        CHECK(st->if_exists);
        hl_stmt_free(st);
    }
    st = PARSE_OK("STOP FEDERATED TRAINING m");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_STOP_TRAINING);
        hl_stmt_free(st);
    }
    st = PARSE_OK("START FEDERATED TRAINING m");
    if (st) {
        CHECK_INT(st->opts.n, 0);
        hl_stmt_free(st);
    }
    sql = "CHECKPOINT FEDERATED TRAINING customer_churn\nTO '/backups/checkpoint_round_50.bin'";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_STR(st->path.s, "/backups/checkpoint_round_50.bin");
        CHECK_INT(st->path.off, off_of(sql, "'/backups"));
        CHECK_INT(st->kw_len, 29);
        hl_stmt_free(st);
    }
    st = PARSE_OK("RESUME FEDERATED TRAINING m");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_RESUME);
        CHECK(st->path.s == NULL);
        hl_stmt_free(st);
    }
    st = PARSE_OK("TAG FEDERATED MODEL customer_churn AS 'v1.0_production'");
    if (st) {
        CHECK_STR(st->tag.s, "v1.0_production");
        hl_stmt_free(st);
    }
    st = PARSE_OK("ROLLBACK FEDERATED MODEL m TO VERSION 'v1.0_production'");
    if (st) {
        CHECK_INT(st->version.kind, HL_V_STRING);
        CHECK_STR(st->version.s, "v1.0_production");
        hl_stmt_free(st);
    }
    st = PARSE_OK("ROLLBACK FEDERATED MODEL m TO VERSION 3");
    if (st) {
        CHECK_INT(st->version.kind, HL_V_INT);
        CHECK_INT(st->version.i, 3);
        hl_stmt_free(st);
    }

    sql = "CREATE FEDERATED AGGREGATION FUNCTION weighted_median()\n"
          "RETURNS FLOAT AS $$\n    -- it's a 'body'; with $ signs\n$$ LANGUAGE plrust";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_INT(st->kind, HL_STMT_CREATE_AGGFUNC);
        CHECK_STR(st->name.s, "weighted_median");
        CHECK_STR(st->returns.s, "FLOAT");
        CHECK_STR(st->body.s, "\n    -- it's a 'body'; with $ signs\n");
        CHECK_INT(st->body.off, off_of(sql, "$$"));
        CHECK_INT(st->body.len, off_of(sql, " LANGUAGE") - off_of(sql, "$$"));
        CHECK(st->symbol.s == NULL);
        CHECK_STR(st->language.s, "plrust");
        CHECK_INT(st->kw_len, 37);
        hl_stmt_free(st);
    }
    st = PARSE_OK("CREATE FEDERATED AGGREGATION FUNCTION trimmed() RETURNS FLOAT "
                  "AS 'libtrim.so', 'trimmed_mean' LANGUAGE c");
    if (st) {
        CHECK_STR(st->body.s, "libtrim.so");
        CHECK_STR(st->symbol.s, "trimmed_mean");
        CHECK_STR(st->language.s, "c");
        hl_stmt_free(st);
    }
    st = PARSE_OK("CREATE FEDERATED AGGREGATION FUNCTION f() RETURNS FLOAT AS 'libf.so' LANGUAGE c");
    if (st) {
        CHECK_STR(st->body.s, "libf.so");
        CHECK(st->symbol.s == NULL);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED AGGREGATION FUNCTION IF EXISTS trimmed()");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DROP_AGGFUNC);
        CHECK(st->if_exists);
        hl_stmt_free(st);
    }

    sql = "CREATE FEDERATED ALERT privacy_budget_low\nON WORKSPACE ml_consortium\n"
          "WHEN remaining_epsilon <= -0.1\nNOTIFY 'privacy-team@example.com'";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_INT(st->kind, HL_STMT_CREATE_ALERT);
        CHECK_STR(st->workspace.s, "ml_consortium");
        CHECK_STR(st->metric.s, "remaining_epsilon");
        CHECK_INT(st->cmp, HL_CMP_LE);
        CHECK_INT(st->cmp_off, off_of(sql, "<="));
        CHECK_NEAR(st->threshold.r, -0.1, 0);
        CHECK_INT(st->threshold.off, off_of(sql, "-0.1"));
        CHECK_STR(st->notify.s, "privacy-team@example.com");
        hl_stmt_free(st);
    }
    static const struct { const char *op; HlCmp cmp; } cmps[] = {
        { "<", HL_CMP_LT }, { "<=", HL_CMP_LE }, { ">", HL_CMP_GT }, { ">=", HL_CMP_GE },
        { "=", HL_CMP_EQ }, { "!=", HL_CMP_NE }, { "<>", HL_CMP_NE },
    };
    for (size_t k = 0; k < sizeof cmps / sizeof cmps[0]; k++) {
        char buf[128];
        snprintf(buf, sizeof buf, "CREATE FEDERATED ALERT a ON WORKSPACE w WHEN m %s 1 NOTIFY 'x'",
                 cmps[k].op);
        st = PARSE_OK(buf);
        if (st)
            CHECK_INT(st->cmp, cmps[k].cmp);
        hl_stmt_free(st);
    }
    st = PARSE_OK("DROP FEDERATED ALERT IF EXISTS a");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_DROP_ALERT);
        hl_stmt_free(st);
    }

    st = PARSE_OK("DELETE FROM FEDERATED TRAINING customer_churn\nWHERE data_subject_id = 'user_12345'");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_FORGET);
        CHECK_STR(st->column.s, "data_subject_id");
        CHECK_INT(st->value.kind, HL_V_STRING);
        CHECK_STR(st->value.s, "user_12345");
        CHECK_INT(st->kw_len, 30);
        hl_stmt_free(st);
    }
    sql = "EXPORT FEDERATED DATA FOR SUBJECT 'user_12345'\nFROM WORKSPACE ml_consortium\n"
          "TO '/exports/user_12345.json'\nFORMAT 'json'";
    st = PARSE_OK(sql);
    if (st) {
        CHECK_INT(st->kind, HL_STMT_EXPORT);
        CHECK_STR(st->subject.s, "user_12345");
        CHECK_INT(st->subject.off, off_of(sql, "'user_12345'"));
        CHECK_STR(st->workspace.s, "ml_consortium");
        CHECK_STR(st->path.s, "/exports/user_12345.json");
        CHECK_STR(st->format.s, "json");
        hl_stmt_free(st);
    }
    st = PARSE_OK("EXPORT FEDERATED DATA FOR SUBJECT 12345 FROM WORKSPACE w TO 'f' FORMAT json");
    if (st) {
        CHECK_STR(st->subject.s, "12345");
        CHECK_STR(st->format.s, "json");
        hl_stmt_free(st);
    }
    st = PARSE_OK("REVOKE FEDERATED CONSENT FOR SUBJECT 'u1' FROM WORKSPACE w");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_REVOKE_CONSENT);
        CHECK_STR(st->subject.s, "u1");
        CHECK_STR(st->workspace.s, "w");
        hl_stmt_free(st);
    }
    st = PARSE_OK("GRANT FEDERATED CONSENT FOR SUBJECT 'u1' TO WORKSPACE w");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_GRANT_CONSENT);
        CHECK_STR(st->workspace.s, "w");
        hl_stmt_free(st);
    }
    st = PARSE_OK("SHOW FEDERATED WORKSPACES");
    if (st) {
        CHECK_INT(st->kind, HL_STMT_SHOW);
        CHECK_INT(st->show, HL_SHOW_WORKSPACES);
        CHECK_INT(st->kw_len, 25);
        hl_stmt_free(st);
    }
    st = PARSE_OK("show federated nodes in workspace w");
    if (st) {
        CHECK_INT(st->show, HL_SHOW_NODES);
        CHECK_STR(st->workspace.s, "w");
        hl_stmt_free(st);
    }
    st = PARSE_OK("SHOW FEDERATED MODELS");
    if (st) {
        CHECK_INT(st->show, HL_SHOW_MODELS);
        CHECK(st->workspace.s == NULL);
        hl_stmt_free(st);
    }
}

/* Offsets are into the text given, wherever the statement starts in it. */
static void test_offsets_in_script(void)
{
    const char *src = "SELECT 1;\n-- c\nSTOP FEDERATED TRAINING \"m\"  ";
    Toks tk;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(scan(src, (int)strlen(src), &tk), 0);
    CHECK_INT(tk.n, 7);
    HlStmt *st = hl_parse(src, (int)strlen(src), tk.v + 3, 4, &err);
    CHECK(st != NULL);
    if (st) {
        CHECK_INT(st->off, 15);
        CHECK_INT(st->len, 27);
        CHECK_INT(st->kw_off, 15);
        CHECK_INT(st->kw_len, 23);
        CHECK_STR(st->name.s, "m");
        CHECK_INT(st->name.off, 39);
        CHECK_INT(st->name.len, 3);
        hl_stmt_free(st);
    }
    /* Incomplete: at the end of the last token, not of the text. */
    st = hl_parse(src, (int)strlen(src), tk.v + 3, 3, &err);
    CHECK(st == NULL);
    CHECK_INT(err.code, HELIOS_INCOMPLETE);
    CHECK_INT(err.offset, 38);
    CHECK_STR(err.msg, "incomplete input: expected a name");
    /* Blanks and comments handed in by mistake are skipped. */
    HlToken withspace[3];
    HlLexer lx;
    hl_lex_init(&lx, "SHOW FEDERATED MODELS", 21);
    hl_lex_next(&lx, &withspace[0]);
    hl_lex_next(&lx, &withspace[1]);
    hl_lex_next(&lx, &withspace[2]);
    HlToken rest[2];
    hl_lex_next(&lx, &rest[0]);
    hl_lex_next(&lx, &rest[1]);
    HlToken all[5] = { withspace[0], withspace[1], withspace[2], rest[0], rest[1] };
    hl_err_clear(&err);
    st = hl_parse("SHOW FEDERATED MODELS", 21, all, 5, &err);
    CHECK(st != NULL);
    hl_stmt_free(st);
    free(tk.v);
}

/* ---- src/ast.c ----------------------------------------------------------- */

static void test_ast_helpers(void)
{
    hl_stmt_free(NULL);
    hl_value_clear(NULL);
    hl_name_clear(NULL);
    hl_optlist_clear(NULL);

    HlStmt *st = PARSE_OK("CREATE FEDERATED MODEL m WITH (f = ['a', 'b'], g = 'x', h = 1)");
    if (!st)
        return;
    HlValue copy;
    CHECK_INT(hl_value_copy(&copy, &st->opts.v[0].value), 0);
    CHECK_INT(copy.kind, HL_V_LIST);
    CHECK_INT(copy.nitems, 2);
    CHECK(copy.items != st->opts.v[0].value.items);
    CHECK(copy.items[1].s != st->opts.v[0].value.items[1].s);
    CHECK_STR(copy.items[1].s, "b");
    CHECK_INT(copy.off, st->opts.v[0].value.off);

    /* Push moves an option in; the list grows past its first capacity. */
    HlOptList l = { NULL, 0, 0 };
    for (int i = 0; i < 20; i++) {
        HlOption o;
        memset(&o, 0, sizeof o);
        o.name.s = strdup("n");
        CHECK_INT(hl_value_copy(&o.value, i % 2 ? &copy : &st->opts.v[1].value), 0);
        CHECK_INT(hl_optlist_push(&l, &o), 0);
        CHECK(o.name.s == NULL && o.value.s == NULL);
    }
    CHECK_INT(l.n, 20);
    CHECK(l.cap >= 20);
    CHECK_STR(l.v[19].value.items[0].s, "a");
    CHECK_STR(l.v[18].value.s, "x");
    hl_optlist_clear(&l);
    CHECK(l.v == NULL && l.n == 0);
    hl_optlist_clear(&l);               /* twice: harmless */
    hl_value_clear(&copy);
    CHECK_INT(copy.kind, HL_V_NULL);
    hl_stmt_free(st);

    CHECK_STR(hl_stmt_kind_name(HL_STMT_CREATE_WORKSPACE), "CREATE FEDERATED WORKSPACE");
    CHECK_STR(hl_stmt_kind_name(HL_STMT_FORGET), "DELETE FROM FEDERATED TRAINING");
    CHECK_STR(hl_stmt_kind_name(HL_STMT_SHOW), "SHOW FEDERATED");
    CHECK_STR(hl_stmt_kind_name(HL_STMT__COUNT), "(unknown statement)");
    for (int k = 1; k < HL_STMT__COUNT; k++)
        CHECK(hl_stmt_kind_name((HlStmtKind)k)[0] != '(');
}

int main(void)
{
    if (load_guide() != 0)
        return 1;
    RUN(test_guide);
    RUN(test_guide_robustness);
    RUN(test_create_workspace);
    RUN(test_create_model);
    RUN(test_numbers);
    RUN(test_numbers_locale);
    RUN(test_names);
    RUN(test_statements);
    RUN(test_offsets_in_script);
    RUN(test_ast_helpers);
    free(guide);
    return unit_report();
}
