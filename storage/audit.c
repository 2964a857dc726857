/*
 * audit.c - the audit log as hash chains; see catalog.h (hl_cat_audit and
 * the hl_cat_audit_* functions).
 *
 * Each workspace's entries form one chain, and the entries that belong to
 * no workspace (extensions, aggregation functions) another.  Entry k of a
 * chain has seq = k (1, 2, ...) and
 *
 *     hash_k = SHA-256(hash_{k-1} || "\n" || canonical(entry_k))
 *
 * in lowercase hex, hash_0 being 64 zeros (or the anchor's hash, below).
 * canonical() writes seq, at, action, object_kind, object_name, workspace
 * and detail in that order, each as "N;" when NULL, else "S<bytes>:" and
 * its bytes and ";": unambiguous whatever the text holds.
 *
 * hl_audit_chain keeps each chain's head (the last seq and hash, written
 * with every append) and its anchor (the seq and hash of the last entry
 * that retention pruned).  Verification walks a chain from the anchor and
 * must meet the head; so an entry altered (its hash no longer follows),
 * removed (a gap in seq, or the tail short of the head), inserted (a seq
 * out of order, or a prev_hash that does not follow) or reordered is found,
 * and the first such entry named.
 *
 * What it covers, and what not: edits made to the catalog file by anyone
 * who does not recompute the chain (a row changed with the sqlite3 shell,
 * a row deleted, a restored older copy of some rows).  Someone who can
 * write the file can also recompute every hash after an edit; that needs a
 * secret (a signature or a MAC under a key kept outside the catalog),
 * which the chain does not have yet.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../src/clock.h"
#include "../src/helios.h"
#include "catalog.h"
#include "catalog_int.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* One entry's fields, as the chain hashes them. */
typedef struct Entry {
    int64_t seq;
    const char *at, *action, *kind, *name, *ws, *detail;
} Entry;

static void put_field(EVP_MD_CTX *md, const char *s)
{
    char head[32];
    if (!s) {
        EVP_DigestUpdate(md, "N;", 2);
        return;
    }
    size_t n = strlen(s);
    int k = snprintf(head, sizeof head, "S%zu:", n);
    EVP_DigestUpdate(md, head, (size_t)k);
    EVP_DigestUpdate(md, s, n);
    EVP_DigestUpdate(md, ";", 1);
}

/* hash of e after prev (64 hex digits) into out (65 bytes). */
static int entry_hash(const char *prev, const Entry *e, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dn = 0;
    char seq[24];
    snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    if (ok) {
        EVP_DigestUpdate(md, prev, strlen(prev));
        EVP_DigestUpdate(md, "\n", 1);
        put_field(md, seq);
        put_field(md, e->at);
        put_field(md, e->action);
        put_field(md, e->kind);
        put_field(md, e->name);
        put_field(md, e->ws);
        put_field(md, e->detail);
        ok = EVP_DigestFinal_ex(md, d, &dn) == 1 && dn == 32;
    }
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; ok && i < dn; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    return ok ? 0 : -1;
}

/* The chain's key in hl_audit_chain: the workspace's name, "" for none. */
static const char *chain_key(const char *ws)
{
    return ws ? ws : "";
}

/* The chain of an entry: its workspace, or the workspace it is about (a
 * CREATE, ALTER or DROP FEDERATED WORKSPACE names it as its object). */
static const char *entry_chain(const Entry *e)
{
    if (e->ws)
        return e->ws;
    return e->kind && e->name && strcmp(e->kind, "workspace") == 0 ? e->name : NULL;
}

/* The head of ws's chain: its last seq and hash (0 and zeros, or the
 * anchor, when it has no entry). */
static int chain_head(sqlite3 *db, const char *ws, int64_t *seq, char hash[65], hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT head_seq, head_hash FROM hl_audit_chain "
                                "WHERE chain = ?1 COLLATE NOCASE",
                            &q, err, "cannot read the audit log");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_text(q, 1, chain_key(ws), -1, SQLITE_STATIC);
    *seq = 0;
    snprintf(hash, 65, "%s", ZERO_HASH);
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        *seq = sqlite3_column_int64(q, 0);
        const unsigned char *h = sqlite3_column_text(q, 1);
        snprintf(hash, 65, "%s", h ? (const char *)h : "");
    } else if (s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the audit log");
    sqlite3_finalize(q);
    return rc;
}

/* The chain's head is now (seq, hash). */
static int set_head(sqlite3 *db, const char *chain, int64_t seq, const char *hash, hl_err *err)
{
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "INSERT INTO hl_audit_chain(chain, head_seq, head_hash) "
                                "VALUES(?1, ?2, ?3) ON CONFLICT(chain) DO UPDATE SET "
                                "head_seq = excluded.head_seq, head_hash = excluded.head_hash",
                            &q, err, "cannot write the audit log");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_text(q, 1, chain_key(chain), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, seq);
    sqlite3_bind_text(q, 3, hash, -1, SQLITE_STATIC);
    return hl_cat_step_done(db, q, err, "cannot write the audit log");
}

/* Appends e (seq filled here) to its chain, and moves the head. */
static int append(sqlite3 *db, Entry *e, hl_err *err)
{
    char prev[65], hash[65];
    int64_t seq;
    const char *chain = entry_chain(e);
    int rc = chain_head(db, chain, &seq, prev, err);
    if (rc != HELIOS_OK)
        return rc;
    e->seq = seq + 1;
    if (entry_hash(prev, e, hash) != 0)
        return hl_err_set(err, HELIOS_ERROR, -1, "cannot hash the audit entry (SHA-256)");
    sqlite3_stmt *q;
    rc = hl_cat_prepare(db, "INSERT INTO hl_audit(at, action, object_kind, object_name, "
                            "workspace, detail, seq, prev_hash, hash, chain) "
                            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        &q, err, "cannot write the audit log");
    if (rc != HELIOS_OK)
        return rc;
    const char *v[6] = { e->at, e->action, e->kind, e->name, e->ws, e->detail };
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(q, i + 1, v[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, e->seq);
    sqlite3_bind_text(q, 8, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, chain_key(chain), -1, SQLITE_STATIC);
    if ((rc = hl_cat_step_done(db, q, err, "cannot write the audit log")) != HELIOS_OK)
        return rc;
    return set_head(db, chain, e->seq, hash, err);
}

/* The chain's workspace options that shape it: audit_logging (*off: it is
 * false) and retention_days (*cutoff: now minus that many days, '' when
 * the chain has no workspace). */
static int chain_policy(sqlite3 *db, const char *chain, const char *now, int *off, char *cutoff,
                        size_t cutsz, hl_err *err)
{
    *off = 0;
    cutoff[0] = '\0';
    if (!chain)
        return HELIOS_OK;
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT coalesce(json_extract(options, '$.audit_logging'), 1) = 0, "
                                "datetime(?2, '-' || coalesce(json_extract(options, "
                                "'$.retention_days'), 2555) || ' days') "
                                "FROM hl_workspace WHERE name = ?1",
                            &q, err, "cannot read the audit log");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_text(q, 1, chain, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, now, -1, SQLITE_STATIC);
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        *off = sqlite3_column_int(q, 0);
        const unsigned char *c = sqlite3_column_text(q, 1);
        snprintf(cutoff, cutsz, "%s", c ? (const char *)c : "");
    } else if (s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the audit log");
    sqlite3_finalize(q);
    if (rc != HELIOS_OK || !cutoff[0])
        return rc;
    /* nothing to prune unless the chain's first entry is older (one index
     * probe, not a walk of the chain at every entry) */
    rc = hl_cat_prepare(db, "SELECT at < ?2 FROM hl_audit WHERE chain = ?1 ORDER BY seq LIMIT 1",
                        &q, err, "cannot read the audit log");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_text(q, 1, chain, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, cutoff, -1, SQLITE_STATIC);
    s = sqlite3_step(q);
    if (s != SQLITE_ROW || !sqlite3_column_int(q, 0))
        cutoff[0] = '\0';
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the audit log");
    sqlite3_finalize(q);
    return rc;
}

int hl_cat_audit_append(sqlite3 *db, const char *action, const char *kind, const char *name,
                        const char *ws, const char *detail, hl_err *err)
{
    if (!action)
        return hl_err_set(err, HELIOS_MISUSE, -1, "an audit entry needs an action");
    char at[32];
    if (!hl_clock_text(at, (int)sizeof at))
        return hl_err_set(err, HELIOS_ERROR, -1, "cannot read the clock for the audit log");
    Entry e = { 0, at, action, kind, name, ws, detail };
    int own = 0, off = 0;
    char cutoff[32];
    int64_t pruned;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = chain_policy(db, entry_chain(&e), at, &off, cutoff, sizeof cutoff, err);
    /* audit_logging = false: nothing but the workspace's own changes (so
     * that turning it off, and on again, is on record) */
    if (rc == HELIOS_OK && (!off || (kind && strcmp(kind, "workspace") == 0)))
        rc = append(db, &e, err);
    /* retention_days: the entries older than that go, the chain anchored */
    if (rc == HELIOS_OK && cutoff[0])
        rc = hl_cat_audit_prune(db, entry_chain(&e), cutoff, &pruned, err);
    return hl_cat_txn_end(db, own, rc, err);
}

/* ---- verification ---------------------------------------------------------- */

/* The first problem found: the entry (id 0: none, the end of the chain)
 * and what is wrong. */
static void report(HlCatAuditCheck *r, int64_t id, int64_t seq, const char *fmt, ...)
{
    va_list ap;
    r->ok = 0;
    r->bad_id = id;
    r->bad_seq = seq;
    va_start(ap, fmt);
    vsnprintf(r->problem, sizeof r->problem, fmt, ap);
    va_end(ap);
}

int hl_cat_audit_verify(sqlite3 *db, const char *ws, HlCatAuditCheck *r, hl_err *err)
{
    memset(r, 0, sizeof *r);
    r->ok = 1;
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT anchor_seq, anchor_hash, head_seq, head_hash "
                                "FROM hl_audit_chain WHERE chain = ?1 COLLATE NOCASE",
                            &q, err, "cannot read the audit log");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_text(q, 1, chain_key(ws), -1, SQLITE_STATIC);
    int64_t seq = 0, head_seq = 0;
    char prev[65] = ZERO_HASH, head[65] = ZERO_HASH;
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        seq = sqlite3_column_int64(q, 0);
        head_seq = sqlite3_column_int64(q, 2);
        const unsigned char *a = sqlite3_column_text(q, 1), *h = sqlite3_column_text(q, 3);
        snprintf(prev, sizeof prev, "%s", a ? (const char *)a : ZERO_HASH);
        snprintf(head, sizeof head, "%s", h ? (const char *)h : "");
    } else if (s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the audit log");
    sqlite3_finalize(q);
    if (rc != HELIOS_OK)
        return rc;
    r->anchor_seq = seq;
    rc = hl_cat_prepare(db, "SELECT id, seq, at, action, object_kind, object_name, workspace, "
                            "detail, prev_hash, hash FROM hl_audit "
                            "WHERE chain = ?1 ORDER BY id",
                        &q, err, "cannot read the audit log");
    if (rc != HELIOS_OK)
        return rc;
    sqlite3_bind_text(q, 1, chain_key(ws), -1, SQLITE_STATIC);
    while (r->ok && (s = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        Entry e = { sqlite3_column_int64(q, 1), (const char *)sqlite3_column_text(q, 2),
                    (const char *)sqlite3_column_text(q, 3),
                    (const char *)sqlite3_column_text(q, 4),
                    (const char *)sqlite3_column_text(q, 5),
                    (const char *)sqlite3_column_text(q, 6),
                    (const char *)sqlite3_column_text(q, 7) };
        const char *ph = (const char *)sqlite3_column_text(q, 8);
        const char *h = (const char *)sqlite3_column_text(q, 9);
        char want[65];
        if (sqlite3_column_type(q, 1) == SQLITE_NULL || !h || !ph)
            report(r, id, 0, "entry %lld has no place in the chain (no seq or hash): inserted",
                   (long long)id);
        else if (e.seq > seq + 1)
            report(r, id, e.seq, "entries %lld to %lld are missing: removed",
                   (long long)seq + 1, (long long)e.seq - 1);
        else if (e.seq <= seq)
            report(r, id, e.seq, "entry %lld repeats seq %lld: inserted", (long long)id,
                   (long long)e.seq);
        else if (entry_hash(ph, &e, want) != 0)
            rc = hl_err_set(err, HELIOS_ERROR, -1, "cannot hash an audit entry (SHA-256)");
        else if (strcmp(want, h) != 0)
            report(r, id, e.seq, "entry %lld (seq %lld) was altered: its hash does not match it",
                   (long long)id, (long long)e.seq);
        else if (strcmp(ph, prev) != 0)
            report(r, id, e.seq,
                   "entry %lld (seq %lld) does not follow the one before: inserted or reordered",
                   (long long)id, (long long)e.seq);
        else {
            seq = e.seq;
            snprintf(prev, sizeof prev, "%s", h);
            r->entries++;
        }
    }
    if (rc == HELIOS_OK && r->ok && s != SQLITE_DONE)
        rc = hl_cat_dberr(db, err, "cannot read the audit log");
    sqlite3_finalize(q);
    if (rc == HELIOS_OK && r->ok && (seq != head_seq || strcmp(prev, head) != 0))
        report(r, 0, seq + 1,
               "the chain ends at seq %lld, its head says %lld: entries removed at the end",
               (long long)seq, (long long)head_seq);
    return rc;
}

/* ---- retention ------------------------------------------------------------- */

int hl_cat_audit_prune(sqlite3 *db, const char *ws, const char *before, int64_t *pruned,
                       hl_err *err)
{
    *pruned = 0;
    int own = 0;
    int rc = hl_cat_txn_begin(db, &own, err);
    if (rc != HELIOS_OK)
        return rc;
    /* the last entry of the chain's prefix older than `before` becomes the
     * anchor; never the head itself, so the chain keeps one entry */
    sqlite3_stmt *q;
    rc = hl_cat_prepare(db, "SELECT seq, hash FROM hl_audit "
                            "WHERE chain = ?1 AND at < ?2 "
                            "AND seq < (SELECT head_seq FROM hl_audit_chain "
                            "           WHERE chain = ?1 COLLATE NOCASE) "
                            "ORDER BY seq DESC LIMIT 1",
                        &q, err, "cannot prune the audit log");
    int64_t seq = 0;
    char hash[65] = "";
    if (rc == HELIOS_OK) {
        sqlite3_bind_text(q, 1, chain_key(ws), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, before, -1, SQLITE_STATIC);
        int s = sqlite3_step(q);
        if (s == SQLITE_ROW) {
            seq = sqlite3_column_int64(q, 0);
            const unsigned char *h = sqlite3_column_text(q, 1);
            snprintf(hash, sizeof hash, "%s", h ? (const char *)h : "");
        } else if (s != SQLITE_DONE)
            rc = hl_cat_dberr(db, err, "cannot prune the audit log");
        sqlite3_finalize(q);
    }
    if (rc == HELIOS_OK && seq > 0)
        rc = hl_cat_prepare(db, "DELETE FROM hl_audit WHERE chain = ?1 AND seq <= ?2",
                            &q, err, "cannot prune the audit log");
    if (rc == HELIOS_OK && seq > 0) {
        sqlite3_bind_text(q, 1, chain_key(ws), -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, seq);
        rc = hl_cat_step_done(db, q, err, "cannot prune the audit log");
        *pruned = sqlite3_changes(db);
    }
    if (rc == HELIOS_OK && seq > 0)
        rc = hl_cat_prepare(db, "UPDATE hl_audit_chain SET anchor_seq = ?2, anchor_hash = ?3 "
                                "WHERE chain = ?1 COLLATE NOCASE",
                            &q, err, "cannot prune the audit log");
    if (rc == HELIOS_OK && seq > 0) {
        sqlite3_bind_text(q, 1, chain_key(ws), -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, seq);
        sqlite3_bind_text(q, 3, hash, -1, SQLITE_STATIC);
        rc = hl_cat_step_done(db, q, err, "cannot prune the audit log");
    }
    return hl_cat_txn_end(db, own, rc, err);
}

/* ---- upgrading a catalog of schema version 4 ------------------------------- */

int hl_cat_audit_chain_existing(sqlite3 *db, hl_err *err)
{
    /* the entries written before the chain existed, chained in id order
     * with their own timestamps (run once, by migration 5) */
    sqlite3_stmt *q;
    int rc = hl_cat_prepare(db, "SELECT id, at, action, object_kind, object_name, workspace, "
                                "detail FROM hl_audit ORDER BY id",
                            &q, err, "cannot upgrade the audit log");
    if (rc != HELIOS_OK)
        return rc;
    int s;
    while (rc == HELIOS_OK && (s = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        Entry e = { 0, (const char *)sqlite3_column_text(q, 1),
                    (const char *)sqlite3_column_text(q, 2),
                    (const char *)sqlite3_column_text(q, 3),
                    (const char *)sqlite3_column_text(q, 4),
                    (const char *)sqlite3_column_text(q, 5),
                    (const char *)sqlite3_column_text(q, 6) };
        char prev[65], hash[65];
        const char *chain = entry_chain(&e);
        if ((rc = chain_head(db, chain, &e.seq, prev, err)) != HELIOS_OK)
            break;
        e.seq++;
        if (entry_hash(prev, &e, hash) != 0) {
            rc = hl_err_set(err, HELIOS_ERROR, -1, "cannot hash the audit entry (SHA-256)");
            break;
        }
        sqlite3_stmt *u;
        rc = hl_cat_prepare(db, "UPDATE hl_audit SET seq = ?2, prev_hash = ?3, hash = ?4, "
                                "chain = ?5 WHERE id = ?1", &u, err, "cannot upgrade the audit log");
        if (rc == HELIOS_OK) {
            sqlite3_bind_int64(u, 1, id);
            sqlite3_bind_int64(u, 2, e.seq);
            sqlite3_bind_text(u, 3, prev, -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 4, hash, -1, SQLITE_STATIC);
            sqlite3_bind_text(u, 5, chain_key(chain), -1, SQLITE_STATIC);
            rc = hl_cat_step_done(db, u, err, "cannot upgrade the audit log");
        }
        if (rc == HELIOS_OK)
            rc = set_head(db, chain, e.seq, hash, err);
    }
    sqlite3_finalize(q);
    return rc;
}
