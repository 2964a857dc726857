/*
 * test_wire_hostile.c - the wire codec (src/net/wire.h) against a hostile
 * peer: for each check of the decoder, a body built with the generated
 * structs (or by hand, byte by byte, where they cannot express it) that
 * breaks it, refused with its exact message and the message left cleared;
 * bodies that are no message at all; the memory budget of decoding (a
 * body that would take far more memory than its size refused, an honest
 * large one not); and the encoder refusing what the decoder would.
 */
#include "wire_helpers.h"

#include "helios.pb-c.h"

/* ---- messages: a hostile peer ---------------------------------------------------------- */

/* Packs a generated phase message as the body of a request or response. */
static uint8_t *pack_body(int type, int is_request, const ProtobufCMessage *sub, size_t *len)
{
    Hlwire__Request rq = HLWIRE__REQUEST__INIT;
    Hlwire__Response rs = HLWIRE__RESPONSE__INIT;
    const ProtobufCMessage *outer = is_request ? &rq.base : &rs.base;
    void *p = (void *)sub;
    rq.phase_case = (Hlwire__Request__PhaseCase)type;
    rs.phase_case = (Hlwire__Response__PhaseCase)type;
    switch (type) {
    case HL_MSG_SCHEMA: rq.schema = p; rs.schema = p; break;
    case HL_MSG_STATS: rq.stats = p; rs.stats = p; break;
    case HL_MSG_SETUP: rq.setup = p; rs.setup = p; break;
    case HL_MSG_TRAIN: rq.train = p; rs.train = p; break;
    case HL_MSG_EVAL: rq.eval = p; rs.eval = p; break;
    case HL_MSG_QUALITY: rq.quality = p; rs.quality = p; break;
    default: rq.secagg = p; rs.secagg = p; break;
    }
    *len = protobuf_c_message_get_packed_size(outer);
    uint8_t *body = malloc(*len + 1);
    protobuf_c_message_pack(outer, body);
    return body;
}

/* The body must be refused with exactly want, and leave m cleared. */
static void refused(int type, int is_request, const ProtobufCMessage *sub, const char *want)
{
    size_t len;
    uint8_t *body = pack_body(type, is_request, sub, &len);
    HlMsg m;
    hl_err err;
    hl_err_clear(&err);
    memset(&m, 0, sizeof m);
    CHECK_INT(hl_wire_decode_msg(body, len, is_request, &m, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, want);
    CHECK(is_zero(&m));
    free(body);
}

#define BD(s) ((ProtobufCBinaryData){ sizeof(s) - 1, (uint8_t *)(s) })

static void test_hostile_requests(void)
{
    ProtobufCBinaryData cols[2] = { BD("a"), BD("b") };
    Hlwire__TrainRequest tr = HLWIRE__TRAIN_REQUEST__INIT;
    tr.has_train_config = tr.has_params = 1;
    tr.train_config = BD("{}");
    tr.params = BD("\0\0\0\0\0\0\0\0\0\0\0\0");
    refused(HL_MSG_TRAIN, 1, &tr.base,
            "malformed TRAIN request: params of 12 bytes is not a whole number of doubles");
    tr.params = BD("\0\0\0\0\0\0\0\0");
    tr.has_clip = 1;
    tr.clip = -1;
    refused(HL_MSG_TRAIN, 1, &tr.base,
            "malformed TRAIN request: clip is -1 (a finite number >= 0 expected)");
    tr.clip = HUGE_VAL;
    refused(HL_MSG_TRAIN, 1, &tr.base,
            "malformed TRAIN request: clip is inf (a finite number >= 0 expected)");
    tr.clip = 0;
    tr.has_round = 1;
    tr.round = -3;
    refused(HL_MSG_TRAIN, 1, &tr.base, "malformed TRAIN request: round is -3 (>= 0 expected)");
    tr.round = 0;
    tr.has_params = 0;
    refused(HL_MSG_TRAIN, 1, &tr.base, "malformed TRAIN request: params is missing");
    tr.has_params = 1;
    tr.has_train_config = 0;
    refused(HL_MSG_TRAIN, 1, &tr.base, "malformed TRAIN request: train_config is missing");
    tr.has_train_config = 1;
    tr.train_config = BD("{\"a\":\0}");
    refused(HL_MSG_TRAIN, 1, &tr.base, "malformed TRAIN request: train_config holds a NUL byte");

    Hlwire__SchemaRequest sc = HLWIRE__SCHEMA_REQUEST__INIT;
    refused(HL_MSG_SCHEMA, 1, &sc.base,
            "malformed SCHEMA request: columns is empty (the target at least expected)");
    ProtobufCBinaryData nul[2] = { BD("age"), BD("a\0b") };
    sc.n_columns = 2;
    sc.columns = nul;
    refused(HL_MSG_SCHEMA, 1, &sc.base, "malformed SCHEMA request: columns[1] holds a NUL byte");
    static char longname[HL_WIRE_MAX_NAME + 2];
    memset(longname, 'x', HL_WIRE_MAX_NAME + 1);
    sc.columns = cols;
    sc.has_source = 1;
    sc.source = (ProtobufCBinaryData){ HL_WIRE_MAX_NAME + 1, (uint8_t *)longname };
    refused(HL_MSG_SCHEMA, 1, &sc.base,
            "malformed SCHEMA request: source of 4097 bytes (at most 4096)");
    sc.source = (ProtobufCBinaryData){ HL_WIRE_MAX_NAME, (uint8_t *)longname };
    sc.columns[0] = sc.source;
    sc.has_source = 0;
    {   /* 4096 bytes is a name still */
        size_t len;
        uint8_t *body = pack_body(HL_MSG_SCHEMA, 1, &sc.base, &len);
        HlMsg m = { .type = 0 };
        hl_err err;
        hl_err_clear(&err);
        CHECK_INT(hl_wire_decode_msg(body, len, 1, &m, &err), HELIOS_OK);
        CHECK(m.ncolumns == 2 && strlen(m.columns[0]) == HL_WIRE_MAX_NAME);
        hl_msg_clear(&m);
        free(body);
    }
    cols[0] = BD("a");

    Hlwire__StatsRequest st = HLWIRE__STATS_REQUEST__INIT;
    int kinds[3] = { 1, 3, 2 };
    st.n_columns = 2;
    st.columns = cols;
    st.n_kinds = 2;
    st.kinds = (Hlwire__ColKind *)kinds;
    refused(HL_MSG_STATS, 1, &st.base,
            "malformed STATS request: kinds[1] is 3 (1 numeric or 2 text expected)");
    st.n_kinds = 1;
    refused(HL_MSG_STATS, 1, &st.base, "malformed STATS request: kinds has 1 entry for 2 columns");
    st.n_kinds = 3;
    kinds[1] = 1;
    refused(HL_MSG_STATS, 1, &st.base, "malformed STATS request: kinds has 3 entries for 2 columns");

    Hlwire__SetupRequest se = HLWIRE__SETUP_REQUEST__INIT;
    refused(HL_MSG_SETUP, 1, &se.base, "malformed SETUP request: encoding is missing");
    se.has_encoding = 1;
    se.encoding = BD("{}");
    se.has_validation_split = 1;
    se.validation_split = 1.0;
    refused(HL_MSG_SETUP, 1, &se.base,
            "malformed SETUP request: validation_split is 1 (0 <= x < 1 expected)");
    se.validation_split = -0.25;
    refused(HL_MSG_SETUP, 1, &se.base,
            "malformed SETUP request: validation_split is -0.25 (0 <= x < 1 expected)");

    Hlwire__EvalRequest ev = HLWIRE__EVAL_REQUEST__INIT;
    ev.has_train_config = ev.has_params = ev.has_eval_split = 1;
    ev.train_config = BD("{}");
    ev.eval_split = (Hlwire__EvalSplit)3;
    refused(HL_MSG_EVAL, 1, &ev.base,
            "malformed EVAL request: eval_split is 3 (0 training, 1 validation or 2 all expected)");
    ev.eval_split = (Hlwire__EvalSplit)-1;
    refused(HL_MSG_EVAL, 1, &ev.base,
            "malformed EVAL request: eval_split is -1 (0 training, 1 validation or 2 all expected)");

    Hlwire__SecaggRequest sa = HLWIRE__SECAGG_REQUEST__INIT;
    refused(HL_MSG_SECAGG, 1, &sa.base, "malformed SECAGG request: blob is missing");
}

static void test_hostile_responses(void)
{
    Hlwire__StatsResponse st = HLWIRE__STATS_RESPONSE__INIT;
    st.has_ncolumns = 1;
    st.ncolumns = 40000;
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: ncolumns is 40000 (at most 32767 columns)");
    st.ncolumns = 2;
    st.has_sums = 1;
    st.sums = BD("\0\0\0\0\0\0\0\0");
    refused(HL_MSG_STATS, 0, &st.base, "malformed STATS response: sums has 1 entry for 2 columns");
    st.sums = BD("\0\0\0\0\0\0\0\0\0");
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: sums of 9 bytes is not a whole number of doubles");
    st.has_sums = 0;
    int64_t nonnull[2] = { 5, -1 };
    st.n_nonnull = 2;
    st.nonnull = nonnull;
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: nonnull[1] is -1 (a count >= 0 expected)");
    st.n_nonnull = 0;
    st.has_rows_skipped = 1;
    st.rows_skipped = INT64_MIN;
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: rows_skipped is -9223372036854775808 (a count >= 0 expected)");
    st.has_rows_skipped = 0;

    /* vocab: one Counts per column */
    Hlwire__Counts c0 = HLWIRE__COUNTS__INIT, c1 = HLWIRE__COUNTS__INIT;
    Hlwire__Counts *vocab[3] = { &c0, &c1, &c1 };
    ProtobufCBinaryData vals[2] = { BD("b"), BD("a") };
    int64_t counts[2] = { 3, 4 };
    st.n_vocab = 2;
    st.vocab = vocab;
    c1.n_values = 2;
    c1.values = vals;
    c1.n_counts = 1;
    c1.counts = counts;
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: vocab[1] has 2 values and 1 counts");
    c1.n_counts = 2;
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: vocab[1].values[1] does not sort after values[0] "
            "(sorted, distinct values expected)");
    vals[1] = BD("b");
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: vocab[1].values[1] does not sort after values[0] "
            "(sorted, distinct values expected)");
    vals[0] = BD("a");
    counts[0] = -2;
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: vocab[1].counts[0] is -2 (a count >= 0 expected)");
    counts[0] = 2;
    vals[1] = BD("b\0");
    refused(HL_MSG_STATS, 0, &st.base,
            "malformed STATS response: vocab[1].values[1] holds a NUL byte");
    vals[1] = BD("b");
    st.n_vocab = 3;
    refused(HL_MSG_STATS, 0, &st.base, "malformed STATS response: vocab has 3 entries for 2 columns");
    st.n_vocab = 2;
    {   /* HL_STATS_MAX_VALUES + 1 values */
        int n = HL_STATS_MAX_VALUES + 1;
        ProtobufCBinaryData *many = calloc((size_t)n, sizeof *many);
        int64_t *cnt = calloc((size_t)n, sizeof *cnt);
        char (*text)[16] = calloc((size_t)n, sizeof *text);
        for (int i = 0; i < n; i++) {
            snprintf(text[i], sizeof text[i], "%06d", i);
            many[i] = (ProtobufCBinaryData){ 6, (uint8_t *)text[i] };
        }
        c1.n_values = c1.n_counts = (size_t)n;
        c1.values = many;
        c1.counts = cnt;
        refused(HL_MSG_STATS, 0, &st.base,
                "malformed STATS response: vocab[1] has 10001 values (at most 10000)");
        c1.n_values = c1.n_counts = (size_t)n - 1;      /* the most a node sends */
        size_t len;
        uint8_t *body = pack_body(HL_MSG_STATS, 0, &st.base, &len);
        HlMsg m = { .type = 0 };
        hl_err err;
        hl_err_clear(&err);
        CHECK_INT(hl_wire_decode_msg(body, len, 0, &m, &err), HELIOS_OK);
        CHECK(m.nvocab == 2 && m.vocab && m.vocab[0].n == 0 && m.vocab[1].n == n - 1);
        hl_msg_clear(&m);
        free(body);
        free(many);
        free(cnt);
        free(text);
    }

    Hlwire__SchemaResponse sc = HLWIRE__SCHEMA_RESPONSE__INIT;
    int kinds[2] = { 2, 0 };
    sc.n_kinds = 2;
    sc.kinds = (Hlwire__ColKind *)kinds;
    refused(HL_MSG_SCHEMA, 0, &sc.base,
            "malformed SCHEMA response: kinds has 2 entries for 0 columns");
    sc.has_ncolumns = 1;
    sc.ncolumns = 2;
    refused(HL_MSG_SCHEMA, 0, &sc.base,
            "malformed SCHEMA response: kinds[1] is 0 (1 numeric or 2 text expected)");

    Hlwire__SetupResponse se = HLWIRE__SETUP_RESPONSE__INIT;
    se.has_rows_valid = 1;
    se.rows_valid = -5;
    refused(HL_MSG_SETUP, 0, &se.base,
            "malformed SETUP response: rows_valid is -5 (a count >= 0 expected)");

    Hlwire__TrainResponse tr = HLWIRE__TRAIN_RESPONSE__INIT;
    tr.has_dp_report = 1;
    tr.dp_report = 0.3;
    refused(HL_MSG_TRAIN, 0, &tr.base,
            "malformed TRAIN response: dp_report is 0.3 (0, 1/2 or -1/2 expected)");
    tr.dp_report = 0.5;
    tr.has_dp_clip = 1;
    tr.dp_clip = -HUGE_VAL;
    refused(HL_MSG_TRAIN, 0, &tr.base,
            "malformed TRAIN response: dp_clip is -inf (a finite number >= 0 expected)");

    Hlwire__EvalResponse ev = HLWIRE__EVAL_RESPONSE__INIT;
    ev.has_metrics = 1;
    ev.metrics = BD("\1\2\3");
    refused(HL_MSG_EVAL, 0, &ev.base,
            "malformed EVAL response: metrics of 3 bytes is not a whole number of doubles");
}

/* Bodies that are not a Request at all. */
static void test_not_messages(void)
{
    HlMsg m;
    hl_err err;
    memset(&m, 0, sizeof m);
    hl_err_clear(&err);
    CHECK_INT(hl_wire_decode_msg((const uint8_t *)"", 0, 1, &m, &err), HELIOS_ERROR);
    CHECK_STR(err.msg,
              "malformed request: no phase (SCHEMA, STATS, SETUP, TRAIN, EVAL or SECAGG expected)");
    hl_err_clear(&err);
    CHECK_INT(hl_wire_decode_msg((const uint8_t *)"\xff\xff", 2, 0, &m, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "malformed response: not a hlwire.Response protocol buffer");
    /* an unknown field is skipped (a newer peer's): here number 15, a varint */
    hl_err_clear(&err);
    CHECK_INT(hl_wire_decode_msg((const uint8_t *)"\x78\x01\x32\x02\x0a\x00", 6, 1, &m, &err),
              HELIOS_OK);
    CHECK(m.type == HL_MSG_SECAGG && m.blob && m.blob_len == 0);
    hl_msg_clear(&m);
    /* a wrong wire type for a known field is not */
    hl_err_clear(&err);
    CHECK_INT(hl_wire_decode_msg((const uint8_t *)"\x32\x02\x08\x01", 4, 1, &m, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "malformed request: not a hlwire.Request protocol buffer");
    CHECK(is_zero(&m));
    /* a length past the end */
    hl_err_clear(&err);
    CHECK_INT(hl_wire_decode_msg((const uint8_t *)"\x32\x7f\x0a\x00", 4, 1, &m, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "malformed request: not a hlwire.Request protocol buffer");
    /* over the bound, whatever it holds (not read) */
    hl_err_clear(&err);
    CHECK_INT(hl_wire_decode_msg((const uint8_t *)"", (size_t)HL_WIRE_MAX_BODY + 1, 1, &m, &err),
              HELIOS_ERROR);
    CHECK_STR(err.msg, "malformed request: body of 268435457 bytes (at most 268435456)");
}

/* Decoding is held to 8 bytes per byte of body and 16 MiB: 300000 empty
 * Counts (2 bytes each on the wire, over 100 in memory) are refused, an
 * honest STATS answer of 20 text columns at 10000 values each is not. */
static void test_budget(void)
{
    enum { N = 300000 };
    size_t inner = 2 * (size_t)N, len = 0;
    uint8_t *body = malloc(inner + 8);
    HlMsg m;
    hl_err err;
    body[len++] = 0x12;                 /* Response.stats */
    for (size_t v = inner; ; v >>= 7) {
        body[len++] = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
        if (v < 0x80)
            break;
    }
    for (int i = 0; i < N; i++) {
        body[len++] = 0x42;             /* StatsResponse.vocab, empty */
        body[len++] = 0x00;
    }
    memset(&m, 0, sizeof m);
    hl_err_clear(&err);
    CHECK_INT(hl_wire_decode_msg(body, len, 0, &m, &err), HELIOS_ERROR);
    /* 1 + 3 + 600000 bytes: 8 x 600004 + 16 MiB = 4800032 + 16777216 */
    CHECK_STR(err.msg, "malformed response: the body would take more than 21577248 bytes to decode");
    CHECK(is_zero(&m));
    free(body);

    enum { COLS = 20, VALS = HL_STATS_MAX_VALUES };
    HlMsg big = { .type = HL_MSG_STATS, .nvocab = COLS };
    big.vocab = calloc(COLS, sizeof *big.vocab);
    for (int i = 0; i < COLS; i++) {
        HlCounts *c = &big.vocab[i];
        c->n = VALS;
        c->values = calloc(VALS, sizeof *c->values);
        c->counts = calloc(VALS, sizeof *c->counts);
        for (int j = 0; j < VALS; j++) {
            char s[16];
            snprintf(s, sizeof s, "%d", 10000 + j);     /* sorted as text too */
            c->values[j] = dup(s);
            c->counts[j] = j;
        }
    }
    CHECK_INT(hl_wire_encode_msg(&big, 0, &body, &len, &err), HELIOS_OK);
    memset(&m, 0, sizeof m);
    CHECK_INT(hl_wire_decode_msg(body, len, 0, &m, &err), HELIOS_OK);
    CHECK(m.nvocab == COLS && m.vocab && same_counts(&m.vocab[COLS - 1], &big.vocab[COLS - 1]));
    hl_msg_clear(&m);
    hl_msg_clear(&big);
    free(body);
}

/* ---- messages: what the encoder refuses ------------------------------------------------ */

static void encode_refused(const HlMsg *m, int is_request, const char *want)
{
    uint8_t *body = (uint8_t *)"untouched";
    size_t len = 99;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_wire_encode_msg(m, is_request, &body, &len, &err), HELIOS_MISUSE);
    CHECK_STR(err.msg, want);
    CHECK(body == NULL && len == 0);
}

static void test_encode_refused(void)
{
    HlMsg m = { .type = 0 };
    encode_refused(&m, 1, "cannot encode a message of type 0 (not a phase)");
    m.type = (HlMsgType)(HL_MSG_QUALITY + 1);
    encode_refused(&m, 0, "cannot encode a message of type 8 (not a phase)");
    double p[2] = { 0, 0 };
    HlMsg tr = { .type = HL_MSG_TRAIN, .train_config = "{}", .params = p, .nparams = 2, .round = -1 };
    encode_refused(&tr, 1, "cannot encode TRAIN request: round is -1 (>= 0 expected)");
    tr.round = 0;
    tr.nparams = (int)(HL_WIRE_MAX_MSG / 8) + 1;     /* refused before a byte is read */
    encode_refused(&tr, 1,
                   "cannot encode TRAIN request: params has 33553921 entries (at most 33553920)");
    tr.nparams = 2;
    tr.dp_noise = -1e-9;
    encode_refused(&tr, 1,
                   "cannot encode TRAIN request: dp_noise is -1e-09 (a finite number >= 0 expected)");
    HlMsg ev = { .type = HL_MSG_EVAL, .train_config = "{}" };
    encode_refused(&ev, 1, "cannot encode EVAL request: params is missing");
    HlCounts v = { .n = 2 };
    char *vals[] = { "yes", "no" };
    int64_t cnt[] = { 1, 2 };
    v.values = vals;
    v.counts = cnt;
    HlMsg st = { .type = HL_MSG_STATS, .nvocab = 1, .vocab = &v };
    encode_refused(&st, 0, "cannot encode STATS response: vocab[0].values[1] does not sort after "
                   "values[0] (sorted, distinct values expected)");
    HlColKind k[] = { (HlColKind)0 };
    HlMsg sc = { .type = HL_MSG_SCHEMA, .nvocab = 1, .kinds = k };
    encode_refused(&sc, 0,
                   "cannot encode SCHEMA response: kinds[0] is 0 (1 numeric or 2 text expected)");
    HlMsg se = { .type = HL_MSG_SETUP, .encoding = "{}", .validation_split = 1 };
    encode_refused(&se, 1,
                   "cannot encode SETUP request: validation_split is 1 (0 <= x < 1 expected)");
}

int main(void)
{
    RUN(test_hostile_requests);
    RUN(test_hostile_responses);
    RUN(test_not_messages);
    RUN(test_budget);
    RUN(test_encode_refused);
    return unit_report();
}
