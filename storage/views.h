/*
 * views.h - the federated views of the guide, as data.
 *
 * Each view is one HlView: its name (the eponymous virtual table that
 * src/sqlfn/vtab.c registers under that name), its visible columns, its
 * arguments (hidden columns, so that `federated_model_versions('m')` and
 * `... FROM federated_model_versions WHERE model = 'm'` both work), and
 * either the SQL over the catalog that produces its rows or, for a view
 * whose data arrives with a later capability, the sentence that says what
 * it waits for.  Adding a view is adding a row to the table in views.c.
 *
 * The SQL of a view:
 *  - returns exactly the visible columns, in order;
 *  - gets its arguments as ?1..?n (in the order of `args`; an optional
 *    argument that was not given is NULL);
 *  - may call hl_option(kind, options_json, name) for an option's effective
 *    value (src/sqlfn/functions.c) and the other federated views.
 *
 * Before the SQL runs, the driver checks the arguments: a required one that
 * is missing ("federated_model_versions() needs a model name"), a model or
 * workspace that does not exist ("federated model 'x' does not exist"), a
 * table that does not exist, a text outside its choices.  A waiting view
 * then fails with "not implemented yet: <waiting>".
 *
 * This module is data only: it neither registers nor runs anything.
 */
#ifndef HL_VIEWS_H
#define HL_VIEWS_H

typedef enum HlViewArgKind {
    HL_VARG_MODEL = 1,          /* a federated model's name; must exist */
    HL_VARG_WORKSPACE,          /* a federated workspace's name; must exist */
    HL_VARG_TABLE,              /* a table (or view) of the database; must exist */
    HL_VARG_TEXT                /* any text, or one of `choices` (case-insensitive) */
} HlViewArgKind;

typedef struct HlViewArg {
    const char *name;           /* the hidden column: model, workspace, mode, ... */
    HlViewArgKind kind;
    int optional;
    const char *what;           /* for "f() needs <what>": "a model name" */
    const char *const *choices; /* HL_VARG_TEXT: NULL-terminated, or NULL for any */
} HlViewArg;

#define HL_VIEW_MAX_ARGS 4

typedef struct HlView {
    const char *name;           /* federated_node_status */
    const char *columns;        /* visible columns as in CREATE TABLE:
                                   "workspace TEXT, node_name TEXT, ..." */
    int nargs;
    HlViewArg args[HL_VIEW_MAX_ARGS];
    const char *sql;            /* the rows; NULL while waiting */
    const char *waiting;        /* when sql is NULL: what it waits for, e.g.
                                   "federated_training_status() shows training
                                   rounds, which arrive with federated training" */
    const char *help;           /* one line, for the manual */
} HlView;

/* All views; *n receives their number. */
const HlView *hl_views(int *n);
/* The view named `name` (case-insensitive), or NULL. */
const HlView *hl_view_find(const char *name);

#endif
