/*
 * options.h - the options of every federated object, as tables.
 *
 * One table per object kind (workspace, node, model, training run) lists
 * each option: name, type, allowed values or range, default and one line of
 * help.  Everything else about options is driven by these tables: checking
 * WITH (...) and SET (...) lists, defaults, DESCRIBE, tab completion, and
 * the manual (a test compares helios-sql.7 with the tables).
 *
 * Checked options travel as JSON objects holding only the options that were
 * set explicitly, with normalized values (enum values in their canonical
 * spelling, string-encoded lists decoded, integers where an integer is due).
 * Defaults are never stored; hl_opt_default() supplies them.
 *
 * Values are accepted leniently and stored canonically: an integer where a
 * number is due; a bare word where a string or enum value is due; enum
 * values in any case; true/false, or the strings 'true'/'false' in any case,
 * for a boolean; a string-encoded list '[128, 64]' or '["a", "b"]' where a
 * list is due; for a list of strings also 'a, b' or a single string or word
 * (a list of one).  An option set to NULL in ALTER ... SET returns to its
 * default (it is removed from the stored JSON).
 *
 * A training run (START FEDERATED TRAINING m WITH (...)) overrides some of
 * the model's options for that run: its table holds those model options
 * (the same definitions), its base_json is the model's stored options and
 * the JSON hl_opt_check() returns is the model's options for the run.
 *
 * This module computes and never touches the catalog.
 */
#ifndef HL_OPTIONS_H
#define HL_OPTIONS_H

#include "ast.h"
#include "err.h"

typedef enum HlObjKind {
    HL_OBJ_WORKSPACE = 0,
    HL_OBJ_NODE,
    HL_OBJ_MODEL,
    HL_OBJ_TRAINING,            /* START FEDERATED TRAINING m WITH (...) */
    HL_OBJ__COUNT
} HlObjKind;

typedef enum HlOptType {
    HL_OT_INT = 1,              /* integer in [min, max] */
    HL_OT_REAL,                 /* number in [min, max] (integers accepted) */
    HL_OT_BOOL,                 /* true/false */
    HL_OT_STRING,               /* any string (non-empty) */
    HL_OT_ENUM,                 /* one of choices (case-insensitive; stored canonical) */
    HL_OT_INT_LIST,             /* [1, 2] or '[1, 2]'; each item in [min, max] */
    HL_OT_STRING_LIST           /* ['a', 'b'] or '["a", "b"]' or 'a, b' */
} HlOptType;

/* HlOptDef.flags */
#define HL_OPT_MIN_EXCL   0x01  /* min is exclusive: value > min */
#define HL_OPT_MAX_EXCL   0x02  /* max is exclusive: value < max */
#define HL_OPT_FREE_NAME  0x04  /* ENUM: any other SQL name is also accepted,
                                   kept as written (aggregation: a user-defined
                                   aggregation function; the executor checks
                                   that it exists) */
#define HL_OPT_OR_NUMBER  0x08  /* ENUM: a number in [min, max] is also accepted
                                   (max_features: 'sqrt', 'log2' or a fraction) */

typedef struct HlOptDef {
    const char *name;
    HlOptType type;
    double min, max;            /* INT, REAL, INT_LIST items; ignored otherwise */
    const char *const *choices; /* ENUM: NULL-terminated canonical spellings;
                                   for INT: allowed values as text, or NULL */
    const char *def;            /* default as JSON text, or NULL (no default) */
    const char *help;           /* one line, for DESCRIBE, .help and the manual */
    unsigned flags;             /* HL_OPT_* */
} HlOptDef;

/* The table of a kind; *n receives its length. */
const HlOptDef *hl_opt_table(HlObjKind k, int *n);
/* The definition of `name` (case-insensitive) in kind k, or NULL. */
const HlOptDef *hl_opt_find(HlObjKind k, const char *name);
/* "workspace", "node", "model", "training" */
const char *hl_opt_kind_name(HlObjKind k);

/* Checks `opts` against kind k and merges them over `base_json` (the options
 * already set on the object, a JSON object text, or NULL).  Errors, each one
 * at the offending option's offset: unknown name (with "did you mean"),
 * duplicate name, wrong type, out of range, value not in the enum, list
 * where a scalar is due and the reverse, and conflicts between options of
 * the merged result.  On success returns the merged JSON object (malloc'd,
 * caller frees); on error returns NULL, sets *err, and nothing is changed. */
char *hl_opt_check(HlObjKind k, const HlOptList *opts, const char *base_json,
                   hl_err *err);

/* The checks of hl_opt_check() that need nothing stored: names, duplicates,
 * types, ranges, enums; not the conflict rules, which depend on the options
 * already set on the object (ALTER, training runs).  HELIOS_OK or the error. */
int hl_opt_check_values(HlObjKind k, const HlOptList *opts, hl_err *err);

/* The effective value of option `name` in `json` (explicit) or its default,
 * as JSON text (malloc'd, caller frees), or NULL when neither exists. */
char *hl_opt_get(HlObjKind k, const char *json, const char *name);

/* The closest option name of kind k to `name` (edit distance <= 2, or a
 * prefix), or NULL. */
const char *hl_opt_suggest(HlObjKind k, const char *name);

/* The default of option `name` of kind k as JSON text (static), or NULL. */
const char *hl_opt_default(HlObjKind k, const char *name);

/* The closest of d's choices to `value` (same rule as hl_opt_suggest), or
 * NULL; e.g. for "did you mean" when a custom aggregation is not found. */
const char *hl_opt_suggest_choice(const HlOptDef *d, const char *value);

/* The canonical spelling when `name` is a built-in aggregation ("FedAvg" ->
 * "fedavg"), else NULL: a stored aggregation that is not built in names a
 * user-defined aggregation function, which the executor must look up. */
const char *hl_opt_is_builtin_aggregation(const char *name);

/* The domain of d in words, as DESCRIBE and the manual show it:
 * "integer, between 1 and 1000000", "number, greater than 0",
 * "'gaussian' or 'laplacian'", "list of strings", ...
 * Writes at most n bytes to buf (always terminated) and returns buf. */
char *hl_opt_domain(const HlOptDef *d, char *buf, int n);

/* Conflicts between options, as data (option_tables.c).  A rule is checked
 * on the merged options and fires only when an option of the statement
 * being checked takes part in it.  "a is set" means: present (explicitly,
 * now or earlier) and, for a boolean, true. */
typedef enum HlOptRuleKind {
    HL_RULE_LE = 1,         /* a <= b, when both have a value (defaults count) */
    HL_RULE_REQUIRES,       /* a is set -> b is one of vals (vals NULL: b has a value) */
    HL_RULE_REQUIRES_NOT,   /* a is set -> b is none of vals */
    HL_RULE_EXCLUDES,       /* not both a and b present */
    HL_RULE_FORBID,         /* b is one of vals -> a is not `bad` */
    HL_RULE_RANGE_IF,       /* b is one of vals -> a in [lo, hi] */
    HL_RULE_NOT_IN,         /* string a is not an item of list b */
    HL_RULE_DIFFER          /* a != b */
} HlOptRuleKind;

typedef struct HlOptRule {
    HlObjKind kind;         /* WORKSPACE, NODE or MODEL (training runs use MODEL's) */
    HlOptRuleKind rule;
    const char *a, *b;
    const char *const *vals;    /* NULL-terminated; booleans as "true"/"false" */
    const char *bad;            /* FORBID */
    double lo, hi;              /* RANGE_IF */
    const char *why;            /* optional reason, appended to the message */
} HlOptRule;

/* Internal, shared by options.c and option_tables.c; use the functions
 * above instead. */
const HlOptRule *hl_opt_rules(int *n);
const HlOptDef *hl_opt_base_table(HlObjKind k, int *n);   /* not TRAINING */
extern const char *const hl_opt_run_names[];     /* model options a run may set */
extern const char *const hl_opt_builtin_aggregations[];   /* NULL-terminated */

#endif
