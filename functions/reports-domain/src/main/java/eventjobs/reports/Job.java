package eventjobs.reports;

import java.time.Instant;
import java.util.Optional;

/** A report job as stored. */
public record Job(ReportRequest request, JobStatus status, Instant createdAt, Instant updatedAt,
                  Optional<String> reportKey, Optional<String> reason, Optional<Long> rows) {

    public String jobId() {
        return request.jobId();
    }
}
