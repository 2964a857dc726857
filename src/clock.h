/*
 * clock.h - the clock helios reads: the system's, or a fixed one.
 *
 * When the environment variable HELIOS_NOW holds a UTC time
 * 'YYYY-MM-DD HH:MM:SS', every timestamp helios makes (catalog rows,
 * NOW(), SQLite's datetime('now')) says that time.  Scripts and tests use
 * it to get output that does not depend on when they run.  The fixed clock
 * reaches SQLite through a VFS that wraps the default one and changes only
 * its clock.
 */
#ifndef HL_CLOCK_H
#define HL_CLOCK_H

#include <stdint.h>

/* The name of the VFS to open connections with: NULL (SQLite's default)
 * unless HELIOS_NOW is set.  An invalid HELIOS_NOW is ignored. */
const char *hl_clock_vfs(void);

/* Now, as Unix time in milliseconds. */
int64_t hl_clock_unix_ms(void);

/* Now as 'YYYY-MM-DD HH:MM:SS' UTC into buf (at least 20 bytes); returns buf,
 * or NULL when the clock cannot be read. */
char *hl_clock_text(char *buf, int size);

/* Monotonic seconds (CLOCK_MONOTONIC), for timing phases and deadlines;
 * not affected by HELIOS_NOW. */
double hl_now_seconds(void);

/* The CPU seconds this process has used, all threads together
 * (CLOCK_PROCESS_CPUTIME_ID), for the phases' cpu_seconds. */
double hl_cpu_seconds(void);

#endif
