package eventjobs.imports;

import eventjobs.core.DeadLetter;
import eventjobs.core.async.AsyncJob;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.events.EventCodec;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.orders.OrderPlaced;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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

    private ImportHandler handler() {
        Clock clock = Clock.systemUTC();
        return new ImportHandler(new AsyncJob(new SqsFailureQueue(sqs, failures.url()), clock), s3, new ImportOrders(new SqsOrderBatches(sqs, queue.url(), "/import", new EventCodec(), clock,
                Duration.ofMillis(10)), new EventCodec(), ImportLimits.defaults(), clock),
                new Idempotency(new DynamoDbIdempotencyStore(dynamo, "Idempotency"), clock, Duration.ofDays(1)), "results",
                clock);
    }

    private static String sample(String name) throws IOException {
        return Files.readString(Path.of(System.getProperty("eventjobs.root"), "events", name));
    }

    /** Invokes the handler as Lambda does, with the event's JSON; the outcomes it answers with. */
    private List<String> invoke(String event, Duration timeout) throws IOException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        handler().handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), output,
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
}
