package eventjobs.reports;

import java.time.Instant;
import java.util.Optional;

/**
 * A report job as stored.
 *
 * @param deadline when the job can no longer finish: its start event is past Lambda's maximum
 *                 event age and the last attempt past the worker's timeout
 */
public record Job(ReportRequest request, JobStatus status, Instant createdAt, Instant updatedAt,
                  Optional<String> reportKey, Optional<String> reason, Optional<Long> rows, Optional<Instant> deadline) {

    /** Why a job past its deadline is FAILED: no attempt of its worker can still be running. */
    public static String overdueReason(Instant deadline) {
        return "the report did not finish by " + deadline + ": every attempt of its worker timed out or crashed;"
                + " Lambda's record of it is in JobsDLQ";
    }

    public String jobId() {
        return request.jobId();
    }

    /** Whether the job is PENDING or RUNNING past its deadline, which makes it FAILED whether or not that is stored yet. */
    public boolean overdue(Instant now) {
        return (status == JobStatus.PENDING || status == JobStatus.RUNNING) && deadline.map(now::isAfter).orElse(false);
    }
}
