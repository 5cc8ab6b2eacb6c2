package eventjobs.imports;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
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

    private static S3Event sample(String name) {
        return EventLoader.loadS3Event(Path.of(System.getProperty("eventjobs.root"), "events", name).toString());
    }

    @Test
    void handle_shouldImportTheFileTheSampleEventNames() {
        StringBuilder csv = new StringBuilder("customer_id,currency,sku,quantity,unit_price\n");
        for (int i = 1; i <= 25; i++) {
            csv.append("c-").append(i).append(",EUR,SKU-1,1,2.00\n");
        }
        s3.putObject(r -> r.bucket(UPLOADS).key("imports/orders.csv"), RequestBody.fromString(csv.toString()));
        S3Event event = sample("import-upload.json");

        List<String> outcome = handler().handleRequest(event, LocalContext.of("ImportFunction", Duration.ofMinutes(5)));

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
    void handle_shouldSkipTestEvent() {
        S3Event testEvent = sample("s3-test-event.json");

        assertThat(handler().handleRequest(testEvent, LocalContext.of("ImportFunction", Duration.ofMinutes(1)))).isEmpty();
    }
}
