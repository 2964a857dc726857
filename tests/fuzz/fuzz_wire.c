/*
 * fuzz_wire.c - libFuzzer harness over the wire codec (src/net/wire.h).
 *
 * Each input is a frame: its first 16 bytes go to the header parser (and a
 * header that parses must write back to the same bytes), the rest is
 * decoded as every kind of body: a request, a response, a HELLO, an ERROR
 * (an input shorter than a header is decoded whole).  Whatever decodes
 * must encode again, and decode and encode to the same bytes a second
 * time; a body the decoder accepts but the encoder refuses, or one that
 * changes on the second trip, aborts.  What it protects: no input crashes,
 * hangs, leaks or reads out of bounds, and none is accepted in a form we
 * could not send ourselves.
 *
 * Seeds: with HL_FUZZ_SEEDS=DIR in the environment the harness first
 * writes one frame of every kind into DIR (./bootstrap fuzz does), so the
 * fuzzer starts from valid bodies: protobuf-c itself is not instrumented,
 * and without seeds coverage would guide it only once a body parses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "net/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the round trips ----------------------------------------------------- */

static void msg_trip(const uint8_t *body, size_t len, int is_request)
{
    HlMsg m, m2;
    uint8_t *e1 = NULL, *e2 = NULL;
    size_t n1 = 0, n2 = 0;
    hl_err err;
    hl_err_clear(&err);
    memset(&m, 0, sizeof m);
    memset(&m2, 0, sizeof m2);
    if (hl_wire_decode_msg(body, len, is_request, &m, &err) != HELIOS_OK)
        return;
    if (hl_wire_encode_msg(&m, is_request, &e1, &n1, &err) != HELIOS_OK
        || hl_wire_decode_msg(e1, n1, is_request, &m2, &err) != HELIOS_OK
        || hl_wire_encode_msg(&m2, is_request, &e2, &n2, &err) != HELIOS_OK
        || n1 != n2 || memcmp(e1, e2, n1) != 0) {
        fprintf(stderr, "message round trip failed: %s\n", err.msg);
        abort();
    }
    hl_msg_clear(&m);
    hl_msg_clear(&m2);
    free(e1);
    free(e2);
}

static void hello_trip(const uint8_t *body, size_t len)
{
    HlWireHello h, h2;
    uint8_t *e1 = NULL, *e2 = NULL;
    size_t n1 = 0, n2 = 0;
    hl_err err;
    hl_err_clear(&err);
    if (hl_wire_decode_hello(body, len, &h, &err) != HELIOS_OK)
        return;
    if (hl_wire_encode_hello(&h, &e1, &n1, &err) != HELIOS_OK
        || hl_wire_decode_hello(e1, n1, &h2, &err) != HELIOS_OK
        || hl_wire_encode_hello(&h2, &e2, &n2, &err) != HELIOS_OK
        || n1 != n2 || memcmp(e1, e2, n1) != 0) {
        fprintf(stderr, "HELLO round trip failed: %s\n", err.msg);
        abort();
    }
    hl_wire_hello_clear(&h);
    hl_wire_hello_clear(&h2);
    free(e1);
    free(e2);
}

static void error_trip(const uint8_t *body, size_t len)
{
    char msg[HL_WIRE_MAX_ERRMSG + 1], msg2[HL_WIRE_MAX_ERRMSG + 1];
    int code = 0, code2 = 0;
    uint8_t *e1 = NULL;
    size_t n1 = 0;
    hl_err err;
    hl_err_clear(&err);
    if (hl_wire_decode_error(body, len, &code, msg, sizeof msg, &err) != HELIOS_OK)
        return;
    if (hl_wire_encode_error(code, msg, &e1, &n1, &err) != HELIOS_OK
        || hl_wire_decode_error(e1, n1, &code2, msg2, sizeof msg2, &err) != HELIOS_OK
        || code != code2 || strcmp(msg, msg2) != 0) {
        fprintf(stderr, "ERROR round trip failed: %s\n", err.msg);
        abort();
    }
    free(e1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HlFrameHeader h;
    hl_err err;
    hl_err_clear(&err);
    if (hl_wire_header_parse(data, size, &h, &err) == HELIOS_OK) {
        uint8_t again[HL_WIRE_HEADER];
        hl_wire_header_write(again, &h);
        if (memcmp(again, data, HL_WIRE_HEADER) != 0)
            abort();
    }
    const uint8_t *body = size >= HL_WIRE_HEADER ? data + HL_WIRE_HEADER : data;
    size_t len = size >= HL_WIRE_HEADER ? size - HL_WIRE_HEADER : size;
    msg_trip(body, len, 1);
    msg_trip(body, len, 0);
    hello_trip(body, len);
    error_trip(body, len);
    return 0;
}

/* ---- seeds ------------------------------------------------------------------ */

static void write_frame(const char *dir, const char *name, int type, const uint8_t *body,
                        size_t len)
{
    char path[4096];
    uint8_t hdr[HL_WIRE_HEADER];
    HlFrameHeader h = { HL_WIRE_VERSION, (uint8_t)type, 0, (uint32_t)len };
    FILE *f;
    hl_wire_header_write(hdr, &h);
    snprintf(path, sizeof path, "%s/seed-%s", dir, name);
    if (!(f = fopen(path, "wb")))
        return;
    fwrite(hdr, 1, sizeof hdr, f);
    if (len)
        fwrite(body, 1, len, f);
    fclose(f);
}

/* One message of every phase and direction, every field set. */
static void write_seeds(const char *dir)
{
    static char *cols[] = { "age", "city", "label" };
    static HlColKind kinds[] = { HL_COL_NUMERIC, HL_COL_TEXT, HL_COL_TEXT };
    static double params[] = { 1.5, -0.25, 3e-310, 7 }, col3[] = { 42.5, 0, 0 };
    static int64_t nonnull[] = { 10, 9, 12 }, c1[] = { 4, 5 }, c2[] = { 9, 3 };
    static char *v1[] = { "Paris", "Rome" }, *v2[] = { "no", "yes" };
    static HlCounts vocab[] = { { NULL, NULL, 0, 0 }, { v1, c1, 2, 1 }, { v2, c2, 2, 0 } };
    static uint8_t blob[] = { 2, 0, 1, 0xff };
    static const char *const names[] = { "", "schema", "stats", "setup", "train", "eval", "secagg", "quality" };
    for (int t = HL_MSG_SCHEMA; t <= HL_MSG_QUALITY; t++)
        for (int is_request = 0; is_request <= 1; is_request++) {
            HlMsg m = {
                .type = (HlMsgType)t, .source = "patients", .columns = cols, .ncolumns = 3,
                .seed = 0x0123456789abcdefULL, .round = 3, .validation_split = 0.2,
                .params = params, .nparams = 4, .encoding = "{\"features\":[]}",
                .train_config = "{\"epochs\":5}", .eval_split = 1, .clip = 1.5,
                .weight_scale = 0.01, .dp_shares = 3, .dp_noise = 1.1, .dp_count_noise = 0.5,
                .blob = blob, .blob_len = sizeof blob, .table = "patients", .kinds = kinds,
                .rows = 31, .rows_train = 25, .rows_valid = 6, .rows_skipped = 1,
                .sums = col3, .sumsq = col3, .nonnull = nonnull, .vocab = vocab, .nvocab = 3,
                .loss_before = 0.7, .loss_after = 0.5, .steps = 40, .dp_report = 0.5,
                .dp_clip = 0.9, .metrics = params, .nmetrics = 4,
                .quality = params, .nquality = 4,
            };
            uint8_t *body = NULL;
            size_t len = 0;
            hl_err err;
            char name[32];
            hl_err_clear(&err);
            if (hl_wire_encode_msg(&m, is_request, &body, &len, &err) != HELIOS_OK) {
                fprintf(stderr, "fuzz_wire: seed %s: %s\n", names[t], err.msg);
                continue;
            }
            snprintf(name, sizeof name, "%s-%s", names[t], is_request ? "request" : "response");
            write_frame(dir, name, is_request ? HL_FRAME_REQUEST : HL_FRAME_RESPONSE, body, len);
            free(body);
        }
    HlWireHello hello = { 1, 1, "hospital-a", 7, "0.1.0", HL_WIRE_F_KNOWN, 12.5, 1, 1, 3 };
    uint8_t *body = NULL;
    size_t len = 0;
    hl_err err;
    hl_err_clear(&err);
    if (hl_wire_encode_hello(&hello, &body, &len, &err) == HELIOS_OK)
        write_frame(dir, "hello", HL_FRAME_HELLO, body, len);
    free(body);
    body = NULL;
    if (hl_wire_encode_error(HELIOS_NOTFOUND, "table 'x' has no column 'bmi'", &body, &len,
                             &err) == HELIOS_OK)
        write_frame(dir, "error", HL_FRAME_ERROR, body, len);
    free(body);
    write_frame(dir, "ping", HL_FRAME_PING, (const uint8_t *)"12345678", 8);
    write_frame(dir, "bye", HL_FRAME_BYE, NULL, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("HL_FUZZ_SEEDS");
    (void)argc;
    (void)argv;
    if (dir && *dir)
        write_seeds(dir);
    return 0;
}
