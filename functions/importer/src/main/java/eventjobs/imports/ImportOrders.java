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
 * against the same schema as the API's, and valid rows leave ten at a time. Order ids are
 * derived from the object's identity and the row number, so importing the same file again
 * places no order twice (the worker's conditional write absorbs the repeats).
 */
public final class ImportOrders {

    /** The columns an import file has, named in its header. */
    public static final List<String> COLUMNS = List.of("customer_id", "currency", "sku", "quantity", "unit_price");

    private static final Map<String, String> COLUMN_OF_FIELD = Map.of("/customerId", "customer_id",
            "/currency", "currency", "/lines/0/sku", "sku", "/lines/0/quantity", "quantity", "/lines/0/unitPrice", "unit_price");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("-?\\d{1,9}");
    private static final JsonMapper JSON = JsonMapper.shared();

    private final OrderBatches queue;
    private final EventCodec codec;
    private final ImportLimits limits;
    private final Clock clock;

    public ImportOrders(OrderBatches queue, EventCodec codec, ImportLimits limits, Clock clock) {
        this.queue = queue;
        this.codec = codec;
        this.limits = limits;
        this.clock = clock;
    }

    /** Reads {@code content} (the object's bytes) to its end, or to where it cannot be read further. */
    public ImportReport run(S3ObjectRef object, InputStream content) {
        Progress progress = new Progress(object, clock.instant());
        if (object.size() > limits.maxBytes()) {
            return progress.rejected("the file is " + object.size() + " bytes, over the limit of " + limits.maxBytes());
        }
        if (object.size() == 0) {
            return progress.rejected("the file is empty");
        }
        List<OrderPlaced> batch = new ArrayList<>(OrderBatches.MAX_BATCH);
        try (CsvRows rows = new CsvRows(content, limits.maxRowChars())) {
            Optional<List<String>> header = rows.next();
            if (header.isEmpty()) {
                return progress.rejected("the file is empty");
            }
            Optional<String> headerProblem = checkHeader(header.get());
            if (headerProblem.isPresent()) {
                return progress.rejected(headerProblem.get());
            }
            int[] positions = COLUMNS.stream().mapToInt(c -> indexOf(header.get(), c)).toArray();
            for (Optional<List<String>> row; (row = rows.next()).isPresent(); ) {
                if (progress.rowsRead == limits.maxRows()) {
                    flush(batch, progress);
                    return progress.finish(ImportReport.Status.REJECTED, "the file has more than " + limits.maxRows()
                            + " rows; rows 1 to " + limits.maxRows() + " were imported, the rest were not read");
                }
                progress.rowsRead++;
                order(object, progress, row.get(), positions).ifPresent(batch::add);
                if (batch.size() == OrderBatches.MAX_BATCH) {
                    flush(batch, progress);
                }
            }
            flush(batch, progress);
            return progress.finish(ImportReport.Status.COMPLETED, null);
        } catch (CsvRows.Unreadable unreadable) {
            flush(batch, progress);
            return progress.rowsRead == 0 && progress.accepted == 0
                    ? progress.rejected(unreadable.getMessage())
                    : progress.finish(ImportReport.Status.PARTIAL, unreadable.getMessage() + " after row " + progress.rowsRead
                    + "; the rows before it were imported, the rest were not read");
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + object.key() + " failed", e);
        }
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

    private static int indexOf(List<String> header, String column) {
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).trim().toLowerCase(Locale.ROOT).equals(column)) {
                return i;
            }
        }
        throw new IllegalStateException("checked header lacks " + column);
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

    private void flush(List<OrderPlaced> batch, Progress progress) {
        if (batch.isEmpty()) {
            return;
        }
        int unsent = queue.send(List.copyOf(batch)).size();
        progress.accepted += batch.size() - unsent;
        progress.unsent += unsent;
        batch.clear();
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 39) + "…";
    }

    /** Counts as the rows go by; keeps only the first errors. */
    private final class Progress {
        final S3ObjectRef object;
        final Instant startedAt;
        final List<RowError> errors = new ArrayList<>();
        long rowsRead;
        long accepted;
        long rejected;
        long unsent;

        Progress(S3ObjectRef object, Instant startedAt) {
            this.object = object;
            this.startedAt = startedAt;
        }

        void error(RowError error) {
            rejected++;
            if (errors.size() < ImportReport.MAX_ERRORS) {
                errors.add(error);
            }
        }

        ImportReport rejected(String reason) {
            return finish(ImportReport.Status.REJECTED, reason);
        }

        ImportReport finish(ImportReport.Status status, String reason) {
            return new ImportReport(status, Optional.ofNullable(reason), object, rowsRead, accepted, rejected, unsent,
                    errors, startedAt, clock.instant());
        }
    }
}
