package eventjobs.imports;

import eventjobs.core.s3.S3ObjectRef;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the parts of one import counted so far, handed from each part to the next so that the last
 * one can report on the whole file.
 *
 * @param rowsRead  rows read (the next part's first row is row {@code rowsRead + 1})
 * @param accepted  rows sent to the orders queue
 * @param rejected  rows with an error
 * @param unsent    valid rows the queue refused even after retries
 * @param errors    the first {@value ImportReport#MAX_ERRORS} row errors
 * @param startedAt when the first part began
 */
public record Tally(long rowsRead, long accepted, long rejected, long unsent, List<RowError> errors, Instant startedAt) {

    public Tally {
        errors = List.copyOf(errors);
        if (rowsRead < 0 || accepted < 0 || rejected < 0 || unsent < 0) {
            throw new IllegalArgumentException("counts cannot be negative");
        }
        if (errors.size() > ImportReport.MAX_ERRORS) {
            throw new IllegalArgumentException("at most " + ImportReport.MAX_ERRORS + " errors are kept, not " + errors.size());
        }
    }

    /** Nothing read yet, from {@code now}. */
    static Tally start(Instant now) {
        return new Tally(0, 0, 0, 0, List.of(), now);
    }

    ImportReport report(ImportReport.Status status, Optional<String> reason, S3ObjectRef object, int parts, Instant now) {
        return new ImportReport(status, reason, object, rowsRead, accepted, rejected, unsent, errors, parts, startedAt, now);
    }
}
