package eventjobs.imports;

import eventjobs.core.Reasons;

/**
 * Why a row of a file was not imported; row 1 is the first row after the header. The reason is
 * cut to {@link ImportReport#MAX_REASON_LENGTH} characters, saying how many were cut.
 */
public record RowError(long row, String column, String reason) {

    public RowError {
        column = Reasons.bounded(column, ImportReport.MAX_REASON_LENGTH);
        reason = Reasons.bounded(reason, ImportReport.MAX_REASON_LENGTH);
    }
}
