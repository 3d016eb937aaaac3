/* Blob client against a real Azurite (started on a free port, always stopped): every
 * operation, conditions, leases, pagination, block uploads and a 64 MB streamed round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm/blob.h"
#include "log_capture.h"
#include "test_util.h"

typedef struct fixture {
    test_azurite azurite;
    arm_http_client *http;
    arm_blob_client *blob;
    arm_blob_client *small_blocks; /* block_size 1 MiB, single put ≤ 2 MiB */
    char *dir;
    log_capture log;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    *state = f;
    if (test_azurite_start(&f->azurite) != 0)
        return -1;
    arm_http_options ho = arm_http_options_default();
    ho.log = log_capture_line;
    ho.log_ctx = &f->log;
    arm_blob_options bo = arm_blob_options_default();
    bo.endpoint = f->azurite.endpoint;
    bo.shared_key = TEST_AZURITE_KEY;
    if (arm_http_client_new(&ho, &f->http, NULL) != ARM_OK ||
        arm_blob_client_new(f->http, &bo, &f->blob, NULL) != ARM_OK)
        return -1;
    bo.block_size = 1024 * 1024;
    bo.single_put_max = 2 * 1024 * 1024;
    bo.parallel_blocks = 3;
    if (arm_blob_client_new(f->http, &bo, &f->small_blocks, NULL) != ARM_OK)
        return -1;
    f->dir = test_make_temp_dir();
    if (arm_blob_create_container(f->blob, "data", NULL, NULL) != ARM_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    arm_blob_client_free(f->blob);
    arm_blob_client_free(f->small_blocks);
    arm_http_client_free(f->http);
    test_azurite_stop(&f->azurite);
    if (f->dir != NULL)
        test_remove_tree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void put_text(fixture *f, const char *name, const char *text, arm_blob_properties *props)
{
    arm_blob_source src = {.data = text, .data_len = strlen(text)};
    arm_error err;
    assert_int_equal(arm_blob_put(f->blob, "data", name, &src, "text/plain", NULL, props, &err),
                     ARM_OK);
}

static void test_container_create_is_idempotent(void **state)
{
    fixture *f = *state;
    bool created = false;
    assert_int_equal(arm_blob_create_container(f->blob, "fresh", &created, NULL), ARM_OK);
    assert_true(created);
    assert_int_equal(arm_blob_create_container(f->blob, "fresh", &created, NULL), ARM_OK);
    assert_false(created);
    arm_error err;
    assert_int_equal(arm_blob_create_container(f->blob, "Bad_Name", &created, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(arm_blob_delete_container(f->blob, "fresh", NULL), ARM_OK);
}

static void test_put_head_get_delete(void **state)
{
    fixture *f = *state;
    arm_blob_properties put_props, head;
    put_text(f, "dir/hello world.txt", "hello, blob", &put_props);
    assert_true(put_props.etag[0] == '"');
    assert_int_equal(arm_blob_head(f->blob, "data", "dir/hello world.txt", &head, NULL), ARM_OK);
    assert_string_equal(head.etag, put_props.etag);
    assert_int_equal(head.content_length, 11);
    assert_string_equal(head.content_type, "text/plain");
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(arm_blob_get_bytes(f->blob, "data", "dir/hello world.txt", &data, &len, NULL),
                     ARM_OK);
    assert_int_equal(len, 11);
    assert_string_equal(data, "hello, blob");
    free(data);
    /* Ranged read into a file. */
    char *path = NULL;
    assert_true(asprintf(&path, "%s/range.txt", f->dir) > 0);
    arm_blob_sink sink = {.path = path, .range_start = 7, .range_length = 4};
    assert_int_equal(arm_blob_get(f->blob, "data", "dir/hello world.txt", &sink, NULL, NULL, NULL),
                     ARM_OK);
    char *got = test_read_file(path, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(got, "blob", 4);
    free(got);
    free(path);
    assert_int_equal(arm_blob_delete(f->blob, "data", "dir/hello world.txt", NULL, NULL), ARM_OK);
    arm_error err;
    assert_int_equal(arm_blob_head(f->blob, "data", "dir/hello world.txt", &head, &err),
                     ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 404);
    assert_int_equal(arm_blob_get_bytes(f->blob, "data", "dir/hello world.txt", &data, &len, &err),
                     ARM_ERR_HTTP);
    assert_string_equal(err.code, "BlobNotFound");
    assert_null(data);
}

static void test_conditions(void **state)
{
    fixture *f = *state;
    arm_blob_properties v1, v2;
    put_text(f, "cond.txt", "one", &v1);
    arm_blob_source src = {.data = "two", .data_len = 3};
    arm_error err;
    arm_blob_conditions create_only = {.if_none_match = "*"};
    assert_int_equal(
        arm_blob_put(f->blob, "data", "cond.txt", &src, NULL, &create_only, NULL, &err),
        ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 409);
    arm_blob_conditions stale = {.if_match = "\"0x8DEADBEEF\""};
    assert_int_equal(arm_blob_put(f->blob, "data", "cond.txt", &src, NULL, &stale, NULL, &err),
                     ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 412);
    assert_string_equal(err.code, "ConditionNotMet");
    arm_blob_conditions fresh = {.if_match = v1.etag};
    assert_int_equal(arm_blob_put(f->blob, "data", "cond.txt", &src, NULL, &fresh, &v2, &err),
                     ARM_OK);
    assert_string_not_equal(v1.etag, v2.etag);
    /* Delete only the version we know. */
    assert_int_equal(arm_blob_delete(f->blob, "data", "cond.txt", &fresh, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 412);
    arm_blob_conditions now = {.if_match = v2.etag};
    assert_int_equal(arm_blob_delete(f->blob, "data", "cond.txt", &now, &err), ARM_OK);
}

static void test_list_pages(void **state)
{
    fixture *f = *state;
    char name[64];
    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof name, "list/item-%d.csv", i);
        put_text(f, name, "x,y\n", NULL);
    }
    put_text(f, "other/not-listed.csv", "z", NULL);
    arm_blob_list_page page;
    arm_blob_list_page_init(&page);
    char *marker = NULL;
    int pages = 0, seen = 0;
    do {
        assert_int_equal(arm_blob_list(f->blob, "data", "list/", marker, 3, &page, NULL), ARM_OK);
        free(marker);
        marker = page.next_marker ? strdup(page.next_marker) : NULL;
        for (size_t i = 0; i < page.count; i++) {
            snprintf(name, sizeof name, "list/item-%d.csv", seen++);
            assert_string_equal(page.items[i].name, name);
            assert_int_equal(page.items[i].props.content_length, 4);
            assert_true(page.items[i].props.etag[0] != '\0');
        }
        pages++;
    } while (marker != NULL);
    assert_int_equal(pages, 3);
    assert_int_equal(seen, 7);
    arm_error err;
    assert_int_equal(arm_blob_list(f->blob, "data", NULL, NULL, -1, &page, &err),
                     ARM_ERR_INVALID_ARGUMENT);
    assert_int_equal(arm_blob_list(f->blob, "missing", NULL, NULL, 0, &page, &err), ARM_ERR_HTTP);
    assert_string_equal(err.code, "ContainerNotFound");
    arm_blob_list_page_dispose(&page);
}

static void test_leases(void **state)
{
    fixture *f = *state;
    put_text(f, "leased.txt", "v1", NULL);
    char lease[64];
    arm_error err;
    assert_int_equal(arm_blob_lease_acquire(f->blob, "data", "leased.txt", 7, NULL, lease, &err),
                     ARM_ERR_INVALID_ARGUMENT);
    assert_int_equal(arm_blob_lease_acquire(f->blob, "data", "leased.txt", 15, NULL, lease, &err),
                     ARM_OK);
    assert_int_equal(strlen(lease), 36);
    char other[64];
    assert_int_equal(arm_blob_lease_acquire(f->blob, "data", "leased.txt", 15, NULL, other, &err),
                     ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 409); /* one writer */
    arm_blob_source src = {.data = "v2", .data_len = 2};
    assert_int_equal(arm_blob_put(f->blob, "data", "leased.txt", &src, NULL, NULL, NULL, &err),
                     ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 412);
    arm_blob_conditions with_lease = {.lease_id = lease};
    assert_int_equal(
        arm_blob_put(f->blob, "data", "leased.txt", &src, NULL, &with_lease, NULL, &err), ARM_OK);
    assert_int_equal(arm_blob_lease_renew(f->blob, "data", "leased.txt", lease, &err), ARM_OK);
    arm_blob_properties p;
    assert_int_equal(arm_blob_head(f->blob, "data", "leased.txt", &p, &err), ARM_OK);
    assert_string_equal(p.lease_state, "leased");
    assert_int_equal(arm_blob_lease_release(f->blob, "data", "leased.txt", lease, &err), ARM_OK);
    assert_int_equal(arm_blob_put(f->blob, "data", "leased.txt", &src, NULL, NULL, NULL, &err),
                     ARM_OK);
}

static void test_copy(void **state)
{
    fixture *f = *state;
    put_text(f, "copy-src.txt", "copy me", NULL);
    char *src = arm_blob_url(f->blob, "data", "copy-src.txt");
    arm_blob_properties p;
    arm_error err;
    assert_int_equal(arm_blob_copy(f->blob, "data", "copy-dst.txt", src, true, &p, &err), ARM_OK);
    assert_string_equal(p.copy_status, "success");
    char *data = NULL;
    assert_int_equal(arm_blob_get_bytes(f->blob, "data", "copy-dst.txt", &data, NULL, NULL),
                     ARM_OK);
    assert_string_equal(data, "copy me");
    free(data);
    free(src);
}

/* A deterministic byte pattern both as an upload callback and a download checker. */
typedef struct pattern {
    uint64_t pos, total;
    int bad;
} pattern;

static char pattern_byte(uint64_t i)
{
    return (char)((i * 2654435761u) >> 13);
}

static size_t pattern_read(void *ctx, char *buf, size_t len)
{
    pattern *p = ctx;
    size_t n = 0;
    for (; n < len && p->pos < p->total; n++)
        buf[n] = pattern_byte(p->pos++);
    return n;
}

static int pattern_check(void *ctx, const char *data, size_t len)
{
    pattern *p = ctx;
    for (size_t i = 0; i < len; i++) {
        if (data[i] != pattern_byte(p->pos + i))
            p->bad = 1;
    }
    p->pos += len;
    return 0;
}

static int pattern_rewind(void *ctx)
{
    ((pattern *)ctx)->pos = 0;
    return 0;
}

static void test_block_upload_from_file(void **state)
{
    fixture *f = *state;
    const size_t size = 10 * 1024 * 1024 + 123;
    char *buf = malloc(size);
    for (size_t i = 0; i < size; i++)
        buf[i] = pattern_byte(i);
    char *in = NULL, *out = NULL;
    assert_true(asprintf(&in, "%s/in.bin", f->dir) > 0);
    assert_true(asprintf(&out, "%s/out.bin", f->dir) > 0);
    assert_int_equal(test_write_file(in, buf, size), 0);
    arm_blob_source src = {.path = in};
    arm_blob_properties p;
    arm_error err;
    assert_int_equal(
        arm_blob_put(f->small_blocks, "data", "big/file.bin", &src, NULL, NULL, &p, &err), ARM_OK);
    assert_int_equal(arm_blob_head(f->blob, "data", "big/file.bin", &p, &err), ARM_OK);
    assert_int_equal(p.content_length, size);
    arm_blob_sink sink = {.path = out};
    assert_int_equal(arm_blob_get(f->blob, "data", "big/file.bin", &sink, NULL, NULL, &err),
                     ARM_OK);
    size_t got_len = 0;
    char *got = test_read_file(out, &got_len);
    assert_int_equal(got_len, size);
    assert_memory_equal(got, buf, size);
    /* 11 blocks were sent (10 full + 1 partial), then the list. */
    assert_non_null(strstr(f->log.text, "comp=block&blockid="));
    assert_non_null(strstr(f->log.text, "comp=blocklist"));
    free(got);
    free(buf);
    free(in);
    free(out);
}

static void test_streamed_64mb_round_trip_and_copy(void **state)
{
    fixture *f = *state;
    const uint64_t size = 64ull * 1024 * 1024;
    pattern up = {.total = size};
    arm_blob_source src = {
        .read = pattern_read, .rewind = pattern_rewind, .ctx = &up, .length = size};
    arm_error err;
    assert_int_equal(arm_blob_put(f->blob, "data", "stream/64mb.bin", &src,
                                  "application/octet-stream", NULL, NULL, &err),
                     ARM_OK);
    char *url = arm_blob_url(f->blob, "data", "stream/64mb.bin");
    arm_blob_properties p;
    assert_int_equal(arm_blob_copy(f->blob, "data", "stream/64mb-copy.bin", url, true, &p, &err),
                     ARM_OK);
    free(url);
    pattern down = {.total = size};
    arm_blob_sink sink = {.write = pattern_check, .rewind = pattern_rewind, .ctx = &down};
    assert_int_equal(arm_blob_get(f->blob, "data", "stream/64mb-copy.bin", &sink, NULL, &p, &err),
                     ARM_OK);
    assert_int_equal(down.pos, size);
    assert_int_equal(down.bad, 0);
    assert_int_equal(p.content_length, size);
}

static void test_wrong_key_is_refused_without_leaking_it(void **state)
{
    fixture *f = *state;
    char wrong[89];
    memset(wrong, 'A', 86); /* a well-formed 64-byte key that is not the account's */
    memcpy(wrong + 86, "==", 3);
    arm_blob_options bo = arm_blob_options_default();
    bo.endpoint = f->azurite.endpoint;
    bo.shared_key = wrong;
    arm_blob_client *c;
    assert_int_equal(arm_blob_client_new(f->http, &bo, &c, NULL), ARM_OK);
    arm_blob_properties p;
    arm_error err;
    assert_int_equal(arm_blob_head(c, "data", "x", &p, &err), ARM_ERR_HTTP);
    assert_int_equal(err.http_status, 403);
    char line[2048];
    arm_error_format(&err, line, sizeof line);
    assert_null(strstr(line, "AAAAAAAAAAAA"));
    assert_null(strstr(f->log.text, "SharedKey"));
    arm_blob_client_free(c);
    bo.shared_key = "not base64!";
    assert_int_equal(arm_blob_client_new(f->http, &bo, &c, &err), ARM_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "base64"));
    bo.shared_key = TEST_AZURITE_KEY;
    bo.endpoint = "ftp://x";
    assert_int_equal(arm_blob_client_new(f->http, &bo, &c, &err), ARM_ERR_INVALID_ARGUMENT);
}

static void test_local_errors(void **state)
{
    fixture *f = *state;
    put_text(f, "local.txt", "abc", NULL);
    arm_blob_sink sink = {.path = "/nonexistent-dir/x/y.txt"};
    arm_error err;
    assert_int_equal(arm_blob_get(f->blob, "data", "local.txt", &sink, NULL, NULL, &err),
                     ARM_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent-dir/x/y.txt"));
    arm_blob_source src = {.path = "/nonexistent-dir/in.bin"};
    assert_int_equal(arm_blob_put(f->blob, "data", "x", &src, NULL, NULL, NULL, &err), ARM_ERR_IO);
    assert_int_equal(arm_blob_head(f->blob, "", "x", NULL, &err), ARM_ERR_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container_create_is_idempotent),
        cmocka_unit_test(test_put_head_get_delete),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_leases),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_block_upload_from_file),
        cmocka_unit_test(test_streamed_64mb_round_trip_and_copy),
        cmocka_unit_test(test_wrong_key_is_refused_without_leaking_it),
        cmocka_unit_test(test_local_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
