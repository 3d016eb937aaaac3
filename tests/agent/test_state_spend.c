/* agent state: spend-scope months — recorded per month and destination, compared with the
 * digests now (either one changing means evaluate again), listed for status, and a version-3
 * file (before spend-scope months) migrated to version 4 with its rows kept. */
#include "agent/state.h"
#include "test_util.h"

#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct fixture {
    char *dir;
    char path[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = test_make_temp_dir();
    snprintf(f->path, sizeof f->path, "%s/state.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_remove_tree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static agent_state *open_writer(const char *path)
{
    agent_state *s = NULL;
    agent_state_error error = {0};
    agent_state_status status = agent_state_open(path, NULL, &s, &error);
    if (status != AGENT_STATE_OK)
        fprintf(stderr, "open: %s\n", error.message);
    assert_int_equal(status, AGENT_STATE_OK);
    return s;
}

static agent_state_spend_month may_local(void)
{
    return (agent_state_spend_month){.month = "2024-05",
                                     .destination = "/srv/out",
                                     .definitions_digest = "00000000000000d1",
                                     .data_digest = "00000000000000f1",
                                     .data_source = "/srv/in",
                                     .summary = "/srv/out/SpendScopes/2024/05/spend-scopes.parquet",
                                     .files = 2,
                                     .rows = 3000,
                                     .billed_cost = 1234.5,
                                     .effective_cost = 1200.25,
                                     .list_cost = 1300.75,
                                     .unscoped_rows = 1000,
                                     .rows_outside_month = 7,
                                     .evaluated_at = 1717200000};
}

static void test_record_and_compare(void **state)
{
    fixture *f = *state;
    agent_state *s = open_writer(f->path);
    agent_state_spend_month got;
    assert_int_equal(agent_state_get_spend_month(s, "2024-05", "/srv/out", &got, NULL),
                     AGENT_STATE_E_NOT_FOUND);
    assert_int_equal(agent_state_spend_month_changes(NULL, "d", "f"), AGENT_SPEND_NEVER_EVALUATED);

    agent_state_spend_month m = may_local();
    assert_int_equal(agent_state_put_spend_month(s, &m, NULL), AGENT_STATE_OK);
    agent_state_free(s);
    s = open_writer(f->path); /* survives reopening */
    assert_int_equal(agent_state_get_spend_month(s, "2024-05", "/srv/out", &got, NULL),
                     AGENT_STATE_OK);
    assert_string_equal(got.definitions_digest, "00000000000000d1");
    assert_string_equal(got.data_digest, "00000000000000f1");
    assert_string_equal(got.data_source, "/srv/in");
    assert_string_equal(got.summary, m.summary);
    assert_int_equal(got.files, 2);
    assert_int_equal(got.rows, 3000);
    assert_int_equal(got.unscoped_rows, 1000);
    assert_int_equal(got.rows_outside_month, 7);
    assert_int_equal(got.evaluated_at, 1717200000);
    assert_true(got.billed_cost == 1234.5 && got.effective_cost == 1200.25 &&
                got.list_cost == 1300.75);

    /* Current only while both digests match; each one changing is told apart. */
    assert_int_equal(agent_state_spend_month_changes(&got, "00000000000000d1", "00000000000000f1"),
                     0);
    assert_int_equal(agent_state_spend_month_changes(&got, "00000000000000d2", "00000000000000f1"),
                     AGENT_SPEND_DEFINITIONS_CHANGED);
    assert_int_equal(agent_state_spend_month_changes(&got, "00000000000000d1", "00000000000000f2"),
                     AGENT_SPEND_DATA_CHANGED);
    assert_int_equal(agent_state_spend_month_changes(&got, "00000000000000d2", "00000000000000f2"),
                     AGENT_SPEND_DEFINITIONS_CHANGED | AGENT_SPEND_DATA_CHANGED);
    assert_int_equal(agent_state_spend_month_changes(&got, NULL, "00000000000000f1"),
                     AGENT_SPEND_DEFINITIONS_CHANGED);
    agent_state_spend_month_dispose(&got);

    /* Another destination is its own row; another month of the same destination too. */
    assert_int_equal(agent_state_get_spend_month(s, "2024-05", "https://hub/ingestion", &got, NULL),
                     AGENT_STATE_E_NOT_FOUND);
    agent_state_spend_month hub = may_local();
    hub.destination = "https://hub/ingestion";
    hub.summary = "ingestion/SpendScopes/2024/05/spend-scopes.parquet";
    hub.data_digest = "00000000000000aa";
    assert_int_equal(agent_state_put_spend_month(s, &hub, NULL), AGENT_STATE_OK);
    agent_state_spend_month april = may_local();
    april.month = "2024-04";
    assert_int_equal(agent_state_put_spend_month(s, &april, NULL), AGENT_STATE_OK);

    /* Recording again replaces the month's row for that destination only. */
    m.data_digest = "00000000000000f2";
    m.rows = 3100;
    m.evaluated_at = 1717300000;
    assert_int_equal(agent_state_put_spend_month(s, &m, NULL), AGENT_STATE_OK);
    assert_int_equal(agent_state_get_spend_month(s, "2024-05", "/srv/out", &got, NULL),
                     AGENT_STATE_OK);
    assert_string_equal(got.data_digest, "00000000000000f2");
    assert_int_equal(got.rows, 3100);
    agent_state_spend_month_dispose(&got);
    assert_int_equal(agent_state_get_spend_month(s, "2024-05", "https://hub/ingestion", &got, NULL),
                     AGENT_STATE_OK);
    assert_string_equal(got.data_digest, "00000000000000aa");
    agent_state_spend_month_dispose(&got);

    agent_state_spend_month *rows = NULL;
    size_t count = 0;
    assert_int_equal(agent_state_list_spend_months(s, &rows, &count, NULL), AGENT_STATE_OK);
    assert_int_equal(count, 3);
    assert_string_equal(rows[0].month, "2024-05");
    assert_string_equal(rows[0].destination, "/srv/out");
    assert_string_equal(rows[1].month, "2024-05");
    assert_string_equal(rows[1].destination, "https://hub/ingestion");
    assert_string_equal(rows[2].month, "2024-04");
    agent_state_spend_months_free(rows, count);
    agent_state_free(s);
}

/* A version-3 file, as the previous hubagent left it, gets the table and keeps its rows. A
 * read-only open (status) of it says it needs migrating rather than failing on the table. */
static void test_version_3_file_migrates(void **state)
{
    fixture *f = *state;
    agent_state *s = open_writer(f->path);
    agent_state_handoff h = {.manifest = "m/manifest.json",
                             .etag = "\"1\"",
                             .status = "handed-off",
                             .month = "2024-05",
                             .destination = "Costs/2024/05/x",
                             .rows = 10,
                             .first_seen = 1,
                             .updated_at = 2};
    assert_int_equal(agent_state_put_handoff(s, &h, NULL), AGENT_STATE_OK);
    agent_state_free(s);
    /* Back to what version 3 had: no spend_scope_months table. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE spend_scope_months; PRAGMA user_version = 3;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    agent_state_options ro = agent_state_options_default();
    ro.read_only = true;
    agent_state_error error = {0};
    assert_int_equal(agent_state_open(f->path, &ro, &s, &error), AGENT_STATE_E_SCHEMA);
    assert_non_null(strstr(error.message, "schema version 3 and needs migrating to 4"));

    s = open_writer(f->path);
    assert_int_equal(agent_state_schema_version(s), 4);
    agent_state_handoff got;
    assert_int_equal(agent_state_get_handoff(s, h.manifest, h.etag, &got, NULL), AGENT_STATE_OK);
    assert_int_equal(got.rows, 10);
    agent_state_handoff_dispose(&got);
    agent_state_spend_month m = may_local();
    assert_int_equal(agent_state_put_spend_month(s, &m, NULL), AGENT_STATE_OK);
    agent_state_spend_month back;
    assert_int_equal(agent_state_get_spend_month(s, m.month, m.destination, &back, NULL),
                     AGENT_STATE_OK);
    agent_state_spend_month_dispose(&back);
    agent_state_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_record_and_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_3_file_migrates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
