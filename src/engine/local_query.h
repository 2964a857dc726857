/*
 * local_query.h - what the in-process node (local_node.c) shares with the
 * phases kept in files of their own (quality.c): its queries over the
 * node's table.  Internal to the local node; not part of the node
 * interface.
 */
#ifndef HL_LOCAL_QUERY_H
#define HL_LOCAL_QUERY_H

#include <sqlite3.h>

#include "err.h"
#include "node.h"
#include "node_table.h"

/* Prepares the text of s (which it frees); NULL and *err on failure (a
 * data_filter that is more than one condition among them). */
sqlite3_stmt *hl_lnode_prepare(sqlite3 *db, const HlNode *node, sqlite3_str *s, hl_err *err);

/* Appends ` FROM "table" WHERE (data_filter) AND "nn1" IS NOT NULL AND
 * "nn2" IS NOT NULL`, each part only when there is one (nn1, nn2 may be
 * NULL). */
void hl_lnode_from_where(sqlite3_str *s, const HlNode *node, const HlNodeTable *t,
                         const char *nn1, const char *nn2);

/* SCHEMA's kinds, nonnull (per column, nvocab = ncols entries) and rows
 * of the node's rows of t, into resp. */
int hl_lnode_scan_kinds(sqlite3 *db, const HlNode *node, const HlNodeTable *t,
                        const char *const *cols, int ncols, HlMsg *resp, hl_err *err);

/* The QUALITY phase (node.h) over the node's read-only connection db
 * (engine/quality.c). */
int hl_node_quality(HlNode *node, sqlite3 *db, const HlMsg *req, HlMsg *resp, hl_err *err);

#endif
