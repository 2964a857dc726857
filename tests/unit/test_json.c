/*
 * test_json.c - the JSON writer and the flat-object reader (src/json.c):
 * escaping, numbers that read back exactly, round trips, and malformed
 * input that must fail with an offset and never crash.
 */
#include "unit.h"

#include "helios.h"
#include "json.h"

#include <locale.h>
#include <stdlib.h>

/* Parses text as an object; returns the error code. */
static int parse_rc(const char *text, int *off)
{
    HlJsonObject o;
    hl_err e;
    hl_err_clear(&e);
    int rc = hl_json_parse_object(text, &o, &e);
    if (off)
        *off = e.offset;
    CHECK(rc != HELIOS_OK || e.code == HELIOS_OK);
    CHECK(rc == HELIOS_OK || o.n == 0);
    hl_json_object_clear(&o);
    return rc;
}

static void test_writer_object(void)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_key(&w, "a");
    hl_json_int(&w, -42);
    hl_json_key(&w, "b");
    hl_json_real(&w, 0.5);
    hl_json_key(&w, "c");
    hl_json_bool(&w, 1);
    hl_json_key(&w, "d");
    hl_json_null(&w);
    hl_json_key(&w, "e");
    hl_json_begin_array(&w);
    hl_json_string(&w, "x");
    hl_json_int(&w, 2);
    hl_json_end_array(&w);
    hl_json_key(&w, "f");
    hl_json_begin_array(&w);
    hl_json_end_array(&w);
    hl_json_end_object(&w);
    char *s = hl_json_writer_finish(&w);
    CHECK_STR(s, "{\"a\":-42,\"b\":0.5,\"c\":true,\"d\":null,\"e\":[\"x\",2],\"f\":[]}");
    free(s);
}

static void test_writer_empty_and_misuse(void)
{
    HlJsonWriter w;
    char *s;

    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_end_object(&w);
    s = hl_json_writer_finish(&w);
    CHECK_STR(s, "{}");
    free(s);

    /* a value in an object without a key */
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_int(&w, 1);
    hl_json_end_object(&w);
    CHECK(hl_json_writer_finish(&w) == NULL);

    /* unbalanced */
    hl_json_writer_init(&w);
    hl_json_begin_array(&w);
    CHECK(hl_json_writer_finish(&w) == NULL);

    hl_json_writer_init(&w);
    hl_json_begin_array(&w);
    hl_json_end_object(&w);
    CHECK(hl_json_writer_finish(&w) == NULL);

    /* a key with no value */
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_key(&w, "k");
    hl_json_end_object(&w);
    CHECK(hl_json_writer_finish(&w) == NULL);

    /* a key in an array, two top-level values */
    hl_json_writer_init(&w);
    hl_json_begin_array(&w);
    hl_json_key(&w, "k");
    hl_json_end_array(&w);
    CHECK(hl_json_writer_finish(&w) == NULL);
    hl_json_writer_init(&w);
    hl_json_int(&w, 1);
    hl_json_int(&w, 2);
    CHECK(hl_json_writer_finish(&w) == NULL);

    /* too deep */
    hl_json_writer_init(&w);
    for (int i = 0; i < HL_JSON_MAX_DEPTH + 1; i++)
        hl_json_begin_array(&w);
    CHECK(w.failed);
    hl_json_writer_clear(&w);
    hl_json_writer_clear(NULL);
}

static void test_escape(void)
{
    char *s = hl_json_quote("a\"b\\c\n\t\r\b\f\x01\x1f\x7f/é");
    CHECK_STR(s, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f/é\"");
    free(s);
    s = hl_json_quote("");
    CHECK_STR(s, "\"\"");
    free(s);
    s = hl_json_quote(NULL);
    CHECK_STR(s, "\"\"");
    free(s);
}

static void test_reals(void)
{
    char b[40];
    CHECK_STR(hl_json_format_real(1.0, b, sizeof b), "1.0");
    CHECK_STR(hl_json_format_real(0.1, b, sizeof b), "0.1");
    CHECK_STR(hl_json_format_real(1e-5, b, sizeof b), "1e-05");
    CHECK_STR(hl_json_format_real(-2.5, b, sizeof b), "-2.5");
    CHECK_STR(hl_json_format_real(100.0, b, sizeof b), "100.0");
    CHECK_STR(hl_json_format_real(1e300 * 1e300, b, sizeof b), "null");
    CHECK_STR(hl_json_format_real(0.1 + 0.2, b, sizeof b), "0.30000000000000004");
    /* every one reads back exactly */
    const double xs[] = { 0.1, 1.0 / 3, 2.0 / 3, 1e-300, 123456789.123456789, 6.02214076e23,
                          -0.0001, 0.30000000000000004 };
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        HlJsonValue v;
        hl_err e;
        hl_err_clear(&e);
        hl_json_format_real(xs[i], b, sizeof b);
        CHECK_INT(hl_json_parse_value(b, &v, &e), HELIOS_OK);
        CHECK_INT(v.type, HL_JSON_REAL);
        CHECK(v.r == xs[i]);
        hl_json_value_clear(&v);
    }
}

static void test_reals_any_locale(void)
{
    /* Numbers must not follow the C locale's decimal point. */
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
        return;                 /* no such locale here: nothing to show */
    char b[40];
    CHECK_STR(hl_json_format_real(0.5, b, sizeof b), "0.5");
    HlJsonValue v;
    hl_err e;
    hl_err_clear(&e);
    CHECK_INT(hl_json_parse_value("2.25", &v, &e), HELIOS_OK);
    CHECK(v.r == 2.25);
    hl_json_value_clear(&v);
    setlocale(LC_NUMERIC, "C");
}

static void test_parse_object(void)
{
    HlJsonObject o;
    hl_err e;
    hl_err_clear(&e);
    const char *t = " { \"privacy_budget\" : 0.5, \"min_nodes\":3,\"mode\":\"HIPAA\","
                    "\"on\":true,\"off\":false,\"none\":null,"
                    "\"layers\":[128, 64, 1],\"features\":[\"age\",\"bmi\"],\"e\":[]} ";
    CHECK_INT(hl_json_parse_object(t, &o, &e), HELIOS_OK);
    CHECK_INT(o.n, 9);
    CHECK_STR(o.v[0].key, "privacy_budget");
    CHECK_INT(o.v[0].off, 3);
    CHECK_INT(o.v[0].val.type, HL_JSON_REAL);
    CHECK(o.v[0].val.r == 0.5);
    const HlJsonValue *v = hl_json_object_get(&o, "min_nodes");
    CHECK(v && v->type == HL_JSON_INT && v->i == 3 && v->r == 3.0);
    v = hl_json_object_get(&o, "mode");
    CHECK(v && v->type == HL_JSON_STRING);
    CHECK_STR(v->s, "HIPAA");
    v = hl_json_object_get(&o, "on");
    CHECK(v && v->type == HL_JSON_BOOL && v->i == 1);
    v = hl_json_object_get(&o, "off");
    CHECK(v && v->type == HL_JSON_BOOL && v->i == 0);
    v = hl_json_object_get(&o, "none");
    CHECK(v && v->type == HL_JSON_NULL);
    v = hl_json_object_get(&o, "layers");
    CHECK(v && v->type == HL_JSON_ARRAY && v->nitems == 3 && v->items[1].i == 64);
    v = hl_json_object_get(&o, "features");
    CHECK(v && v->nitems == 2);
    if (v && v->nitems == 2)
        CHECK_STR(v->items[1].s, "bmi");
    v = hl_json_object_get(&o, "e");
    CHECK(v && v->type == HL_JSON_ARRAY && v->nitems == 0);
    CHECK(hl_json_object_get(&o, "MIN_NODES") == NULL);
    CHECK(hl_json_object_get(&o, "absent") == NULL);
    hl_json_object_clear(&o);
    hl_json_object_clear(NULL);

    hl_err_clear(&e);
    CHECK_INT(hl_json_parse_object("{}", &o, &e), HELIOS_OK);
    CHECK_INT(o.n, 0);
    hl_json_object_clear(&o);
}

static void test_parse_strings(void)
{
    HlJsonValue v;
    hl_err e;
    hl_err_clear(&e);
    CHECK_INT(hl_json_parse_value("\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\"", &v, &e), HELIOS_OK);
    CHECK_STR(v.s, "a\"b\\c/d\n\t\r\b\f");
    hl_json_value_clear(&v);
    /* \u escapes to UTF-8, a surrogate pair included */
    CHECK_INT(hl_json_parse_value("\"\\u00e9\\u20AC\\ud83d\\ude00x\"", &v, &e), HELIOS_OK);
    CHECK_STR(v.s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x");
    hl_json_value_clear(&v);
    /* raw UTF-8 passes through */
    CHECK_INT(hl_json_parse_value("\"Zürich\"", &v, &e), HELIOS_OK);
    CHECK_STR(v.s, "Zürich");
    hl_json_value_clear(&v);
}

static void test_parse_numbers(void)
{
    HlJsonValue v;
    hl_err e;
    hl_err_clear(&e);
    CHECK_INT(hl_json_parse_value("-0", &v, &e), HELIOS_OK);
    CHECK(v.type == HL_JSON_INT && v.i == 0);
    CHECK_INT(hl_json_parse_value("9223372036854775807", &v, &e), HELIOS_OK);
    CHECK(v.type == HL_JSON_INT && v.i == INT64_MAX);
    /* too big for int64: a real */
    CHECK_INT(hl_json_parse_value("9223372036854775808", &v, &e), HELIOS_OK);
    CHECK(v.type == HL_JSON_REAL && v.r == 9223372036854775808.0);
    CHECK_INT(hl_json_parse_value("1e-5", &v, &e), HELIOS_OK);
    CHECK(v.type == HL_JSON_REAL && v.r == 1e-5);
    CHECK_INT(hl_json_parse_value("2E+2", &v, &e), HELIOS_OK);
    CHECK(v.type == HL_JSON_REAL && v.r == 200.0);
    CHECK_INT(hl_json_parse_value("3.0", &v, &e), HELIOS_OK);
    CHECK(v.type == HL_JSON_REAL && v.r == 3.0);
}

static void test_round_trip(void)
{
    const char *t = "{\"a\":1,\"b\":-2.5,\"c\":\"x\\\"y\\n\",\"d\":[1,2,3],\"e\":[\"p\",\"q\"],"
                    "\"f\":true,\"g\":null,\"h\":1e-05,\"i\":[]}";
    HlJsonObject o;
    hl_err e;
    hl_err_clear(&e);
    CHECK_INT(hl_json_parse_object(t, &o, &e), HELIOS_OK);
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    for (int i = 0; i < o.n; i++)
        hl_json_member(&w, o.v[i].key, &o.v[i].val);
    hl_json_end_object(&w);
    char *s = hl_json_writer_finish(&w);
    CHECK_STR(s, t);
    free(s);

    /* copy, and one value as text */
    HlJsonValue c;
    CHECK_INT(hl_json_value_copy(&c, hl_json_object_get(&o, "e")), HELIOS_OK);
    s = hl_json_value_text(&c);
    CHECK_STR(s, "[\"p\",\"q\"]");
    free(s);
    hl_json_value_clear(&c);
    hl_json_object_clear(&o);
}

static void test_push(void)
{
    HlJsonObject o = { 0 };
    for (int i = 0; i < 20; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        HlJsonValue v = { .type = HL_JSON_INT, .i = i, .r = i };
        CHECK_INT(hl_json_object_push(&o, strdup(k), &v), HELIOS_OK);
    }
    CHECK_INT(o.n, 20);
    CHECK(hl_json_object_get(&o, "k19")->i == 19);
    hl_json_object_clear(&o);
}

static void test_malformed(void)
{
    int off = -2;
    /* each is refused with HELIOS_ERROR */
    const char *bad[] = {
        "", " ", "[]", "1", "\"x\"", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
        "{,}", "{\"a\":1 \"b\":2}", "{a:1}", "{'a':1}", "{\"a\":01}", "{\"a\":1.}",
        "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":tru}", "{\"a\":True}",
        "{\"a\":nul}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1e999}",
        "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"tab\there\"}", "{\"a\":{}}", "{\"a\":[[1]]}", "{\"a\":[{}]}",
        "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":[}", "{\"a\":1}x", "{\"a\":1}{}",
        "{\"a\":1,\"a\":2}", "{\"a\":truex}", "{\"a\":\"\\",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_rc(bad[i], &off);
        if (rc != HELIOS_ERROR)
            fprintf(stderr, "accepted malformed: %s\n", bad[i]);
        CHECK_INT(rc, HELIOS_ERROR);
        CHECK(off >= 0 && off <= (int)strlen(bad[i]));
    }
    /* offsets and messages */
    CHECK_INT(parse_rc("{\"a\":1,}", &off), HELIOS_ERROR);
    CHECK_INT(off, 7);
    HlJsonObject o;
    hl_err e;
    hl_err_clear(&e);
    CHECK_INT(hl_json_parse_object("{\"a\" 1}", &o, &e), HELIOS_ERROR);
    CHECK_STR(e.msg, "malformed JSON at byte 5: expected ':', found '1'");
    hl_json_object_clear(&o);
    hl_err_clear(&e);
    CHECK_INT(hl_json_parse_object("{\"a\":1,\"a\":2}", &o, &e), HELIOS_ERROR);
    CHECK_STR(e.msg, "malformed JSON at byte 7: duplicate key");
    hl_json_object_clear(&o);
    hl_err_clear(&e);
    CHECK_INT(hl_json_parse_object(NULL, &o, &e), HELIOS_ERROR);
    hl_json_object_clear(&o);
}

/* Every prefix and every one-byte corruption of a valid text: no crash,
 * no leak (under ASan), and a result that is either an error or an object. */
static void test_no_crash(void)
{
    const char *t = "{\"a\":[1,-2.5e3,\"x\\u00e9\\\"\"],\"b\":true,\"c\":null,\"d\":\"\\ud83d\\ude00\"}";
    size_t n = strlen(t);
    char buf[256];
    static const char subst[] = "\"\\[]{},:0-eE.tu \x01\xff";
    int ok = 0, bad = 0;
    for (size_t cut = 0; cut <= n; cut++) {
        memcpy(buf, t, cut);
        buf[cut] = '\0';
        *(parse_rc(buf, NULL) == HELIOS_OK ? &ok : &bad) += 1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < sizeof subst - 1; j++) {
            memcpy(buf, t, n + 1);
            buf[i] = subst[j];
            *(parse_rc(buf, NULL) == HELIOS_OK ? &ok : &bad) += 1;
        }
    CHECK(ok > 0 && bad > 0);
    CHECK_INT(parse_rc(t, NULL), HELIOS_OK);
}

int main(void)
{
    RUN(test_writer_object);
    RUN(test_writer_empty_and_misuse);
    RUN(test_escape);
    RUN(test_reals);
    RUN(test_reals_any_locale);
    RUN(test_parse_object);
    RUN(test_parse_strings);
    RUN(test_parse_numbers);
    RUN(test_round_trip);
    RUN(test_push);
    RUN(test_malformed);
    RUN(test_no_crash);
    return unit_report();
}
