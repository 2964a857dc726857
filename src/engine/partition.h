/*
 * partition.h - the SQL functions behind REGISTER FEDERATED NODES ...
 * PARTITION BY IID | DIRICHLET (see partition.c for the rules).
 */
#ifndef HL_PARTITION_H
#define HL_PARTITION_H

#include <sqlite3.h>

/* Registers hl_partition_iid() and hl_partition_dirichlet() on db. */
int hl_partition_register(sqlite3 *db);

#endif
