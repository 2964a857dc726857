/*
 * sqlfn.h - the federated SQL functions and views on an SQLite connection.
 *
 * Registers, on one connection:
 *  - the eponymous virtual tables of the guide (federated_workspace_status,
 *    federated_node_status, federated_model_versions('m'), ...), driven by
 *    the view definitions of storage/views.h: each is a query over the
 *    catalog, or, for views whose data arrives with a later capability, a
 *    table that checks its arguments and then fails with
 *    "not implemented yet: <what>";
 *  - the scalar functions federated_predict(), wait_for_convergence(),
 *    compare_federated_models() (argument checks, then "not implemented
 *    yet"), now() and hl_option(kind, json, name) (an option's effective
 *    value, explicit or default, for the view queries);
 *  - the privacy accountant, federated_dp_epsilon() and
 *    federated_dp_noise_multiplier() (privacy.c).
 */
#ifndef HL_SQLFN_H
#define HL_SQLFN_H

#include <sqlite3.h>

/* Returns SQLITE_OK or an SQLite error code. */
int hl_sqlfn_register(sqlite3 *db);

/* The checks of the named-argument functions (functions.c): a model name
 * that exists, well-formed name => value pairs, known names, no repeats,
 * sane values.  1 when they pass, else 0 with the error set on ctx. */
int hl_sqlfn_check_args(sqlite3_context *ctx, const char *fn, int argc, sqlite3_value **argv);

struct helios;
/* The functions that need the training engine of handle h (training.c):
 * federated_predict(), wait_for_convergence(), replacing the waiting ones. */
int hl_sqlfn_register_training(sqlite3 *db, struct helios *h);

/* The two halves of hl_sqlfn_register(): the views (vtab.c) and the scalar
 * functions (functions.c).  Same return values. */
int hl_sqlfn_register_views(sqlite3 *db);
int hl_sqlfn_register_functions(sqlite3 *db);

/* federated_dp_epsilon() and federated_dp_noise_multiplier() (privacy.c),
 * registered by hl_sqlfn_register().  Same return values. */
int hl_sqlfn_register_privacy(sqlite3 *db);

/* hl_audit_verify(workspace) (audit.c), behind the view
 * federated_audit_verify; registered by hl_sqlfn_register(). */
int hl_sqlfn_register_audit(sqlite3 *db);

/* hl_compliance_check(workspace, mode) and hl_security_audit(workspace)
 * (compliance.c), behind the views federated_compliance_check and
 * federated_security_audit; registered by hl_sqlfn_register(). */
int hl_sqlfn_register_compliance(sqlite3 *db);

#endif
