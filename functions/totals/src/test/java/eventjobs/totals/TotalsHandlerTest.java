package eventjobs.totals;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import eventjobs.core.DeadLetter;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.local.aws.RequestCounter;
import eventjobs.reports.Confirmation;
import eventjobs.reports.DailyTotals;
import eventjobs.reports.DayTotal;
import eventjobs.reports.DynamoDbDailyTotals;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TotalsFunction against real DynamoDB and SQS (moto, ElasticMQ), fed stream events through the
 * serializer Lambda uses: each confirmed order counts once, however often its batch comes.
 */
class TotalsHandlerTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T09:15:05Z"), ZoneOffset.UTC);
    private static final LocalDate DAY = LocalDate.parse("2026-11-27");
    private static final Currency EUR = Currency.getInstance("EUR");
    private static final String SAMPLE_CONFIRMED = "4421584500000000017450439092";

    private final EmbeddedAws aws = LocalAws.shared();
    private final RequestCounter dynamoRequests = new RequestCounter();
    private final LocalContext context = LocalContext.of("TotalsFunction", Duration.ofSeconds(60));
    private DynamoDbClient dynamo;
    private SqsClient sqs;
    private Queues.Queue dlq;
    private DailyTotals totals;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        dynamo = aws.dynamoDb(dynamoRequests);
        sqs = aws.sqs();
        dlq = new Queues(sqs).create("TotalsDLQ", java.util.Map.of());
        new Tables(dynamo).createWithStringKeys("DailyTotals", "month", "dayCurrency");
        new Tables(dynamo).createWithStringKey("Idempotency", "id");
        totals = new DynamoDbDailyTotals(dynamo, "DailyTotals", "Idempotency");
        dynamoRequests.clear();
    }

    @AfterEach
    void tearDown() {
        dynamo.close();
        sqs.close();
    }

    private TotalsHandler handler(DailyTotals totals) {
        return new TotalsHandler(new CountConfirmedOrders(totals, new SqsFailureQueue(sqs, dlq.url()), CLOCK));
    }

    private static DynamodbEvent sample() {
        return EventLoader.loadDynamoDbEvent(Path.of(System.getProperty("eventjobs.root"), "events", "totals-stream.json").toString());
    }

    private List<DayTotal> day() {
        return totals.between(DAY, DAY, Optional.empty());
    }

    @Test
    void sampleEvent_shouldCountTheConfirmedOrderOnly_inOneWrite() {
        StreamsEventResponse response = handler(totals).handleRequest(sample(), context);

        assertThat(response.getBatchItemFailures()).isEmpty();
        // the sample's three records: an order accepted, one confirmed (2 x 12.50 + 10 x 1.20 EUR), one rejected
        assertThat(day()).containsExactly(new DayTotal(DAY, EUR, 1, 12, new BigDecimal("37.00")));
        assertThat(dynamoRequests.count(RequestCounter.DYNAMODB_WRITES)).isEqualTo(1);
    }

    @Test
    void retriedBatch_shouldCountNothingAgain() {
        handler(totals).handleRequest(sample(), context);

        StreamsEventResponse retried = handler(totals).handleRequest(sample(), context);

        assertThat(retried.getBatchItemFailures()).isEmpty();
        assertThat(day()).containsExactly(new DayTotal(DAY, EUR, 1, 12, new BigDecimal("37.00")));
    }

    @Test
    void failedWrite_shouldReportTheFirstRecordNotDone_andTheRetryCountIt() {
        StreamsEventResponse failed = handler(new DynamoDbDailyTotals(dynamo, "NoSuchTable", "Idempotency"))
                .handleRequest(sample(), context);

        // Lambda checkpoints before the confirmed order's record; the accepted order before it is done
        assertThat(failed.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(SAMPLE_CONFIRMED);
        assertThat(day()).isEmpty();

        StreamsEventResponse retried = handler(totals).handleRequest(sample(), context);

        assertThat(retried.getBatchItemFailures()).isEmpty();
        assertThat(day()).containsExactly(new DayTotal(DAY, EUR, 1, 12, new BigDecimal("37.00")));
    }

    @Test
    void bigBatch_failingPartWay_thenSentAgainFromTheCheckpoint_andWhole_shouldCountEachOrderOnce() throws IOException {
        DynamodbEvent batch = confirmations(120, 3);
        AtomicInteger writes = new AtomicInteger();
        // the second write of the batch fails: orders 0..49 are counted, Lambda is told to send again from order 50
        DailyTotals failingOnce = new DailyTotals() {
            @Override
            public Added add(List<Confirmation> confirmations, Instant now) {
                if (writes.incrementAndGet() == 2) {
                    throw eventjobs.core.JobFailure.retryable("throttled");
                }
                return totals.add(confirmations, now);
            }

            @Override
            public List<DayTotal> between(LocalDate from, LocalDate to, Optional<Currency> currency) {
                return totals.between(from, to, currency);
            }
        };

        StreamsEventResponse first = handler(failingOnce).handleRequest(batch, context);

        String fiftieth = batch.getRecords().get(50).getDynamodb().getSequenceNumber();
        assertThat(first.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(fiftieth);
        assertThat(day().getFirst().orders()).isEqualTo(50);

        DynamodbEvent fromCheckpoint = new DynamodbEvent();
        fromCheckpoint.setRecords(batch.getRecords().subList(50, 120));
        assertThat(handler(totals).handleRequest(fromCheckpoint, context).getBatchItemFailures()).isEmpty();
        assertThat(handler(totals).handleRequest(batch, context).getBatchItemFailures()).isEmpty();

        assertThat(day()).containsExactly(new DayTotal(DAY, EUR, 120, 360, new BigDecimal("1200.00")));
    }

    @Test
    void unreadableRecord_shouldBeParkedWithItsReason_andTheOthersCounted() throws IOException {
        Path file = Files.createTempFile("unreadable", ".json");
        Files.writeString(file, Files.readString(Path.of(System.getProperty("eventjobs.root"), "events", "totals-stream.json"))
                .replaceFirst("\"currency\": \\{ \"S\": \"USD\" \\}", "\"currency\": { \"S\": \"DOLLARS\" }"));

        StreamsEventResponse response = handler(totals).handleRequest(EventLoader.loadDynamoDbEvent(file.toString()), context);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(day()).containsExactly(new DayTotal(DAY, EUR, 1, 12, new BigDecimal("37.00")));
        List<Message> parked = sqs.receiveMessage(r -> r.queueUrl(dlq.url()).messageAttributeNames("All").waitTimeSeconds(1)).messages();
        assertThat(parked).hasSize(1);
        var attributes = parked.getFirst().messageAttributes();
        assertThat(attributes.get(DeadLetter.REASON).stringValue()).contains("not an order as the orders table holds them");
        assertThat(attributes.get(DeadLetter.SEQUENCE_NUMBER).stringValue()).isEqualTo("4421584500000000017450439091");
        assertThat(attributes.get(DeadLetter.STREAM).stringValue()).endsWith("table/eventjobs-OrdersTable/stream/2026-11-27T09:00:00.000");
        assertThat(attributes.get(DeadLetter.FUNCTION).stringValue()).isEqualTo("TotalsFunction");
        assertThat(parked.getFirst().body()).contains("\"orderId\":\"5d2e9c1a-7f3b-4e8d-a6c0-2b4f6e8a0c12\"");
    }

    /**
     * A batch of {@code count} orders confirmed on {@link #DAY} (MODIFY, ACCEPTED to CONFIRMED), each
     * of {@code items} items at 10.00 EUR in all, read through Lambda's serializer.
     */
    private static DynamodbEvent confirmations(int count, int items) throws IOException {
        List<String> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String image = """
                    {"orderId":{"S":"bulk-%1$d"},"status":{"S":"%2$s"},"customerId":{"S":"c"},"currency":{"S":"EUR"},
                     "lines":{"L":[{"M":{"sku":{"S":"S"},"quantity":{"N":"%3$d"},"unitPrice":{"S":"%4$s"}}}]},
                     "acceptedAt":{"S":"2026-11-27T09:00:00Z"}%5$s}""";
            String before = image.formatted(i, "ACCEPTED", items, "3.33", "");
            String after = image.formatted(i, "CONFIRMED", items, "3.33", ",\"total\":{\"N\":\"10\"},\"decidedAt\":{\"S\":\"2026-11-27T09:10:00Z\"}");
            records.add("""
                    {"eventID":"e-%1$d","eventName":"MODIFY","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":"us-east-1",
                     "dynamodb":{"ApproximateCreationDateTime":1795770902,"Keys":{"orderId":{"S":"bulk-%1$d"}},
                     "OldImage":%2$s,"NewImage":%3$s,"SequenceNumber":"%4$d","SizeBytes":300,"StreamViewType":"NEW_AND_OLD_IMAGES"},
                     "eventSourceARN":"arn:aws:dynamodb:us-east-1:000000000000:table/t-OrdersTable/stream/x"}"""
                    .formatted(i, before, after, 1000 + i));
        }
        Path file = Files.createTempFile("confirmations", ".json");
        Files.writeString(file, "{\"Records\":[" + String.join(",", records) + "]}");
        return EventLoader.loadDynamoDbEvent(file.toString());
    }
}
