/* SPDX-License-Identifier: Apache-2.0 */
/* bench-storm: a denial storm, paced.
 *
 *   bench-storm RATE SECONDS     getppid() RATE times a second for SECONDS (in bursts of
 *                                RATE/1000 every millisecond)
 *
 * Run it under a filter (seccompctl exec PROFILE -- bench-storm ...): under one that LOGs
 * getppid every call is an audit record for seccompd to read; under one that allows it, the
 * same calls cost the same CPU and make no record (the baseline).
 * Prints: calls=.. secs=.. rate=.. */

#include <sys/syscall.h>

#include "bench.h"

int main(int argc, char **argv)
{
        if (argc != 3)
                die("usage: bench-storm RATE SECONDS");
        long rate = atol(argv[1]);
        double secs = atof(argv[2]);
        if (rate <= 0 || secs <= 0)
                die("RATE and SECONDS must be positive");
        uint64_t start = now_ns(), end = start + (uint64_t)(secs * 1e9), calls = 0;
        for (uint64_t tick = start; tick < end; tick += 1000000) {
                /* The calls due by the end of this millisecond, then sleep until it ends. */
                uint64_t due = (uint64_t)((double)(tick + 1000000 - start) * (double)rate / 1e9);
                while (calls < due) {
                        syscall(SYS_getppid);
                        calls++;
                }
                uint64_t now = now_ns();
                if (now < tick + 1000000) {
                        struct timespec ts = {0, (long)(tick + 1000000 - now)};
                        nanosleep(&ts, NULL);
                }
        }
        double took = (double)(now_ns() - start) / 1e9;
        printf("calls=%llu secs=%.3f rate=%.0f\n", (unsigned long long)calls, took,
               (double)calls / took);
        return 0;
}
