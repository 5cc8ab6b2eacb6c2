package eventjobs.imports;

import eventjobs.core.DeadLetter;
import eventjobs.core.Hashing;
import eventjobs.core.JobFailure;
import eventjobs.core.async.AsyncJob;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.events.EventCodec;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import eventjobs.core.s3.S3ObjectRef;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.orders.OrderPlaced;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The handler on the sample event of events/, against S3Proxy, ElasticMQ and moto. */
class ImportHandlerTest {

    private static final String UPLOADS = "eventjobs-uploads-000000000000-us-east-1";

    private final EmbeddedAws aws = LocalAws.shared();
    private S3Client s3;
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private Queues.Queue queue;
    private Queues.Queue failures;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        s3 = aws.s3();
        sqs = aws.sqs();
        dynamo = aws.dynamoDb();
        s3.createBucket(r -> r.bucket(UPLOADS));
        s3.createBucket(r -> r.bucket("results"));
        queue = new Queues(sqs).create("OrdersQueue", Map.of());
        failures = new Queues(sqs).create("UploadsDLQ", Map.of());
        new Tables(dynamo).createWithStringKey("Idempotency", DynamoDbIdempotencyStore.KEY);
    }

    @AfterEach
    void tearDown() {
        s3.close();
        sqs.close();
        dynamo.close();
    }

    /** The parts handed over, in order: what Lambda would invoke the function with next. */
    private final List<String> handedOver = new ArrayList<>();

    private ImportHandler handler() {
        return handler(PartBudget.defaults(), sqs);
    }

    private ImportHandler handler(PartBudget budget, SqsClient ordersSqs) {
        Clock clock = Clock.systemUTC();
        return new ImportHandler(new AsyncJob(new SqsFailureQueue(sqs, failures.url()), clock), s3,
                new ImportOrders(new SqsOrderBatches(ordersSqs, queue.url(), "/import", new EventCodec(), clock, Duration.ofMillis(10)),
                        new EventCodec(), ImportLimits.defaults(), ImportOrders.SENDS_IN_FLIGHT, clock),
                budget, (next, functionArn) -> {
                    assertThat(functionArn).endsWith(":function:ImportFunction");
                    handedOver.add(next.toEvent());
                },
                new Idempotency(new DynamoDbIdempotencyStore(dynamo, "Idempotency"), clock, Duration.ofDays(1)), "results",
                clock);
    }

    private static String sample(String name) throws IOException {
        return Files.readString(Path.of(System.getProperty("eventjobs.root"), "events", name));
    }

    /** Invokes the handler as Lambda does, with the event's JSON; the outcomes it answers with. */
    private List<String> invoke(String event, Duration timeout) throws IOException {
        return invoke(handler(), event, timeout);
    }

    private static List<String> invoke(ImportHandler handler, String event, Duration timeout) throws IOException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), output,
                LocalContext.of("ImportFunction", timeout));
        return JsonMapper.shared().readTree(output.toByteArray()).valueStream().map(JsonNode::asString).toList();
    }

    @Test
    void handle_shouldImportTheFileTheSampleEventNames() throws IOException {
        StringBuilder csv = new StringBuilder("customer_id,currency,sku,quantity,unit_price\n");
        for (int i = 1; i <= 25; i++) {
            csv.append("c-").append(i).append(",EUR,SKU-1,1,2.00\n");
        }
        s3.putObject(r -> r.bucket(UPLOADS).key("imports/orders.csv"), RequestBody.fromString(csv.toString()));
        List<String> outcome = invoke(sample("import-upload.json"), Duration.ofMinutes(5));

        assertThat(outcome).singleElement().asString()
                .startsWith("COMPLETED s3://results/import-reports/imports/orders.csv.json (25 of 25 rows imported)");
        JsonNode report = JsonMapper.shared().readTree(s3.getObjectAsBytes(r -> r.bucket("results")
                .key("import-reports/imports/orders.csv.json")).asUtf8String());
        assertThat(report.get("accepted").asInt()).isEqualTo(25);
        List<Message> messages = new ArrayList<>();
        for (List<Message> batch; !(batch = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)
                .waitTimeSeconds(1)).messages()).isEmpty(); ) {
            messages.addAll(batch);
        }
        assertThat(messages).hasSize(25);
        OrderPlaced first = OrderPlaced.fromData(new EventCodec().decode(messages.getFirst().body(), OrderPlaced.TYPE).data());
        assertThat(first.customerId()).startsWith("c-");
    }

    /** The sample is part 2 of the README's orders.csv, as part 1 hands it over when ImportPartMaxRows is 1. */
    @Test
    void handle_shouldReadThePartTheSampleEventNames() throws IOException {
        upload("imports/orders.csv", "customer_id,currency,sku,quantity,unit_price\ncust-1,EUR,BOOK-1,2,9.90\ncust-2,XYZ,PEN-1,1,1.00\n");

        List<String> outcome = invoke(sample("import-part.json"), Duration.ofMinutes(5));

        assertThat(outcome).containsExactly("COMPLETED s3://results/import-reports/imports/orders.csv.json (1 of 2 rows imported, in 2 parts)");
        JsonNode report = report("imports/orders.csv");
        assertThat(report.get("rejected").asInt()).isEqualTo(1);
        assertThat(report.at("/errors/0/row").asInt()).isEqualTo(2);
        assertThat(report.get("startedAt").asString()).isEqualTo("2026-11-27T09:30:12.512Z");
        assertThat(orders(drain())).extracting(OrderPlaced::customerId).isEmpty();
    }

    @Test
    void handle_shouldSkipTestEvent() throws IOException {
        assertThat(invoke(sample("s3-test-event.json"), Duration.ofMinutes(1))).isEmpty();
        assertThat(sqs.receiveMessage(r -> r.queueUrl(failures.url()).waitTimeSeconds(1)).messages()).isEmpty();
    }

    /** Issue 9: an API request given to ImportFunction succeeded, doing nothing, as if it were the test event. */
    @Test
    void handle_shouldParkAnEventThatIsNoS3Notification_withTheReason() throws IOException {
        String apiRequest = sample("orders-api-post.json");

        List<String> outcome = invoke(apiRequest, Duration.ofMinutes(1));

        assertThat(outcome).containsExactly("FAILED the event is not an S3 notification: it has no Records");
        assertThat(sqs.receiveMessage(r -> r.queueUrl(failures.url()).messageAttributeNames("All").waitTimeSeconds(1)).messages())
                .singleElement().satisfies(parked -> {
                    assertThat(parked.body()).isEqualTo(apiRequest);
                    assertThat(parked.messageAttributes().get(DeadLetter.REASON).stringValue())
                            .isEqualTo("the event is not an S3 notification: it has no Records");
                });
    }

    /** Puts {@code csv} at {@code key} in UploadsBucket; the notification S3 sends for it. */
    private String upload(String key, String csv) {
        s3.putObject(r -> r.bucket(UPLOADS).key(key), RequestBody.fromString(csv));
        var head = s3.headObject(r -> r.bucket(UPLOADS).key(key));
        return new S3ObjectRef(UPLOADS, key, head.contentLength(), head.eTag().replace("\"", ""), Optional.empty(), Instant.now())
                .toEvent();
    }

    /** 25 rows; rows 4, 12 and 21 have an unknown currency; row 10's quantity is words over two lines. */
    private static String partsCsv() {
        return partsCsv(25);
    }

    private static String partsCsv(int rows) {
        StringBuilder csv = new StringBuilder("customer_id,currency,sku,quantity,unit_price\r\n");
        for (int i = 1; i <= rows; i++) {
            csv.append("part-c-").append(i).append(Set.of(4, 12, 21).contains(i) ? ",XYZ" : ",EUR").append(",SKU-1,")
                    .append(i == 10 ? "\"zehn\nStück\"" : "1").append(",2.00\r\n");
        }
        return csv.toString();
    }

    private List<Message> drain() {
        List<Message> messages = new ArrayList<>();
        for (List<Message> batch; !(batch = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)
                .waitTimeSeconds(1)).messages()).isEmpty(); ) {
            messages.addAll(batch);
            List<DeleteMessageBatchRequestEntry> received = batch.stream().map(m -> DeleteMessageBatchRequestEntry.builder()
                    .id(m.messageId()).receiptHandle(m.receiptHandle()).build()).toList();
            sqs.deleteMessageBatch(r -> r.queueUrl(queue.url()).entries(received));
        }
        return messages;
    }

    private static List<OrderPlaced> orders(List<Message> messages) {
        return messages.stream().map(m -> OrderPlaced.fromData(new EventCodec().decode(m.body(), OrderPlaced.TYPE).data())).toList();
    }

    private JsonNode report(String key) {
        return JsonMapper.shared().readTree(s3.getObjectAsBytes(r -> r.bucket("results").key("import-reports/" + key + ".json"))
                .asUtf8String());
    }

    private boolean reportExists(String key) {
        return s3.listObjectsV2(r -> r.bucket("results").prefix("import-reports/" + key)).keyCount() > 0;
    }

    /** Invokes each part handed over, in turn, until none is left; every outcome. */
    private List<String> partsAfter(ImportHandler handler, List<String> first, String key) throws IOException {
        return partsAfter(handler, first, key, 0);
    }

    /** The same, from the part handed over as number {@code from} (0 the first). */
    private List<String> partsAfter(ImportHandler handler, List<String> first, String key, int from) throws IOException {
        List<String> outcomes = new ArrayList<>(first);
        for (int part = from; part < handedOver.size(); part++) {
            assertThat(reportExists(key)).as("a report before the last part").isFalse();
            outcomes.addAll(invoke(handler, handedOver.get(part), Duration.ofMinutes(5)));
        }
        return outcomes;
    }

    @Test
    void fileOverItsPartBudget_shouldBeReadInParts_withOneReportAndEachRowOnce() throws IOException {
        String key = "imports/parts.csv";
        ImportHandler handler = handler(PartBudget.defaults().withMaxRows(10), sqs);

        List<String> outcomes = partsAfter(handler, invoke(handler, upload(key, partsCsv()), Duration.ofMinutes(5)), key);

        assertThat(outcomes).hasSize(3);
        assertThat(outcomes.get(0)).startsWith("CONTINUED s3://" + UPLOADS + "/imports/parts.csv: part 1 read rows 1 to 10; part 2 reads on from row 11 (byte ");
        assertThat(outcomes.get(1)).startsWith("CONTINUED s3://" + UPLOADS + "/imports/parts.csv: part 2 read rows 11 to 20; part 3 reads on from row 21 (byte ");
        assertThat(outcomes.get(2)).isEqualTo("COMPLETED s3://results/import-reports/imports/parts.csv.json (21 of 25 rows imported, in 3 parts)");
        JsonNode report = report(key);
        assertThat(report.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(report.get("rowsRead").asInt()).isEqualTo(25);
        assertThat(report.get("accepted").asInt()).isEqualTo(21);
        assertThat(report.get("rejected").asInt()).isEqualTo(4);
        assertThat(report.get("parts").asInt()).isEqualTo(3);
        assertThat(report.get("errors").valueStream().map(e -> e.get("row").asInt() + ":" + e.get("column").asString()).toList())
                .containsExactly("4:currency", "10:quantity", "12:currency", "21:currency");
        assertThat(report.at("/errors/1/reason").asString()).isEqualTo("'zehn\nStück' is not a whole number");
        List<OrderPlaced> orders = orders(drain());
        assertThat(orders).hasSize(21);
        assertThat(orders).extracting(OrderPlaced::orderId).doesNotHaveDuplicates();
        assertThat(orders).extracting(OrderPlaced::customerId).contains("part-c-1", "part-c-11", "part-c-25")
                .doesNotContain("part-c-4", "part-c-10", "part-c-12", "part-c-21");
    }

    @Test
    void partDeliveredTwice_shouldPlaceNothingTwice_norReportAgain() throws Exception {
        String key = "imports/twice-parts.csv";
        ImportHandler handler = handler(PartBudget.defaults().withMaxRows(10), sqs);
        List<String> outcomes = partsAfter(handler, invoke(handler, upload(key, partsCsv()), Duration.ofMinutes(5)), key);
        assertThat(drain()).hasSize(21);
        Instant reported = s3.headObject(r -> r.bucket("results").key("import-reports/" + key + ".json")).lastModified();
        Thread.sleep(1100); // S3 keeps Last-Modified in whole seconds: a second write would show

        // Lambda may deliver an asynchronous event twice
        List<String> secondAgain = invoke(handler, handedOver.get(0), Duration.ofMinutes(5));
        List<String> lastAgain = invoke(handler, handedOver.get(1), Duration.ofMinutes(5));

        assertThat(secondAgain).containsExactly(outcomes.get(1));
        assertThat(lastAgain).containsExactly(outcomes.get(2));
        assertThat(handedOver).hasSize(2);
        assertThat(drain()).isEmpty();
        assertThat(s3.headObject(r -> r.bucket("results").key("import-reports/" + key + ".json")).lastModified()).isEqualTo(reported);
    }

    @Test
    void partThatFailedMidway_shouldBeReadAgain_countingEachRowOnce() throws IOException {
        String key = "imports/failing-part.csv";
        AtomicInteger sendsLeft = new AtomicInteger(Integer.MAX_VALUE);
        SqsClient failingWhenTold = new SqsClient() {
            @Override
            public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
                if (sendsLeft.getAndDecrement() == 0) {
                    throw SdkClientException.create("connection reset");
                }
                return sqs.sendMessageBatch(request);
            }

            @Override
            public String serviceName() {
                return "sqs";
            }

            @Override
            public void close() {
            }
        };
        // parts of 20 rows: part 2 sends two batches
        ImportHandler handler = handler(PartBudget.defaults().withMaxRows(20), failingWhenTold);
        invoke(handler, upload(key, partsCsv(45)), Duration.ofMinutes(5));
        String secondPart = handedOver.getFirst();

        sendsLeft.set(1); // one of part 2's batches goes out, then the connection fails
        assertThatThrownBy(() -> invoke(handler, secondPart, Duration.ofMinutes(5))).isInstanceOf(SdkClientException.class);
        assertThat(handedOver).hasSize(1);
        sendsLeft.set(Integer.MAX_VALUE);
        List<String> outcomes = partsAfter(handler, invoke(handler, secondPart, Duration.ofMinutes(5)), key, 1);

        assertThat(outcomes.getLast()).isEqualTo("COMPLETED s3://results/import-reports/imports/failing-part.csv.json (41 of 45 rows imported, in 3 parts)");
        assertThat(report(key).get("accepted").asInt()).isEqualTo(41);
        // the batch part 2 sent before it failed went again, with the same order ids: the worker decides each order once
        List<String> ids = orders(drain()).stream().map(OrderPlaced::orderId).toList();
        assertThat(ids).hasSizeGreaterThan(41);
        assertThat(Set.copyOf(ids)).hasSize(41);
    }

    @Test
    void partLockedByACrashedInvocation_shouldBeReadAgain_onceTheLockExpires() throws Exception {
        String key = "imports/crashed-part.csv";
        ImportHandler handler = handler(PartBudget.defaults().withMaxRows(10), sqs);
        invoke(handler, upload(key, partsCsv()), Duration.ofMinutes(5));
        ImportPart second = ImportPart.parse(handedOver.getFirst());
        // what a killed invocation leaves: its lock, held until the longest the part could run (here 2 s)
        Instant now = Instant.now();
        new DynamoDbIdempotencyStore(dynamo, "Idempotency").tryLock("import:" + second.identity(), Hashing.sha256(second.identity()),
                now, now.plusSeconds(2), now.plus(Duration.ofDays(1)));

        assertThatThrownBy(() -> invoke(handler, handedOver.getFirst(), Duration.ofMinutes(5)))
                .isInstanceOf(JobFailure.Retryable.class).hasMessageContaining("is being processed by another invocation");
        Thread.sleep(Duration.between(Instant.now(), now.plusSeconds(2)).plusMillis(100));
        List<String> outcomes = partsAfter(handler, invoke(handler, handedOver.getFirst(), Duration.ofMinutes(5)), key, 1);

        assertThat(outcomes.getLast()).startsWith("COMPLETED").contains("(21 of 25 rows imported, in 3 parts)");
        assertThat(orders(drain())).extracting(OrderPlaced::orderId).hasSize(21).doesNotHaveDuplicates();
    }

    @Test
    void fileReplacedBetweenParts_shouldBeReportedPartial_withTheRowsBefore() throws IOException {
        String key = "imports/replaced.csv";
        ImportHandler handler = handler(PartBudget.defaults().withMaxRows(10), sqs);
        invoke(handler, upload(key, partsCsv()), Duration.ofMinutes(5));
        upload(key, partsCsv().replace("part-c-", "other-c-"));

        List<String> outcome = invoke(handler, handedOver.getFirst(), Duration.ofMinutes(5));

        assertThat(outcome).singleElement().asString().startsWith("PARTIAL s3://results/import-reports/imports/replaced.csv.json (8 of 10 rows imported, in 2 parts)");
        assertThat(report(key).get("reason").asString())
                .isEqualTo("the file was replaced while it was imported after row 10; the rows before it were imported, the rest were not read");
    }

    @Test
    void eventThatIsNoImportPart_shouldBeParked_withTheReason() throws IOException {
        String event = "{\"importPart\":{\"part\":2}}";

        List<String> outcome = invoke(event, Duration.ofMinutes(1));

        assertThat(outcome).containsExactly("FAILED the event is not an import part: it has no bucket");
        assertThat(sqs.receiveMessage(r -> r.queueUrl(failures.url()).messageAttributeNames("All").waitTimeSeconds(1)).messages())
                .singleElement().satisfies(parked -> assertThat(parked.body()).isEqualTo(event));
    }
}
