/*
 * audit.c - hl_audit_verify(workspace): the verification of a workspace's
 * audit chain (storage/audit.c) as JSON, for the view
 * federated_audit_verify(workspace) (storage/views.c):
 *
 *   {"intact":true|false,"entries":N,"anchor_seq":S,
 *    "first_bad_id":I|null,"first_bad_seq":Q|null,"problem":"..."|null}
 *
 * A NULL workspace verifies the chain of the entries that belong to no
 * workspace.  Reading the catalog may fail (an error); finding the chain
 * broken is a result, not an error.
 */
#include <stdlib.h>

#include "catalog.h"
#include "helios.h"
#include "json.h"
#include "sqlfn.h"

static void audit_verify(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *ws = (const char *)sqlite3_value_text(argv[0]);
    HlCatAuditCheck r;
    hl_err err;
    hl_err_clear(&err);
    if (hl_cat_audit_verify(sqlite3_context_db_handle(ctx), ws, &r, &err) != HELIOS_OK) {
        sqlite3_result_error(ctx, err.msg, -1);
        return;
    }
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_key(&w, "intact");
    hl_json_bool(&w, r.ok);
    hl_json_key(&w, "entries");
    hl_json_int(&w, r.entries);
    hl_json_key(&w, "anchor_seq");
    hl_json_int(&w, r.anchor_seq);
    hl_json_key(&w, "first_bad_id");
    if (!r.ok && r.bad_id > 0)
        hl_json_int(&w, r.bad_id);
    else
        hl_json_null(&w);
    hl_json_key(&w, "first_bad_seq");
    if (!r.ok)
        hl_json_int(&w, r.bad_seq);
    else
        hl_json_null(&w);
    hl_json_key(&w, "problem");
    if (!r.ok)
        hl_json_string(&w, r.problem);
    else
        hl_json_null(&w);
    hl_json_end_object(&w);
    char *json = hl_json_writer_finish(&w);
    if (!json) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, json, -1, free);
}

int hl_sqlfn_register_audit(sqlite3 *db)
{
    return sqlite3_create_function_v2(db, "hl_audit_verify", 1, SQLITE_UTF8, NULL, audit_verify,
                                      NULL, NULL, NULL);
}
