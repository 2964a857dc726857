/*
 * compliance.c - hl_compliance_check(workspace, mode) and
 * hl_security_audit(workspace): the checks of src/engine/compliance.h as
 * a JSON array, for the views federated_compliance_check(ws, mode) and
 * federated_security_audit(ws) (storage/views.c):
 *
 *   [{"requirement":"HIPAA: encryption","status":"pass","details":"..."}, ...]
 *   [{"check_name":"TLS settings","status":"pass","recommendation":"..."}, ...]
 *
 * Rows in the order the checks run.  A workspace that does not exist or a
 * catalog that cannot be read is an error; a check that fails is a row.
 */
#include <stdlib.h>

#include "compliance.h"
#include "helios.h"
#include "json.h"
#include "sqlfn.h"

/* Sets the result to l as a JSON array of {name_key, "status", text_key}. */
static void result_rows(sqlite3_context *ctx, const HlCheckList *l, const char *name_key,
                        const char *text_key)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_array(&w);
    for (int i = 0; i < l->n; i++) {
        hl_json_begin_object(&w);
        hl_json_key(&w, name_key);
        hl_json_string(&w, l->v[i].name);
        hl_json_key(&w, "status");
        hl_json_string(&w, l->v[i].status);
        hl_json_key(&w, text_key);
        hl_json_string(&w, l->v[i].text);
        hl_json_end_object(&w);
    }
    hl_json_end_array(&w);
    char *json = hl_json_writer_finish(&w);
    if (!json) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, json, -1, free);
}

static void compliance_check(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    HlCheckList l = {0};
    hl_err err;
    hl_err_clear(&err);
    if (hl_compliance_check(sqlite3_context_db_handle(ctx),
                            (const char *)sqlite3_value_text(argv[0]),
                            (const char *)sqlite3_value_text(argv[1]), &l, &err) == HELIOS_OK)
        result_rows(ctx, &l, "requirement", "details");
    else
        sqlite3_result_error(ctx, err.msg, -1);
    hl_check_list_clear(&l);
}

static void security_audit(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    HlCheckList l = {0};
    hl_err err;
    hl_err_clear(&err);
    if (hl_security_audit(sqlite3_context_db_handle(ctx),
                          (const char *)sqlite3_value_text(argv[0]), &l, &err) == HELIOS_OK)
        result_rows(ctx, &l, "check_name", "recommendation");
    else
        sqlite3_result_error(ctx, err.msg, -1);
    hl_check_list_clear(&l);
}

int hl_sqlfn_register_compliance(sqlite3 *db)
{
    int rc = sqlite3_create_function_v2(db, "hl_compliance_check", 2, SQLITE_UTF8, NULL,
                                        compliance_check, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "hl_security_audit", 1, SQLITE_UTF8, NULL,
                                        security_audit, NULL, NULL, NULL);
    return rc;
}
