/*
 * test_wire.c - the wire codec (src/net/wire.h).
 *
 * What it protects: the frame header's bytes (against a header written out
 * by hand) and each reason a header is refused, with its message; an HlMsg
 * of every phase, request and response, every field set, through encode
 * and decode: what node.h lists for the phase arrives bit for bit (doubles
 * compared as bits: NaN payloads, -0, denormals), nothing else travels;
 * bodies against the protobuf wire format worked out by hand (tensors as
 * raw little-endian doubles); every truncation of encoded bodies refused,
 * byte flips refused or decoded to something that encodes again; HELLO and
 * ERROR the same way.  A hostile peer's bodies: test_wire_hostile.c.  Run
 * both under ASan for the "nothing leaks" half (build-asan).
 */
#include "wire_helpers.h"

/* The members node.h lists for each phase, written out here on their own
 * (not taken from wire.c's tables). */
enum {
    SOURCE = 1 << 0, COLUMNS = 1 << 1, SEED = 1 << 2, ROUND = 1 << 3, VSPLIT = 1 << 4,
    PARAMS = 1 << 5, ENCODING = 1 << 6, CONFIG = 1 << 7, EVAL_SPLIT = 1 << 8, CLIP = 1 << 9,
    WSCALE = 1 << 10, DP_SHARES = 1 << 11, DP_NOISE = 1 << 12, DP_COUNT = 1 << 13, BLOB = 1 << 14,
    TABLE = 1 << 15, KINDS = 1 << 16, ROWS = 1 << 17, ROWS_TRAIN = 1 << 18, ROWS_VALID = 1 << 19,
    ROWS_SKIPPED = 1 << 20, SUMS = 1 << 21, NONNULL = 1 << 22, VOCAB = 1 << 23, LOSSES = 1 << 24,
    STEPS = 1 << 25, DP_REPORT = 1 << 26, DP_CLIP = 1 << 27, METRICS = 1 << 28,
    VERSION = 1 << 29, EVAL_FIRST = 1u << 30, CODE = 1u << 31
};
#define QUALITY (1ull << 32)    /* the QUALITY response's statistics (past an enum's int) */
/* a coded model or update: update_bits, _p, _scale, _values (and _idx in a
 * response) */

static unsigned long long phase_fields(HlMsgType type, int is_request)
{
    static const unsigned long long req[] = {
        [HL_MSG_SCHEMA] = SOURCE | COLUMNS,
        [HL_MSG_STATS] = SOURCE | COLUMNS | KINDS,
        [HL_MSG_SETUP] = SOURCE | ENCODING | SEED | VSPLIT,
        [HL_MSG_TRAIN] = CONFIG | PARAMS | SEED | ROUND | CLIP | WSCALE | DP_SHARES | DP_NOISE
                       | DP_COUNT | VERSION | CODE | EVAL_FIRST | EVAL_SPLIT,
        [HL_MSG_EVAL] = CONFIG | PARAMS | EVAL_SPLIT | VERSION | CODE,
        [HL_MSG_SECAGG] = BLOB,
        [HL_MSG_QUALITY] = SOURCE | COLUMNS,
    };
    static const unsigned long long resp[] = {
        [HL_MSG_SCHEMA] = TABLE | KINDS | NONNULL | ROWS,
        [HL_MSG_STATS] = KINDS | ROWS | ROWS_SKIPPED | NONNULL | SUMS | VOCAB,
        [HL_MSG_SETUP] = ROWS | ROWS_SKIPPED | ROWS_TRAIN | ROWS_VALID,
        [HL_MSG_TRAIN] = PARAMS | ROWS_TRAIN | LOSSES | STEPS | DP_REPORT | DP_CLIP | METRICS
                       | CODE,
        [HL_MSG_EVAL] = METRICS | ROWS,
        [HL_MSG_SECAGG] = BLOB,
        [HL_MSG_QUALITY] = TABLE | KINDS | NONNULL | ROWS | QUALITY,
    };
    return is_request ? req[type] : resp[type];
}

static const char *phase_name(HlMsgType t)
{
    static const char *const names[] = { "?", "SCHEMA", "STATS", "SETUP", "TRAIN", "EVAL", "SECAGG", "QUALITY" };
    return names[t];
}

#define FIELD(bit, sent, absent) do { int ok_ = (mask & (bit)) ? (sent) : (absent); unit_checks++; \
    if (!ok_) { unit_failed++; fprintf(stderr, "%s:%d: %s %s: %s %s\n", __FILE__, __LINE__, \
        phase_name(a->type), is_request ? "request" : "response", #bit, \
        (mask & (bit)) ? "did not arrive intact" : "travelled though the phase does not use it"); } \
    } while (0)

/* b (decoded) against a (sent): the phase's members equal, bit for bit;
 * the others zero. */
static void check_same(const HlMsg *a, const HlMsg *b, int is_request)
{
    unsigned long long mask = phase_fields(a->type, is_request);
    int ncol = is_request ? a->ncolumns : a->nvocab;
    CHECK_INT(b->type, a->type);
    FIELD(SOURCE, same_str(a->source, b->source), !b->source);
    FIELD(COLUMNS, b->ncolumns == a->ncolumns && b->columns && same_str(a->columns[0], b->columns[0])
          && same_str(a->columns[1], b->columns[1]) && same_str(a->columns[2], b->columns[2]),
          !b->columns && !b->ncolumns);
    FIELD(SEED, b->seed == a->seed, !b->seed);
    FIELD(ROUND, b->round == a->round, !b->round);
    FIELD(VSPLIT, same_bits(&a->validation_split, &b->validation_split, 1), !b->validation_split);
    FIELD(PARAMS, b->nparams == a->nparams && same_bits(a->params, b->params, a->nparams),
          !b->params && !b->nparams);
    FIELD(ENCODING, same_str(a->encoding, b->encoding), !b->encoding);
    FIELD(CONFIG, same_str(a->train_config, b->train_config), !b->train_config);
    FIELD(EVAL_SPLIT, b->eval_split == a->eval_split, !b->eval_split);
    FIELD(CLIP, same_bits(&a->clip, &b->clip, 1), !b->clip);
    FIELD(WSCALE, same_bits(&a->weight_scale, &b->weight_scale, 1), !b->weight_scale);
    FIELD(DP_SHARES, b->dp_shares == a->dp_shares, !b->dp_shares);
    FIELD(DP_NOISE, same_bits(&a->dp_noise, &b->dp_noise, 1), !b->dp_noise);
    FIELD(DP_COUNT, same_bits(&a->dp_count_noise, &b->dp_count_noise, 1), !b->dp_count_noise);
    FIELD(BLOB, b->blob_len == a->blob_len && b->blob && !memcmp(a->blob, b->blob, a->blob_len),
          !b->blob && !b->blob_len);
    FIELD(TABLE, same_str(a->table, b->table), !b->table);
    FIELD(KINDS, b->kinds && !memcmp(a->kinds, b->kinds, (size_t)ncol * sizeof *a->kinds), !b->kinds);
    /* the per-column arrays of a response have nvocab entries */
    if (!is_request)
        CHECK_INT(b->nvocab, (mask & (KINDS | NONNULL | SUMS | VOCAB)) ? a->nvocab : 0);
    else
        CHECK_INT(b->nvocab, 0);
    FIELD(ROWS, b->rows == a->rows, !b->rows);
    FIELD(ROWS_TRAIN, b->rows_train == a->rows_train, !b->rows_train);
    FIELD(ROWS_VALID, b->rows_valid == a->rows_valid, !b->rows_valid);
    FIELD(ROWS_SKIPPED, b->rows_skipped == a->rows_skipped, !b->rows_skipped);
    FIELD(SUMS, same_bits(a->sums, b->sums, a->nvocab) && same_bits(a->sumsq, b->sumsq, a->nvocab),
          !b->sums && !b->sumsq);
    FIELD(NONNULL, b->nonnull && !memcmp(a->nonnull, b->nonnull, 3 * sizeof *a->nonnull),
          !b->nonnull);
    FIELD(VOCAB, b->vocab && same_counts(&a->vocab[0], &b->vocab[0])
          && same_counts(&a->vocab[1], &b->vocab[1]) && same_counts(&a->vocab[2], &b->vocab[2]),
          !b->vocab);
    FIELD(LOSSES, same_bits(&a->loss_before, &b->loss_before, 1)
          && same_bits(&a->loss_after, &b->loss_after, 1), !b->loss_before && !b->loss_after);
    FIELD(STEPS, b->steps == a->steps, !b->steps);
    FIELD(DP_REPORT, same_bits(&a->dp_report, &b->dp_report, 1), !b->dp_report);
    FIELD(DP_CLIP, same_bits(&a->dp_clip, &b->dp_clip, 1), !b->dp_clip);
    FIELD(QUALITY, b->nquality == a->nquality && same_bits(a->quality, b->quality, a->nquality),
          !b->quality && !b->nquality);
    FIELD(METRICS, b->nmetrics == a->nmetrics && same_bits(a->metrics, b->metrics, a->nmetrics),
          !b->metrics && !b->nmetrics);
    FIELD(VERSION, b->version == a->version && b->down_base == a->down_base,
          !b->version && !b->down_base);
    FIELD(EVAL_FIRST, b->eval_first == a->eval_first, !b->eval_first);
    FIELD(CODE, b->update_bits == a->update_bits && b->update_p == a->update_p
          && same_bits(&a->update_scale, &b->update_scale, 1)
          && b->update_values_len == a->update_values_len
          && !memcmp(a->update_values, b->update_values, a->update_values_len)
          && (is_request ? !b->update_idx
              : b->update_idx_len == a->update_idx_len
                && !memcmp(a->update_idx, b->update_idx, a->update_idx_len)),
          !b->update_bits && !b->update_values && !b->update_idx);
}

/* ---- frame headers ------------------------------------------------------ */

static int parse_err(const uint8_t *hdr, size_t n, const char *want)
{
    HlFrameHeader h;
    hl_err err;
    hl_err_clear(&err);
    int rc = hl_wire_header_parse(hdr, n, &h, &err);
    CHECK_STR(err.msg, want);
    return rc;
}

static void test_header(void)
{
    /* by hand: "HLNP", version 1, REQUEST (2), flags 0x0003 LE, length
     * 0x01020304 LE, reserved 0 */
    static const uint8_t want[16] = { 'H', 'L', 'N', 'P', 1, 2, 3, 0, 4, 3, 2, 1, 0, 0, 0, 0 };
    uint8_t hdr[16];
    HlFrameHeader h = { HL_WIRE_VERSION, HL_FRAME_REQUEST, HL_WIRE_F_ZSTD | HL_WIRE_F_SEALED,
                        0x01020304 }, back;
    hl_err err;
    hl_err_clear(&err);
    memset(hdr, 0xee, sizeof hdr);
    hl_wire_header_write(hdr, &h);
    CHECK(memcmp(hdr, want, 16) == 0);
    CHECK_INT(hl_wire_header_parse(hdr, 16, &back, &err), HELIOS_OK);
    CHECK(back.version == 1 && back.type == HL_FRAME_REQUEST && back.flags == 3
          && back.length == 0x01020304);
    /* every type, at its bound */
    for (int t = HL_FRAME_HELLO; t <= HL_FRAME_BYE; t++) {
        h = (HlFrameHeader){ 1, (uint8_t)t, 0, hl_wire_max_length(t) };
        hl_wire_header_write(hdr, &h);
        CHECK_INT(hl_wire_header_parse(hdr, 16, &back, &err), HELIOS_OK);
        CHECK(back.type == t && back.length == hl_wire_max_length(t));
    }
    CHECK_STR(hl_wire_frame_name(HL_FRAME_PONG), "PONG");
    CHECK_STR(hl_wire_frame_name(0), "?");
    CHECK_STR(hl_wire_frame_name(8), "?");
    CHECK(hl_wire_max_length(HL_FRAME_REQUEST) == 256u << 20);
    CHECK(hl_wire_max_length(HL_FRAME_BYE) == 4096);
    CHECK(hl_wire_max_length(0) == 0 && hl_wire_max_length(99) == 0);
}

static void test_header_errors(void)
{
    uint8_t good[16], bad[16];
    HlFrameHeader h = { 1, HL_FRAME_REQUEST, 0, 100 };
    hl_wire_header_write(good, &h);
    CHECK_INT(parse_err(good, 15, "truncated frame header: 15 of 16 bytes"), HELIOS_ERROR);
    CHECK_INT(parse_err(good, 0, "truncated frame header: 0 of 16 bytes"), HELIOS_ERROR);
    CHECK_INT(parse_err((const uint8_t *)"GET / HTTP/1.1\r\n", 16,
                        "not a helios frame: magic 47 45 54 20 (\"HLNP\" expected)"), HELIOS_ERROR);
    /* a TLS ClientHello, from a peer that speaks TLS where we expect frames */
    memcpy(bad, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\x00\x00\x00\x00", 16);
    parse_err(bad, 16, "not a helios frame: magic 16 03 01 02 (\"HLNP\" expected)");
    memcpy(bad, good, 16);
    bad[4] = 2;
    parse_err(bad, 16, "frame of protocol version 2 (this build speaks 1)");
    bad[4] = 0;
    parse_err(bad, 16, "frame of protocol version 0 (this build speaks 1)");
    memcpy(bad, good, 16);
    bad[5] = 0;
    parse_err(bad, 16, "unknown frame type 0");
    bad[5] = 8;
    parse_err(bad, 16, "unknown frame type 8");
    bad[5] = 255;
    parse_err(bad, 16, "unknown frame type 255");
    memcpy(bad, good, 16);
    bad[6] = 0x08;
    parse_err(bad, 16, "REQUEST frame with unknown flags 0x0008");
    bad[6] = 0x03;
    bad[7] = 0x80;
    parse_err(bad, 16, "REQUEST frame with unknown flags 0x8000");
    bad[6] = 0x05;      /* zstd and lz4 at once */
    bad[7] = 0;
    parse_err(bad, 16, "REQUEST frame flagged both zstd and lz4");
    bad[6] = 0x06;      /* lz4 and sealed: fine */
    CHECK_INT(parse_err(bad, 16, ""), HELIOS_OK);
    memcpy(bad, good, 16);
    bad[12] = 1;
    parse_err(bad, 16, "REQUEST frame with reserved field 0x00000001 (0 expected)");
    memcpy(bad, good, 16);
    bad[15] = 0x80;
    parse_err(bad, 16, "REQUEST frame with reserved field 0x80000000 (0 expected)");
    h = (HlFrameHeader){ 1, HL_FRAME_RESPONSE, 0, HL_WIRE_MAX_BODY + 1 };
    hl_wire_header_write(bad, &h);
    parse_err(bad, 16, "RESPONSE frame of 268435457 bytes (at most 268435456)");
    h = (HlFrameHeader){ 1, HL_FRAME_PING, 0, 4097 };
    hl_wire_header_write(bad, &h);
    parse_err(bad, 16, "PING frame of 4097 bytes (at most 4096)");
    h = (HlFrameHeader){ 1, HL_FRAME_HELLO, 0, 0xffffffff };
    hl_wire_header_write(bad, &h);
    parse_err(bad, 16, "HELLO frame of 4294967295 bytes (at most 4096)");
}

/* ---- messages: round trips -------------------------------------------------------- */

static void test_round_trips(void)
{
    hl_err err;
    for (int t = HL_MSG_SCHEMA; t <= HL_MSG_QUALITY; t++)
        for (int is_request = 0; is_request <= 1; is_request++) {
            HlMsg a, b, c;
            uint8_t *body = NULL, *again = NULL;
            size_t len = 0, len2 = 0;
            fill_all(&a, (HlMsgType)t);
            memset(&b, 0, sizeof b);
            memset(&c, 0, sizeof c);
            hl_err_clear(&err);
            CHECK_INT(hl_wire_encode_msg(&a, is_request, &body, &len, &err), HELIOS_OK);
            CHECK_STR(err.msg, "");
            CHECK_INT(hl_wire_decode_msg(body, len, is_request, &b, &err), HELIOS_OK);
            CHECK_STR(err.msg, "");
            check_same(&a, &b, is_request);
            /* what decodes encodes again, to the same bytes */
            CHECK_INT(hl_wire_encode_msg(&b, is_request, &again, &len2, &err), HELIOS_OK);
            CHECK(len2 == len && again && memcmp(body, again, len) == 0);
            /* a request is not a response: the other direction reads it as
             * a message of the same phase whose fields are all unknown */
            (void)hl_wire_decode_msg(body, len, !is_request, &c, &err);
            hl_msg_clear(&c);
            hl_msg_clear(&a);
            hl_msg_clear(&b);
            free(body);
            free(again);
        }
}

/* A TRAIN response under secure aggregation has no parameters: absent is
 * not empty.  A STATS request without kinds leaves them to the node. */
static void test_absent_fields(void)
{
    HlMsg a = { .type = HL_MSG_TRAIN, .rows_train = 5 }, b;
    uint8_t *body = NULL;
    size_t len = 0;
    hl_err err;
    hl_err_clear(&err);
    memset(&b, 0, sizeof b);
    CHECK_INT(hl_wire_encode_msg(&a, 0, &body, &len, &err), HELIOS_OK);
    CHECK_INT(hl_wire_decode_msg(body, len, 0, &b, &err), HELIOS_OK);
    CHECK(b.params == NULL && b.nparams == 0 && b.rows_train == 5);
    free(body);
    hl_msg_clear(&b);
    /* zero parameters sent are not none */
    double none[1];
    a.params = none;
    CHECK_INT(hl_wire_encode_msg(&a, 0, &body, &len, &err), HELIOS_OK);
    CHECK_INT(hl_wire_decode_msg(body, len, 0, &b, &err), HELIOS_OK);
    CHECK(b.params != NULL && b.nparams == 0);
    free(body);
    hl_msg_clear(&b);
    char *cols[] = { "x", "y" };
    HlMsg s = { .type = HL_MSG_STATS, .columns = cols, .ncolumns = 2 };
    CHECK_INT(hl_wire_encode_msg(&s, 1, &body, &len, &err), HELIOS_OK);
    CHECK_INT(hl_wire_decode_msg(body, len, 1, &b, &err), HELIOS_OK);
    CHECK(b.kinds == NULL && b.source == NULL && b.ncolumns == 2 && same_str(b.columns[1], "y"));
    free(body);
    hl_msg_clear(&b);
    /* an empty source is a source */
    s.source = "";
    CHECK_INT(hl_wire_encode_msg(&s, 1, &body, &len, &err), HELIOS_OK);
    CHECK_INT(hl_wire_decode_msg(body, len, 1, &b, &err), HELIOS_OK);
    CHECK_STR(b.source, "");
    free(body);
    hl_msg_clear(&b);
}

/* ---- messages: the bytes, worked out by hand from the protobuf encoding ------------- */

static void check_bytes(const HlMsg *m, int is_request, const uint8_t *want, size_t n)
{
    uint8_t *body = NULL;
    size_t len = 0;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_msg(m, is_request, &body, &len, &err), HELIOS_OK);
    CHECK_INT(len, n);
    CHECK(body && len == n && memcmp(body, want, n) == 0);
    if (body && (len != n || memcmp(body, want, n) != 0)) {
        fprintf(stderr, "  got:");
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, " %02x", body[i]);
        fprintf(stderr, "\n");
    }
    free(body);
}

static void test_golden_bodies(void)
{
    /* Request.secagg (field 6, length-delimited: tag 6 << 3 | 2 = 0x32),
     * 5 bytes: SecaggRequest.blob (field 1: 0x0a), 3 bytes 01 02 03 */
    uint8_t blob[] = { 1, 2, 3 };
    HlMsg sa = { .type = HL_MSG_SECAGG, .blob = blob, .blob_len = 3 };
    check_bytes(&sa, 1, (const uint8_t *)"\x32\x05\x0a\x03\x01\x02\x03", 7);
    /* Response.train (field 4: 0x22), 21 bytes: TrainResponse.params (0x0a,
     * 16 bytes: 1.0 = 0x3ff0000000000000 and -2.0 = 0xc000000000000000,
     * little-endian), steps (field 5, varint: 0x28) 300 = ac 02; the zero
     * rows_train is not sent */
    double params[] = { 1.0, -2.0 };
    HlMsg tr = { .type = HL_MSG_TRAIN, .params = params, .nparams = 2, .steps = 300 };
    check_bytes(&tr, 0, (const uint8_t *)"\x22\x15\x0a\x10"
                "\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\xc0\x28\xac\x02", 23);
    /* Request.schema (0x0a), 6 bytes: columns (field 2: 0x12) "a", "b" */
    char *cols[] = { "a", "b" };
    HlMsg sc = { .type = HL_MSG_SCHEMA, .columns = cols, .ncolumns = 2 };
    check_bytes(&sc, 1, (const uint8_t *)"\x0a\x06\x12\x01\x61\x12\x01\x62", 8);
    /* Response.stats (0x12), 6 bytes: ncolumns (field 1, varint: 0x08) 2,
     * kinds packed (field 2: 0x12) 2 bytes 01 02 */
    HlColKind kinds[] = { HL_COL_NUMERIC, HL_COL_TEXT };
    HlMsg st = { .type = HL_MSG_STATS, .nvocab = 2, .kinds = kinds };
    check_bytes(&st, 0, (const uint8_t *)"\x12\x06\x08\x02\x12\x02\x01\x02", 8);
    /* Request.setup (0x1a), 11 bytes: encoding (field 2: 0x12) "{}", seed
     * (field 3, fixed64: 0x19) 0x0102030405060708 little-endian */
    HlMsg se = { .type = HL_MSG_SETUP, .encoding = "{}", .seed = 0x0102030405060708ULL };
    check_bytes(&se, 1, (const uint8_t *)"\x1a\x0d\x12\x02{}\x19\x08\x07\x06\x05\x04\x03\x02\x01",
                15);
    /* Response.setup with every count 0: an empty SetupResponse */
    HlMsg empty = { .type = HL_MSG_SETUP };
    check_bytes(&empty, 0, (const uint8_t *)"\x1a\x00", 2);
}

/* ---- messages: cut short, and bytes flipped ---------------------------------------------- */

/* Every prefix of every body is refused (the phase wraps the whole body,
 * so a cut anywhere leaves a length that runs past the end, or no phase);
 * flipped bytes are refused or decode to what encodes again. */
static void test_truncated_and_flipped(void)
{
    int truncated_ok = 0, flips = 0, flips_refused = 0, flips_bad = 0, cleared = 1;
    hl_err err;
    for (int t = HL_MSG_SCHEMA; t <= HL_MSG_QUALITY; t++)
        for (int is_request = 0; is_request <= 1; is_request++) {
            HlMsg a, b;
            uint8_t *body = NULL;
            size_t len = 0;
            fill_all(&a, (HlMsgType)t);
            hl_err_clear(&err);
            CHECK_INT(hl_wire_encode_msg(&a, is_request, &body, &len, &err), HELIOS_OK);
            for (size_t n = 0; n < len; n++) {
                uint8_t *cut = malloc(n + 1);    /* exactly n bytes readable: ASan sees overreads */
                memcpy(cut, body, n);
                memset(&b, 0, sizeof b);
                hl_err_clear(&err);
                if (hl_wire_decode_msg(n ? cut : NULL, n, is_request, &b, &err) == HELIOS_OK) {
                    truncated_ok++;
                    fprintf(stderr, "%s %s: a cut at %zu of %zu bytes decoded\n",
                            phase_name((HlMsgType)t), is_request ? "request" : "response", n, len);
                }
                cleared &= is_zero(&b);
                hl_msg_clear(&b);
                free(cut);
            }
            static const uint8_t masks[] = { 0x01, 0x80, 0xff, 0x40 };
            for (size_t i = 0; i < len; i++)
                for (size_t k = 0; k < sizeof masks; k++) {
                    uint8_t *x = malloc(len);
                    memcpy(x, body, len);
                    x[i] ^= masks[k];
                    memset(&b, 0, sizeof b);
                    hl_err_clear(&err);
                    flips++;
                    if (hl_wire_decode_msg(x, len, is_request, &b, &err) != HELIOS_OK) {
                        flips_refused++;
                        cleared &= is_zero(&b);
                    } else {
                        uint8_t *again = NULL;
                        size_t len2 = 0;
                        HlMsg c;
                        memset(&c, 0, sizeof c);
                        if (hl_wire_encode_msg(&b, is_request, &again, &len2, &err) != HELIOS_OK
                            || hl_wire_decode_msg(again, len2, is_request, &c, &err) != HELIOS_OK)
                            flips_bad++;
                        hl_msg_clear(&c);
                        free(again);
                    }
                    hl_msg_clear(&b);
                    free(x);
                }
            hl_msg_clear(&a);
            free(body);
        }
    CHECK_INT(truncated_ok, 0);
    CHECK_INT(flips_bad, 0);
    CHECK(cleared);
    /* most bytes are data (doubles, characters), where a flip makes
     * another valid message; those in tags, lengths, counts and enums are
     * refused: 613 of 2832 when this was written */
    CHECK(flips_refused > flips / 10 && flips_refused < flips);
}

/* ---- ERROR ---------------------------------------------------------------------------------- */

static void test_error_bodies(void)
{
    uint8_t *body = NULL;
    size_t len = 0;
    int code = 0;
    char msg[HL_ERR_MSG_MAX];
    hl_err err;
    hl_err_clear(&err);
    /* by hand: message (field 1) "no", code (field 2, varint) 4 */
    CHECK_INT(hl_wire_encode_error(HELIOS_NOTFOUND, "no", &body, &len, &err), HELIOS_OK);
    CHECK(len == 6 && memcmp(body, "\x0a\x02no\x10\x04", 6) == 0);
    CHECK_INT(hl_wire_decode_error(body, len, &code, msg, sizeof msg, &err), HELIOS_OK);
    CHECK_INT(code, HELIOS_NOTFOUND);
    CHECK_STR(msg, "no");
    for (size_t n = 0; n < len; n++)
        CHECK_INT(hl_wire_decode_error(body, n, &code, msg, sizeof msg, &err), HELIOS_ERROR);
    free(body);
    /* control characters go as '?'; the message is cut on a character */
    CHECK_INT(hl_wire_encode_error(HELIOS_ERROR, "node 'a':\ttable\n\x1b[31mx", &body, &len, &err),
              HELIOS_OK);
    CHECK_INT(hl_wire_decode_error(body, len, &code, msg, sizeof msg, &err), HELIOS_OK);
    CHECK_STR(msg, "node 'a':?table??[31mx");
    free(body);
    char big[HL_WIRE_MAX_ERRMSG + 8];
    memset(big, 'x', HL_WIRE_MAX_ERRMSG - 1);
    strcpy(big + HL_WIRE_MAX_ERRMSG - 1, "\xc3\xa9z");     /* an e-acute across the bound */
    CHECK_INT(hl_wire_encode_error(HELIOS_ERROR, big, &body, &len, &err), HELIOS_OK);
    char out[HL_WIRE_MAX_ERRMSG + 8];
    CHECK_INT(hl_wire_decode_error(body, len, &code, out, sizeof out, &err), HELIOS_OK);
    CHECK_INT(strlen(out), HL_WIRE_MAX_ERRMSG - 1);
    free(body);
    CHECK_INT(hl_wire_encode_error(HELIOS_ERROR, "h\xc3\xa9llo", &body, &len, &err), HELIOS_OK);
    char small[5];
    CHECK_INT(hl_wire_decode_error(body, len, &code, small, sizeof small, &err), HELIOS_OK);
    CHECK_STR(small, "h\xc3\xa9l");
    char tiny[3];
    CHECK_INT(hl_wire_decode_error(body, len, &code, tiny, sizeof tiny, &err), HELIOS_OK);
    CHECK_STR(tiny, "h");
    free(body);
    CHECK_INT(hl_wire_encode_error(HELIOS_MISUSE, NULL, &body, &len, &err), HELIOS_OK);
    CHECK_INT(hl_wire_decode_error(body, len, &code, msg, sizeof msg, &err), HELIOS_OK);
    CHECK(code == HELIOS_MISUSE && msg[0] == '\0');
    free(body);
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_error(HELIOS_OK, "fine", &body, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "cannot encode ERROR: 0 is not an error code");
    CHECK(body == NULL);

    /* hostile */
    static const struct { const char *body; size_t len; const char *want; } bad[] = {
        { "\x0a\x02no", 4, "malformed ERROR: no code" },
        { "\x10\x00", 2, "malformed ERROR: 0 is not an error code" },
        { "\x10\x0b", 2, "malformed ERROR: 11 is not an error code" },
        { "\x10\x64", 2, "malformed ERROR: 100 is not an error code" },
        { "\x0a\x02n\x1b\x10\x01", 6, "malformed ERROR: message holds control character 0x1b" },
        { "\x0a\x02n\x00\x10\x01", 6, "malformed ERROR: message holds control character 0x00" },
        { "\x0a\x02no\x10", 5, "malformed ERROR: not a hlwire.Error protocol buffer" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hl_err_clear(&err);
        CHECK_INT(hl_wire_decode_error((const uint8_t *)bad[i].body, bad[i].len, &code, msg,
                                       sizeof msg, &err), HELIOS_ERROR);
        CHECK_STR(err.msg, bad[i].want);
    }
    uint8_t longmsg[HL_WIRE_MAX_ERRMSG + 8] = { 0x0a, 0x81, 0x08 };    /* 1025 bytes */
    memset(longmsg + 3, 'x', HL_WIRE_MAX_ERRMSG + 1);
    longmsg[3 + HL_WIRE_MAX_ERRMSG + 1] = 0x10;
    longmsg[3 + HL_WIRE_MAX_ERRMSG + 2] = 0x01;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_decode_error(longmsg, HL_WIRE_MAX_ERRMSG + 6, &code, msg, sizeof msg, &err),
              HELIOS_ERROR);
    CHECK_STR(err.msg, "malformed ERROR: message of 1025 bytes (at most 1024)");
}

/* ---- HELLO ---------------------------------------------------------------------------------- */

static void hello_refused(const uint8_t *body, size_t len, const char *want)
{
    HlWireHello h;
    hl_err err;
    hl_err_clear(&err);
    memset(&h, 0xab, sizeof h);
    CHECK_INT(hl_wire_decode_hello(body, len, &h, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, want);
    CHECK(h.name == NULL && h.helios_version == NULL && h.version_min == 0);
}

static void test_hello(void)
{
    HlWireHello a = { .version_min = 1, .version_max = 3, .name = "hospital-a",
                      .node_id = 42, .helios_version = "0.1.0", .accepts = HL_WIRE_F_ZSTD }, b;
    uint8_t *body = NULL;
    size_t len = 0;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_hello(&a, &body, &len, &err), HELIOS_OK);
    /* by hand: version_min 1 (08 01), version_max 3 (10 03), node_id 42
     * (18 2a), accepts 1 (20 01), helios_version (2a 05 "0.1.0"), name
     * (32 0a "hospital-a") */
    CHECK(len == 27 && memcmp(body, "\x08\x01\x10\x03\x18\x2a\x20\x01\x2a\x05" "0.1.0"
                              "\x32\x0a" "hospital-a", 27) == 0);
    CHECK_INT(hl_wire_decode_hello(body, len, &b, &err), HELIOS_OK);
    CHECK(b.version_min == 1 && b.version_max == 3 && b.node_id == 42 && b.accepts == HL_WIRE_F_ZSTD);
    CHECK_STR(b.name, "hospital-a");
    CHECK_STR(b.helios_version, "0.1.0");
    hl_wire_hello_clear(&b);
    CHECK(b.name == NULL);
    hl_wire_hello_clear(NULL);
    for (size_t n = 0; n < len; n++) {
        HlWireHello c;
        CHECK_INT(hl_wire_decode_hello(body, n, &c, &err), HELIOS_ERROR);
        CHECK(c.name == NULL && c.helios_version == NULL);
    }
    free(body);

    HlWireHello x = { .version_min = 2, .version_max = 5 }, y = { .version_min = 1, .version_max = 1 };
    CHECK_INT(hl_wire_hello_version(&a, &x), 3);
    CHECK_INT(hl_wire_hello_version(&x, &y), 0);
    CHECK_INT(hl_wire_hello_version(&a, &y), 1);

    /* the encoder refuses what the decoder would */
    HlWireHello e = a;
    e.version_min = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_hello(&e, &body, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "cannot encode HELLO: versions 0 to 3 (1 <= min <= max <= 255 expected)");
    e = a;
    e.name = "a\nb";
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_hello(&e, &body, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "cannot encode HELLO: name holds control character 0x0a");
    e = a;
    e.helios_version = NULL;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_hello(&e, &body, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "cannot encode HELLO: helios_version of 0 bytes (1 to 255 expected)");
    e = a;
    e.accepts = 0x10;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_hello(&e, &body, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "cannot encode HELLO: unknown flags 0x10 accepted");
    e = a;
    e.node_id = -1;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_hello(&e, &body, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "cannot encode HELLO: node_id -1 (>= 0 expected)");

    /* hostile */
    hello_refused((const uint8_t *)"\x32\x01x\x2a\x01v", 6,
                  "malformed HELLO: versions 0 to 0 (1 <= min <= max <= 255 expected)");
    hello_refused((const uint8_t *)"\x08\x02\x10\x01\x2a\x01v\x32\x01x", 10,
                  "malformed HELLO: versions 2 to 1 (1 <= min <= max <= 255 expected)");
    hello_refused((const uint8_t *)"\x08\x01\x10\x80\x02\x2a\x01v\x32\x01x", 11,
                  "malformed HELLO: versions 1 to 256 (1 <= min <= max <= 255 expected)");
    hello_refused((const uint8_t *)"\x08\x01\x10\x01\x2a\x01v", 7,
                  "malformed HELLO: name of 0 bytes (1 to 255 expected)");
    hello_refused((const uint8_t *)"\x08\x01\x10\x01\x2a\x01v\x32\x02x\x7f", 11,
                  "malformed HELLO: name holds control character 0x7f");
    hello_refused((const uint8_t *)"\x08\x01\x10\x01\x32\x01x", 7,
                  "malformed HELLO: helios_version of 0 bytes (1 to 255 expected)");
    hello_refused((const uint8_t *)"\x08\x01\x10\x01\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
                  "\x2a\x01v\x32\x01x", 21, "malformed HELLO: node_id -1 (>= 0 expected)");
    /* flags this build does not know are dropped, not refused: a newer
     * peer may accept lz4 */
    CHECK_INT(hl_wire_decode_hello((const uint8_t *)"\x08\x01\x10\x01\x20\x07\x2a\x01v\x32\x01x", 12,
                                   &b, &err), HELIOS_OK);
    CHECK(b.accepts == (HL_WIRE_F_ZSTD | HL_WIRE_F_SEALED | HL_WIRE_F_LZ4));
    hl_wire_hello_clear(&b);
}

/* HELLO's later fields: the coordinator's max_bandwidth_mbps and seal go
 * after name (fields 7 and 8), are absent at 0, and a negative, NaN or
 * infinite bandwidth is refused both ways. */
static void test_hello_bandwidth_seal(void)
{
    HlWireHello a = { .version_min = 1, .version_max = 1, .name = "n", .helios_version = "v",
                      .max_bandwidth_mbps = 8, .seal = 1 }, b;
    uint8_t *body = NULL;
    size_t len = 0;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_hello(&a, &body, &len, &err), HELIOS_OK);
    /* ... name (32 01 "n"), then 39 and 8.0 as a little-endian double, then 40 01 */
    CHECK(len == 21 && memcmp(body, "\x08\x01\x10\x01\x2a\x01v\x32\x01n"
                              "\x39\x00\x00\x00\x00\x00\x00\x20\x40\x40\x01", 21) == 0);
    memset(&b, 0, sizeof b);
    CHECK_INT(hl_wire_decode_hello(body, len, &b, &err), HELIOS_OK);
    CHECK(b.max_bandwidth_mbps == 8 && b.seal == 1);
    hl_wire_hello_clear(&b);
    free(body);
    /* absent: not sent, read as 0 */
    a.max_bandwidth_mbps = 0;
    a.seal = 0;
    CHECK_INT(hl_wire_encode_hello(&a, &body, &len, &err), HELIOS_OK);
    CHECK_INT((int)len, 10);
    CHECK_INT(hl_wire_decode_hello(body, len, &b, &err), HELIOS_OK);
    CHECK(b.max_bandwidth_mbps == 0 && b.seal == 0);
    hl_wire_hello_clear(&b);
    free(body);
    /* the encoder refuses what the decoder would */
    static const double bad[] = { -1, NAN, INFINITY };
    for (int i = 0; i < 3; i++) {
        a.max_bandwidth_mbps = bad[i];
        hl_err_clear(&err);
        CHECK_INT(hl_wire_encode_hello(&a, &body, &len, &err), HELIOS_MISUSE);
        CHECK(strstr(err.msg, "cannot encode HELLO: max_bandwidth_mbps ") == err.msg);
        CHECK(strstr(err.msg, " (a finite number >= 0 expected)") != NULL);
    }
    a.max_bandwidth_mbps = 0;
    a.seal = 2;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_hello(&a, &body, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, "cannot encode HELLO: seal 2 (0 or 1 expected)");
    /* hostile: -1.0, a NaN, +inf */
    hello_refused((const uint8_t *)"\x08\x01\x10\x01\x2a\x01v\x32\x01n"
                  "\x39\x00\x00\x00\x00\x00\x00\xf0\xbf", 19,
                  "malformed HELLO: max_bandwidth_mbps -1 (a finite number >= 0 expected)");
    hello_refused((const uint8_t *)"\x08\x01\x10\x01\x2a\x01v\x32\x01n"
                  "\x39\x00\x00\x00\x00\x00\x00\xf8\x7f", 19,
                  "malformed HELLO: max_bandwidth_mbps nan (a finite number >= 0 expected)");
    hello_refused((const uint8_t *)"\x08\x01\x10\x01\x2a\x01v\x32\x01n"
                  "\x39\x00\x00\x00\x00\x00\x00\xf0\x7f", 19,
                  "malformed HELLO: max_bandwidth_mbps inf (a finite number >= 0 expected)");
}

int main(void)
{
    RUN(test_header);
    RUN(test_header_errors);
    RUN(test_round_trips);
    RUN(test_absent_fields);
    RUN(test_golden_bodies);
    RUN(test_truncated_and_flipped);
    RUN(test_error_bodies);
    RUN(test_hello);
    RUN(test_hello_bandwidth_seal);
    return unit_report();
}

