/*
 * check.c - what a federated statement can be checked for before it runs,
 * with no catalog: option values one by one (and the conflicts of statements
 * that create, since nothing is stored for them yet), the values of REGISTER
 * FEDERATED NODES, alert conditions, empty tags and paths, export formats.
 * hl_exec_check() runs at prepare time, also under --syntax-check; see exec.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "options.h"
#include "optvalue.h"

/* The languages an aggregation function can be written in. */
int hl_check_language(const HlStmt *st, hl_err *err)
{
    const char *lang = st->language.s;
    if (strcasecmp(lang, "sql") != 0 && strcasecmp(lang, "c") != 0)
        return hl_err_set(err, HELIOS_OPTION, st->language.off,
                          "unsupported language '%s' for an aggregation function; supported: sql, c",
                          lang);
    if (strcasecmp(lang, "c") == 0 && !st->symbol.s)
        return hl_err_set(err, HELIOS_OPTION, st->body.off,
                          "LANGUAGE c needs AS 'library.so', 'symbol'");
    if (strcasecmp(lang, "sql") == 0 && st->symbol.s)
        return hl_err_set(err, HELIOS_OPTION, st->symbol.off,
                          "LANGUAGE sql takes its body as AS $$ SELECT ... $$");
    return HELIOS_OK;
}

/* What an alert can watch: the numbers the status views show. */
static const char *const alert_metrics[] = {
    "remaining_epsilon", "consumed_epsilon", "global_loss", "global_accuracy", "loss_delta",
    "node_variance", "participating_nodes", "dropped_nodes", "active_nodes",
    "registered_nodes", "round_duration_seconds", "communication_mb", NULL,
};

static int check_alert(const HlStmt *st, hl_err *err)
{
    int n = 0, known = 0;
    for (; alert_metrics[n]; n++)
        known |= strcasecmp(alert_metrics[n], st->metric.s) == 0;
    if (!known) {
        const char *near = hl_optv_suggest(alert_metrics, n, st->metric.s);
        if (near)
            return hl_err_set(err, HELIOS_OPTION, st->metric.off,
                              "unknown alert metric '%s'; did you mean '%s'?", st->metric.s, near);
        return hl_err_set(err, HELIOS_OPTION, st->metric.off,
                          "unknown alert metric '%s'; an alert watches one of: remaining_epsilon, consumed_epsilon, global_loss, global_accuracy, loss_delta, node_variance, participating_nodes, dropped_nodes, active_nodes, registered_nodes, round_duration_seconds, communication_mb",
                          st->metric.s);
    }
    if ((st->threshold.kind != HL_V_INT && st->threshold.kind != HL_V_REAL) || !isfinite(st->threshold.r))
        return hl_err_set(err, HELIOS_OPTION, st->threshold.off,
                          "an alert threshold must be a finite number");
    if (!st->notify.s || !*st->notify.s)
        return hl_err_set(err, HELIOS_OPTION, st->notify.off,
                          "NOTIFY needs a target, such as an e-mail address");
    return HELIOS_OK;
}

int hl_exec_check(const HlStmt *st, hl_err *err)
{
    /* Each statement's options are checked one by one here; the conflict
     * rules run with the stored options, when the statement runs. */
    static const struct { HlStmtKind kind; HlObjKind obj; } checked[] = {
        {HL_STMT_CREATE_WORKSPACE, HL_OBJ_WORKSPACE},
        {HL_STMT_ALTER_WORKSPACE, HL_OBJ_WORKSPACE},
        {HL_STMT_REGISTER_NODE, HL_OBJ_NODE},
        {HL_STMT_REGISTER_NODES, HL_OBJ_NODE},
        {HL_STMT_ALTER_NODE, HL_OBJ_NODE},
        {HL_STMT_CREATE_MODEL, HL_OBJ_MODEL},
        {HL_STMT_ALTER_MODEL, HL_OBJ_MODEL},
        {HL_STMT_START_TRAINING, HL_OBJ_TRAINING},
    };
    for (size_t i = 0; i < sizeof checked / sizeof checked[0]; i++)
        if (checked[i].kind == st->kind && hl_opt_check_values(checked[i].obj, &st->opts, err))
            return err->code;
    /* CREATE and REGISTER have nothing stored: their conflicts show now. */
    if (st->kind == HL_STMT_CREATE_WORKSPACE || st->kind == HL_STMT_REGISTER_NODE
        || st->kind == HL_STMT_CREATE_MODEL || st->kind == HL_STMT_REGISTER_NODES) {
        HlObjKind k = st->kind == HL_STMT_CREATE_WORKSPACE ? HL_OBJ_WORKSPACE
                    : st->kind == HL_STMT_CREATE_MODEL ? HL_OBJ_MODEL : HL_OBJ_NODE;
        char *json = hl_opt_check(k, &st->opts, NULL, err);
        if (!json)
            return err->code;
        free(json);
    }
    if (st->kind == HL_STMT_REGISTER_NODES) {
        if (st->count < 0)      /* the parser's mark for a number past 64 bits */
            return hl_err_set(err, HELIOS_OPTION, st->count_off,
                              "the number of nodes must be between 1 and 100000; this one is far larger");
        if (st->count < 1 || st->count > 100000)
            return hl_err_set(err, HELIOS_OPTION, st->count_off,
                              "the number of nodes must be between 1 and 100000, found %lld",
                              (long long)st->count);
        if (st->partition == HL_PART_DIRICHLET && !(st->alpha.r > 0 && isfinite(st->alpha.r)))
            return hl_err_set(err, HELIOS_OPTION, st->alpha.off,
                              "the Dirichlet concentration alpha must be a finite number greater than 0");
        if (st->seed.kind != HL_V_NULL && st->seed.kind != HL_V_INT)
            return hl_err_set(err, HELIOS_OPTION, st->seed.off, "SEED expects an integer");
        if (st->seed.kind == HL_V_INT && st->seed.i < 0)
            return hl_err_set(err, HELIOS_OPTION, st->seed.off,
                              "SEED must be at least 0, found %lld", (long long)st->seed.i);
        for (int i = 0; i < st->opts.n; i++)
            if (strcasecmp(st->opts.v[i].name.s, "endpoint") == 0
                && !(st->opts.v[i].value.s && strcasecmp(st->opts.v[i].value.s, "local") == 0))
                return hl_err_set(err, HELIOS_OPTION, st->opts.v[i].value.off,
                                  "simulated nodes run in this process: their endpoint is 'local'");
    }
    if (st->kind == HL_STMT_CREATE_ALERT && check_alert(st, err) != HELIOS_OK)
        return err->code;
    /* CHECKPOINT's one option: overwrite = true | false */
    for (int i = 0; st->kind == HL_STMT_CHECKPOINT && i < st->opts.n; i++) {
        const HlOption *o = &st->opts.v[i];
        if (strcasecmp(o->name.s, "overwrite") != 0)
            return hl_err_set(err, HELIOS_OPTION, o->name.off,
                              "unknown option '%s' for CHECKPOINT; it takes overwrite = true | false",
                              o->name.s);
        if (o->value.kind != HL_V_BOOL)
            return hl_err_set(err, HELIOS_OPTION, o->value.off,
                              "option 'overwrite' expects true or false");
        if (i > 0)
            return hl_err_set(err, HELIOS_OPTION, o->name.off, "option 'overwrite' is given twice");
    }
    /* RESUME's one option: rounds = n, the round to train up to */
    for (int i = 0; st->kind == HL_STMT_RESUME && i < st->opts.n; i++) {
        const HlOption *o = &st->opts.v[i];
        if (strcasecmp(o->name.s, "rounds") != 0)
            return hl_err_set(err, HELIOS_OPTION, o->name.off,
                              "unknown option '%s' for RESUME; it takes rounds = n", o->name.s);
        if (o->value.kind != HL_V_INT || o->value.i < 1 || o->value.i > 100000)
            return hl_err_set(err, HELIOS_OPTION, o->value.off,
                              "option 'rounds' must be an integer between 1 and 100000");
        if (i > 0)
            return hl_err_set(err, HELIOS_OPTION, o->name.off, "option 'rounds' is given twice");
    }
    if (st->kind == HL_STMT_TAG_MODEL && !*st->tag.s)
        return hl_err_set(err, HELIOS_OPTION, st->tag.off, "a version tag cannot be empty");
    if ((st->kind == HL_STMT_CHECKPOINT || st->kind == HL_STMT_EXPORT
         || (st->kind == HL_STMT_RESUME && st->path.s)) && !*st->path.s)
        return hl_err_set(err, HELIOS_OPTION, st->path.off, "a file name cannot be empty");
    if (st->kind == HL_STMT_EXPORT && st->format.s && strcasecmp(st->format.s, "json") != 0
        && strcasecmp(st->format.s, "csv") != 0)
        return hl_err_set(err, HELIOS_OPTION, st->format.off,
                          "export format '%s' is not supported; use 'json' or 'csv'", st->format.s);
    return HELIOS_OK;
}
