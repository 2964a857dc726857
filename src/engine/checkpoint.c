/* checkpoint.c - see checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <zstd.h>

#include "helios.h"
#include "json.h"

#define MAGIC "HLCKPT\r\n"
#define VERSION 1
#define HEADER 64
#define MAX_PAYLOAD ((uint64_t)1 << 34)     /* 16 GiB: beyond it the file is not ours */

void hl_ckpt_clear(HlCkpt *c)
{
    if (!c)
        return;
    free(c->model);
    free(c->options);
    free(c->plan);
    free(c->spec);
    free(c->params);
    free(c->state);
    memset(c, 0, sizeof *c);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_doubles(unsigned char *p, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &v[i], 8);
        put_u64(p + 8 * i, u);
    }
}

static void get_doubles(const unsigned char *p, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u = get_u64(p + 8 * i);
        memcpy(&v[i], &u, 8);
    }
}

static int sha256(const unsigned char *p, size_t n, unsigned char out[32])
{
    unsigned int len = 0;
    return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32 ? 0 : -1;
}

static char *header_json(const HlCkpt *c)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_key(&w, "model");
    hl_json_string(&w, c->model);
    hl_json_key(&w, "options");
    hl_json_string(&w, c->options ? c->options : "{}");
    hl_json_key(&w, "plan");
    hl_json_string(&w, c->plan ? c->plan : "{}");
    hl_json_key(&w, "spec");
    hl_json_string(&w, c->spec ? c->spec : "{}");
    hl_json_key(&w, "rounds_done");
    hl_json_int(&w, c->rounds_done);
    hl_json_key(&w, "rounds_planned");
    hl_json_int(&w, c->rounds_planned);
    hl_json_key(&w, "nparams");
    hl_json_int(&w, (int64_t)c->nparams);
    hl_json_key(&w, "nstate");
    hl_json_int(&w, (int64_t)c->nstate);
    hl_json_end_object(&w);
    return hl_json_writer_finish(&w);
}

int hl_ckpt_write(const char *path, const HlCkpt *c, int overwrite, int64_t *size,
                  char *checksum, hl_err *err)
{
    struct stat sb;
    if (!overwrite && stat(path, &sb) == 0)
        return hl_err_set(err, HELIOS_IO, -1,
                          "'%s' already exists; CHECKPOINT ... WITH (overwrite = true) replaces it",
                          path);
    char *head = header_json(c);
    if (!head)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    size_t hn = strlen(head) + 1;
    size_t pn = hn + 8 * (c->nparams + c->nstate);
    unsigned char *payload = malloc(pn);
    size_t bound = ZSTD_compressBound(pn);
    unsigned char *file = malloc(HEADER + bound);
    int rc = HELIOS_OK;
    if (!payload || !file) {
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        goto done;
    }
    memcpy(payload, head, hn);
    put_doubles(payload + hn, c->params, c->nparams);
    put_doubles(payload + hn + 8 * c->nparams, c->state, c->nstate);
    size_t zn = ZSTD_compress(file + HEADER, bound, payload, pn, 3);
    if (ZSTD_isError(zn)) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "cannot compress the checkpoint: %s",
                        ZSTD_getErrorName(zn));
        goto done;
    }
    memcpy(file, MAGIC, 8);
    put_u32(file + 8, VERSION);
    put_u32(file + 12, 0);
    put_u64(file + 16, pn);
    put_u64(file + 24, zn);
    if (sha256(payload, pn, file + 32) != 0) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "cannot compute the checkpoint's checksum");
        goto done;
    }
    /* A temporary file, then rename: a crash leaves the old file or none. */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        goto done;
    }
    snprintf(tmp, plen + 16, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(file, 1, HEADER + zn, f) != HEADER + zn || fflush(f) != 0
        || fsync(fileno(f)) != 0) {
        rc = hl_err_set(err, HELIOS_IO, -1, "cannot write '%s': %s", path, strerror(errno));
        if (f)
            fclose(f);
        unlink(tmp);
    } else if (fclose(f) != 0 || rename(tmp, path) != 0) {
        rc = hl_err_set(err, HELIOS_IO, -1, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    if (rc == HELIOS_OK) {
        if (size)
            *size = (int64_t)(HEADER + zn);
        if (checksum)
            for (int i = 0; i < 32; i++)
                snprintf(checksum + 2 * i, 3, "%02x", file[32 + i]);
    }
done:
    free(head);
    free(payload);
    free(file);
    return rc;
}

/* The string member `key` of o, duplicated into *out. */
static int take_string(const HlJsonObject *o, const char *key, char **out)
{
    const HlJsonValue *v = hl_json_object_get(o, key);
    if (!v || v->type != HL_JSON_STRING)
        return -1;
    *out = strdup(v->s);
    return *out ? 0 : -1;
}

static int take_int(const HlJsonObject *o, const char *key, int64_t *out)
{
    const HlJsonValue *v = hl_json_object_get(o, key);
    if (!v || v->type != HL_JSON_INT || v->i < 0)
        return -1;
    *out = v->i;
    return 0;
}

int hl_ckpt_read(const char *path, HlCkpt *c, hl_err *err)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f)
        return hl_err_set(err, HELIOS_IO, -1, "cannot read '%s': %s", path, strerror(errno));
    unsigned char head[HEADER];
    unsigned char *z = NULL, *payload = NULL;
    int rc = HELIOS_OK;
    HlJsonObject o;
    memset(&o, 0, sizeof o);
    if (fread(head, 1, HEADER, f) != HEADER || memcmp(head, MAGIC, 8) != 0) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "'%s' is not a helios checkpoint", path);
        goto done;
    }
    if (get_u32(head + 8) != VERSION) {
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "'%s' is a checkpoint of format version %u; this helios reads version %d",
                        path, get_u32(head + 8), VERSION);
        goto done;
    }
    uint64_t pn = get_u64(head + 16), zn = get_u64(head + 24);
    if (pn == 0 || pn > MAX_PAYLOAD || zn == 0 || zn > MAX_PAYLOAD) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "checkpoint '%s' is damaged: impossible sizes", path);
        goto done;
    }
    z = malloc(zn);
    payload = malloc(pn);
    if (!z || !payload) {
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        goto done;
    }
    if (fread(z, 1, zn, f) != zn || fgetc(f) != EOF) {
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "checkpoint '%s' is damaged: its size is not the one its header gives", path);
        goto done;
    }
    size_t got = ZSTD_decompress(payload, pn, z, zn);
    unsigned char sum[32];
    if (ZSTD_isError(got) || got != pn) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "checkpoint '%s' is damaged: it does not decompress",
                        path);
        goto done;
    }
    if (sha256(payload, pn, sum) != 0 || memcmp(sum, head + 32, 32) != 0) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "checkpoint '%s' is damaged: its checksum does not match",
                        path);
        goto done;
    }
    size_t hn = strnlen((const char *)payload, pn);
    hl_err jerr;
    hl_err_clear(&jerr);
    int64_t np = 0, ns = 0;
    if (hn == pn || hl_json_parse_object((const char *)payload, &o, &jerr) != HELIOS_OK
        || take_string(&o, "model", &c->model) || take_string(&o, "options", &c->options)
        || take_string(&o, "plan", &c->plan) || take_string(&o, "spec", &c->spec)
        || take_int(&o, "rounds_done", &c->rounds_done)
        || take_int(&o, "rounds_planned", &c->rounds_planned)
        || take_int(&o, "nparams", &np) || take_int(&o, "nstate", &ns)
        || pn - hn - 1 != 8 * (uint64_t)(np + ns)) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "checkpoint '%s' is damaged: its contents do not add up",
                        path);
        goto done;
    }
    c->nparams = (size_t)np;
    c->nstate = (size_t)ns;
    c->params = malloc(8 * (c->nparams ? c->nparams : 1));
    c->state = c->nstate ? malloc(8 * c->nstate) : NULL;
    if (!c->params || (c->nstate && !c->state)) {
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        goto done;
    }
    get_doubles(payload + hn + 1, c->params, c->nparams);
    get_doubles(payload + hn + 1 + 8 * c->nparams, c->state, c->nstate);
done:
    fclose(f);
    free(z);
    free(payload);
    hl_json_object_clear(&o);
    if (rc != HELIOS_OK)
        hl_ckpt_clear(c);
    return rc;
}
