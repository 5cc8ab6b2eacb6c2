package eventjobs.sweeper;

import eventjobs.reports.Job;
import eventjobs.reports.JobStore;

import java.time.Clock;
import java.time.Instant;

/**
 * Report jobs left PENDING or RUNNING past their deadline (every attempt of the worker timed
 * out or crashed, so the worker could not say so itself) become FAILED with the reason.
 */
public final class SweepJobs {

    private final JobStore jobs;
    private final Clock clock;

    public SweepJobs(JobStore jobs, Clock clock) {
        this.jobs = jobs;
        this.clock = clock;
    }

    /** @return how many jobs it marked FAILED */
    public int apply() {
        Instant now = clock.instant();
        int failed = 0;
        try (var overdue = jobs.overdue(now)) {
            for (Job job : (Iterable<Job>) overdue::iterator) {
                failed += jobs.expire(job, now) ? 1 : 0;
            }
        }
        return failed;
    }
}
