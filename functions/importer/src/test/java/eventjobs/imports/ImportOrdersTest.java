package eventjobs.imports;

import eventjobs.core.s3.S3ObjectRef;
import eventjobs.core.events.EventCodec;
import eventjobs.orders.OrderPlaced;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ImportOrdersTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
    private static final String HEADER = "customer_id,currency,sku,quantity,unit_price\n";

    // sends run on threads of their own
    private final List<OrderPlaced> sent = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
    private final OrderBatches queue = orders -> {
        batchSizes.add(orders.size());
        sent.addAll(orders);
        return List.of();
    };

    private ImportReport run(String csv) {
        return run(csv.getBytes(StandardCharsets.UTF_8), ImportLimits.defaults(), queue);
    }

    private ImportReport run(byte[] bytes, ImportLimits limits, OrderBatches target) {
        S3ObjectRef object = new S3ObjectRef("uploads", "imports/a.csv", bytes.length, "etag-1", Optional.empty(), Instant.EPOCH);
        return new ImportOrders(target, new EventCodec(), limits, ImportOrders.SENDS_IN_FLIGHT, CLOCK)
                .run(object, new ByteArrayInputStream(bytes));
    }

    @Test
    void run_shouldSendEveryValidRowInBatchesOfTen() {
        StringBuilder csv = new StringBuilder(HEADER);
        for (int i = 1; i <= 23; i++) {
            csv.append("cust-").append(i).append(",EUR,SKU-").append(i).append(",").append(i).append(",1.50\n");
        }

        ImportReport report = run(csv.toString());

        assertThat(report.status()).isEqualTo(ImportReport.Status.COMPLETED);
        assertThat(report.rowsRead()).isEqualTo(23);
        assertThat(report.accepted()).isEqualTo(23);
        assertThat(batchSizes).containsExactlyInAnyOrder(10, 10, 3);
        assertThat(sent).filteredOn(order -> order.customerId().equals("cust-5")).singleElement()
                .satisfies(order -> assertThat(order.lines().getFirst().quantity()).isEqualTo(5));
    }

    @Test
    void run_shouldReadBomCrlfQuotesAndHeaderInAnyOrder() {
        String csv = "\uFEFFsku,Quantity,unit_price,currency,customer_id\r\n"
                + "\"SKU-1\",2,\"12.50\",eur,\"cust-1\"\r\n"
                + "SKU-2,1,3.00,USD,cust-2\r\n";

        ImportReport report = run(csv);

        assertThat(report.status()).isEqualTo(ImportReport.Status.COMPLETED);
        assertThat(sent).extracting(OrderPlaced::customerId).containsExactly("cust-1", "cust-2");
        assertThat(sent.getFirst().currency().getCurrencyCode()).isEqualTo("EUR");
    }

    @Test
    void run_shouldReportEachBadRowWithItsColumn_andImportTheRest() {
        String csv = HEADER
                + "cust-1,EUR,SKU-1,2,1.00\n"
                + "cust-2,XYZ,SKU-2,1,1.00\n"
                + "cust-3,EUR,SKU-3,-4,1.00\n"
                + "cust-4,EUR,SKU-4,two,1.00\n"
                + "cust-5,JPY,SKU-5,1,100.50\n"
                + "\"cust, with comma\",EUR,SKU-6,1,1.00\n"
                + "cust-7,EUR,SKU-7,1\n"
                + "cust-8,EUR,\"SKU\n8\",1,1.00\n"
                + "cust-9,GBP,SKU-9,3,0.99\n";

        ImportReport report = run(csv);

        assertThat(report.status()).isEqualTo(ImportReport.Status.COMPLETED);
        assertThat(report.rowsRead()).isEqualTo(9);
        assertThat(report.accepted()).isEqualTo(2);
        assertThat(report.rejected()).isEqualTo(7);
        assertThat(report.errors()).extracting(RowError::row, RowError::column).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2L, "currency"),
                org.assertj.core.groups.Tuple.tuple(3L, "quantity"),
                org.assertj.core.groups.Tuple.tuple(4L, "quantity"),
                org.assertj.core.groups.Tuple.tuple(5L, "unit_price"),
                org.assertj.core.groups.Tuple.tuple(6L, "customer_id"),
                org.assertj.core.groups.Tuple.tuple(7L, "row"),
                org.assertj.core.groups.Tuple.tuple(8L, "sku"));
        assertThat(report.errors().get(2).reason()).isEqualTo("'two' is not a whole number");
        assertThat(sent).extracting(OrderPlaced::customerId).containsExactly("cust-1", "cust-9");
    }

    @Test
    void run_shouldDeriveTheSameOrderIds_whenTheSameFileIsImportedAgain() {
        String csv = HEADER + "cust-1,EUR,SKU-1,2,1.00\ncust-2,EUR,SKU-2,2,1.00\n";
        run(csv);
        List<String> first = sent.stream().map(OrderPlaced::orderId).toList();
        sent.clear();

        run(csv);

        assertThat(sent.stream().map(OrderPlaced::orderId).toList()).isEqualTo(first).doesNotHaveDuplicates();
    }

    @Test
    void run_shouldReject_wrongMissingOrExtraColumns() {
        assertThat(run("name,price\nx,1\n").reason().orElseThrow())
                .contains("missing: customer_id, currency, sku, quantity, unit_price").contains("unknown: name, price");
        assertThat(run("customer_id,currency,sku,quantity\nc,EUR,S,1\n").reason().orElseThrow()).contains("missing: unit_price");
        assertThat(run("customer_id,currency,sku,quantity,unit_price,note\nc,EUR,S,1,1.00,x\n").reason().orElseThrow())
                .contains("unknown: note");
        assertThat(run("customer_id,currency,sku,quantity,unit_price\n").status()).isEqualTo(ImportReport.Status.COMPLETED);
        assertThat(sent).isEmpty();
    }

    @Test
    void run_shouldReject_emptyBinaryAndInvalidUtf8Files() {
        ImportReport empty = run(new byte[0], ImportLimits.defaults(), queue);
        ImportReport binary = run(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13, 'I', 'H', 'D', 'R', '\n'}, ImportLimits.defaults(), queue);
        byte[] badUtf8 = (HEADER + "cust-1,EUR,SKU-1,1,1.00\ncust-\u00e9").getBytes(StandardCharsets.ISO_8859_1);
        ImportReport invalid = run(badUtf8, ImportLimits.defaults(), queue);

        assertThat(empty.status()).isEqualTo(ImportReport.Status.REJECTED);
        assertThat(empty.reason()).contains("the file is empty");
        assertThat(binary.status()).isEqualTo(ImportReport.Status.REJECTED);
        assertThat(binary.reason().orElseThrow()).matches("the file is not (text|valid UTF-8)");
        assertThat(invalid.status()).isEqualTo(ImportReport.Status.PARTIAL);
        assertThat(invalid.reason().orElseThrow()).startsWith("the file is not valid UTF-8 after row 1");
        assertThat(invalid.accepted()).isEqualTo(1);
    }

    @Test
    void run_shouldStop_atATenMegabyteLine() {
        byte[] line = ("x".repeat(10 * 1024 * 1024)).getBytes(StandardCharsets.UTF_8);

        ImportReport report = run(line, ImportLimits.defaults(), queue);

        assertThat(report.status()).isEqualTo(ImportReport.Status.REJECTED);
        assertThat(report.reason()).contains("a row is longer than 65536 characters");
    }

    @Test
    void run_shouldHonourSizeAndRowLimits() {
        String csv = HEADER + "c1,EUR,S,1,1.00\nc2,EUR,S,1,1.00\nc3,EUR,S,1,1.00\n";
        byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);

        ImportReport tooBig = run(bytes, new ImportLimits(10, 100, 1000), queue);
        ImportReport tooLong = run(bytes, new ImportLimits(1000, 2, 1000), queue);

        assertThat(tooBig.status()).isEqualTo(ImportReport.Status.REJECTED);
        assertThat(tooBig.reason().orElseThrow()).contains("over the limit of 10");
        assertThat(tooLong.status()).isEqualTo(ImportReport.Status.REJECTED);
        assertThat(tooLong.reason().orElseThrow()).startsWith("the file has more than 2 rows");
        assertThat(tooLong.accepted()).isEqualTo(2);
    }

    @Test
    void run_shouldCountRowsTheQueueRefused() {
        OrderBatches refusing = orders -> orders.subList(0, 1);

        ImportReport report = run((HEADER + "c1,EUR,S,1,1.00\nc2,EUR,S,1,1.00\n").getBytes(StandardCharsets.UTF_8),
                ImportLimits.defaults(), refusing);

        assertThat(report.accepted()).isEqualTo(1);
        assertThat(report.unsent()).isEqualTo(1);
    }

    @Test
    void report_shouldListAtMostTheFirstHundredErrors() {
        StringBuilder csv = new StringBuilder(HEADER);
        for (int i = 0; i < 250; i++) {
            csv.append("c,EUR,S,0,1.00\n");
        }

        ImportReport report = run(csv.toString());

        assertThat(report.rejected()).isEqualTo(250);
        assertThat(report.errors()).hasSize(100);
        assertThat(report.toJson()).contains("\"rejected\":250").contains("\"errorsListed\":100");
    }

}
