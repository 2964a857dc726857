/*
 * test_options.c - option tables and checking (src/options.c,
 * src/option_tables.c): each error class with its exact message and
 * offset, defaults, merging over stored options, conflicts with stored
 * options, normalization, and every WITH/SET list of guide-examples.sql.
 *
 * Option lists are written as SQL text ("min_nodes = 3, features = ['a']")
 * and turned into an HlOptList by a small reader below, so that offsets are
 * offsets into that text.  The reader and the free function are local: this
 * test does not depend on src/ast.c.
 */
#include "unit.h"

#include "helios.h"
#include "json.h"
#include "options.h"

#include <ctype.h>
#include <stdlib.h>

/* ---------------------------------------------------------------------- */
/* a reader for "name = value, ..." with the parser's value kinds          */

static void value_free(HlValue *v)
{
    free(v->s);
    for (int i = 0; i < v->nitems; i++)
        value_free(&v->items[i]);
    free(v->items);
}

static void list_free(HlOptList *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].name.s);
        value_free(&l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void skip(const char *t, int *p)
{
    while (isspace((unsigned char)t[*p]))
        (*p)++;
}

static void read_scalar(const char *t, int *p, HlValue *v)
{
    memset(v, 0, sizeof *v);
    skip(t, p);
    v->off = *p;
    if (t[*p] == '\'') {
        char buf[512];
        int k = 0;
        (*p)++;
        while (t[*p] && !(t[*p] == '\'' && t[*p + 1] != '\'')) {
            if (t[*p] == '\'')
                (*p)++;
            buf[k++] = t[(*p)++];
        }
        (*p)++;
        buf[k] = '\0';
        v->kind = HL_V_STRING;
        v->s = strdup(buf);
    } else if (isdigit((unsigned char)t[*p]) || t[*p] == '-' || t[*p] == '.') {
        char *end;
        long long ll = strtoll(t + *p, &end, 10);
        if (*end == '.' || *end == 'e' || *end == 'E') {
            v->kind = HL_V_REAL;
            v->r = strtod(t + *p, &end);
        } else {
            v->kind = HL_V_INT;
            v->i = ll;
            v->r = (double)ll;
        }
        *p = (int)(end - t);
    } else {
        int s = *p;
        while (isalnum((unsigned char)t[*p]) || t[*p] == '_')
            (*p)++;
        char *w = strndup(t + s, (size_t)(*p - s));
        if (strcasecmp(w, "true") == 0 || strcasecmp(w, "false") == 0) {
            v->kind = HL_V_BOOL;
            v->i = strcasecmp(w, "true") == 0;
            free(w);
        } else if (strcasecmp(w, "null") == 0) {
            v->kind = HL_V_NULL;
            free(w);
        } else {
            v->kind = HL_V_IDENT;
            v->s = w;
        }
    }
    v->len = *p - v->off;
}

static void read_value(const char *t, int *p, HlValue *v)
{
    skip(t, p);
    if (t[*p] != '[') {
        read_scalar(t, p, v);
        return;
    }
    memset(v, 0, sizeof *v);
    v->kind = HL_V_LIST;
    v->off = (*p)++;
    v->items = calloc(64, sizeof *v->items);
    skip(t, p);
    while (t[*p] && t[*p] != ']') {
        read_scalar(t, p, &v->items[v->nitems++]);
        skip(t, p);
        if (t[*p] == ',')
            (*p)++;
        skip(t, p);
    }
    (*p)++;
    v->len = *p - v->off;
}

/* "a = 1, b = 'x'" -> list (caller frees with list_free) */
static HlOptList opts(const char *t)
{
    HlOptList l = { 0 };
    int p = 0;
    l.cap = 64;
    l.v = calloc((size_t)l.cap, sizeof *l.v);
    for (;;) {
        skip(t, &p);
        if (!t[p])
            break;
        if (l.n == l.cap)
            break;              /* the reader is for tests: 64 options at most */
        HlOption *o = &l.v[l.n++];
        o->name.off = p;
        while (isalnum((unsigned char)t[p]) || t[p] == '_')
            p++;
        o->name.len = p - o->name.off;
        o->name.s = strndup(t + o->name.off, (size_t)o->name.len);
        skip(t, &p);
        if (t[p] == '=')
            p++;
        read_value(t, &p, &o->value);
        skip(t, &p);
        if (t[p] == ',')
            p++;
    }
    return l;
}

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

static const char *last_msg;
static hl_err last_err;

/* Checks text over base; returns the merged JSON (caller frees) or NULL. */
static char *run(HlObjKind k, const char *base, const char *text)
{
    HlOptList l = opts(text);
    hl_err_clear(&last_err);
    char *out = hl_opt_check(k, &l, base, &last_err);
    last_msg = last_err.msg;
    list_free(&l);
    return out;
}

/* The statement must succeed and give exactly `want`. */
#define EXPECT_OK(k, base, text, want) do { \
    char *got_ = run(k, base, text); \
    if (!got_) fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, __LINE__, last_msg); \
    CHECK_STR(got_, want); free(got_); } while (0)

/* The statement must fail with `msg` at the first occurrence of `at`
 * in the text (after `nth` earlier occurrences). */
#define EXPECT_ERR_N(k, base, text, msg, at, nth) do { \
    const char *t_ = (text); char *got_ = run(k, base, t_); \
    CHECK(got_ == NULL); free(got_); \
    CHECK_INT(last_err.code, HELIOS_OPTION); \
    CHECK_STR(last_msg, msg); \
    CHECK_INT(last_err.offset, offset_of(t_, at, nth)); } while (0)
#define EXPECT_ERR(k, base, text, msg, at) EXPECT_ERR_N(k, base, text, msg, at, 0)

static int offset_of(const char *text, const char *at, int nth)
{
    const char *p = strstr(text, at);
    while (p && nth-- > 0)
        p = strstr(p + 1, at);
    return p ? (int)(p - text) : -99;
}

#define WS HL_OBJ_WORKSPACE
#define ND HL_OBJ_NODE
#define MD HL_OBJ_MODEL
#define TR HL_OBJ_TRAINING

/* ---------------------------------------------------------------------- */
/* unknown and duplicate names                                             */

static void test_unknown_did_you_mean(void)
{
    EXPECT_ERR(WS, NULL, "min_nodes = 3, privcy_budget = 0.5",
               "unknown option 'privcy_budget' for a workspace; did you mean 'privacy_budget'?",
               "privcy");
    /* a transposition is one edit */
    EXPECT_ERR(WS, NULL, "min_ndoes = 3",
               "unknown option 'min_ndoes' for a workspace; did you mean 'min_nodes'?", "min");
    /* a prefix */
    EXPECT_ERR(MD, NULL, "algo = 'x'",
               "unknown option 'algo' for a model; did you mean 'algorithm'?", "algo");
    EXPECT_ERR(ND, NULL, "endpoint_url = 'local'",
               "unknown option 'endpoint_url' for a node; did you mean 'endpoint'?", "endpoint");
}

static void test_unknown_plain_and_elsewhere(void)
{
    EXPECT_ERR(WS, NULL, "colour = 'red'", "unknown option 'colour' for a workspace", "colour");
    EXPECT_ERR(WS, NULL, "learning_rate = 0.1",
               "unknown option 'learning_rate' for a workspace; it is an option of a model",
               "learning");
    EXPECT_ERR(ND, NULL, "privacy_budget = 1",
               "unknown option 'privacy_budget' for a node; it is an option of a workspace",
               "privacy");
    EXPECT_ERR(TR, "{}", "local_epochs = 2, algorithm = 'neural_network'",
               "option 'algorithm' cannot be set for a training run; change the model with "
               "ALTER FEDERATED MODEL", "algorithm");
    EXPECT_ERR(TR, NULL, "learning_rat = 0.1",
               "unknown option 'learning_rat' for a training run; did you mean 'learning_rate'?",
               "learning");
}

static void test_names_case_insensitive(void)
{
    EXPECT_OK(WS, NULL, "MIN_NODES = 3, Privacy_Budget = 1", "{\"privacy_budget\":1.0,\"min_nodes\":3}");
}

static void test_duplicate(void)
{
    EXPECT_ERR_N(WS, NULL, "min_nodes = 3, max_nodes = 9, min_nodes = 4",
                 "option 'min_nodes' is given twice", "min_nodes", 1);
    EXPECT_ERR(WS, NULL, "min_nodes = 3, MIN_NODES = 3", "option 'min_nodes' is given twice",
               "MIN_NODES");
    /* the first error wins: the unknown name comes before the duplicate */
    EXPECT_ERR(WS, NULL, "bogus = 1, min_nodes = 3, min_nodes = 4",
               "unknown option 'bogus' for a workspace", "bogus");
}

/* ---------------------------------------------------------------------- */
/* types                                                                   */

static void test_wrong_types(void)
{
    EXPECT_ERR(WS, NULL, "min_nodes = 'three'",
               "option 'min_nodes' expects an integer, found a string ('three')", "'three'");
    EXPECT_ERR(WS, NULL, "min_nodes = three",
               "option 'min_nodes' expects an integer, found a name (three)", "three");
    EXPECT_ERR(WS, NULL, "min_nodes = [3]",
               "option 'min_nodes' expects an integer, found a list", "[3]");
    EXPECT_ERR(WS, NULL, "min_nodes = true",
               "option 'min_nodes' expects an integer, found true", "true");
    EXPECT_ERR(WS, NULL, "min_nodes = 2.5",
               "option 'min_nodes' expects an integer, found a number (2.5)", "2.5");
    EXPECT_ERR(WS, NULL, "privacy_budget = 'high'",
               "option 'privacy_budget' expects a number, found a string ('high')", "'high'");
    EXPECT_ERR(WS, NULL, "audit_logging = 1",
               "option 'audit_logging' expects true or false, found an integer (1)", "1");
    EXPECT_ERR(WS, NULL, "audit_logging = 'yes'",
               "option 'audit_logging' expects true or false, found a string ('yes')", "'yes'");
    EXPECT_ERR(ND, NULL, "contact = 42",
               "option 'contact' expects a string, found an integer (42)", "42");
    EXPECT_ERR(ND, NULL, "contact = ['a']",
               "option 'contact' expects a string, found a list", "[");
    EXPECT_ERR(MD, NULL, "features = 5",
               "option 'features' expects a list of strings, found an integer (5)", "5");
    EXPECT_ERR(MD, NULL, "algorithm = 'neural_network', layers = 64",
               "option 'layers' expects a list of integers, found an integer (64)", "64");
    EXPECT_ERR(MD, NULL, "algorithm = 'neural_network', layers = '64, 32'",
               "option 'layers' expects a list of integers, found a string ('64, 32')", "'64");
    EXPECT_ERR(ND, NULL, "contact = ''", "option 'contact' must not be empty", "''");
}

static void test_lenient_types(void)
{
    /* an integer where a number is due is stored as a number */
    EXPECT_OK(WS, NULL, "privacy_budget = 2", "{\"privacy_budget\":2.0}");
    /* a bare word where a string is due; 'true'/'false' for a boolean */
    EXPECT_OK(ND, NULL, "sla_tier = gold, data_residency = 'EU'",
              "{\"data_residency\":\"EU\",\"sla_tier\":\"gold\"}");
    EXPECT_OK(WS, NULL, "audit_logging = 'FALSE', tcp_nodelay = True",
              "{\"audit_logging\":false,\"tcp_nodelay\":true}");
}

/* ---------------------------------------------------------------------- */
/* ranges                                                                  */

static void test_ranges(void)
{
    EXPECT_ERR(WS, NULL, "min_nodes = 0",
               "option 'min_nodes' must be between 1 and 1000000, found 0", "0");
    EXPECT_ERR(WS, NULL, "privacy_budget = 0",
               "option 'privacy_budget' must be greater than 0, found 0", "0");
    EXPECT_ERR(WS, NULL, "privacy_budget = -0.5",
               "option 'privacy_budget' must be greater than 0, found -0.5", "-0.5");
    EXPECT_ERR(WS, "{\"privacy_budget\":1.0}", "delta = 1",
               "option 'delta' must be greater than 0 and less than 1, found 1", "1");
    EXPECT_ERR(MD, NULL, "validation_split = 1.0",
               "option 'validation_split' must be at least 0 and less than 1, found 1", "1.0");
    EXPECT_ERR(MD, NULL, "l2_regularization = -1e-3",
               "option 'l2_regularization' must be at least 0, found -0.001", "-1e-3");
    EXPECT_ERR(MD, NULL, "aggregation = 'trimmed_mean', trim_fraction = 0.5",
               "option 'trim_fraction' must be at least 0 and less than 0.5, found 0.5", "0.5");
    EXPECT_ERR(MD, NULL, "threshold = 1, secure_aggregation = true",
               "option 'threshold' must be between 2 and 1000000, found 1", "1");
    EXPECT_OK(WS, "{\"privacy_budget\":1.0}", "delta = 1e-5",
              "{\"privacy_budget\":1.0,\"delta\":1e-05}");
}

static void test_int_choices(void)
{
    EXPECT_ERR(WS, NULL, "quantization = 12",
               "option 'quantization' must be one of 8, 16, 32, found 12", "12");
    EXPECT_ERR(WS, NULL, "quantization = '8'",
               "option 'quantization' expects an integer, found a string ('8')", "'8'");
    EXPECT_OK(WS, NULL, "quantization = 16", "{\"quantization\":16}");
}

/* ---------------------------------------------------------------------- */
/* enums                                                                   */

static void test_enums(void)
{
    EXPECT_ERR(WS, NULL, "compliance_mode = 'HIPPA'",
               "option 'compliance_mode' must be one of 'HIPAA', 'GDPR', 'BOTH', 'NONE', "
               "found 'HIPPA'; did you mean 'HIPAA'?", "'HIPPA'");
    EXPECT_ERR(WS, NULL, "compliance_mode = 'SOX'",
               "option 'compliance_mode' must be one of 'HIPAA', 'GDPR', 'BOTH', 'NONE', "
               "found 'SOX'", "'SOX'");
    EXPECT_ERR(WS, NULL, "compliance_mode = 3",
               "option 'compliance_mode' must be one of 'HIPAA', 'GDPR', 'BOTH', 'NONE', "
               "found an integer (3)", "3");
    /* case-insensitive, stored canonical; a bare word works too */
    EXPECT_OK(WS, NULL, "compliance_mode = 'hipaa'", "{\"compliance_mode\":\"HIPAA\"}");
    EXPECT_OK(WS, NULL, "encryption = 'aes-256-gcm'", "{\"encryption\":\"AES-256-GCM\"}");
    EXPECT_OK(WS, NULL, "compression = LZ4", "{\"compression\":\"lz4\"}");
    EXPECT_OK(MD, NULL, "algorithm = NEURAL_NETWORK, activation = Tanh",
              "{\"algorithm\":\"neural_network\",\"activation\":\"tanh\"}");
    /* what the project cannot do is refused, naming what it can */
    EXPECT_ERR(WS, NULL, "tls_version = '1.2'", "option 'tls_version' must be '1.3', found '1.2'",
               "'1.2'");
    EXPECT_OK(WS, NULL, "tls_version = 1.3", "{\"tls_version\":\"1.3\"}");
    EXPECT_ERR(WS, NULL, "encryption = 'AES-128-CBC'",
               "option 'encryption' must be one of 'AES-256-GCM', 'none', found 'AES-128-CBC'",
               "'AES");
    EXPECT_ERR(WS, NULL, "compression = 'gzip'",
               "option 'compression' must be one of 'none', 'zstd', 'lz4', found 'gzip'", "'gzip'");
    EXPECT_ERR(MD, NULL, "algorithm = 'cnn'",
               "option 'algorithm' must be one of 'logistic_regression', 'linear_regression', "
               "'neural_network', 'random_forest', 'gradient_boosting', found 'cnn'", "'cnn'");
}

static void test_aggregation_names(void)
{
    EXPECT_OK(MD, NULL, "aggregation = 'FedAvg'", "{\"aggregation\":\"fedavg\"}");
    /* a name that is not built in is a user-defined aggregation function */
    EXPECT_OK(MD, NULL, "aggregation = 'weighted_median'", "{\"aggregation\":\"weighted_median\"}");
    EXPECT_ERR(MD, NULL, "aggregation = 'weighted median'",
               "option 'aggregation' must be one of 'fedavg', 'fedprox', 'fednova', 'fedadam', 'fedyogi', "
               "'fedadagrad', 'median', 'trimmed_mean', 'krum' or the name of an aggregation "
               "function, found 'weighted median'", "'weighted");
    CHECK_STR(hl_opt_is_builtin_aggregation("FedYogi"), "fedyogi");
    CHECK_STR(hl_opt_is_builtin_aggregation("krum"), "krum");
    CHECK(hl_opt_is_builtin_aggregation("weighted_median") == NULL);
    CHECK(hl_opt_is_builtin_aggregation(NULL) == NULL);
    const HlOptDef *d = hl_opt_find(MD, "aggregation");
    CHECK_STR(hl_opt_suggest_choice(d, "fedavgg"), "fedavg");
    CHECK(hl_opt_suggest_choice(d, "weighted_median") == NULL);
}

static void test_enum_or_number(void)
{
    EXPECT_OK(MD, NULL, "algorithm = 'random_forest', max_features = 0.5",
              "{\"algorithm\":\"random_forest\",\"max_features\":0.5}");
    EXPECT_OK(MD, NULL, "algorithm = 'random_forest', max_features = LOG2",
              "{\"algorithm\":\"random_forest\",\"max_features\":\"log2\"}");
    EXPECT_ERR(MD, NULL, "algorithm = 'random_forest', max_features = 2",
               "option 'max_features' must be one of 'sqrt', 'log2' or a number greater than 0 "
               "and at most 1, found an integer (2)", "2");
}

static void test_endpoints(void)
{
    EXPECT_OK(ND, NULL, "endpoint = 'LOCAL'", "{\"endpoint\":\"local\"}");
    EXPECT_OK(ND, NULL, "endpoint = 'TLS://10.0.0.1:7443'", "{\"endpoint\":\"tls://10.0.0.1:7443\"}");
    EXPECT_OK(ND, NULL, "endpoint = 'https://[::1]:8443'", "{\"endpoint\":\"https://[::1]:8443\"}");
    EXPECT_ERR(ND, NULL, "endpoint = 'http://node1:80'",
               "option 'endpoint' must be 'local', 'tls://host:port' or 'https://host:port', "
               "found 'http://node1:80'", "'http");
    EXPECT_ERR(ND, NULL, "endpoint = 'tls://node1:99999'",
               "option 'endpoint' must be 'local', 'tls://host:port' or 'https://host:port', "
               "found 'tls://node1:99999'", "'tls");
    EXPECT_ERR(ND, NULL, "endpoint = 'https://node1'",
               "option 'endpoint' must be 'local', 'tls://host:port' or 'https://host:port', "
               "found 'https://node1'", "'https");
}

/* ---------------------------------------------------------------------- */
/* lists                                                                   */

static void test_lists(void)
{
    EXPECT_OK(MD, NULL, "algorithm = 'neural_network', layers = '[128, 64, 32, 1]'",
              "{\"algorithm\":\"neural_network\",\"layers\":[128,64,32,1]}");
    EXPECT_OK(MD, NULL, "algorithm = 'neural_network', layers = [16, 1]",
              "{\"algorithm\":\"neural_network\",\"layers\":[16,1]}");
    EXPECT_OK(MD, NULL, "features = '[\"age\", \"bmi\"]'", "{\"features\":[\"age\",\"bmi\"]}");
    EXPECT_OK(MD, NULL, "features = ' age ,bmi'", "{\"features\":[\"age\",\"bmi\"]}");
    EXPECT_OK(MD, NULL, "features = 'age'", "{\"features\":[\"age\"]}");
    EXPECT_OK(MD, NULL, "features = age", "{\"features\":[\"age\"]}");
    EXPECT_OK(MD, NULL, "features = [age, 'bmi']", "{\"features\":[\"age\",\"bmi\"]}");
}

static void test_list_items(void)
{
    EXPECT_ERR(MD, NULL, "algorithm = 'neural_network', layers = [128, 0, 1]",
               "option 'layers' item 2 must be between 1 and 65536, found 0", "0");
    EXPECT_ERR(MD, NULL, "algorithm = 'neural_network', layers = [128, 'x']",
               "option 'layers' item 2 must be an integer, found a string ('x')", "'x'");
    EXPECT_ERR(MD, NULL, "algorithm = 'neural_network', layers = '[128, 1.5]'",
               "option 'layers' item 2 must be an integer, found a number (1.5)", "'[");
    EXPECT_ERR(MD, NULL, "algorithm = 'neural_network', layers = '[128, 64'",
               "option 'layers' expects a list of integers, found a malformed list ('[128, 64')",
               "'[");
    EXPECT_ERR(MD, NULL, "algorithm = 'neural_network', layers = '[[1]]'",
               "option 'layers' expects a list of integers, found a malformed list ('[[1]]')", "'[");
    EXPECT_ERR(MD, NULL, "features = []", "option 'features' must not be an empty list", "[");
    EXPECT_ERR(MD, NULL, "features = ['age', 3]",
               "option 'features' item 2 must be a string, found an integer (3)", "3");
    EXPECT_ERR(MD, NULL, "features = ['age', 'bmi', 'AGE']",
               "option 'features' item 3 ('AGE') repeats item 1", "'AGE'");
    EXPECT_ERR(MD, NULL, "features = 'age,,bmi'", "option 'features' item 2 must not be empty",
               "'age");
    EXPECT_ERR(MD, NULL, "features = ['a', true]",
               "option 'features' item 2 must be a string, found true", "true");
}

/* ---------------------------------------------------------------------- */
/* conflicts                                                               */

static void test_conflict_same_statement(void)
{
    EXPECT_ERR(WS, NULL, "min_nodes = 10, max_nodes = 5",
               "option 'min_nodes' (10) must not exceed 'max_nodes' (5)", "min_nodes");
    EXPECT_ERR(WS, NULL, "max_nodes = 100, min_nodes_per_round = 150",
               "option 'min_nodes_per_round' (150) must not exceed 'max_nodes' (100)",
               "min_nodes_per");
    EXPECT_ERR(WS, NULL, "privacy_budget = 0.5, privacy_per_round = 1",
               "option 'privacy_per_round' (1) must not exceed 'privacy_budget' (0.5)",
               "privacy_per");
    EXPECT_ERR(MD, NULL, "nodes_per_round = 10, fraction_per_round = 0.1",
               "option 'nodes_per_round' (10) cannot be combined with 'fraction_per_round' (0.1)",
               "nodes_per");
    EXPECT_ERR(MD, NULL, "features = ['age', 'y'], target = 'Y'",
               "option 'target' ('Y') is also an item of 'features'", "target");
}

static void test_conflict_with_base(void)
{
    EXPECT_ERR(WS, "{\"max_nodes\":5}", "min_nodes = 10",
               "option 'min_nodes' (10) must not exceed 'max_nodes' (5, set earlier)", "min");
    /* the statement's option is the partner: the error points at it */
    EXPECT_ERR(WS, "{\"min_nodes\":10}", "compression = 'zstd', max_nodes = 5",
               "option 'min_nodes' (10, set earlier) must not exceed 'max_nodes' (5)", "max");
    /* changing what another stored option depends on */
    EXPECT_ERR(MD, "{\"aggregation\":\"trimmed_mean\",\"trim_fraction\":0.2}",
               "aggregation = 'fedavg'",
               "option 'trim_fraction' (0.2, set earlier) requires 'aggregation' to be "
               "'trimmed_mean', found 'fedavg'", "aggregation");
    /* ... unless it is reset to its default at the same time */
    EXPECT_OK(MD, "{\"aggregation\":\"trimmed_mean\",\"trim_fraction\":0.2}",
              "trim_fraction = NULL, aggregation = 'fedavg'", "{\"aggregation\":\"fedavg\"}");
    /* a conflict the statement does not touch is not re-judged */
    EXPECT_OK(WS, "{\"min_nodes\":10,\"max_nodes\":5}", "compression = 'zstd'",
              "{\"min_nodes\":10,\"max_nodes\":5,\"compression\":\"zstd\"}");
}

static void test_conflict_with_default(void)
{
    EXPECT_ERR(MD, NULL, "early_stopping_rounds = 20",
               "option 'early_stopping_rounds' (20) must not exceed 'rounds' (10, the default)",
               "early");
    EXPECT_ERR(WS, NULL, "stragglers_timeout = 900",
               "option 'stragglers_timeout' (900) must not exceed 'round_timeout' (600, the default)",
               "strag");
    EXPECT_ERR(WS, NULL, "compression_level = 3",
               "option 'compression_level' requires 'compression' to be 'zstd' or 'lz4', "
               "found 'none' (the default)", "compression_level");
    EXPECT_ERR(WS, NULL, "compression = 'lz4', compression_level = 15",
               "option 'compression_level' must be between 1 and 12 when 'compression' is 'lz4', "
               "found 15", "compression_level");
    EXPECT_ERR(MD, NULL, "beta1 = 0.8",
               "option 'beta1' requires 'aggregation' to be 'fedadam', 'fedyogi' or 'fedadagrad', "
               "found 'fedavg' (the default)", "beta1");
    EXPECT_ERR(MD, NULL, "layers = [8, 1]",
               "option 'layers' requires 'algorithm' to be 'neural_network', found "
               "'logistic_regression' (the default)", "layers");
    EXPECT_ERR(MD, NULL, "n_trees = 10",
               "option 'n_trees' requires 'algorithm' to be 'random_forest' or 'gradient_boosting', "
               "found 'logistic_regression' (the default)", "n_trees");
    EXPECT_ERR(MD, NULL, "threshold = 3",
               "option 'threshold' requires 'secure_aggregation' to be true, found false "
               "(the default)", "threshold");
    EXPECT_ERR(MD, NULL, "aggregation = 'fedavg', proximal_term = 0.1",
               "option 'proximal_term' requires 'aggregation' to be 'fedprox', found 'fedavg'",
               "proximal");
    EXPECT_ERR(WS, NULL, "noise_multiplier = 1.1",
               "option 'noise_multiplier' requires 'privacy_budget' to be set", "noise");
    EXPECT_ERR(WS, NULL, "reconnect_interval = 5",
               "option 'reconnect_interval' requires 'auto_reconnect' to be true, found false "
               "(the default)", "reconnect");
    EXPECT_ERR(WS, NULL, "max_nodes = 1",
               "option 'min_nodes' (2, the default) must not exceed 'max_nodes' (1)", "max");
    /* a boolean option that is false depends on nothing */
    EXPECT_OK(WS, NULL, "adaptive_clipping = false", "{\"adaptive_clipping\":false}");
}

static void test_conflict_rules_misc(void)
{
    EXPECT_ERR(WS, NULL, "compliance_mode = 'HIPAA', encryption = 'none'",
               "option 'encryption' cannot be 'none' when 'compliance_mode' is 'HIPAA'; "
               "HIPAA requires encryption in transit and at rest", "encryption");
    EXPECT_ERR(WS, "{\"retention_days\":30}", "compliance_mode = 'both'",
               "option 'retention_days' must be at least 2190 when 'compliance_mode' is 'BOTH', "
               "found 30 (set earlier); HIPAA keeps records six years", "compliance");
    EXPECT_ERR(WS, "{\"compliance_mode\":\"HIPAA\"}", "certificate_validation = false",
               "option 'certificate_validation' cannot be false when 'compliance_mode' is "
               "'HIPAA' (set earlier); HIPAA requires authenticated nodes", "certificate");
    EXPECT_OK(WS, NULL, "compliance_mode = 'GDPR', encryption = 'none'",
              "{\"encryption\":\"none\",\"compliance_mode\":\"GDPR\"}");
    EXPECT_ERR(MD, "{\"aggregation\":\"median\"}", "secure_aggregation = true",
               "option 'secure_aggregation' requires 'aggregation' to be 'fedavg', 'fedprox', "
               "'fedadam', 'fedyogi' or 'fedadagrad', found 'median' (set earlier); the "
               "coordinator sees only the sum of the updates", "secure");
    EXPECT_ERR(MD, NULL, "secure_aggregation = true, threshold = 5, nodes_per_round = 4",
               "option 'threshold' (5) must not exceed 'nodes_per_round' (4)", "threshold");
    EXPECT_ERR(ND, NULL, "endpoint = 'tls://h:1', database = 'a.db'",
               "option 'database' requires 'endpoint' to be 'local', found 'tls://h:1'",
               "database");
    EXPECT_ERR(ND, NULL, "backup_endpoint = 'tls://b:1'",
               "option 'backup_endpoint' requires 'endpoint' other than 'local', found 'local' "
               "(the default)", "backup");
    EXPECT_ERR(ND, NULL, "endpoint = 'tls://b:1', backup_endpoint = 'tls://b:1'",
               "option 'backup_endpoint' must differ from 'endpoint' ('tls://b:1')", "backup");
}

/* ---------------------------------------------------------------------- */
/* merging, defaults, training runs                                        */

static void test_merge_order_and_null(void)
{
    /* keys in table order, whatever the statement order; canonical values */
    EXPECT_OK(WS, "{\"max_nodes\":50,\"privacy_budget\":1.0}",
              "compression = ZSTD, min_nodes = 3, privacy_budget = 2",
              "{\"privacy_budget\":2.0,\"min_nodes\":3,\"max_nodes\":50,\"compression\":\"zstd\"}");
    /* NULL returns an option to its default */
    EXPECT_OK(WS, "{\"max_nodes\":50,\"min_nodes\":3}", "max_nodes = NULL", "{\"min_nodes\":3}");
    /* stored keys the table does not know are kept, at the end */
    EXPECT_OK(WS, "{\"future_option\":[1,2],\"min_nodes\":3}", "min_nodes = 4",
              "{\"min_nodes\":4,\"future_option\":[1,2]}");
    EXPECT_OK(WS, NULL, "", "{}");
    EXPECT_OK(WS, "", "", "{}");
}

static void test_bad_base(void)
{
    HlOptList l = opts("min_nodes = 3");
    hl_err e;
    hl_err_clear(&e);
    CHECK(hl_opt_check(WS, &l, "{\"min_nodes\":", &e) == NULL);
    CHECK_INT(e.code, HELIOS_ERROR);
    CHECK(strncmp(e.msg, "stored options are not valid JSON: ", 35) == 0);
    hl_err_clear(&e);
    CHECK(hl_opt_check(HL_OBJ__COUNT, &l, NULL, &e) == NULL);
    CHECK_INT(e.code, HELIOS_MISUSE);
    list_free(&l);
}

static void test_defaults_and_get(void)
{
    char *s;
    CHECK_STR(hl_opt_default(WS, "min_nodes"), "2");
    CHECK_STR(hl_opt_default(WS, "compliance_mode"), "\"NONE\"");
    CHECK(hl_opt_default(WS, "privacy_budget") == NULL);
    CHECK(hl_opt_default(WS, "nope") == NULL);
    s = hl_opt_get(WS, "{\"min_nodes\":7}", "min_nodes");
    CHECK_STR(s, "7");
    free(s);
    s = hl_opt_get(WS, "{\"min_nodes\":7}", "MAX_NODES");      /* no default */
    CHECK(s == NULL);
    s = hl_opt_get(WS, NULL, "retention_days");
    CHECK_STR(s, "2555");
    free(s);
    s = hl_opt_get(MD, "{\"features\":[\"a\",\"b\"]}", "features");
    CHECK_STR(s, "[\"a\",\"b\"]");
    free(s);
    s = hl_opt_get(MD, "{}", "aggregation");
    CHECK_STR(s, "\"fedavg\"");
    free(s);
    CHECK(hl_opt_get(MD, "{}", "no_such_option") == NULL);
    s = hl_opt_get(MD, "{broken", "rounds");     /* unreadable JSON: the default */
    CHECK_STR(s, "10");
    free(s);
    s = hl_opt_get(TR, "{\"rounds\":50}", "rounds");
    CHECK_STR(s, "50");
    free(s);
}

/* Converts a JSON value back into the parser's kinds (strings stay strings). */
static void json_to_value(const HlJsonValue *j, HlValue *v)
{
    memset(v, 0, sizeof *v);
    switch (j->type) {
    case HL_JSON_INT: v->kind = HL_V_INT; v->i = j->i; v->r = j->r; break;
    case HL_JSON_REAL: v->kind = HL_V_REAL; v->r = j->r; break;
    case HL_JSON_BOOL: v->kind = HL_V_BOOL; v->i = j->i; break;
    case HL_JSON_STRING: v->kind = HL_V_STRING; v->s = strdup(j->s); break;
    case HL_JSON_ARRAY:
        v->kind = HL_V_LIST;
        v->nitems = j->nitems;
        v->items = calloc((size_t)j->nitems + 1, sizeof *v->items);
        for (int i = 0; i < j->nitems; i++)
            json_to_value(&j->items[i], &v->items[i]);
        break;
    default: v->kind = HL_V_NULL;
    }
}

/* Every default is valid JSON of its option's type and passes its own
 * checks (conflicts aside: those need the partner options). */
static void test_defaults_are_valid(void)
{
    for (int k = 0; k < HL_OBJ__COUNT; k++) {
        int n;
        const HlOptDef *t = hl_opt_table((HlObjKind)k, &n);
        CHECK(n > 0);
        for (int i = 0; i < n; i++) {
            CHECK(t[i].help && t[i].help[0]);
            CHECK(hl_opt_find((HlObjKind)k, t[i].name) == &t[i]);
            if (t[i].type == HL_OT_ENUM)
                CHECK(t[i].choices && t[i].choices[0]);
            if (!t[i].def)
                continue;
            HlJsonValue j;
            hl_err e;
            hl_err_clear(&e);
            CHECK_INT(hl_json_parse_value(t[i].def, &j, &e), HELIOS_OK);
            HlOptList l = { 0 };
            l.n = l.cap = 1;
            l.v = calloc(1, sizeof *l.v);
            l.v[0].name.s = strdup(t[i].name);
            json_to_value(&j, &l.v[0].value);
            hl_err_clear(&e);
            char *out = hl_opt_check((HlObjKind)k, &l, NULL, &e);
            if (!out && e.code == HELIOS_OPTION && strstr(e.msg, "requires") == NULL)
                fprintf(stderr, "default of %s: %s\n", t[i].name, e.msg);
            CHECK(out || strstr(e.msg, "requires"));
            /* the stored value is the default itself */
            if (out) {
                char want[256];
                snprintf(want, sizeof want, "{\"%s\":%s}", t[i].name, t[i].def);
                CHECK_STR(out, want);
            }
            free(out);
            list_free(&l);
            hl_json_value_clear(&j);
        }
    }
}

static void test_training_table(void)
{
    int n, names = 0;
    const HlOptDef *t = hl_opt_table(TR, &n);
    while (hl_opt_run_names[names])
        names++;
    CHECK_INT(n, names);                /* every run name is a model option */
    for (int i = 0; i < n; i++) {
        const HlOptDef *m = hl_opt_find(MD, t[i].name);
        CHECK(m && m->type == t[i].type && m->def == t[i].def && m->help == t[i].help);
    }
    CHECK(hl_opt_find(TR, "algorithm") == NULL);
    CHECK(hl_opt_find(TR, "local_epochs") != NULL);
}

static void test_training_merge(void)
{
    /* the result is the model's options for the run */
    EXPECT_OK(TR, "{\"algorithm\":\"random_forest\",\"rounds\":30}", "local_epochs = 5, batch_size = 32",
              "{\"algorithm\":\"random_forest\",\"rounds\":30,\"local_epochs\":5,\"batch_size\":32}");
    EXPECT_ERR(TR, "{\"rounds\":50}", "early_stopping_rounds = 60",
               "option 'early_stopping_rounds' (60) must not exceed 'rounds' (50, set on the model)",
               "early");
    EXPECT_ERR(TR, "{\"nodes_per_round\":10}", "fraction_per_round = 0.5",
               "option 'nodes_per_round' (10, set on the model) cannot be combined with "
               "'fraction_per_round' (0.5)", "fraction");
    EXPECT_OK(TR, "{\"nodes_per_round\":10}", "nodes_per_round = NULL, fraction_per_round = 0.5",
              "{\"fraction_per_round\":0.5}");
}

/* ---------------------------------------------------------------------- */
/* API odds and ends                                                       */

static void test_api(void)
{
    CHECK_STR(hl_opt_kind_name(WS), "workspace");
    CHECK_STR(hl_opt_kind_name(ND), "node");
    CHECK_STR(hl_opt_kind_name(MD), "model");
    CHECK_STR(hl_opt_kind_name(TR), "training");
    CHECK_STR(hl_opt_suggest(WS, "privcy_budget"), "privacy_budget");
    CHECK_STR(hl_opt_suggest(WS, "COMPLIANCE"), "compliance_mode");
    CHECK(hl_opt_suggest(WS, "zz") == NULL);
    CHECK(hl_opt_suggest(WS, "") == NULL);
    CHECK(hl_opt_suggest(WS, NULL) == NULL);
    CHECK(hl_opt_find(WS, "Min_Nodes") != NULL);
    CHECK(hl_opt_find(WS, NULL) == NULL);
    int n = -1;
    CHECK(hl_opt_table(HL_OBJ__COUNT, &n) == NULL && n == 0);

    char b[200];
    CHECK_STR(hl_opt_domain(hl_opt_find(WS, "min_nodes"), b, sizeof b),
              "integer, between 1 and 1000000");
    CHECK_STR(hl_opt_domain(hl_opt_find(WS, "privacy_budget"), b, sizeof b),
              "number, greater than 0");
    CHECK_STR(hl_opt_domain(hl_opt_find(WS, "delta"), b, sizeof b),
              "number, greater than 0 and less than 1");
    CHECK_STR(hl_opt_domain(hl_opt_find(WS, "quantization"), b, sizeof b),
              "integer: 8, 16 or 32");
    CHECK_STR(hl_opt_domain(hl_opt_find(WS, "noise_mechanism"), b, sizeof b),
              "'gaussian' or 'laplacian'");
    CHECK_STR(hl_opt_domain(hl_opt_find(MD, "max_features"), b, sizeof b),
              "'sqrt' or 'log2', or a number greater than 0 and at most 1");
    CHECK_STR(hl_opt_domain(hl_opt_find(MD, "layers"), b, sizeof b),
              "list of integers, each between 1 and 65536");
    CHECK_STR(hl_opt_domain(hl_opt_find(WS, "audit_logging"), b, sizeof b), "boolean");
    CHECK_STR(hl_opt_domain(hl_opt_find(WS, "min_nodes"), b, 8), "integer");

    /* a long unknown name is clipped in the message, and the check survives */
    char big[400];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *out = run(WS, NULL, big);
    CHECK(out == NULL);
    CHECK(strlen(last_msg) < 200);
}

/* Every option the guide names, with the meaning the guide gives, is in the
 * tables: the guide's own values must pass.  The statements are replayed in
 * the guide's order, each over what the earlier ones stored. */
typedef struct Obj { const char *name; char *json; } Obj;

static char *apply(Obj *o, HlObjKind k, const char *text)
{
    char *out = run(k, o->json, text);
    if (!out)
        fprintf(stderr, "guide statement on %s failed: %s\n   %s\n", o->name, last_msg, text);
    CHECK(out != NULL);
    if (out) {
        free(o->json);
        o->json = out;
    }
    return out;
}

static void test_guide_examples(void)
{
    Obj healthcare = { "healthcare_consortium", NULL }, financial = { "financial_consortium", NULL };
    Obj ml = { "ml_consortium", NULL }, large = { "large_scale", NULL };
    Obj hosp = { "hospital_a", NULL }, bank = { "bank_node_1", NULL }, node1 = { "node_1", NULL };
    Obj disease = { "disease_classifier", NULL }, fraud = { "fraud_detector", NULL };
    Obj churn = { "customer_churn", NULL }, predictor = { "disease_predictor", NULL };
    Obj custom = { "custom_model", NULL }, fast = { "fast_model", NULL };
    Obj accurate = { "accurate_model", NULL }, balanced = { "balanced_model", NULL };
    Obj slow = { "slow_model", NULL }, expensive = { "expensive_model", NULL };
    Obj *all[] = { &healthcare, &financial, &ml, &large, &hosp, &bank, &node1, &disease, &fraud,
                   &churn, &predictor, &custom, &fast, &accurate, &balanced, &slow, &expensive };

    apply(&healthcare, WS, "privacy_budget = 0.5, min_nodes = 3, max_nodes = 100, "
          "compliance_mode = 'HIPAA', encryption = 'AES-256-GCM'");
    apply(&hosp, ND, "endpoint = 'https://hospital-a.example.com:8443', "
          "certificate = '/path/to/cert.pem', data_residency = 'US-EAST', "
          "contact = 'admin@hospital-a.example.com'");
    apply(&disease, MD, "algorithm = 'logistic_regression', "
          "features = ['age', 'blood_pressure', 'cholesterol', 'bmi'], "
          "target = 'disease_outcome', rounds = 50, aggregation = 'fedavg'");
    char *run1 = run(TR, disease.json, "local_epochs = 5, batch_size = 32, "
                     "learning_rate = 0.001, convergence_threshold = 0.001");
    CHECK_STR(run1, "{\"algorithm\":\"logistic_regression\",\"features\":[\"age\","
              "\"blood_pressure\",\"cholesterol\",\"bmi\"],\"target\":\"disease_outcome\","
              "\"rounds\":50,\"local_epochs\":5,\"batch_size\":32,\"learning_rate\":0.001,"
              "\"aggregation\":\"fedavg\",\"convergence_threshold\":0.001}");
    free(run1);

    apply(&financial, WS, "privacy_budget = 1.0, delta = 1e-5, noise_multiplier = 1.0, "
          "min_nodes = 5, max_nodes = 200, round_timeout = 300, communication_protocol = 'grpc', "
          "encryption = 'AES-256-GCM', tls_version = '1.3', certificate_validation = true, "
          "compliance_mode = 'GDPR', data_residency = 'EU', audit_logging = true, "
          "retention_days = 2555, compression = 'zstd', quantization = 8, "
          "aggregation_batch_size = 10");
    apply(&bank, ND, "endpoint = 'https://bank1.example.com:8443', "
          "backup_endpoint = 'https://bank1-backup.example.com:8443', "
          "certificate = '/etc/heliosdb/certs/node.pem', private_key = '/etc/heliosdb/certs/node.key', "
          "ca_bundle = '/etc/heliosdb/certs/ca-bundle.pem', max_memory_gb = 16, max_cpu_cores = 8, "
          "max_bandwidth_mbps = 100, data_residency = 'US-WEST', dataset_size = 1000000, "
          "contact = 'ml-team@bank1.example.com', sla_tier = 'gold'");
    apply(&fraud, MD, "algorithm = 'neural_network', layers = '[128, 64, 32, 1]', "
          "activation = 'relu', output_activation = 'sigmoid', rounds = 100, local_epochs = 3, "
          "batch_size = 64, learning_rate = 0.01, optimizer = 'adam', "
          "features = ['transaction_amount', 'merchant_category', 'time_of_day', "
          "'distance_from_home', 'velocity'], target = 'is_fraud', aggregation = 'fedavg', "
          "weighted_aggregation = true, convergence_threshold = 0.0001, "
          "early_stopping_rounds = 10, validation_split = 0.2, validation_frequency = 5");

    apply(&ml, WS, "privacy_budget = 0.5, compliance_mode = 'GDPR'");
    apply(&node1, ND, "endpoint = 'https://node1.example.com:8443', certificate = '/path/to/cert.pem'");
    apply(&churn, MD, "algorithm = 'random_forest', "
          "features = ['tenure_months', 'monthly_charges', 'contract_type'], "
          "target = 'churned', rounds = 30");
    char *run2 = run(TR, churn.json, "local_epochs = 5, batch_size = 32");
    CHECK(run2 != NULL);
    free(run2);

    apply(&ml, WS, "privacy_budget = 0.5, privacy_per_round = 0.01, delta = 1e-5, "
          "noise_mechanism = 'gaussian', clipping_threshold = 1.0, adaptive_clipping = true");
    apply(&fraud, MD, "secure_aggregation = true, aggregation_protocol = 'shamir', threshold = 3");
    apply(&predictor, MD, "algorithm = 'neural_network', aggregation = 'fedprox', "
          "proximal_term = 0.01, adaptive_learning = true");
    apply(&custom, MD, "aggregation = 'weighted_median'");
    apply(&fast, MD, "compression = 'zstd', quantization = 8, gradient_sparsification = 0.9, "
          "local_epochs = 1");
    apply(&accurate, MD, "compression = 'none', quantization = 32, "
          "gradient_sparsification = 0.0, local_epochs = 10");
    apply(&balanced, MD, "compression = 'lz4', quantization = 16, "
          "gradient_sparsification = 0.5, local_epochs = 5");
    apply(&large, WS, "max_nodes = 200, aggregation_batch_size = 20, async_aggregation = true, "
          "stragglers_timeout = 60, min_nodes_per_round = 50");
    apply(&ml, WS, "compression = 'zstd', compression_level = 3, batch_communication = true, "
          "tcp_nodelay = false, keepalive_interval = 30");
    apply(&ml, WS, "min_nodes = 2");
    apply(&slow, MD, "aggregation = 'fedprox'");
    apply(&slow, MD, "learning_rate = 0.01");
    apply(&slow, MD, "local_epochs = 10");
    apply(&ml, WS, "auto_reconnect = true, reconnect_interval = 10");
    apply(&ml, WS, "privacy_budget = 2.0");
    apply(&expensive, MD, "rounds = 20");
    apply(&ml, WS, "privacy_per_round = 0.02");

    /* what the replay stored, for two of them */
    CHECK_STR(healthcare.json, "{\"privacy_budget\":0.5,\"min_nodes\":3,\"max_nodes\":100,"
              "\"encryption\":\"AES-256-GCM\",\"compliance_mode\":\"HIPAA\"}");
    CHECK_STR(ml.json, "{\"privacy_budget\":2.0,\"delta\":1e-05,\"privacy_per_round\":0.02,"
              "\"noise_mechanism\":\"gaussian\",\"clipping_threshold\":1.0,"
              "\"adaptive_clipping\":true,\"min_nodes\":2,\"compliance_mode\":\"GDPR\","
              "\"compression\":\"zstd\",\"compression_level\":3,\"batch_communication\":true,"
              "\"tcp_nodelay\":false,\"keepalive_interval\":30,\"auto_reconnect\":true,"
              "\"reconnect_interval\":10}");
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->json);
}

int main(void)
{
    RUN(test_unknown_did_you_mean);
    RUN(test_unknown_plain_and_elsewhere);
    RUN(test_names_case_insensitive);
    RUN(test_duplicate);
    RUN(test_wrong_types);
    RUN(test_lenient_types);
    RUN(test_ranges);
    RUN(test_int_choices);
    RUN(test_enums);
    RUN(test_aggregation_names);
    RUN(test_enum_or_number);
    RUN(test_endpoints);
    RUN(test_lists);
    RUN(test_list_items);
    RUN(test_conflict_same_statement);
    RUN(test_conflict_with_base);
    RUN(test_conflict_with_default);
    RUN(test_conflict_rules_misc);
    RUN(test_merge_order_and_null);
    RUN(test_bad_base);
    RUN(test_defaults_and_get);
    RUN(test_defaults_are_valid);
    RUN(test_training_table);
    RUN(test_training_merge);
    RUN(test_api);
    RUN(test_guide_examples);
    return unit_report();
}
