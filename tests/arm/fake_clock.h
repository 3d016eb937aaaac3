/* A clock for tests: time moves only when the code under test "sleeps", so back-off and
 * pacing are checked exactly and no test waits. */
#ifndef HUBAGENT_TEST_FAKE_CLOCK_H
#define HUBAGENT_TEST_FAKE_CLOCK_H

#include "arm/retry.h"

typedef struct fake_clock {
    double now;
    double slept; /* total seconds slept */
    int sleeps;   /* number of sleeps */
    double last_sleep;
    double random_value; /* what random() returns */
} fake_clock;

static inline double fake_now(void *ctx)
{
    return ((fake_clock *)ctx)->now;
}

static inline void fake_sleep(void *ctx, double s)
{
    fake_clock *c = ctx;
    c->now += s;
    c->slept += s;
    c->sleeps++;
    c->last_sleep = s;
}

static inline double fake_random(void *ctx)
{
    return ((fake_clock *)ctx)->random_value;
}

static inline arm_clock fake_clock_seam(fake_clock *c)
{
    arm_clock k = {c, fake_now, fake_sleep, fake_random};
    return k;
}

#endif
