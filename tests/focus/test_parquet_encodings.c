/* Parquet encodings in isolation: the RLE/bit-packed hybrid both ways, and the delta /
 * byte-stream-split decoders on hand-encoded bytes (DuckDB files cover the common cases). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "focus/parquet_int.h"

static void test_hybrid_round_trip(void **state)
{
    (void)state;
    uint32_t values[3000];
    uint64_t seed = 12345;
    uint32_t bulk[3000];
    for (int width = 0; width <= 32; width++) {
        uint32_t mask = width == 32 ? UINT32_MAX : (1u << width) - 1;
        for (size_t i = 0; i < 3000; i++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            /* Runs and noise mixed: both run kinds and the switches between them. */
            values[i] = (i / 50) % 2 ? (uint32_t)(i / 100) : (uint32_t)(seed >> 24);
            values[i] &= mask;
        }
        for (size_t count = 1; count <= 3000; count = count * 3 + 1) {
            focus_buffer out = {0};
            assert_true(pq_hybrid_encode(values, count, width, &out));
            pq_hybrid_decoder d;
            pq_hybrid_init(&d, out.data, out.length, width);
            const char *why = NULL;
            for (size_t i = 0; i < count; i++) {
                uint32_t v;
                assert_true(pq_hybrid_next(&d, &v, &why));
                assert_int_equal(v, values[i]);
            }
            /* In bulk, in uneven steps that end inside runs and at their ends; a step inside
             * an RLE run of its value may be skipped. */
            pq_hybrid_init(&d, out.data, out.length, width);
            for (size_t i = 0, step = 1; i < count; i += step, step = step * 5 % 97 + 1) {
                step = step < count - i ? step : count - i;
                if (pq_hybrid_skip_run(&d, step, values[i])) {
                    for (size_t k = i; k < i + step; k++)
                        assert_int_equal(values[k], values[i]);
                    continue;
                }
                assert_true(pq_hybrid_decode(&d, bulk, step, &why));
                assert_memory_equal(bulk, values + i, step * sizeof *bulk);
            }
            focus_buffer_dispose(&out);
        }
    }
    /* Spec example: 0..7 at width 3, bit-packed. */
    uint32_t eight[] = {0, 1, 2, 3, 4, 5, 6, 7};
    focus_buffer out = {0};
    assert_true(pq_hybrid_encode(eight, 8, 3, &out));
    const uint8_t want[] = {0x03, 0x88, 0xC6, 0xFA};
    assert_int_equal(out.length, 4);
    assert_memory_equal(out.data, want, 4);
    /* Truncated input is an error, not a read past the end. */
    pq_hybrid_decoder d;
    pq_hybrid_init(&d, out.data, 2, 3);
    uint32_t v;
    const char *why = NULL;
    bool ok = true;
    for (int i = 0; i < 8 && ok; i++)
        ok = pq_hybrid_next(&d, &v, &why);
    assert_false(ok);
    assert_non_null(why);
    focus_buffer_dispose(&out);
}

static void test_delta_byte_array(void **state)
{
    (void)state;
    /* "apple", "applesauce", "apply": prefixes 0,5,4; suffixes "apple","sauce","y". */
    const uint8_t bytes[] = {0x80, 0x01, 0x04, 0x03, 0x00, 0x01, 3,   0,   0,   0,   0x06,
                             0,    0,    0,    0,    0,    0,    0,   0,   0,   0,   0,
                             0x80, 0x01, 0x04, 0x03, 0x0A, 0x07, 3,   0,   0,   0,   0x04,
                             0,    0,    0,    0,    0,    0,    0,   0,   0,   0,   0,
                             'a',  'p',  'p',  'l',  'e',  's',  'a', 'u', 'c', 'e', 'y'};
    focus_buffer scratch = {0}, out = {0};
    assert_null(pq_transcode_plain(7, PQ_BYTE_ARRAY, 0, bytes, sizeof(bytes), 3, &scratch, &out));
    const char *want[] = {"apple", "applesauce", "apply"};
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t length;
        memcpy(&length, out.data + at, 4);
        assert_int_equal(length, strlen(want[i]));
        assert_memory_equal(out.data + at + 4, want[i], length);
        at += 4 + length;
    }
    assert_int_equal(at, out.length);
    /* More values than the page allows, and a cut-off stream, are errors. */
    assert_non_null(
        pq_transcode_plain(7, PQ_BYTE_ARRAY, 0, bytes, sizeof(bytes), 2, &scratch, &out));
    assert_non_null(pq_transcode_plain(7, PQ_BYTE_ARRAY, 0, bytes, 30, 3, &scratch, &out));
    assert_non_null(pq_transcode_plain(5, PQ_DOUBLE, 0, bytes, sizeof(bytes), 3, &scratch, &out));
    focus_buffer_dispose(&scratch);
    focus_buffer_dispose(&out);
}

static void test_byte_stream_split(void **state)
{
    (void)state;
    double values[3] = {1.5, -2.25, 1e300};
    uint8_t split[24];
    const uint8_t *raw = (const uint8_t *)values;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 8; j++)
            split[j * 3 + i] = raw[i * 8 + j];
    focus_buffer scratch = {0}, out = {0};
    assert_null(pq_transcode_plain(9, PQ_DOUBLE, 0, split, 24, 3, &scratch, &out));
    assert_int_equal(out.length, 24);
    assert_memory_equal(out.data, values, 24);
    assert_non_null(pq_transcode_plain(9, PQ_DOUBLE, 0, split, 23, 3, &scratch, &out));
    focus_buffer_dispose(&scratch);
    focus_buffer_dispose(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hybrid_round_trip),
        cmocka_unit_test(test_delta_byte_array),
        cmocka_unit_test(test_byte_stream_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
