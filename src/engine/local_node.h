/*
 * local_node.h - an in-process node: kind "local" behind HlNodeOps.
 *
 * The node's private data is an SQLite database: its own file (the node
 * option `database`) or the shell's database (for an in-memory shell
 * database, a shared-cache URI such as
 * "file:helios-mem-1?mode=memory&cache=shared", which some other connection
 * must keep open).  `data_filter` restricts the rows it sees: every query
 * it runs reads `SELECT cols FROM "table" WHERE (filter)`.
 *
 * The node answers the phases of node.h.  It opens its own read-only
 * connection for the length of a call that needs data (SCHEMA, STATS,
 * SETUP) and closes it before returning; between calls it keeps only its
 * encoded rows (SETUP: n rows of d doubles and n targets, training rows
 * first, then validation rows, each in rowid order), so a node costs its
 * data and nothing else.  TRAIN and EVAL read only those rows.
 *
 * Validation split: at SETUP each row read, in rowid order, takes one
 * uniform draw u from the (seed, 0, node id, SPLIT) stream and goes to
 * validation when u < validation_split: the same rows at every run.
 * TRAIN shuffles with the (seed, round, node id, SHUFFLE) stream.
 *
 * Threads: the node has no shared mutable state, and each call opens its
 * own connection, so different nodes may be called from different threads
 * at once.  One node is not to be called from two threads at once.
 */
#ifndef HL_LOCAL_NODE_H
#define HL_LOCAL_NODE_H

#include <stdint.h>

#include "err.h"
#include "node.h"

/* A new local node (the caller owns it; n->ops->close(n) frees it and its
 * rows).  db_path: the SQLite file or URI; data_filter: an SQL condition,
 * or NULL for every row.  Nothing is opened until the first exchange.
 * NULL and *err when out of memory or db_path is NULL. */
HlNode *hl_local_node_new(int64_t id, const char *name, const char *db_path,
                          const char *data_filter, hl_err *err);

extern const HlNodeOps hl_local_node_ops;

#endif
