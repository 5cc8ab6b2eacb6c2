package eventjobs.imports;

import eventjobs.core.Reasons;
import eventjobs.core.s3.S3ObjectRef;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of importing one file, written next to the results as JSON.
 *
 * @param status   COMPLETED (every row read), PARTIAL (the file stopped being readable part way),
 *                 or REJECTED (not an import at all, or over a limit)
 * @param reason   why the file was REJECTED or PARTIAL
 * @param accepted rows sent to the orders queue
 * @param rejected rows with an error (the first {@value #MAX_ERRORS} are listed)
 * @param unsent   valid rows the queue refused even after retries
 * @param parts    how many parts the file was read in (one per invocation, see {@link ImportPart})
 */
public record ImportReport(Status status, Optional<String> reason, S3ObjectRef object, long rowsRead, long accepted,
                           long rejected, long unsent, List<RowError> errors, int parts, Instant startedAt,
                           Instant finishedAt) {

    public static final int MAX_ERRORS = 100;

    /** The longest reason kept, for the file and for each row; a longer one says how much was cut. */
    public static final int MAX_REASON_LENGTH = 300;

    public enum Status { COMPLETED, PARTIAL, REJECTED }

    public ImportReport {
        errors = List.copyOf(errors);
        reason = reason.map(r -> Reasons.bounded(r, MAX_REASON_LENGTH));
    }

    public String toJson() {
        JsonMapper json = JsonMapper.shared();
        ObjectNode root = json.createObjectNode().put("status", status.name());
        reason.ifPresent(r -> root.put("reason", r));
        ObjectNode file = root.putObject("file").put("bucket", object.bucket()).put("key", object.key())
                .put("eTag", object.eTag()).put("size", object.size());
        object.versionId().ifPresent(v -> file.put("versionId", v));
        root.put("rowsRead", rowsRead).put("accepted", accepted).put("rejected", rejected).put("unsent", unsent);
        ArrayNode list = root.putArray("errors");
        errors.forEach(e -> list.addObject().put("row", e.row()).put("column", e.column()).put("reason", e.reason()));
        root.put("errorsListed", errors.size());
        root.put("parts", parts);
        root.put("startedAt", startedAt.toString()).put("finishedAt", finishedAt.toString())
                .put("durationMs", Duration.between(startedAt, finishedAt).toMillis());
        return json.writeValueAsString(root);
    }
}
