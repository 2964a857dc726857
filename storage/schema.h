/*
 * schema.h - the catalog schema, compiled into the library.
 *
 * hl_schema_sql is the text of storage/schema.sql (schema version 1),
 * generated at build time into schema_sql.c by storage/embed.sh:
 *
 *     sh $(srcdir)/storage/embed.sh $(srcdir)/storage/schema.sql storage/schema_sql.c
 *
 * storage/catalog.c runs it as the SQL of migration 1; later migrations
 * (version 2: training history) are in catalog.c.  It stays the version-1
 * schema for good, so tests can build a version-1 catalog from it and
 * check that it upgrades in place.
 */
#ifndef HL_SCHEMA_H
#define HL_SCHEMA_H

extern const char hl_schema_sql[];

#endif
