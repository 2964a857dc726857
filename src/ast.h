/*
 * ast.h - the syntax tree of one federated statement.
 *
 * The parser (grammar/parser.y) builds one HlStmt per statement and nothing
 * else: no catalog lookups, no option checking.  Every string in the tree is
 * owned by it and released by the single hl_stmt_free().  Every element
 * remembers where it came from (byte offset and length in the statement
 * text), so that later errors can point at it.
 *
 * One flat struct serves every statement kind; the table after HlStmtKind
 * says which fields each kind fills.  Fields a kind does not use stay zero
 * (names: s == NULL).
 */
#ifndef HL_AST_H
#define HL_AST_H

#include <stdint.h>

/* A name or a string used as a name: 'hospital_a', healthcare, "My WS". */
typedef struct HlName {
    char *s;            /* owned, unquoted text; NULL when absent */
    int off, len;       /* source span of the token */
} HlName;

typedef enum HlValueKind {
    HL_V_NULL = 0,
    HL_V_INT,           /* 42, -3 */
    HL_V_REAL,          /* 0.5, 1e-5, -2.0 */
    HL_V_STRING,        /* 'text' (a string that looks like a list stays a string) */
    HL_V_BOOL,          /* true, false */
    HL_V_IDENT,         /* a bare word: relu, HIPAA */
    HL_V_LIST           /* [v, v, ...]: scalars only */
} HlValueKind;

typedef struct HlValue {
    HlValueKind kind;
    int off, len;       /* source span of the whole value */
    int64_t i;          /* HL_V_INT, HL_V_BOOL (0/1) */
    double r;           /* HL_V_REAL (also set for HL_V_INT) */
    char *s;            /* HL_V_STRING, HL_V_IDENT: owned text, unquoted */
    struct HlValue *items;  /* HL_V_LIST: owned array */
    int nitems;
} HlValue;

/* name = value */
typedef struct HlOption {
    HlName name;
    HlValue value;
} HlOption;

typedef struct HlOptList {
    HlOption *v;        /* owned array */
    int n, cap;
} HlOptList;

typedef enum HlStmtKind {
    HL_STMT_NONE = 0,
    HL_STMT_CREATE_EXTENSION,   /* name, if_not_exists */
    HL_STMT_CREATE_WORKSPACE,   /* name, if_not_exists, opts */
    HL_STMT_ALTER_WORKSPACE,    /* name, opts (SET) */
    HL_STMT_DROP_WORKSPACE,     /* name, if_exists, cascade */
    HL_STMT_USE_WORKSPACE,      /* name */
    HL_STMT_REGISTER_NODE,      /* name, workspace, opts */
    HL_STMT_REGISTER_NODES,     /* count, workspace, table, partition, part_column,
                                   alpha, seed, opts */
    HL_STMT_DEREGISTER_NODE,    /* name, workspace, if_exists */
    HL_STMT_ALTER_NODE,         /* name, workspace, opts (SET) */
    HL_STMT_CREATE_MODEL,       /* name, workspace, if_not_exists, opts */
    HL_STMT_ALTER_MODEL,        /* name, opts (SET) */
    HL_STMT_DROP_MODEL,         /* name, if_exists */
    HL_STMT_DESCRIBE_MODEL,     /* name */
    HL_STMT_START_TRAINING,     /* name (model), opts */
    HL_STMT_STOP_TRAINING,      /* name (model) */
    HL_STMT_CHECKPOINT,         /* name (model), path */
    HL_STMT_RESUME,             /* name (model), path (s NULL: last committed round) */
    HL_STMT_TAG_MODEL,          /* name (model), tag */
    HL_STMT_ROLLBACK_MODEL,     /* name (model), version (string or integer) */
    HL_STMT_CREATE_AGGFUNC,     /* name, returns, body ($$ text or 'library'),
                                   symbol ('symbol' of AS 'lib', 'symbol'), language */
    HL_STMT_DROP_AGGFUNC,       /* name, if_exists */
    HL_STMT_CREATE_ALERT,       /* name, workspace (ON WORKSPACE), metric, cmp, threshold,
                                   notify */
    HL_STMT_DROP_ALERT,         /* name, if_exists */
    HL_STMT_FORGET,             /* name (model), column (WHERE column = value), value */
    HL_STMT_EXPORT,             /* subject, workspace, path, format */
    HL_STMT_REVOKE_CONSENT,     /* subject, workspace */
    HL_STMT_GRANT_CONSENT,      /* subject, workspace */
    HL_STMT_SHOW,               /* show, workspace (optional) */
    HL_STMT__COUNT
} HlStmtKind;

typedef enum HlShowWhat {
    HL_SHOW_WORKSPACES = 1, HL_SHOW_NODES, HL_SHOW_MODELS
} HlShowWhat;

typedef enum HlPartition {
    HL_PART_IID = 1,            /* PARTITION BY IID */
    HL_PART_DIRICHLET,          /* PARTITION BY DIRICHLET(part_column, alpha) */
    HL_PART_COLUMN              /* PARTITION BY COLUMN part_column */
} HlPartition;

typedef enum HlCmp {            /* CREATE FEDERATED ALERT ... WHEN metric <cmp> threshold */
    HL_CMP_LT = 1, HL_CMP_LE, HL_CMP_GT, HL_CMP_GE, HL_CMP_EQ, HL_CMP_NE
} HlCmp;

typedef struct HlStmt {
    HlStmtKind kind;
    int off, len;               /* span of the statement, without the ';' */
    int kw_off, kw_len;         /* span of the statement's leading keywords
                                   ("CREATE FEDERATED WORKSPACE"), for messages */
    int if_exists;              /* IF EXISTS */
    int if_not_exists;          /* IF NOT EXISTS */
    int cascade;                /* DROP ... CASCADE */

    HlName name;                /* the object the statement is about */
    HlName workspace;           /* IN / ON / FROM / TO WORKSPACE ws; s NULL if absent */
    HlOptList opts;             /* WITH (...) or SET (...) */

    HlName path;                /* CHECKPOINT TO, RESUME FROM, EXPORT TO */
    HlName tag;                 /* TAG ... AS 'tag' */
    HlValue version;            /* ROLLBACK ... TO VERSION 'tag' | n */
    HlName subject;             /* FOR SUBJECT 'id' */
    HlName format;              /* EXPORT ... FORMAT 'json' */

    HlName column;              /* DELETE FROM FEDERATED TRAINING m WHERE column = value */
    HlValue value;

    HlName returns;             /* CREATE FEDERATED AGGREGATION FUNCTION: RETURNS type */
    HlName body;                /* $$ body $$ (without the $$) or 'library.so' */
    HlName symbol;              /* AS 'library.so', 'symbol' */
    HlName language;            /* LANGUAGE x */

    HlName metric;              /* CREATE FEDERATED ALERT: WHEN metric cmp threshold */
    HlCmp cmp;
    int cmp_off;
    HlValue threshold;
    HlName notify;              /* NOTIFY 'target' */

    HlShowWhat show;

    int64_t count;              /* REGISTER FEDERATED NODES <count> */
    int count_off;
    HlName table;               /* FROM TABLE t */
    HlPartition partition;
    int partition_off;
    HlName part_column;         /* DIRICHLET(col, alpha), COLUMN col */
    HlValue alpha;              /* DIRICHLET alpha */
    HlValue seed;               /* SEED s (kind HL_V_NULL when absent) */
} HlStmt;

/* Frees the statement and everything it owns; accepts NULL. */
void hl_stmt_free(HlStmt *st);
/* Releases what a value owns (not the value itself). */
void hl_value_clear(HlValue *v);
void hl_name_clear(HlName *n);
void hl_optlist_clear(HlOptList *l);
/* Appends a copy of *o (taking ownership of its strings) to the list;
 * returns 0, or -1 when out of memory (then *o is released). */
int hl_optlist_push(HlOptList *l, HlOption *o);
/* Deep copy of a value into *dst; returns 0 or -1 (out of memory). */
int hl_value_copy(HlValue *dst, const HlValue *src);

/* Statement kind as words for messages: "CREATE FEDERATED WORKSPACE". */
const char *hl_stmt_kind_name(HlStmtKind k);

#endif
