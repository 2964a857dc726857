/*
 * compliance.h - the checks behind federated_compliance_check(ws, mode)
 * and federated_security_audit(ws): each a row (name, status, text) found
 * by looking at the catalog, the audit chain and the files the options
 * name, never by assuming.
 *
 * Status is "pass", "fail" or "warning".  What is checked, and what each
 * row's text says, is in helios-sql(7) under the two views.  The checks
 * read; they change nothing, in the catalog or on disk.
 *
 * What they do not promise: a 'pass' is about configuration and files as
 * they are now; it does not prove that the nodes behave (a remote node's
 * own settings are its own), and the key file is checked for presence and
 * permissions only, since encryption at rest is not implemented yet.
 */
#ifndef HL_ENGINE_COMPLIANCE_H
#define HL_ENGINE_COMPLIANCE_H

#include <sqlite3.h>

#include "err.h"

typedef struct HlCheckRow {
    char *name;                 /* owned: requirement or check name */
    const char *status;         /* static: "pass", "fail" or "warning" */
    char *text;                 /* owned: details or recommendation */
} HlCheckRow;

typedef struct HlCheckList {
    HlCheckRow *v;
    int n, cap;
} HlCheckList;

void hl_check_list_clear(HlCheckList *l);   /* frees the rows; accepts NULL */

/* The requirements of mode ("HIPAA", "GDPR" or "BOTH", any case) checked
 * against workspace ws, appended to *out (zeroed by the caller; cleared by
 * the caller whatever happened).  HELIOS_OK whatever the checks found; an
 * error when ws does not exist, the mode is unknown or the catalog cannot
 * be read. */
int hl_compliance_check(sqlite3 *db, const char *ws, const char *mode, HlCheckList *out,
                        hl_err *err);

/* The security checks of workspace ws, appended to *out; as above. */
int hl_security_audit(sqlite3 *db, const char *ws, HlCheckList *out, hl_err *err);

#endif
