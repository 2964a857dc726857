/*
 * node_table.h - finding the table of a request at a local node.  Internal
 * to the local node (local_node.c); not part of the node interface.
 *
 * A request names its columns and, optionally, its source table.  With a
 * source, that table (matched case-insensitively) must have every column;
 * without one, exactly one table or view of the database must have them
 * all (node.h).  The errors name the node, the table and the columns at
 * fault (and, for a source that is not there, the tables that are).  Tables whose names begin with
 * sqlite_ or hl_ are never candidates.
 */
#ifndef HL_NODE_TABLE_H
#define HL_NODE_TABLE_H

#include <sqlite3.h>

#include "err.h"
#include "node.h"

/* The table a request's columns live in. */
/* The table a request's columns live in. */
typedef struct HlNodeTable {
    char *name;                 /* as the schema spells it */
    int is_view;
    char **decl;                /* declared type of each requested column */
    int ncols;
} HlNodeTable;

/* Finds the table of the request's columns cols[0..ncols) (`source` when
 * given and not empty) in db and fills *t with its name and the declared
 * type of each column; hl_node_table_clear() frees them.  On error *t is
 * empty and *err says why. */
int hl_node_table_find(sqlite3 *db, const HlNode *node, const char *source,
                       const char *const *cols, int ncols, HlNodeTable *t, hl_err *err);

/* Frees what *t holds and empties it. */
void hl_node_table_clear(HlNodeTable *t);

#endif
