/* The stop flag is set from the signal handler and only read elsewhere. */
#include "agent/stop.h"

#include <signal.h>
#include <time.h>

static volatile sig_atomic_t stop_flag;
static _Thread_local double thread_deadline;

static void on_signal(int signal_number)
{
    (void)signal_number;
    stop_flag = 1;
}

void agent_stop_install(void)
{
    struct sigaction action = {0};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
}

bool agent_stop_requested(void)
{
    return stop_flag != 0;
}

bool agent_stop_sleep(double seconds)
{
    /* Short slices: a signal may arrive between the check and the sleep. */
    while (seconds > 0 && !stop_flag) {
        double slice = seconds < 0.2 ? seconds : 0.2;
        struct timespec pause = {(time_t)slice, (long)((slice - (double)(time_t)slice) * 1e9)};
        nanosleep(&pause, NULL);
        seconds -= slice;
    }
    return !stop_flag;
}

void agent_stop_set_thread_deadline(double deadline)
{
    thread_deadline = deadline;
}

bool agent_stop_refuses_wait(double wait_until)
{
    return stop_flag != 0 || (thread_deadline > 0 && wait_until > thread_deadline);
}
