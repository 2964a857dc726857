/*
 * functions.c - the federated scalar SQL functions.  See sqlfn.h.
 *
 *  now()                         'YYYY-MM-DD HH:MM:SS' in UTC, the format of
 *                                the catalog's timestamps, so that
 *                                `t > NOW() - INTERVAL '1 hour'` (rewritten
 *                                by the front end to datetime(now(), '-1 hour'))
 *                                compares as text correctly
 *  hl_option(kind, json, name)   an option's effective value (explicit in
 *                                json, else its default) as an SQL value:
 *                                numbers as numbers, booleans 1/0, strings
 *                                as text, lists as JSON text; NULL if none
 *  hl_option_text(kind, json, name)  the same with booleans as 'true'/'false'
 *                                (for DESCRIBE)
 *  hl_option_defs(kind)          the option table of a kind as a JSON array
 *                                of {name, type, default, domain, help}, for
 *                                views over json_each()
 *  federated_predict(m, 'name', value, ...)
 *  wait_for_convergence(m, 'timeout_seconds', n)
 *  compare_federated_models(m, 'version_a', a, 'version_b', b)
 *                                check the model and their name/value pairs
 *                                (the front end rewrites `name => expr` to
 *                                `'name', expr`), then fail with
 *                                "not implemented yet: ..." until training
 *                                exists
 *
 * kind is 'workspace', 'node', 'model' or 'training' (src/options.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "engine/privacy.h"
#include "helios.h"
#include "json.h"
#include "options.h"
#include "sqlfn.h"

/* ---- now() ------------------------------------------------------------------ */

static void fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    char buf[32];
    if (!hl_clock_text(buf, (int)sizeof buf)) {
        sqlite3_result_error(ctx, "now(): the system clock cannot be read", -1);
        return;
    }
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/* ---- options ---------------------------------------------------------------- */

static int obj_kind(sqlite3_context *ctx, const char *fn, sqlite3_value *v, HlObjKind *out)
{
    const char *s = (const char *)sqlite3_value_text(v);
    for (int k = 0; s && k < HL_OBJ__COUNT; k++)
        if (strcasecmp(s, hl_opt_kind_name((HlObjKind)k)) == 0) {
            *out = (HlObjKind)k;
            return 1;
        }
    char *msg = sqlite3_mprintf("%s(): unknown object kind '%s'; expected 'workspace', 'node', "
                                "'model' or 'training'", fn, s ? s : "NULL");
    if (msg)
        sqlite3_result_error(ctx, msg, -1);
    else
        sqlite3_result_error_nomem(ctx);
    sqlite3_free(msg);
    return 0;
}

/* Sets the result to the JSON value `json` as SQL sees it. */
static void result_json(sqlite3_context *ctx, const char *json, int bool_text)
{
    HlJsonValue v = {0};
    hl_err err;
    hl_err_clear(&err);
    if (hl_json_parse_value(json, &v, &err) != HELIOS_OK) {
        sqlite3_result_text(ctx, json, -1, SQLITE_TRANSIENT);   /* shown as stored */
        return;
    }
    switch (v.type) {
    case HL_JSON_NULL:
        sqlite3_result_null(ctx);
        break;
    case HL_JSON_BOOL:
        if (bool_text)
            sqlite3_result_text(ctx, v.i ? "true" : "false", -1, SQLITE_STATIC);
        else
            sqlite3_result_int(ctx, v.i != 0);
        break;
    case HL_JSON_INT:
        sqlite3_result_int64(ctx, v.i);
        break;
    case HL_JSON_REAL:
        sqlite3_result_double(ctx, v.r);
        break;
    case HL_JSON_STRING:
        sqlite3_result_text(ctx, v.s, -1, SQLITE_TRANSIENT);
        break;
    case HL_JSON_ARRAY:
        sqlite3_result_text(ctx, json, -1, SQLITE_TRANSIENT);
        break;
    }
    hl_json_value_clear(&v);
}

static void option_value(sqlite3_context *ctx, sqlite3_value **argv, const char *fn,
                         int bool_text)
{
    HlObjKind k;
    if (!obj_kind(ctx, fn, argv[0], &k))
        return;
    const char *json = (const char *)sqlite3_value_text(argv[1]);
    const char *name = (const char *)sqlite3_value_text(argv[2]);
    if (!name) {
        sqlite3_result_null(ctx);
        return;
    }
    char *v = hl_opt_get(k, json ? json : "{}", name);
    if (v)
        result_json(ctx, v, bool_text);
    else
        sqlite3_result_null(ctx);
    free(v);
}

static void fn_option(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    option_value(ctx, argv, "hl_option", 0);
}

static void fn_option_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    option_value(ctx, argv, "hl_option_text", 1);
}

static const char *type_name(HlOptType t)
{
    static const char *const names[] = {
        [HL_OT_INT] = "integer", [HL_OT_REAL] = "number", [HL_OT_BOOL] = "boolean",
        [HL_OT_STRING] = "string", [HL_OT_ENUM] = "enum", [HL_OT_INT_LIST] = "integer list",
        [HL_OT_STRING_LIST] = "string list",
    };
    return (unsigned)t < sizeof names / sizeof names[0] && names[t] ? names[t] : "?";
}

static void fn_option_defs(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    HlObjKind k;
    if (!obj_kind(ctx, "hl_option_defs", argv[0], &k))
        return;
    int n = 0;
    const HlOptDef *d = hl_opt_table(k, &n);
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_array(&w);
    for (int i = 0; i < n; i++) {
        char domain[256];
        hl_json_begin_object(&w);
        hl_json_key(&w, "name");
        hl_json_string(&w, d[i].name);
        hl_json_key(&w, "type");
        hl_json_string(&w, type_name(d[i].type));
        hl_json_key(&w, "default");
        hl_json_string(&w, d[i].def);           /* JSON text, or null */
        hl_json_key(&w, "domain");
        hl_json_string(&w, hl_opt_domain(&d[i], domain, (int)sizeof domain));
        hl_json_key(&w, "help");
        hl_json_string(&w, d[i].help);
        hl_json_end_object(&w);
    }
    hl_json_end_array(&w);
    char *text = hl_json_writer_finish(&w);
    if (!text) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, text, -1, free);
}

/* ---- functions of trained models: checks now, work later ------------------- */

typedef struct NamedArgsFn {
    const char *name;
    const char *const *allowed;     /* argument names; NULL: any (features) */
    const char *const *required;    /* names that must be given */
    const char *waiting;            /* "not implemented yet: " + this */
} NamedArgsFn;

static const char *const wait_names[] = {"timeout_seconds", NULL};
static const char *const compare_names[] = {"version_a", "version_b", NULL};

static const NamedArgsFn named_fns[] = {
    {"federated_predict", NULL, NULL,
     "federated_predict() needs a trained model, which arrives with federated training"},
    {"wait_for_convergence", wait_names, NULL,
     "wait_for_convergence() waits for a training run, which arrives with federated training"},
    {"compare_federated_models", compare_names, compare_names,
     "compare_federated_models() compares trained model versions, which arrive with federated training"},
};

static void fail(sqlite3_context *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    if (msg)
        sqlite3_result_error(ctx, msg, -1);
    else
        sqlite3_result_error_nomem(ctx);
    sqlite3_free(msg);
}

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcasecmp(*list, s) == 0)
            return 1;
    return 0;
}

/* "'a' or 'b'" / "'a', 'b' or 'c'" (sqlite3_malloc'd) */
static char *list_words(const char *const *list)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    for (const char *const *p = list; *p; p++)
        sqlite3_str_appendf(s, "%s%s", p == list ? "" : p[1] ? ", " : " or ", *p);
    return sqlite3_str_finish(s);
}

static int model_exists(sqlite3_context *ctx, const char *fn, const char *model)
{
    sqlite3 *db = sqlite3_context_db_handle(ctx);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM hl_model WHERE name = ?1", -1, &q, NULL) != SQLITE_OK) {
        fail(ctx, "%s(): %s", fn, sqlite3_errmsg(db));
        return 0;
    }
    sqlite3_bind_text(q, 1, model, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        fail(ctx, "federated model '%s' does not exist", model);
    else
        fail(ctx, "%s(): %s", fn, sqlite3_errmsg(db));
    return 0;
}

/* Checks the name/value pairs after the model; 1 when well formed. */
static int check_pairs(sqlite3_context *ctx, const NamedArgsFn *f, int argc, sqlite3_value **argv)
{
    for (int i = 1; i < argc; i += 2) {
        const char *name = (const char *)sqlite3_value_text(argv[i]);
        if (sqlite3_value_type(argv[i]) != SQLITE_TEXT || !name || !*name) {
            fail(ctx, "%s(): argument %d must be a name (write name => value), found %s", f->name,
                 2 + (i - 1) / 2, name ? name : "NULL");
            return 0;
        }
        if (i + 1 >= argc) {
            fail(ctx, "%s(): argument %d ('%s') has no value", f->name, 2 + (i - 1) / 2, name);
            return 0;
        }
        if (f->allowed && !in_list(f->allowed, name)) {
            char *words = list_words(f->allowed);
            fail(ctx, "%s(): unknown argument '%s'; expected %s", f->name, name,
                 words ? words : "?");
            sqlite3_free(words);
            return 0;
        }
        for (int j = 1; j < i; j += 2)
            if (strcasecmp((const char *)sqlite3_value_text(argv[j]), name) == 0) {
                fail(ctx, "%s(): argument %d repeats '%s'", f->name, 2 + (i - 1) / 2, name);
                return 0;
            }
    }
    for (const char *const *r = f->required; r && *r; r++) {
        int found = 0;
        for (int i = 1; i + 1 < argc && !found; i += 2)
            found = strcasecmp((const char *)sqlite3_value_text(argv[i]), *r) == 0;
        if (!found) {
            fail(ctx, "%s() needs %s => ...", f->name, *r);
            return 0;
        }
    }
    return 1;
}

/* Values with a meaning this module can check now. */
static int check_values(sqlite3_context *ctx, const NamedArgsFn *f, int argc, sqlite3_value **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *name = (const char *)sqlite3_value_text(argv[i]);
        if (strcasecmp(name, "timeout_seconds") != 0)
            continue;
        int t = sqlite3_value_numeric_type(argv[i + 1]);
        if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || sqlite3_value_double(argv[i + 1]) < 0) {
            fail(ctx, "%s(): timeout_seconds must be a number of seconds, 0 or more", f->name);
            return 0;
        }
    }
    return 1;
}

static void fn_named(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const NamedArgsFn *f = sqlite3_user_data(ctx);
    const char *model = argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
    if (!model || !*model) {
        fail(ctx, "%s() needs a model name as its first argument", f->name);
        return;
    }
    if (!model_exists(ctx, f->name, model) || !check_pairs(ctx, f, argc, argv)
        || !check_values(ctx, f, argc, argv))
        return;
    fail(ctx, "not implemented yet: %s", f->waiting);
}

int hl_sqlfn_check_args(sqlite3_context *ctx, const char *fn, int argc, sqlite3_value **argv)
{
    const NamedArgsFn *f = NULL;
    for (size_t i = 0; i < sizeof named_fns / sizeof named_fns[0]; i++)
        if (strcmp(named_fns[i].name, fn) == 0)
            f = &named_fns[i];
    if (!f)
        return 1;
    const char *model = argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
    if (!model || !*model) {
        fail(ctx, "%s() needs a model name as its first argument", f->name);
        return 0;
    }
    return model_exists(ctx, f->name, model) && check_pairs(ctx, f, argc, argv)
        && check_values(ctx, f, argc, argv);
}

/* hl_evaluate() on a connection without a training engine (a catalog
 * opened by plain SQLite, the unit tests); training.c replaces it. */
static void fn_no_engine(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_error(ctx, "federated_evaluate() needs a connection opened by helios", -1);
}

/* hl_data_quality() without a training engine, as fn_no_engine. */
static void fn_no_engine_quality(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_error(ctx, "federated_data_quality_check() needs a connection opened by helios",
                         -1);
}

/* hl_privacy_rounds_left(workspace_id): how many more rounds like the
 * workspace's latest fit in its privacy budget (engine/privacy.h); NULL
 * without a budget, or before any round without privacy_per_round. */
static void fn_rounds_left(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    hl_err err;
    hl_err_clear(&err);
    int64_t left = hl_dp_rounds_left(sqlite3_context_db_handle(ctx),
                                     sqlite3_value_int64(argv[0]), &err);
    if (left == -2)
        sqlite3_result_error(ctx, err.msg, -1);
    else if (left < 0)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int64(ctx, left);
}

/* ---- registration ------------------------------------------------------------ */

int hl_sqlfn_register_functions(sqlite3 *db)
{
    static const struct {
        const char *name;
        int nargs;
        int flags;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
    } fns[] = {
        {"now", 0, SQLITE_UTF8, fn_now},
        {"hl_option", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, fn_option},
        {"hl_option_text", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, fn_option_text},
        {"hl_option_defs", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, fn_option_defs},
        {"hl_evaluate", 2, SQLITE_UTF8, fn_no_engine},
        {"hl_data_quality", 1, SQLITE_UTF8, fn_no_engine_quality},
        {"hl_privacy_rounds_left", 1, SQLITE_UTF8, fn_rounds_left},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        int rc = sqlite3_create_function_v2(db, fns[i].name, fns[i].nargs, fns[i].flags, NULL,
                                            fns[i].fn, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    for (size_t i = 0; i < sizeof named_fns / sizeof named_fns[0]; i++) {
        int rc = sqlite3_create_function_v2(db, named_fns[i].name, -1, SQLITE_UTF8,
                                            (void *)&named_fns[i], fn_named, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

int hl_sqlfn_register(sqlite3 *db)
{
    int rc = hl_sqlfn_register_functions(db);
    if (rc == SQLITE_OK)
        rc = hl_sqlfn_register_privacy(db);
    if (rc == SQLITE_OK)
        rc = hl_sqlfn_register_audit(db);
    if (rc == SQLITE_OK)
        rc = hl_sqlfn_register_compliance(db);
    return rc == SQLITE_OK ? hl_sqlfn_register_views(db) : rc;
}
