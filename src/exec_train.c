/*
 * exec_train.c - the statements of a model's training lifecycle (see
 * exec.h): START and STOP FEDERATED TRAINING, CHECKPOINT and RESUME, TAG and
 * ROLLBACK of versions.  The training itself is the engine's
 * (engine/engine.h); these check the names and options, hand over, and
 * record the change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checkpoint.h"
#include "engine.h"
#include "exec_int.h"
#include "internal.h"
#include "json.h"
#include "options.h"
#include "runs.h"

/* {"key":"value"} (malloc'd), for audit details; NULL when out of memory. */
static char *json_member(const char *key, const char *value)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_key(&w, key);
    hl_json_string(&w, value);
    hl_json_end_object(&w);
    return hl_json_writer_finish(&w);
}

int hl_x_start_training(Ctx *c)
{
    HlCatObj m = {0}, ws = {0};
    char *json = NULL;
    int rc = hl_x_get_model(c, &m);
    if (rc == HELIOS_OK) {
        /* The run's options over the model's: the conflict rules see both. */
        json = hl_opt_check(HL_OBJ_TRAINING, &c->st->opts, m.options, c->err);
        rc = json ? HELIOS_OK : c->err->code;
    }
    if (rc == HELIOS_OK)
        rc = hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, m.ws_name, &ws, c->err);
    if (rc == HELIOS_OK)
        rc = hl_x_check_aggregation(c, json);
    char note[512] = "";
    if (rc == HELIOS_OK)
        rc = hl_engine_start(c->h->engine, c->db, m.id, m.name, ws.id, ws.options, json, note,
                             sizeof note, c->err);
    if (rc == HELIOS_OK && note[0])
        hl_x_notice(c, "%s", note, NULL);
    if (rc == HELIOS_OK)
        hl_x_audit(c, HL_CAT_MODEL, c->st->name.s, m.ws_name, json);
    else
        free(json);
    if (rc != HELIOS_OK && c->err->offset < 0)
        c->err->offset = c->st->name.off;
    hl_cat_obj_clear(&m);
    hl_cat_obj_clear(&ws);
    return rc;
}

int hl_x_stop_training(Ctx *c)
{
    HlCatObj m = {0};
    int rc = hl_x_get_model(c, &m);
    if (rc == HELIOS_OK && hl_engine_stop(c->h->engine, m.id, c->err) != HELIOS_OK) {
        hl_err_clear(c->err);
        rc = hl_err_set(c->err, HELIOS_ERROR, c->st->name.off,
                        "federated model '%s' is not training", c->st->name.s);
    }
    if (rc == HELIOS_OK)
        hl_x_audit(c, HL_CAT_MODEL, c->st->name.s, m.ws_name, NULL);
    hl_cat_obj_clear(&m);
    return rc;
}

/* CHECKPOINT: the model's latest run as of its last committed round (the
 * run may be going on), in the file format of engine/checkpoint.h. */
int hl_x_checkpoint(Ctx *c)
{
    HlCatObj m = {0};
    HlCatRun run = {0};
    int rc = hl_x_get_model(c, &m);
    if (rc == HELIOS_OK)
        rc = at(c->err, hl_cat_run_latest(c->db, m.id, &run, c->err), c->st->name.off);
    if (rc == HELIOS_OK && !run.params)
        rc = hl_err_set(c->err, HELIOS_ERROR, c->st->name.off,
                        "federated model '%s' has no training state to save yet", m.name);
    if (rc == HELIOS_OK) {
        int overwrite = c->st->opts.n > 0 && c->st->opts.v[0].value.i != 0;
        HlCkpt k = {
            .model = m.name, .options = run.options, .plan = run.plan, .spec = run.spec,
            .rounds_done = run.rounds_done, .rounds_planned = run.rounds_planned,
            .params = run.params, .nparams = run.nparams, .state = run.state, .nstate = run.nstate,
        };
        int64_t size = 0;
        char sum[65] = "";
        rc = at(c->err, hl_ckpt_write(c->st->path.s, &k, overwrite, &size, sum, c->err),
                c->st->path.off);
        if (rc == HELIOS_OK)
            rc = hl_cat_checkpoint_add(c->db, m.id, run.id, c->st->path.s, run.rounds_done, size, sum,
                                       NULL, c->err);
        if (rc == HELIOS_OK) {
            char *path = hl_json_quote(c->st->path.s);
            char *detail = path ? sqlite3_mprintf("{\"path\":%s,\"round\":%lld,\"sha256\":\"%s\"}",
                                                  path, (long long)run.rounds_done, sum)
                                : NULL;
            hl_x_audit(c, HL_CAT_MODEL, c->st->name.s, m.ws_name, detail ? strdup(detail) : NULL);
            sqlite3_free(detail);
            free(path);
        }
    }
    hl_cat_run_clear(&run);
    hl_cat_obj_clear(&m);
    return rc;
}

/* RESUME: from a checkpoint file, or the model's latest run when it was
 * interrupted (a killed process) or stopped. */
int hl_x_resume(Ctx *c)
{
    HlCatObj m = {0}, ws = {0};
    HlCatRun run = {0};
    HlCkpt k;
    memset(&k, 0, sizeof k);
    char note[512] = "";
    int rc = hl_x_get_model(c, &m);
    if (rc == HELIOS_OK)
        rc = hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, m.ws_name, &ws, c->err);
    HlResume from;
    memset(&from, 0, sizeof from);
    const char *opts = NULL;
    if (rc == HELIOS_OK && c->st->path.s) {
        rc = at(c->err, hl_ckpt_read(c->st->path.s, &k, c->err), c->st->path.off);
        if (rc == HELIOS_OK && strcasecmp(k.model, m.name) != 0)
            rc = hl_err_set(c->err, HELIOS_ERROR, c->st->path.off,
                            "'%s' is a checkpoint of model '%s', not of '%s'", c->st->path.s,
                            k.model, m.name);
        from = (HlResume){ .plan = k.plan, .spec = k.spec, .params = k.params, .state = k.state,
                           .nparams = k.nparams, .nstate = k.nstate, .rounds_done = k.rounds_done,
                           .rounds_planned = k.rounds_planned };
        opts = k.options;
    } else if (rc == HELIOS_OK) {
        rc = at(c->err, hl_cat_run_latest(c->db, m.id, &run, c->err), c->st->name.off);
        if (rc == HELIOS_OK && run.status != HL_RUN_INTERRUPTED && run.status != HL_RUN_STOPPED
            && run.status != HL_RUN_FAILED && run.status != HL_RUN_BUDGET_EXHAUSTED)
            rc = hl_err_set(c->err, HELIOS_ERROR, c->st->name.off,
                            "the latest training of federated model '%s' is %s; only an interrupted, stopped, failed or privacy_budget_exhausted one can be resumed",
                            m.name, hl_cat_run_status_name(run.status));
        if (rc == HELIOS_OK && !run.params)
            rc = hl_err_set(c->err, HELIOS_ERROR, c->st->name.off,
                            "the latest training of federated model '%s' saved no state", m.name);
        from = (HlResume){ .plan = run.plan, .spec = run.spec, .params = run.params,
                           .state = run.state, .nparams = run.nparams, .nstate = run.nstate,
                           .rounds_done = run.rounds_done, .rounds_planned = run.rounds_planned,
                           .run_id = run.id };
        opts = run.options;
    }
    if (rc == HELIOS_OK && c->st->opts.n > 0) {     /* WITH (rounds = n) */
        from.rounds_planned = c->st->opts.v[0].value.i;
        if (from.rounds_planned <= from.rounds_done)
            rc = hl_err_set(c->err, HELIOS_OPTION, c->st->opts.v[0].value.off,
                            "rounds = %lld would not train: %lld rounds are done already",
                            (long long)from.rounds_planned, (long long)from.rounds_done);
    }
    if (rc == HELIOS_OK && from.rounds_done >= from.rounds_planned)
        rc = hl_err_set(c->err, HELIOS_ERROR, c->st->name.off,
                        "all %lld rounds are done already; RESUME ... WITH (rounds = n) trains more",
                        (long long)from.rounds_done);
    if (rc == HELIOS_OK)
        rc = hl_engine_resume(c->h->engine, c->db, m.id, m.name, ws.id, ws.options, opts, &from,
                              note, sizeof note, c->err);
    if (rc == HELIOS_OK && note[0])
        hl_x_notice(c, "%s", note, NULL);
    if (rc == HELIOS_OK)
        hl_x_audit(c, HL_CAT_MODEL, c->st->name.s, m.ws_name,
                   c->st->path.s ? json_member("path", c->st->path.s) : NULL);
    if (rc != HELIOS_OK && c->err->offset < 0)
        c->err->offset = c->st->name.off;
    hl_ckpt_clear(&k);
    hl_cat_run_clear(&run);
    hl_cat_obj_clear(&m);
    hl_cat_obj_clear(&ws);
    return rc;
}
int hl_x_tag(Ctx *c)
{
    HlCatObj m = {0};
    int rc = hl_x_get_model(c, &m);
    if (rc == HELIOS_OK)
        rc = at(c->err, hl_cat_version_tag(c->db, m.id, 0, c->st->tag.s, c->err), c->st->tag.off);
    if (rc == HELIOS_OK)
        hl_x_audit(c, HL_CAT_MODEL, c->st->name.s, m.ws_name, json_member("tag", c->st->tag.s));
    hl_cat_obj_clear(&m);
    return rc;
}

int hl_x_rollback(Ctx *c)
{
    HlCatObj m = {0};
    int rc = hl_x_get_model(c, &m);
    const HlValue *v = &c->st->version;
    if (rc == HELIOS_OK) {
        int64_t number = 0;
        rc = at(c->err, hl_cat_version_rollback(c->db, m.id, v->kind == HL_V_INT ? v->i : 0,
                                                v->kind == HL_V_INT ? NULL : v->s, &number, c->err),
                v->off);
        if (rc == HELIOS_OK) {
            char detail[64];
            snprintf(detail, sizeof detail, "{\"version\":%lld}", (long long)number);
            hl_x_audit(c, HL_CAT_MODEL, c->st->name.s, m.ws_name, strdup(detail));
        }
    }
    hl_cat_obj_clear(&m);
    return rc;
}
