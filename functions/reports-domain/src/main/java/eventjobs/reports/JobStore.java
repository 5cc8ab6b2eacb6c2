package eventjobs.reports;

import java.time.Instant;
import java.util.Optional;

/** Where report jobs live. Each method is one conditional write or one read; thread-safe. */
public interface JobStore {

    /** Result of recording a new job. */
    sealed interface Creation {
        record Created() implements Creation {}

        record Exists(Job job, String requestHash) implements Creation {}
    }

    /** Records {@code request} as PENDING, to be finished by {@code deadline}, unless its job id exists. */
    Creation create(ReportRequest request, String requestHash, Instant now, Instant deadline);

    /** Makes a FAILED or overdue job PENDING again, to be finished by {@code deadline}; false if it was neither. */
    boolean reopen(String jobId, Instant now, Instant deadline);

    Optional<Job> find(String jobId);

    /** Sets the status unless the job is DONE already (a finished report is never reopened); false if it was. */
    boolean move(String jobId, JobStatus status, Optional<String> reason, Instant now);

    /** Marks the job DONE with where its report is. */
    void done(String jobId, String reportKey, long rows, Instant now);

    /** PENDING and RUNNING jobs whose deadline is before {@code now}, read page by page. */
    java.util.stream.Stream<Job> overdue(Instant now);

    /**
     * Marks {@code job}, as {@link #overdue} read it, FAILED ({@link Job#overdueReason}); false if it
     * finished or its deadline moved meanwhile (one conditional write).
     */
    boolean expire(Job job, Instant now);
}
