package eventjobs.imports;

import eventjobs.core.JobFailure;
import eventjobs.core.s3.S3ObjectRef;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One part of the import of a file too large for one invocation. The first part starts at the
 * top of the file with its header; each later part starts at a row boundary that the part before
 * found while reading ({@link CsvRows#nextRowOffset()}), knows the header, and carries what the
 * parts before counted. It travels as the event {@code {"importPart": {...}}} (see
 * {@code events/import-part.json}).
 *
 * @param object the file, by version or eTag: a later part reads only that content
 * @param number 1 for the first part, then 2, 3, … up to {@value #MAX_PARTS}
 * @param offset the byte at which the part's first row starts; 0 for the first part
 * @param header the header's column names in the file's order, as the first part read them;
 *               empty for the first part, which reads it
 * @param tally  what the parts before counted
 */
public record ImportPart(S3ObjectRef object, int number, long offset, List<String> header, Tally tally) {

    /**
     * The most parts one file is read in. Lambda stops a chain of invocations that one event
     * started after 16 (recursive loop detection, which the template leaves on:
     * <a href="https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html">AWS docs</a>),
     * so the last part reads until its invocation's time runs low, and a file still not done then
     * is reported as too large.
     */
    public static final int MAX_PARTS = 16;

    /** The one field of a part's event. */
    static final String EVENT_FIELD = "importPart";

    private static final JsonMapper JSON = JsonMapper.shared();

    public ImportPart {
        header = List.copyOf(header);
        if (number < 1 || number > MAX_PARTS) {
            throw new IllegalArgumentException("a part's number is 1 to " + MAX_PARTS + ", not " + number);
        }
        if ((number == 1) != (offset == 0) || (number == 1) != header.isEmpty()) {
            throw new IllegalArgumentException("the first part, and only it, starts at byte 0 and reads the header");
        }
    }

    /** The first part of {@code object}'s import, begun {@code now}. */
    static ImportPart first(S3ObjectRef object, Instant now) {
        return new ImportPart(object, 1, 0, List.of(), Tally.start(now));
    }

    boolean isFirst() {
        return number == 1;
    }

    boolean isLast() {
        return number == MAX_PARTS;
    }

    /** The part after this one, from the row at byte {@code at}. */
    ImportPart next(long at, List<String> fileHeader, Tally counted) {
        return new ImportPart(object, number + 1, at, fileHeader, counted);
    }

    /**
     * What this part is, for guarded idempotency: the file's version or eTag and the part's first
     * byte. The first part's is the file's identity alone, as it was before files came in parts.
     */
    String identity() {
        return isFirst() ? object.identity() : object.identity() + "#byte" + offset;
    }

    /** Whether {@code event} is a part's event rather than an S3 notification. */
    static boolean isPartEvent(String event) {
        try {
            JsonNode root = JSON.readTree(event);
            return root != null && root.isObject() && root.has(EVENT_FIELD);
        } catch (JacksonException notJson) {
            return false;
        }
    }

    /** The event that starts this part: {@code {"importPart": {...}}}. */
    String toEvent() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode part = root.putObject(EVENT_FIELD);
        ObjectNode file = part.putObject("file").put("bucket", object.bucket()).put("key", object.key())
                .put("size", object.size()).put("eTag", object.eTag());
        object.versionId().ifPresent(version -> file.put("versionId", version));
        file.put("eventTime", object.eventTime().toString());
        part.put("part", number).put("offset", offset);
        ArrayNode columns = part.putArray("header");
        header.forEach(columns::add);
        part.put("rowsRead", tally.rowsRead()).put("accepted", tally.accepted()).put("rejected", tally.rejected())
                .put("unsent", tally.unsent());
        ArrayNode errors = part.putArray("errors");
        tally.errors().forEach(e -> errors.addObject().put("row", e.row()).put("column", e.column()).put("reason", e.reason()));
        part.put("startedAt", tally.startedAt().toString());
        return JSON.writeValueAsString(root);
    }

    /**
     * Reads a part's event.
     *
     * @throws JobFailure.Permanent when it is not one (a field missing or out of range), with the reason
     */
    static ImportPart parse(String event) {
        try {
            JsonNode part = JSON.readTree(event).path(EVENT_FIELD);
            if (!part.isObject()) {
                throw notAPart("it has no " + EVENT_FIELD + " object");
            }
            JsonNode file = part.path("file");
            S3ObjectRef object = new S3ObjectRef(text(file, "bucket"), text(file, "key"), number(file, "size"), text(file, "eTag"),
                    Optional.of(file.path("versionId").asString("")).filter(version -> !version.isBlank()),
                    Instant.parse(text(file, "eventTime")));
            List<String> header = new ArrayList<>();
            part.path("header").forEach(column -> header.add(column.asString("").trim().toLowerCase(Locale.ROOT)));
            if (!header.containsAll(ImportOrders.COLUMNS) || header.size() != ImportOrders.COLUMNS.size()) {
                throw notAPart("its header must name the columns " + String.join(", ", ImportOrders.COLUMNS));
            }
            List<RowError> errors = new ArrayList<>();
            for (JsonNode error : part.path("errors")) {
                errors.add(new RowError(number(error, "row"), text(error, "column"), text(error, "reason")));
            }
            Tally tally = new Tally(number(part, "rowsRead"), number(part, "accepted"), number(part, "rejected"),
                    number(part, "unsent"), errors, Instant.parse(text(part, "startedAt")));
            long partNumber = number(part, "part");
            if (partNumber < 2 || partNumber > MAX_PARTS) {
                throw notAPart("its part is 2 to " + MAX_PARTS + ", not " + partNumber);
            }
            long offset = number(part, "offset");
            if (offset < 1) {
                throw notAPart("its offset must be positive");
            }
            return new ImportPart(object, (int) partNumber, offset, header, tally);
        } catch (JacksonException e) {
            throw notAPart("it is not JSON");
        } catch (DateTimeParseException e) {
            throw notAPart("a time in it is no timestamp");
        } catch (IllegalArgumentException e) {
            throw notAPart(e.getMessage());
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isString() || value.asString().isEmpty()) {
            throw notAPart("it has no " + field);
        }
        return value.asString();
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
            throw notAPart(field + " must be a whole number, 0 or more");
        }
        return value.asLong();
    }

    private static JobFailure.Permanent notAPart(String why) {
        return JobFailure.permanent("the event is not an import part: " + why);
    }
}
