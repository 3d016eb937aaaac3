/* agent state: schema and migration, rows that survive reopening, the lock
 * that keeps a second agent out but never outlives a killed one, and the
 * spend-scope months (either digest changing means evaluate again). */
#include "agent/state.h"
#include "test_util.h"

#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Runs SQL on the file directly, as an older (or newer) hubagent would have left it. */
static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

static void test_rows_survive_reopen(void **state)
{
    fixture *f = *state;
    agent_state *s = open_writer(f->path);
    assert_int_equal(agent_state_schema_version(s), AGENT_STATE_SCHEMA_VERSION);
    agent_state_export e = {"/subscriptions/x", "hub-daily-costdetails", "\"etag-1\"", "abc", 100};
    assert_int_equal(agent_state_put_export(s, &e, NULL), AGENT_STATE_OK);
    e.etag = "\"etag-2\"";
    assert_int_equal(agent_state_put_export(s, &e, NULL), AGENT_STATE_OK);
    assert_int_equal(agent_state_set_value(s, "settings_etag", "0x1", NULL), AGENT_STATE_OK);
    agent_state_run run = {.scope = "/subscriptions/x",
                           .export_name = "hub-daily-costdetails",
                           .reason = "backfill",
                           .period_from = "2026-01-01",
                           .period_to = "2026-01-31",
                           .status = "Triggered",
                           .triggered_at = 5};
    assert_int_equal(agent_state_insert_run(s, &run, NULL), AGENT_STATE_OK);
    assert_true(run.id > 0);
    run.run_id = "run-guid";
    run.status = "Completed";
    run.finished_at = 9;
    assert_int_equal(agent_state_update_run(s, &run, NULL), AGENT_STATE_OK);
    agent_state_free(s);

    s = open_writer(f->path);
    agent_state_export got;
    assert_int_equal(
        agent_state_get_export(s, "/subscriptions/x", "hub-daily-costdetails", &got, NULL),
        AGENT_STATE_OK);
    assert_string_equal(got.etag, "\"etag-2\"");
    assert_string_equal(got.body_hash, "abc");
    agent_state_export_dispose(&got);
    char *value = NULL;
    assert_int_equal(agent_state_get_value(s, "settings_etag", &value, NULL), AGENT_STATE_OK);
    assert_string_equal(value, "0x1");
    free(value);
    assert_int_equal(agent_state_get_value(s, "nope", &value, NULL), AGENT_STATE_E_NOT_FOUND);
    agent_state_run last;
    assert_int_equal(
        agent_state_last_run(s, "/subscriptions/x", "hub-daily-costdetails", NULL, &last, NULL),
        AGENT_STATE_OK);
    assert_string_equal(last.status, "Completed");
    assert_string_equal(last.run_id, "run-guid");
    assert_string_equal(last.period_from, "2026-01-01");
    assert_int_equal(last.finished_at, 9);
    agent_state_run_dispose(&last);
    assert_int_equal(
        agent_state_last_run(s, "/subscriptions/x", "hub-daily-costdetails", "daily", &last, NULL),
        AGENT_STATE_E_NOT_FOUND);
    assert_int_equal(agent_state_last_run(s, "/subscriptions/x", "other", NULL, &last, NULL),
                     AGENT_STATE_E_NOT_FOUND);
    assert_int_equal(
        agent_state_delete_export(s, "/subscriptions/x", "hub-daily-costdetails", NULL),
        AGENT_STATE_OK);
    assert_int_equal(
        agent_state_get_export(s, "/subscriptions/x", "hub-daily-costdetails", &got, NULL),
        AGENT_STATE_E_NOT_FOUND);
    run.id = 999;
    assert_int_equal(agent_state_update_run(s, &run, NULL), AGENT_STATE_E_NOT_FOUND);
    agent_state_free(s);
}

static void test_rollback_leaves_nothing(void **state)
{
    fixture *f = *state;
    agent_state *s = open_writer(f->path);
    assert_int_equal(agent_state_begin(s, NULL), AGENT_STATE_OK);
    assert_int_equal(agent_state_set_value(s, "k", "v", NULL), AGENT_STATE_OK);
    agent_state_rollback(s);
    char *value = NULL;
    assert_int_equal(agent_state_get_value(s, "k", &value, NULL), AGENT_STATE_E_NOT_FOUND);
    agent_state_free(s);
}

static void test_second_writer_refused(void **state)
{
    fixture *f = *state;
    agent_state *first = open_writer(f->path);
    agent_state *second = NULL;
    agent_state_error error = {0};
    assert_int_equal(agent_state_open(f->path, NULL, &second, &error), AGENT_STATE_E_LOCKED);
    assert_null(second);
    char pid[32];
    snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
    assert_non_null(strstr(error.message, pid));
    assert_non_null(strstr(error.message, "only one agent"));
    /* Readers (status, plan) need no lock. */
    agent_state_options ro = agent_state_options_default();
    ro.read_only = true;
    agent_state *reader = NULL;
    assert_int_equal(agent_state_open(f->path, &ro, &reader, &error), AGENT_STATE_OK);
    agent_state_free(reader);
    agent_state_free(first);
    second = open_writer(f->path);
    agent_state_free(second);
}

static void test_killed_holder_releases_lock(void **state)
{
    fixture *f = *state;
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    if (child == 0) {
        agent_state *s = NULL;
        if (agent_state_open(f->path, NULL, &s, NULL) != AGENT_STATE_OK)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    char byte;
    assert_int_equal(read(ready[0], &byte, 1), 1);
    agent_state *s = NULL;
    agent_state_error error = {0};
    assert_int_equal(agent_state_open(f->path, NULL, &s, &error), AGENT_STATE_E_LOCKED);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    s = open_writer(f->path);
    agent_state_free(s);
    close(ready[0]);
    close(ready[1]);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    exec_sql(f->path, "PRAGMA user_version = 99");
    agent_state *s = NULL;
    agent_state_error error = {0};
    assert_int_equal(agent_state_open(f->path, NULL, &s, &error), AGENT_STATE_E_SCHEMA);
    assert_non_null(strstr(error.message, "schema version 99"));
}

static void test_not_a_database(void **state)
{
    fixture *f = *state;
    const char junk[] = "this is not sqlite at all, just some bytes in a file of ours....";
    char big[4096];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = junk[i % (sizeof junk - 1)];
    assert_int_equal(test_write_file(f->path, big, sizeof big), 0);
    agent_state *s = NULL;
    agent_state_error error = {0};
    assert_int_equal(agent_state_open(f->path, NULL, &s, &error), AGENT_STATE_E_OPEN);
    assert_non_null(strstr(error.message, "not a hubagent state database"));
}

static void test_read_only_missing_file(void **state)
{
    fixture *f = *state;
    agent_state_options ro = agent_state_options_default();
    ro.read_only = true;
    agent_state *s = NULL;
    agent_state_error error = {0};
    assert_int_equal(agent_state_open(f->path, &ro, &s, &error), AGENT_STATE_E_OPEN);
    assert_non_null(strstr(error.message, f->path));
}

/* A version-1 file (before hand-off) is migrated in place, keeping its rows. */
static void test_version_1_file_migrates(void **state)
{
    fixture *f = *state;
    exec_sql(f->path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                      "CREATE TABLE exports (scope TEXT NOT NULL, name TEXT NOT NULL,"
                      " etag TEXT, body_hash TEXT, updated_at INTEGER NOT NULL,"
                      " PRIMARY KEY (scope, name));"
                      "CREATE TABLE runs (id INTEGER PRIMARY KEY, scope TEXT NOT NULL,"
                      " export_name TEXT NOT NULL, run_id TEXT, reason TEXT NOT NULL,"
                      " period_from TEXT, period_to TEXT, status TEXT NOT NULL,"
                      " error TEXT, triggered_at INTEGER NOT NULL,"
                      " finished_at INTEGER NOT NULL DEFAULT 0);"
                      "INSERT INTO meta VALUES ('settings_etag', 'e1');"
                      "PRAGMA user_version = 1;");
    agent_state *s = open_writer(f->path);
    assert_int_equal(agent_state_schema_version(s), AGENT_STATE_SCHEMA_VERSION);
    char *value = NULL;
    assert_int_equal(agent_state_get_value(s, "settings_etag", &value, NULL), AGENT_STATE_OK);
    assert_string_equal(value, "e1");
    free(value);
    agent_state_handoff h;
    assert_int_equal(agent_state_get_handoff(s, "m", "e", &h, NULL), AGENT_STATE_E_NOT_FOUND);
    agent_state_free(s);
}

/* Hand-off rows: keyed by manifest path + eTag, first_seen kept, the current run of a
 * destination found, older ones marked replaced, lists filtered by scope and month. */
static void test_handoff_rows(void **state)
{
    fixture *f = *state;
    agent_state *s = open_writer(f->path);
    agent_state_handoff a = {.manifest = "hub/a/manifest.json",
                             .etag = "\"1\"",
                             .status = "waiting",
                             .scope = "/subscriptions/x",
                             .dataset = "Costs",
                             .month = "2024-01",
                             .run_id = "run-a",
                             .submitted_time = "2024-02-01T00:00:00Z",
                             .destination = "Costs/2024/01/subscriptions/x",
                             .files = 0,
                             .rows = -1,
                             .first_seen = 100,
                             .updated_at = 100};
    assert_int_equal(agent_state_put_handoff(s, &a, NULL), AGENT_STATE_OK);
    a.status = "handed-off";
    a.first_seen = 999; /* ignored: the first sighting stays */
    a.updated_at = 200;
    a.files = 2;
    a.rows = 40;
    assert_int_equal(agent_state_put_handoff(s, &a, NULL), AGENT_STATE_OK);
    agent_state_handoff got;
    assert_int_equal(agent_state_get_handoff(s, a.manifest, a.etag, &got, NULL), AGENT_STATE_OK);
    assert_string_equal(got.status, "handed-off");
    assert_int_equal(got.first_seen, 100);
    assert_int_equal(got.rows, 40);
    agent_state_handoff_dispose(&got);
    /* Another eTag of the same path is another manifest. */
    assert_int_equal(agent_state_get_handoff(s, a.manifest, "\"2\"", &got, NULL),
                     AGENT_STATE_E_NOT_FOUND);
    agent_state_handoff b = a;
    b.manifest = "hub/b/manifest.json";
    b.run_id = "run-b";
    b.updated_at = 300;
    assert_int_equal(agent_state_put_handoff(s, &b, NULL), AGENT_STATE_OK);
    assert_int_equal(agent_state_replace_handoffs(s, b.destination, b.manifest, b.etag, NULL),
                     AGENT_STATE_OK);
    assert_int_equal(agent_state_current_handoff(s, a.destination, &got, NULL), AGENT_STATE_OK);
    assert_string_equal(got.run_id, "run-b");
    agent_state_handoff_dispose(&got);
    agent_state_handoff *rows = NULL;
    size_t count = 0;
    assert_int_equal(
        agent_state_list_handoffs(s, "/SUBSCRIPTIONS/X", "2024-01", NULL, &rows, &count, NULL),
        AGENT_STATE_OK);
    assert_int_equal(count, 2);
    assert_string_equal(rows[0].status, "replaced");
    assert_string_equal(rows[1].status, "handed-off");
    agent_state_handoffs_free(rows, count);
    assert_int_equal(agent_state_list_handoffs(s, NULL, "2024-02", NULL, &rows, &count, NULL),
                     AGENT_STATE_OK);
    assert_int_equal(count, 0);
    agent_state_handoffs_free(rows, count);
    agent_state_free(s);
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

static void test_spend_month_record_and_compare(void **state)
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
    exec_sql(f->path, "DROP TABLE spend_scope_months; PRAGMA user_version = 3;");

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
        cmocka_unit_test_setup_teardown(test_rows_survive_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_writer_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_holder_releases_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_1_file_migrates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handoff_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spend_month_record_and_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_3_file_migrates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
