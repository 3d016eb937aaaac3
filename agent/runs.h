/* agent runs: the daily and monthly ticks fire each scope's exports of that
 * recurrence (never while the previous run is still going), and every run is
 * recorded and watched through run history until it ends. */
#ifndef HUBAGENT_AGENT_RUNS_H
#define HUBAGENT_AGENT_RUNS_H

#include "agent/azure.h"
#include "agent/desired.h"
#include "agent/schedule.h"
#include "agent/state.h"

typedef struct agent_runs_options {
    agent_desired_options desired;
    int concurrency;
    double watch_seconds; /* how long to keep polling unfinished runs (0: one pass) */
    double poll_seconds;  /* between polls while watching */
} agent_runs_options;

/* What a tick or a watch did, summed over scopes. */
typedef struct agent_runs_report {
    size_t triggered;
    size_t already_ran;     /* ran for this tick already */
    size_t skipped_running; /* previous run still in progress: not fired again */
    size_t trigger_failed;
    size_t completed;
    size_t failed;  /* Failed or Timeout */
    size_t no_data; /* DataNotAvailable / NewDataNotAvailable */
    size_t unfinished;
} agent_runs_report;

/* True for run statuses that will not change any more. */
bool agent_run_status_is_final(const char *status);

/* Fires the tick's exports at every scope, except those already run for the
 * tick that fell at `tick_at` (so a repeated or resumed tick fires nothing
 * twice, and what failed to fire is retried) and those whose previous run is
 * still going. Trigger failures are counted and logged per export. */
arm_status agent_runs_tick(agent_azure *azure, agent_state *state, const settings *value,
                           const agent_runs_options *options, agent_tick tick, time_t tick_at,
                           agent_runs_report *report, arm_error *err);

/* Polls the run history of every unfinished run until all have ended or
 * watch_seconds have passed. */
arm_status agent_runs_watch(agent_azure *azure, agent_state *state,
                            const agent_runs_options *options, agent_runs_report *report,
                            arm_error *err);

#endif
