package eventjobs.imports;

import eventjobs.core.JobFailure;
import eventjobs.core.events.EventCodec;
import eventjobs.core.s3.S3ObjectRef;
import eventjobs.orders.OrderPlaced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A file read in parts gives what one read of it gives: the same rows, numbers, order ids, errors
 * and counts, wherever the parts are cut, quoted line breaks, CRLF and multi-byte UTF-8 included.
 * Each part starts from the bytes the part before named, as a ranged S3 read would give them, and
 * from its event as it travels ({@link ImportPart#toEvent()}, {@link ImportPart#parse}).
 */
class ImportPartsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
    private static final String HEADER = "customer_id,currency,sku,quantity,unit_price";

    /** Every order sent, in any order; each row's order id must appear once. */
    private final List<OrderPlaced> sent = Collections.synchronizedList(new ArrayList<>());
    private final OrderBatches queue = orders -> {
        sent.addAll(orders);
        return List.of();
    };

    private static S3ObjectRef object(byte[] bytes) {
        return new S3ObjectRef("uploads", "imports/parts.csv", bytes.length, "etag-1", Optional.empty(), Instant.EPOCH);
    }

    private ImportOrders importer(Clock clock) {
        return new ImportOrders(queue, new EventCodec(), ImportLimits.defaults(), ImportOrders.SENDS_IN_FLIGHT, clock);
    }

    /** The parts of one import, run one after the other as their events arrive; the report of the last. */
    private Parts inParts(byte[] bytes, PartBudget budget, Clock clock, Instant deadline) {
        List<ImportPart> parts = new ArrayList<>();
        ImportPart part = ImportPart.first(object(bytes), clock.instant());
        while (true) {
            parts.add(part);
            int from = (int) part.offset();
            PartOutcome outcome = importer(clock).run(part, new ByteArrayInputStream(bytes, from, bytes.length - from), budget, deadline);
            switch (outcome) {
                case PartOutcome.Finished finished -> {
                    return new Parts(parts, finished.report());
                }
                case PartOutcome.Continued continued -> {
                    ImportPart next = ImportPart.parse(continued.next().toEvent());
                    assertThat(next).isEqualTo(continued.next());
                    byte before = bytes[(int) next.offset() - 1];
                    assertThat(before == '\n' || before == '\r').as("byte %d follows a line break", next.offset()).isTrue();
                    part = next;
                }
            }
        }
    }

    private record Parts(List<ImportPart> parts, ImportReport report) {}

    private ImportReport inOneGo(byte[] bytes) {
        return importer(CLOCK).run(object(bytes), new ByteArrayInputStream(bytes));
    }

    /** A file with what makes row boundaries hard: quoted line breaks, CRLF, a lone CR, multi-byte characters, bad rows. */
    private static byte[] awkwardFile(int rows, long seed) {
        Random random = new Random(seed);
        List<String> endings = List.of("\n", "\r\n", "\r");
        StringBuilder csv = new StringBuilder("\uFEFF").append(HEADER).append("\r\n");
        for (int i = 1; i <= rows; i++) {
            String customer = switch (random.nextInt(6)) {
                case 0 -> "\"cust, " + i + "\"";
                case 1 -> "\"cust \"\"" + i + "\"\"\"";
                case 2 -> "\"cust\n" + i + "\"";
                case 3 -> "\"cust\r\n" + i + " ü€😀\"";
                case 4 -> "Jürgen-漢字-" + i;
                default -> "cust-" + i;
            };
            String quantity = switch (random.nextInt(20)) {
                case 0 -> "-1";
                case 1 -> "\"zwölf\r\nStück 漢字 😀\"";
                case 2 -> "drei€";
                default -> Integer.toString(1 + random.nextInt(5));
            };
            String currency = random.nextInt(12) == 0 ? "XYZ" : "EUR";
            csv.append(customer).append(',').append(currency).append(",SKU-").append(i % 7).append(',').append(quantity)
                    .append(",\"1.50\"").append(i == rows && random.nextBoolean() ? "" : endings.get(random.nextInt(3)));
        }
        return csv.toString().getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 7, 50, 299})
    void parts_shouldReadWhatOneReadGives_whereverTheFileIsCut(long rowsPerPart) {
        byte[] file = awkwardFile(300, rowsPerPart);
        ImportReport whole = inOneGo(file);
        List<String> wholeIds = sent.stream().map(OrderPlaced::orderId).sorted().toList();
        sent.clear();

        Parts parts = inParts(file, PartBudget.defaults().withMaxRows(rowsPerPart), CLOCK, Instant.MAX);

        assertThat(file.length).as("longer than the CSV parser's buffer").isGreaterThan(8_000);
        assertThat(whole.status()).isEqualTo(ImportReport.Status.COMPLETED);
        assertThat(whole.rejected()).isPositive();
        ImportReport report = parts.report();
        assertThat(report.status()).isEqualTo(ImportReport.Status.COMPLETED);
        assertThat(report.rowsRead()).isEqualTo(whole.rowsRead()).isEqualTo(300);
        assertThat(report.accepted()).isEqualTo(whole.accepted());
        assertThat(report.rejected()).isEqualTo(whole.rejected());
        assertThat(report.errors()).isEqualTo(whole.errors());
        assertThat(report.parts()).isEqualTo(parts.parts().size())
                .isEqualTo((int) Math.min(ImportPart.MAX_PARTS, (300 + rowsPerPart - 1) / rowsPerPart));
        assertThat(sent.stream().map(OrderPlaced::orderId).sorted().toList()).isEqualTo(wholeIds).doesNotHaveDuplicates();
    }

    @Test
    void parts_shouldDecodeMultiByteText_onEitherSideOfACut() {
        // a quantity that is no number is quoted in the row's error, as read
        byte[] file = (HEADER + "\nc-1,EUR,S,\"Zoë\nzwei\",1.00\r\nc-2,EUR,S,漢字,1.00\nc-3,EUR,S,\"😀 \"\"q\"\"\",1.00\nc-4,EUR,S,1,1.00\n")
                .getBytes(StandardCharsets.UTF_8);

        Parts parts = inParts(file, PartBudget.defaults().withMaxRows(1), CLOCK, Instant.MAX);

        assertThat(parts.parts()).extracting(ImportPart::number).containsExactly(1, 2, 3, 4);
        assertThat(parts.report().errors()).extracting(RowError::reason).containsExactly("'Zoë\nzwei' is not a whole number",
                "'漢字' is not a whole number", "'😀 \"q\"' is not a whole number");
        assertThat(sent).extracting(OrderPlaced::customerId).containsExactly("c-4");
        assertThat(parts.report().parts()).isEqualTo(4);
    }

    @Test
    void part_shouldNotHandOverAnEmptyRest_whenTheFileEndsAtItsBudget() {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (int i = 1; i <= 20; i++) {
            csv.append("c-").append(i).append(",EUR,S,1,1.00\n");
        }

        Parts parts = inParts(csv.toString().getBytes(StandardCharsets.UTF_8), PartBudget.defaults().withMaxRows(10), CLOCK, Instant.MAX);

        assertThat(parts.parts()).hasSize(2);
        assertThat(parts.report().rowsRead()).isEqualTo(20);
        assertThat(parts.report().accepted()).isEqualTo(20);
    }

    @Test
    void part_shouldHandOver_whenItsTimeIsUp() {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (int i = 1; i <= 30; i++) {
            csv.append("c-").append(i).append(",EUR,S,1,1.00\n");
        }
        // every reading of the clock is a second later: a part of 10 s reads about ten rows
        Clock ticking = new TickingClock(Instant.parse("2026-11-27T10:00:00Z"), Duration.ofSeconds(1));

        Parts parts = inParts(csv.toString().getBytes(StandardCharsets.UTF_8),
                new PartBudget(1_000, Duration.ofSeconds(10), Duration.ZERO), ticking, Instant.MAX);

        assertThat(parts.parts().size()).isBetween(3, 5);
        assertThat(parts.report().rowsRead()).isEqualTo(30);
        assertThat(parts.report().accepted()).isEqualTo(30);
        assertThat(parts.report().startedAt()).isEqualTo(parts.parts().getFirst().tally().startedAt());
    }

    @Test
    void lastPart_shouldReportTheFileTooLarge_whenItsInvocationRunsOutOfTime() {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (int i = 1; i <= 40; i++) {
            csv.append("c-").append(i).append(",EUR,S,1,1.00\n");
        }
        Clock ticking = new TickingClock(Instant.parse("2026-11-27T10:00:00Z"), Duration.ofSeconds(1));

        // one row a part; the sixteenth reads on until 5 s before a deadline that is always 10 s away at its start
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        List<ImportPart> parts = new ArrayList<>();
        ImportPart part = ImportPart.first(object(bytes), ticking.instant());
        PartOutcome outcome;
        while (true) {
            parts.add(part);
            outcome = importer(ticking).run(part, new ByteArrayInputStream(bytes, (int) part.offset(), bytes.length - (int) part.offset()),
                    new PartBudget(1, Duration.ofMinutes(2), Duration.ofSeconds(5)), ticking.instant().plusSeconds(10));
            if (!(outcome instanceof PartOutcome.Continued continued)) {
                break;
            }
            part = continued.next();
        }

        ImportReport report = ((PartOutcome.Finished) outcome).report();
        assertThat(parts).hasSize(ImportPart.MAX_PARTS);
        assertThat(report.status()).isEqualTo(ImportReport.Status.REJECTED);
        assertThat(report.reason().orElseThrow()).startsWith("the file needs more than 16 parts; rows 1 to ");
        assertThat(report.rowsRead()).isBetween(16L, 39L);
        assertThat(report.accepted()).isEqualTo(report.rowsRead()).isEqualTo(sent.size());
    }

    @Test
    void part_shouldThrow_whenASendFails_soThatItIsReadAgain() {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (int i = 1; i <= 45; i++) {
            csv.append("c-").append(i).append(",EUR,S,1,1.00\n");
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        OrderBatches failingThird = new OrderBatches() {
            private int calls;

            @Override
            public synchronized List<OrderPlaced> send(List<OrderPlaced> orders) {
                if (++calls == 3) {
                    throw new IllegalStateException("SQS is down");
                }
                return List.of();
            }
        };

        ImportOrders importer = new ImportOrders(failingThird, new EventCodec(), ImportLimits.defaults(), ImportOrders.SENDS_IN_FLIGHT, CLOCK);

        assertThatThrownBy(() -> importer.run(object(bytes), new ByteArrayInputStream(bytes)))
                .isInstanceOf(IllegalStateException.class).hasMessage("SQS is down");
    }

    @Test
    void parse_shouldRefuseAnEventThatIsNoPart_withTheReason() {
        ImportPart second = new ImportPart(object(new byte[100]), 2, 46, ImportOrders.COLUMNS, Tally.start(Instant.EPOCH));
        String event = second.toEvent();

        assertThat(ImportPart.isPartEvent(event)).isTrue();
        assertThat(ImportPart.isPartEvent("{\"Records\":[]}")).isFalse();
        assertThat(ImportPart.isPartEvent("not json")).isFalse();
        assertThatThrownBy(() -> ImportPart.parse(event.replace("\"offset\":46", "\"offset\":0")))
                .isInstanceOf(JobFailure.Permanent.class).hasMessage("the event is not an import part: its offset must be positive");
        assertThatThrownBy(() -> ImportPart.parse(event.replace("\"part\":2", "\"part\":17")))
                .isInstanceOf(JobFailure.Permanent.class).hasMessage("the event is not an import part: its part is 2 to 16, not 17");
        assertThatThrownBy(() -> ImportPart.parse(event.replace("\"customer_id\",", "")))
                .isInstanceOf(JobFailure.Permanent.class).hasMessageContaining("its header must name the columns");
        assertThatThrownBy(() -> ImportPart.parse(event.replace("\"rowsRead\":0", "\"rowsRead\":\"many\"")))
                .isInstanceOf(JobFailure.Permanent.class).hasMessage("the event is not an import part: rowsRead must be a whole number, 0 or more");
        assertThatThrownBy(() -> ImportPart.parse("{\"importPart\": 1}"))
                .isInstanceOf(JobFailure.Permanent.class).hasMessage("the event is not an import part: it has no importPart object");
    }

    /** A clock that moves on by {@code step} each time it is read. */
    private static final class TickingClock extends Clock {
        private Instant now;
        private final Duration step;

        TickingClock(Instant start, Duration step) {
            this.now = start;
            this.step = step;
        }

        @Override
        public synchronized Instant instant() {
            now = now.plus(step);
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
