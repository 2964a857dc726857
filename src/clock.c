/* clock.c - see clock.h. */
#include "clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <sqlite3.h>

#define JULIAN_UNIX_EPOCH_MS INT64_C(210866760000000)  /* 1970-01-01 as Julian day ms */

static int64_t fixed_ms;            /* HELIOS_NOW as Unix ms, valid when has_fixed */
static int has_fixed;
static sqlite3_vfs fixed_vfs;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int fixed_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    *out = fixed_ms + JULIAN_UNIX_EPOCH_MS;
    return SQLITE_OK;
}

static int fixed_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    *out = (double)(fixed_ms + JULIAN_UNIX_EPOCH_MS) / 86400000.0;
    return SQLITE_OK;
}

/* Parses 'YYYY-MM-DD HH:MM:SS' (UTC) into Unix ms; 0 on success. */
static int parse_utc(const char *s, int64_t *ms)
{
    struct tm tm = {0};
    char rest;
    if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &rest) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    struct tm want = tm;
    time_t t = timegm(&tm);
    /* timegm() normalizes 2025-13-45 into 2026; such a value is invalid. */
    if (t == (time_t)-1 || tm.tm_year != want.tm_year || tm.tm_mon != want.tm_mon
        || tm.tm_mday != want.tm_mday || tm.tm_hour != want.tm_hour
        || tm.tm_min != want.tm_min || tm.tm_sec != want.tm_sec)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

static void init(void)
{
    const char *env = getenv("HELIOS_NOW");
    sqlite3_vfs *base = sqlite3_vfs_find(NULL);
    if (!env || !*env || !base || parse_utc(env, &fixed_ms) != 0)
        return;
    fixed_vfs = *base;
    fixed_vfs.zName = "helios-fixed-clock";
    fixed_vfs.pNext = NULL;
    fixed_vfs.xCurrentTime = fixed_time;
    if (fixed_vfs.iVersion >= 2)
        fixed_vfs.xCurrentTimeInt64 = fixed_time_int64;
    if (sqlite3_vfs_register(&fixed_vfs, 0) == SQLITE_OK)
        has_fixed = 1;
}

const char *hl_clock_vfs(void)
{
    pthread_once(&once, init);
    return has_fixed ? fixed_vfs.zName : NULL;
}

int64_t hl_clock_unix_ms(void)
{
    pthread_once(&once, init);
    if (has_fixed)
        return fixed_ms;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

char *hl_clock_text(char *buf, int size)
{
    time_t t = (time_t)(hl_clock_unix_ms() / 1000);
    struct tm tm;
    if (size < 20 || !gmtime_r(&t, &tm) || strftime(buf, (size_t)size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        return NULL;
    return buf;
}

double hl_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double hl_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
