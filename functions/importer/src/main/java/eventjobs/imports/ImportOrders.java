package eventjobs.imports;

import eventjobs.core.s3.S3ObjectRef;
import eventjobs.core.events.EventCodec;
import eventjobs.core.events.Violation;
import eventjobs.orders.OrderPlaced;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Imports a CSV file of orders, one order of one line per row, in constant memory: the header
 * is checked first ({@link #COLUMNS}, in any order), each row becomes an OrderPlaced valid
 * against the same schema as the API's, and valid rows leave ten at a time, with a few sends
 * under way at once ({@link ConcurrentSends}). Order ids are derived from the object's identity
 * and the row number, so importing the same file again places no order twice (the worker's
 * conditional write absorbs the repeats).
 *
 * <p>A file too large for one invocation is read in parts ({@link ImportPart}): a part stops at
 * a row boundary when its {@link PartBudget} is spent and says where the next one starts, with
 * the counts so far; the part that reaches the end reports on the whole file. Thread-safe: each
 * run has its own state.
 */
public final class ImportOrders {

    /** The columns an import file has, named in its header. */
    public static final List<String> COLUMNS = List.of("customer_id", "currency", "sku", "quantity", "unit_price");

    /**
     * SendMessageBatch calls under way at once. A call mostly waits: ~10 ms on SQS in the cloud,
     * while reading, checking and encoding its ten rows takes a fraction of a millisecond even on
     * the ~0.6 vCPU a 1,024 MB function gets, so eight keep the function busy at the cost of eight
     * batches in memory. (The JDK keeps five idle connections per host alive; with sends always
     * under way, fewer than that are idle at once.) Measured locally: {@code make bench}.
     */
    public static final int SENDS_IN_FLIGHT = 8;

    private static final Map<String, String> COLUMN_OF_FIELD = Map.of("/customerId", "customer_id",
            "/currency", "currency", "/lines/0/sku", "sku", "/lines/0/quantity", "quantity", "/lines/0/unitPrice", "unit_price");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("-?\\d{1,9}");
    private static final JsonMapper JSON = JsonMapper.shared();

    private final OrderBatches queue;
    private final EventCodec codec;
    private final ImportLimits limits;
    private final int sendsInFlight;
    private final Clock clock;

    /**
     * @param sendsInFlight how many sends may be under way at once; 1 sends one batch after the
     *                      other, in the file's order
     */
    public ImportOrders(OrderBatches queue, EventCodec codec, ImportLimits limits, int sendsInFlight, Clock clock) {
        if (sendsInFlight < 1) {
            throw new IllegalArgumentException("at least one send must be allowed, not " + sendsInFlight);
        }
        this.queue = queue;
        this.codec = codec;
        this.limits = limits;
        this.sendsInFlight = sendsInFlight;
        this.clock = clock;
    }

    /** Reads a whole file ({@code content}, the object's bytes) in one part, to its end or to where it cannot be read further. */
    public ImportReport run(S3ObjectRef object, InputStream content) {
        return switch (run(ImportPart.first(object, clock.instant()), content, PartBudget.WHOLE_FILE, Instant.MAX)) {
            case PartOutcome.Finished finished -> finished.report();
            case PartOutcome.Continued continued -> throw new IllegalStateException("a whole file was cut at row "
                    + continued.next().tally().rowsRead());
        };
    }

    /**
     * Reads one part of a file: {@code content} holds the object's bytes from the part's offset on.
     * It stops at the end of the file, where the file cannot be read further, or after a row when
     * {@code budget} is spent (the last allowed part only when its time runs low), given that the
     * invocation ends at {@code deadline}. The sends of the part are all done when it returns.
     *
     * @throws RuntimeException when a send failed: the part is to be read again
     */
    PartOutcome run(ImportPart part, InputStream content, PartBudget budget, Instant deadline) {
        Progress progress = new Progress(part, clock.instant());
        S3ObjectRef object = part.object();
        if (part.isFirst() && object.size() > limits.maxBytes()) {
            return progress.rejected("the file is " + object.size() + " bytes, over the limit of " + limits.maxBytes());
        }
        if (part.isFirst() && object.size() == 0) {
            return progress.rejected("the file is empty");
        }
        try (ConcurrentSends sends = new ConcurrentSends(queue, sendsInFlight)) {
            return read(part, content, part.isLast() ? budget.toTheEnd() : budget, deadline, sends, progress);
        }
    }

    /**
     * A file that could not be read from the part's offset on (gone, or replaced by other content):
     * REJECTED when nothing of it was read, else PARTIAL with what the parts before counted.
     */
    ImportReport stopped(ImportPart part, String reason) {
        return new Progress(part, clock.instant()).unreadable(reason);
    }

    private PartOutcome read(ImportPart part, InputStream content, PartBudget budget, Instant deadline,
                             ConcurrentSends sends, Progress progress) {
        List<OrderPlaced> batch = new ArrayList<>(OrderBatches.MAX_BATCH);
        try (CsvRows rows = part.isFirst() ? CsvRows.ofFile(content, limits.maxRowChars())
                : CsvRows.from(content, part.offset(), limits.maxRowChars())) {
            List<String> header = part.header();
            if (part.isFirst()) {
                Optional<List<String>> first = rows.next();
                if (first.isEmpty()) {
                    return progress.rejected("the file is empty");
                }
                Optional<String> headerProblem = checkHeader(first.get());
                if (headerProblem.isPresent()) {
                    return progress.rejected(headerProblem.get());
                }
                header = first.get().stream().map(ImportOrders::columnName).toList();
            }
            int[] positions = COLUMNS.stream().mapToInt(header::indexOf).toArray();
            long inPart = 0;
            for (Optional<List<String>> row; (row = rows.next()).isPresent(); ) {
                if (progress.rowsRead == limits.maxRows()) {
                    progress.sent(sends, batch);
                    return progress.finish(ImportReport.Status.REJECTED, "the file has more than " + limits.maxRows()
                            + " rows; rows 1 to " + limits.maxRows() + " were imported, the rest were not read");
                }
                progress.rowsRead++;
                inPart++;
                order(part.object(), progress, row.get(), positions).ifPresent(batch::add);
                if (batch.size() == OrderBatches.MAX_BATCH) {
                    sends.submit(batch);
                    batch.clear();
                }
                if (budget.spent(inPart, progress.partStartedAt, clock.instant(), deadline)) {
                    long next = rows.nextRowOffset();
                    if (!rows.hasNext()) {
                        break;
                    }
                    progress.sent(sends, batch);
                    if (part.isLast()) {
                        return progress.finish(ImportReport.Status.REJECTED, "the file needs more than " + ImportPart.MAX_PARTS
                                + " parts; rows 1 to " + progress.rowsRead + " were imported, the rest were not read");
                    }
                    return new PartOutcome.Continued(part.next(next, header, progress.tally()));
                }
            }
            progress.sent(sends, batch);
            return progress.finish(ImportReport.Status.COMPLETED, null);
        } catch (CsvRows.Unreadable unreadable) {
            progress.sent(sends, batch);
            return new PartOutcome.Finished(progress.unreadable(unreadable.getMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + part.object().key() + " failed", e);
        }
    }

    private static String columnName(String header) {
        return header.trim().toLowerCase(Locale.ROOT);
    }

    private static Optional<String> checkHeader(List<String> header) {
        List<String> names = header.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        if (names.stream().anyMatch(n -> n.indexOf('\u0000') >= 0)) {
            return Optional.of("the file is not text");
        }
        List<String> missing = COLUMNS.stream().filter(c -> !names.contains(c)).toList();
        List<String> unknown = names.stream().filter(n -> !COLUMNS.contains(n)).toList();
        if (missing.isEmpty() && unknown.isEmpty() && names.size() == COLUMNS.size()) {
            return Optional.empty();
        }
        return Optional.of("the header must name the columns " + String.join(", ", COLUMNS)
                + (missing.isEmpty() ? "" : "; missing: " + String.join(", ", missing))
                + (unknown.isEmpty() ? "" : "; unknown: " + String.join(", ", unknown))
                + (names.size() > COLUMNS.size() && missing.isEmpty() && unknown.isEmpty() ? "; a column is named twice" : ""));
    }

    private Optional<OrderPlaced> order(S3ObjectRef object, Progress progress, List<String> fields, int[] positions) {
        if (fields.size() != COLUMNS.size()) {
            progress.error(new RowError(progress.rowsRead, "row", "has " + fields.size() + " fields, the header has "
                    + COLUMNS.size()));
            return Optional.empty();
        }
        String quantity = fields.get(positions[3]).trim();
        if (!WHOLE_NUMBER.matcher(quantity).matches()) {
            progress.error(new RowError(progress.rowsRead, "quantity", "'" + abbreviate(quantity) + "' is not a whole number"));
            return Optional.empty();
        }
        String orderId = UUID.nameUUIDFromBytes((object.identity() + "#" + progress.rowsRead).getBytes(StandardCharsets.UTF_8))
                .toString();
        ObjectNode data = JSON.createObjectNode()
                .put("orderId", orderId)
                .put("customerId", fields.get(positions[0]).trim())
                .put("currency", fields.get(positions[1]).trim().toUpperCase(Locale.ROOT));
        data.putArray("lines").addObject()
                .put("sku", fields.get(positions[2]).trim())
                .put("quantity", Integer.parseInt(quantity))
                .put("unitPrice", fields.get(positions[4]).trim());
        List<Violation> violations = codec.dataViolations(OrderPlaced.TYPE, data);
        try {
            if (violations.isEmpty()) {
                return Optional.of(OrderPlaced.fromData(data));
            }
        } catch (OrderPlaced.InvalidOrder invalid) {
            violations = invalid.violations();
        }
        Violation first = violations.getFirst();
        progress.error(new RowError(progress.rowsRead, COLUMN_OF_FIELD.getOrDefault(first.field(), "row"), first.message()));
        return Optional.empty();
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 39) + "…";
    }

    /** Counts as the rows of one part go by, from what the parts before counted; keeps only the first errors. */
    private final class Progress {
        final ImportPart part;
        final Instant partStartedAt;
        final List<RowError> errors;
        long rowsRead;
        long accepted;
        long rejected;
        long unsent;

        Progress(ImportPart part, Instant now) {
            this.part = part;
            this.partStartedAt = now;
            Tally before = part.tally();
            this.errors = new ArrayList<>(before.errors());
            this.rowsRead = before.rowsRead();
            this.accepted = before.accepted();
            this.rejected = before.rejected();
            this.unsent = before.unsent();
        }

        void error(RowError error) {
            rejected++;
            if (errors.size() < ImportReport.MAX_ERRORS) {
                errors.add(error);
            }
        }

        /** Sends what is left of {@code batch} and waits for every send of the part. */
        void sent(ConcurrentSends sends, List<OrderPlaced> batch) {
            sends.submit(batch);
            batch.clear();
            ConcurrentSends.Sent sent = sends.finish();
            accepted = part.tally().accepted() + sent.accepted();
            unsent = part.tally().unsent() + sent.unsent();
        }

        Tally tally() {
            return new Tally(rowsRead, accepted, rejected, unsent, errors, part.tally().startedAt());
        }

        PartOutcome.Finished rejected(String reason) {
            return finish(ImportReport.Status.REJECTED, reason);
        }

        PartOutcome.Finished finish(ImportReport.Status status, String reason) {
            return new PartOutcome.Finished(tally().report(status, Optional.ofNullable(reason), part.object(), part.number(),
                    clock.instant()));
        }

        ImportReport unreadable(String reason) {
            return rowsRead == 0 && accepted == 0
                    ? finish(ImportReport.Status.REJECTED, reason).report()
                    : finish(ImportReport.Status.PARTIAL, reason + " after row " + rowsRead
                    + "; the rows before it were imported, the rest were not read").report();
        }
    }
}
