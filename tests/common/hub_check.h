/* Checks of what a backfill and a hand-off left behind, from the mock's own records and the
 * hub's storage: a month ran exactly once (earlier failed runs aside), and the ingestion
 * folder of a scope and month holds exactly one run's files, all of them. Each check fails the
 * running cmocka test with the scope and month named. */
#ifndef HUBAGENT_TEST_HUB_CHECK_H
#define HUBAGENT_TEST_HUB_CHECK_H

#include "hub_fixture.h"

#include <stdint.h>

/* "YYYY-MM" of the month `back` months before the current one (UTC). */
void hub_month_back(int back, char *out, size_t size);

/* The mock's record of one export's runs: [{id, status, from, to}] (never NULL; decref it). */
json_t *hub_mock_runs(const mock_fixture *mock, const char *scope, const char *export_name);

/* The month ("YYYY-MM") ran exactly once without failing at this export; failed or timed-out
 * runs may precede it. Returns the number of those; *out_run_id (may be NULL) gets the good
 * run's id (malloc'd). */
int hub_expect_month_once(const mock_fixture *mock, const char *scope, const char *export_name,
                          const char *month, char **out_run_id);

/* Each of the last `months` months ran exactly once (hub_expect_month_once) and no older month
 * ran. Returns the number of failed runs seen. */
int hub_expect_each_month_once(const mock_fixture *mock, const char *scope, const char *export_name,
                               int months);

/* Rows of a Parquet blob, read back through focus/ (fails unless it is a valid Parquet file
 * that has the column expect_column, when given). */
int64_t hub_parquet_rows(const hub_fixture *hub, const char *container, const char *name,
                         const char *expect_column);

/* The ingestion folder `destination` holds run_id's manifest and exactly its files
 * ({run_id}__{file}.parquet, as many as the manifest lists, nothing of another run), whose
 * rows add up to `rows`. */
void hub_expect_ingested(const hub_fixture *hub, const char *destination, const char *run_id,
                         int64_t rows);

#endif
