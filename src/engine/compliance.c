/*
 * compliance.c - the HIPAA and GDPR requirements and the security checks
 * of a workspace (see compliance.h).
 *
 * Every row comes from something looked at: the workspace's, nodes' and
 * models' effective options (explicit or default), the audit chain walked
 * by hl_cat_audit_verify(), certificates read with OpenSSL, and the modes
 * of key files from stat().  Requirements that helios cannot meet yet
 * (GDPR consent tracking and subject rights) fail and say so, rather than
 * pass on trust.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "catalog.h"
#include "clock.h"
#include "compliance.h"
#include "engine_int.h"
#include "helios.h"
#include "json.h"
#include "options.h"

static const char PASS[] = "pass", FAIL[] = "fail", WARN[] = "warning";

/* HIPAA keeps records six years (45 CFR 164.316(b)(2)). */
#define HIPAA_RETENTION_DAYS 2190
/* A certificate expiring sooner than this is flagged. */
#define CERT_WARN_DAYS 90

/* ---- rows --------------------------------------------------------------------- */

void hl_check_list_clear(HlCheckList *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].text);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* What the checks work on: the workspace, its nodes and models, the rows. */
typedef struct Ctx {
    sqlite3 *db;
    HlCatObj ws;
    HlCatObj *nodes, *models;
    int nnodes, nmodels;
    HlCheckList *out;
    int nomem;                  /* a row could not be added */
} Ctx;

static void add(Ctx *c, const char *name, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(Ctx *c, const char *name, const char *status, const char *fmt, ...)
{
    HlCheckList *l = c->out;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        HlCheckRow *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) {
            c->nomem = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int k = vasprintf(&text, fmt, ap);
    va_end(ap);
    char *nm = strdup(name);
    if (k < 0 || !nm) {
        free(nm);
        if (k >= 0)
            free(text);
        c->nomem = 1;
        return;
    }
    l->v[l->n++] = (HlCheckRow){ nm, status, text };
}

/* Appends sep and item (item alone to an empty list) to *list; on failure
 * sets c->nomem. */
static void list_join(Ctx *c, char **list, const char *sep, const char *item)
{
    char *s = NULL;
    if (asprintf(&s, "%s%s%s", *list ? *list : "", *list ? sep : "", item) < 0) {
        c->nomem = 1;
        return;
    }
    free(*list);
    *list = s;
}

static void list_add(Ctx *c, char **list, const char *item)
{
    list_join(c, list, ", ", item);
}

/* Appends "'name'" to *list, as list_add(). */
static void list_quoted(Ctx *c, char **list, const char *name)
{
    char item[160];
    snprintf(item, sizeof item, "'%s'", name);
    list_add(c, list, item);
}

/* ---- options ------------------------------------------------------------------ */

/* A number or boolean option's effective value (true 1, false 0): 1 and
 * *x, or 0 when unset. */
static int opt_num(HlObjKind k, const char *json, const char *name, double *x)
{
    char *v = hl_opt_get(k, json, name);
    int set = v && strcmp(v, "null") != 0;
    if (set)
        *x = strcmp(v, "true") == 0 ? 1 : strcmp(v, "false") == 0 ? 0 : strtod(v, NULL);
    free(v);
    return set;
}

static int opt_on(HlObjKind k, const char *json, const char *name)
{
    double x = 0;
    return opt_num(k, json, name, &x) && x != 0;
}

/* A node's option, else the workspace's (certificates are defaulted so). */
static char *node_or_ws(const Ctx *c, const HlCatObj *n, const char *name)
{
    char *s = hl_eng_opt_str(HL_OBJ_NODE, n->options, name);
    return s ? s : hl_eng_opt_str(HL_OBJ_WORKSPACE, c->ws.options, name);
}

static int node_is_remote(const HlCatObj *n)
{
    char *ep = hl_eng_opt_str(HL_OBJ_NODE, n->options, "endpoint");
    int remote = ep && strcmp(ep, "local") != 0;
    free(ep);
    return remote;
}

/* The key file of encryption at rest: the workspace's key_file, else
 * HELIOS_KEY_FILE (malloc'd), or NULL. */
static char *key_file(const Ctx *c, const char **from)
{
    char *s = hl_eng_opt_str(HL_OBJ_WORKSPACE, c->ws.options, "key_file");
    *from = "key_file";
    if (!s) {
        const char *e = getenv("HELIOS_KEY_FILE");
        *from = "HELIOS_KEY_FILE";
        if (e && *e)
            s = strdup(e);
    }
    return s;
}

/* ---- loading ------------------------------------------------------------------ */

static int ctx_open(Ctx *c, sqlite3 *db, const char *ws, HlCheckList *out, hl_err *err)
{
    memset(c, 0, sizeof *c);
    c->db = db;
    c->out = out;
    if (!ws)
        return hl_err_set(err, HELIOS_ERROR, -1, "a workspace name is required");
    int rc = hl_cat_get(db, HL_CAT_WORKSPACE, 0, ws, &c->ws, err);
    if (rc == HELIOS_OK)
        rc = hl_cat_list(db, HL_CAT_NODE, c->ws.id, &c->nodes, &c->nnodes, err);
    if (rc == HELIOS_OK)
        rc = hl_cat_list(db, HL_CAT_MODEL, c->ws.id, &c->models, &c->nmodels, err);
    return rc;
}

static int ctx_close(Ctx *c, int rc, hl_err *err)
{
    hl_cat_obj_clear(&c->ws);
    hl_cat_list_free(c->nodes, c->nnodes);
    hl_cat_list_free(c->models, c->nmodels);
    if (rc == HELIOS_OK && c->nomem)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    return rc;
}

/* ---- shared checks ------------------------------------------------------------ */

static int check_audit_chain(Ctx *c, const char *name, hl_err *err)
{
    HlCatAuditCheck r;
    int rc = hl_cat_audit_verify(c->db, c->ws.name, &r, err);
    if (rc != HELIOS_OK)
        return rc;
    if (r.ok)
        add(c, name, PASS, "audit chain intact: %lld entr%s verified after anchor seq %lld",
            (long long)r.entries, r.entries == 1 ? "y" : "ies", (long long)r.anchor_seq);
    else if (r.bad_id > 0)
        add(c, name, FAIL, "audit chain broken at entry id %lld (seq %lld): %s",
            (long long)r.bad_id, (long long)r.bad_seq, r.problem);
    else
        add(c, name, FAIL, "audit chain broken at its end (seq %lld): %s",
            (long long)r.bad_seq, r.problem);
    return HELIOS_OK;
}

/* A file's permission bits; 0 with the reason in why when stat() fails. */
static int file_mode(const char *path, unsigned *mode, char *why, size_t n)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, n, "%s", strerror(errno));
        return 0;
    }
    *mode = (unsigned)st.st_mode & 07777u;
    return 1;
}

/* ---- HIPAA -------------------------------------------------------------------- */

static void hipaa_settings(Ctx *c)
{
    const char *w = c->ws.options;
    char *enc = hl_eng_opt_str(HL_OBJ_WORKSPACE, w, "encryption");
    int ok = enc && strcmp(enc, "AES-256-GCM") == 0;
    add(c, "HIPAA: encryption", ok ? PASS : FAIL, "encryption = '%s'%s", enc ? enc : "none",
        ok ? "" : "; HIPAA requires 'AES-256-GCM'");
    free(enc);

    ok = opt_on(HL_OBJ_WORKSPACE, w, "audit_logging");
    add(c, "HIPAA: audit logging", ok ? PASS : FAIL, "audit_logging = %s%s",
        ok ? "true" : "false", ok ? "" : "; HIPAA requires audit trails");

    double days = 0;
    opt_num(HL_OBJ_WORKSPACE, w, "retention_days", &days);
    ok = days >= HIPAA_RETENTION_DAYS;
    add(c, "HIPAA: audit retention", ok ? PASS : FAIL,
        "retention_days = %.0f; HIPAA requires at least %d (six years)", days,
        HIPAA_RETENTION_DAYS);

    char *tls = hl_eng_opt_str(HL_OBJ_WORKSPACE, w, "tls_version");
    ok = tls && strcmp(tls, "1.3") == 0;
    add(c, "HIPAA: TLS version", ok ? PASS : FAIL, "tls_version = '%s'%s", tls ? tls : "",
        ok ? "" : "; HIPAA mode requires TLS 1.3");
    free(tls);

    ok = opt_on(HL_OBJ_WORKSPACE, w, "certificate_validation");
    add(c, "HIPAA: certificate validation", ok ? PASS : FAIL, "certificate_validation = %s%s",
        ok ? "true" : "false", ok ? "" : "; HIPAA requires authenticated nodes");
}

/* Every remote node has a certificate, private key and CA bundle, its own
 * or the workspace's. */
static void hipaa_node_credentials(Ctx *c)
{
    static const char *const creds[] = { "certificate", "private_key", "ca_bundle" };
    char *missing = NULL;
    int remote = 0;
    for (int i = 0; i < c->nnodes; i++) {
        if (!node_is_remote(&c->nodes[i]))
            continue;
        remote++;
        char what[160];
        int k0 = snprintf(what, sizeof what, "node '%s' has no", c->nodes[i].name), k = k0;
        for (int j = 0; j < 3; j++) {
            char *v = node_or_ws(c, &c->nodes[i], creds[j]);
            if (!v && k > 0 && (size_t)k < sizeof what)
                k += snprintf(what + k, sizeof what - (size_t)k, "%s %s", k > k0 ? "," : "",
                              creds[j]);
            free(v);
        }
        if (k > k0)
            list_join(c, &missing, "; ", what);
    }
    if (missing)
        add(c, "HIPAA: node credentials", FAIL, "%s (node or workspace options)", missing);
    else if (remote)
        add(c, "HIPAA: node credentials", PASS,
            "%d remote node%s, each with certificate, private_key and ca_bundle", remote,
            remote == 1 ? "" : "s");
    else
        add(c, "HIPAA: node credentials", PASS, "no remote nodes: every node is in-process");
    free(missing);
}

static int is_us_region(const char *r)
{
    return strcasecmp(r, "US") == 0 || strncasecmp(r, "US-", 3) == 0;
}

/* The workspace's and every node's data_residency, when set, is 'US' or
 * 'US-*'. */
static void hipaa_residency(Ctx *c)
{
    char *bad = NULL;
    int set = 0;
    char *wr = hl_eng_opt_str(HL_OBJ_WORKSPACE, c->ws.options, "data_residency");
    if (wr) {
        set++;
        if (!is_us_region(wr)) {
            char what[160];
            snprintf(what, sizeof what, "workspace '%s'", wr);
            list_add(c, &bad, what);
        }
    }
    free(wr);
    for (int i = 0; i < c->nnodes; i++) {
        char *r = hl_eng_opt_str(HL_OBJ_NODE, c->nodes[i].options, "data_residency");
        if (r) {
            set++;
            if (!is_us_region(r)) {
                char what[160];
                snprintf(what, sizeof what, "node '%s' in '%s'", c->nodes[i].name, r);
                list_add(c, &bad, what);
            }
        }
        free(r);
    }
    if (bad)
        add(c, "HIPAA: data residency", FAIL, "outside US regions: %s", bad);
    else
        add(c, "HIPAA: data residency", PASS, set ? "every data_residency set is a US region"
                                                  : "no data_residency set");
    free(bad);
}

static void hipaa_key_file(Ctx *c)
{
    const char *from;
    char *path = key_file(c, &from);
    char why[128];
    unsigned mode = 0;
    if (!path)
        add(c, "HIPAA: encryption key", WARN,
            "no key file (key_file option or HELIOS_KEY_FILE); encryption at rest is not "
            "implemented yet, so stored models and checkpoints are not sealed");
    else if (!file_mode(path, &mode, why, sizeof why))
        add(c, "HIPAA: encryption key", FAIL, "key file '%s' (%s): %s", path, from, why);
    else if (mode & 077u)
        add(c, "HIPAA: encryption key", FAIL,
            "key file '%s' (%s) has mode %04o: group or others can access it", path, from, mode);
    else
        add(c, "HIPAA: encryption key", PASS,
            "key file '%s' (%s) exists, mode %04o; encryption at rest is not implemented yet, "
            "so the key seals nothing", path, from, mode);
    free(path);
}

static int check_hipaa(Ctx *c, hl_err *err)
{
    hipaa_settings(c);
    hipaa_node_credentials(c);
    hipaa_residency(c);
    int rc = check_audit_chain(c, "HIPAA: audit chain", err);
    if (rc == HELIOS_OK)
        hipaa_key_file(c);
    return rc;
}

/* ---- GDPR --------------------------------------------------------------------- */

/* A node's region is within the workspace's: equal, or a subregion
 * ('EU-WEST' within 'EU'). */
static int region_within(const char *node, const char *ws)
{
    size_t n = strlen(ws);
    return strcasecmp(node, ws) == 0 || (strncasecmp(node, ws, n) == 0 && node[n] == '-');
}

static void gdpr_residency(Ctx *c)
{
    char *wr = hl_eng_opt_str(HL_OBJ_WORKSPACE, c->ws.options, "data_residency");
    if (!wr) {
        add(c, "GDPR: data residency", FAIL, "the workspace's data_residency is not set");
        add(c, "GDPR: node residency", FAIL,
            "cannot check the nodes: the workspace's data_residency is not set");
        return;
    }
    add(c, "GDPR: data residency", PASS, "data_residency = '%s'", wr);
    char *bad = NULL, *unset = NULL;
    for (int i = 0; i < c->nnodes; i++) {
        char *r = hl_eng_opt_str(HL_OBJ_NODE, c->nodes[i].options, "data_residency");
        if (!r) {
            list_quoted(c, &unset, c->nodes[i].name);
        } else if (!region_within(r, wr)) {
            char what[160];
            snprintf(what, sizeof what, "node '%s' in '%s'", c->nodes[i].name, r);
            list_add(c, &bad, what);
        }
        free(r);
    }
    if (bad)
        add(c, "GDPR: node residency", FAIL, "outside '%s': %s", wr, bad);
    else if (unset)
        add(c, "GDPR: node residency", WARN, "no data_residency declared by node %s", unset);
    else
        add(c, "GDPR: node residency", PASS, "%d node%s, each within '%s'", c->nnodes,
            c->nnodes == 1 ? "" : "s", wr);
    free(bad);
    free(unset);
    free(wr);
}

static int check_gdpr(Ctx *c, hl_err *err)
{
    gdpr_residency(c);
    int rc = check_audit_chain(c, "GDPR: audit chain", err);
    if (rc != HELIOS_OK)
        return rc;
    add(c, "GDPR: consent tracking", FAIL,
        "not implemented yet: consent tracking (REVOKE/GRANT FEDERATED CONSENT)");
    add(c, "GDPR: subject rights", FAIL,
        "not implemented yet: the right to be forgotten (DELETE FROM FEDERATED TRAINING) and "
        "data portability (EXPORT FEDERATED DATA)");
    double eps = 0;
    if (opt_num(HL_OBJ_WORKSPACE, c->ws.options, "privacy_budget", &eps))
        add(c, "GDPR: privacy budget", PASS, "privacy_budget = %g: training is differentially "
            "private", eps);
    else
        add(c, "GDPR: privacy budget", WARN,
            "no privacy_budget: training is not differentially private");
    return HELIOS_OK;
}

int hl_compliance_check(sqlite3 *db, const char *ws, const char *mode, HlCheckList *out,
                        hl_err *err)
{
    int hipaa = mode && (strcasecmp(mode, "HIPAA") == 0 || strcasecmp(mode, "BOTH") == 0);
    int gdpr = mode && (strcasecmp(mode, "GDPR") == 0 || strcasecmp(mode, "BOTH") == 0);
    if (!hipaa && !gdpr)
        return hl_err_set(err, HELIOS_ERROR, -1, "unknown compliance mode '%s'; expected "
                          "'HIPAA', 'GDPR' or 'BOTH'", mode ? mode : "NULL");
    Ctx c;
    int rc = ctx_open(&c, db, ws, out, err);
    if (rc == HELIOS_OK && hipaa)
        rc = check_hipaa(&c, err);
    if (rc == HELIOS_OK && gdpr)
        rc = check_gdpr(&c, err);
    return ctx_close(&c, rc, err);
}

/* ---- security audit ----------------------------------------------------------- */

/* The seconds from now until a certificate's notAfter, and that date
 * ('YYYY-MM-DD'); 0 with the reason in why when the file cannot be read. */
static int cert_expiry(const char *path, double *secs, char *date, size_t dn, char *why,
                       size_t wn)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, wn, "%s", strerror(errno));
        return 0;
    }
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x) {
        snprintf(why, wn, "not a PEM certificate");
        return 0;
    }
    struct tm tm;
    int ok = ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1;
    X509_free(x);
    if (!ok) {
        snprintf(why, wn, "its expiry date cannot be read");
        return 0;
    }
    *secs = difftime(timegm(&tm), (time_t)(hl_clock_unix_ms() / 1000));
    strftime(date, dn, "%Y-%m-%d", &tm);
    return 1;
}

static void audit_one_cert(Ctx *c, const char *path, const char *owner)
{
    double secs = 0;
    char date[16], why[128];
    if (!cert_expiry(path, &secs, date, sizeof date, why, sizeof why)) {
        add(c, "certificate expiry", FAIL, "certificate '%s' (%s) cannot be read: %s", path,
            owner, why);
        return;
    }
    long days = (long)(secs / 86400);
    if (secs <= 0)
        add(c, "certificate expiry", FAIL, "certificate '%s' (%s) expired on %s: renew it",
            path, owner, date);
    else if (days < CERT_WARN_DAYS)
        add(c, "certificate expiry", WARN,
            "certificate '%s' (%s) expires in %ld day%s (%s): renew it", path, owner, days,
            days == 1 ? "" : "s", date);
    else
        add(c, "certificate expiry", PASS, "certificate '%s' (%s) valid until %s", path, owner,
            date);
}

/* Calls fn once per distinct file named by option `name` of the workspace
 * and of each node (a node's own; the workspace's is its default); 0 when
 * none is named. */
static int each_file(Ctx *c, const char *name, void (*fn)(Ctx *, const char *, const char *))
{
    int seen = 0;
    char *ws_file = hl_eng_opt_str(HL_OBJ_WORKSPACE, c->ws.options, name);
    if (ws_file) {
        fn(c, ws_file, "workspace");
        seen++;
    }
    for (int i = 0; i < c->nnodes; i++) {
        char *p = hl_eng_opt_str(HL_OBJ_NODE, c->nodes[i].options, name);
        int dup = !p || (ws_file && strcmp(p, ws_file) == 0);
        for (int j = 0; !dup && j < i; j++) {
            char *q = hl_eng_opt_str(HL_OBJ_NODE, c->nodes[j].options, name);
            dup = q && strcmp(p, q) == 0;
            free(q);
        }
        if (!dup) {
            char owner[160];
            snprintf(owner, sizeof owner, "node '%s'", c->nodes[i].name);
            fn(c, p, owner);
            seen++;
        }
        free(p);
    }
    free(ws_file);
    return seen;
}

/* Certificates named by the workspace or a node, then remote nodes that
 * have none (their own or the workspace's). */
static void audit_certs(Ctx *c)
{
    int files = each_file(c, "certificate", audit_one_cert);
    char *remote = NULL;
    for (int i = 0; i < c->nnodes; i++)
        if (node_is_remote(&c->nodes[i])) {
            char *cert = node_or_ws(c, &c->nodes[i], "certificate");
            if (!cert)
                list_quoted(c, &remote, c->nodes[i].name);
            free(cert);
        }
    if (remote)
        add(c, "certificate expiry", FAIL,
            "no certificate for remote node %s: set certificate (node or workspace)", remote);
    else if (!files)
        add(c, "certificate expiry", PASS, "no certificate set and no remote nodes");
    free(remote);
}

static void audit_tls(Ctx *c)
{
    char *tls = hl_eng_opt_str(HL_OBJ_WORKSPACE, c->ws.options, "tls_version");
    int v13 = tls && strcmp(tls, "1.3") == 0;
    int valid = opt_on(HL_OBJ_WORKSPACE, c->ws.options, "certificate_validation");
    if (!v13)
        add(c, "TLS settings", FAIL, "tls_version is '%s': set it to '1.3'", tls ? tls : "");
    else if (!valid)
        add(c, "TLS settings", FAIL,
            "certificate_validation is off: set it to true, or any host may pose as a node");
    else
        add(c, "TLS settings", PASS, "TLS 1.3 with certificate validation");
    free(tls);
}

static void audit_privacy(Ctx *c)
{
    double eps = 0;
    if (!opt_num(HL_OBJ_WORKSPACE, c->ws.options, "privacy_budget", &eps))
        add(c, "privacy budget", WARN,
            "no privacy_budget: set one (epsilon 1.0 or less) to train with differential "
            "privacy");
    else if (eps > 1.0)
        add(c, "privacy budget", WARN,
            "privacy_budget = %g is above 1.0: consider a smaller epsilon", eps);
    else
        add(c, "privacy budget", PASS, "privacy_budget = %g", eps);
}

static void audit_secagg(Ctx *c)
{
    char *off = NULL;
    int n = 0;
    for (int i = 0; i < c->nmodels; i++)
        if (!opt_on(HL_OBJ_MODEL, c->models[i].options, "secure_aggregation")) {
            list_quoted(c, &off, c->models[i].name);
            n++;
        }
    if (off)
        add(c, "secure aggregation", WARN,
            "secure_aggregation is off for model%s %s: set it to true so that the coordinator "
            "sees only the sum of the updates", n == 1 ? "" : "s", off);
    else if (c->nmodels)
        add(c, "secure aggregation", PASS, "on for every model");
    else
        add(c, "secure aggregation", PASS, "no models");
    free(off);
}

static void audit_logging(Ctx *c)
{
    if (opt_on(HL_OBJ_WORKSPACE, c->ws.options, "audit_logging"))
        add(c, "audit logging", PASS, "audit_logging is on");
    else
        add(c, "audit logging", FAIL, "audit_logging is off: set it to true");
}

static void audit_one_key(Ctx *c, const char *path, const char *owner)
{
    char why[128];
    unsigned mode = 0;
    if (!file_mode(path, &mode, why, sizeof why))
        add(c, "key file permissions", FAIL, "key '%s' (%s) cannot be read: %s", path, owner,
            why);
    else if (mode & 077u)
        add(c, "key file permissions", FAIL,
            "key '%s' (%s) has mode %04o: group or others can access it; chmod 600", path,
            owner, mode);
    else
        add(c, "key file permissions", PASS, "key '%s' (%s) has mode %04o", path, owner, mode);
}

static void audit_keys(Ctx *c)
{
    int n = each_file(c, "private_key", audit_one_key);
    const char *from;
    char *kf = key_file(c, &from);
    if (kf) {
        audit_one_key(c, kf, from);
        n++;
    }
    free(kf);
    if (!n)
        add(c, "key file permissions", PASS, "no private_key or key_file set");
}

int hl_security_audit(sqlite3 *db, const char *ws, HlCheckList *out, hl_err *err)
{
    Ctx c;
    int rc = ctx_open(&c, db, ws, out, err);
    if (rc == HELIOS_OK) {
        audit_certs(&c);
        audit_tls(&c);
        audit_privacy(&c);
        audit_secagg(&c);
        audit_logging(&c);
        audit_keys(&c);
    }
    return ctx_close(&c, rc, err);
}
