package eventjobs.stock;

import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import eventjobs.core.DeadLetter;
import eventjobs.core.JobFailure;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.local.aws.RequestCounter;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job against real DynamoDB (moto) and SQS (ElasticMQ), fed the sample event in events/. */
class StockMovementsHandlerTest {

    private static final String TABLE = "Stock";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T09:16:33Z"), ZoneOffset.UTC);

    private final EmbeddedAws aws = LocalAws.shared();
    private final RequestCounter dynamoRequests = new RequestCounter();
    private final LocalContext context = LocalContext.of("StockMovementsFunction", Duration.ofSeconds(30));
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private Queues.Queue dlq;
    private StockMovementsHandler handler;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        sqs = aws.sqs();
        dynamo = aws.dynamoDb(dynamoRequests);
        dlq = new Queues(sqs).create("StockMovementsDLQ", Map.of());
        new Tables(dynamo).createWithStringKey(TABLE, DynamoDbStockStore.KEY);
        handler = handler(TABLE);
    }

    private StockMovementsHandler handler(String table) {
        return new StockMovementsHandler(new ApplyStockMovements(new DynamoDbStockStore(dynamo, table),
                new SqsFailureQueue(sqs, dlq.url()), CLOCK));
    }

    @AfterEach
    void tearDown() {
        sqs.close();
        dynamo.close();
    }

    private static KafkaEvent sample() {
        return EventLoader.loadKafkaEvent(Path.of(System.getProperty("eventjobs.root"), "events", "stock-movements-kafka.json").toString());
    }

    /** The sample event with its first record's value replaced. */
    private static KafkaEvent withFirstValue(String value) {
        KafkaEvent event = sample();
        event.getRecords().get("stock-movements-0").getFirst()
                .setValue(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
        return event;
    }

    private long quantity(String sku) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(TABLE).key(Map.of(DynamoDbStockStore.KEY,
                AttributeValue.fromS(DynamoDbStockStore.SKU_PREFIX + sku)))).item();
        return Long.parseLong(item.get("quantity").n());
    }

    private List<Message> parked() {
        List<Message> all = new ArrayList<>();
        List<Message> batch;
        do {
            batch = sqs.receiveMessage(r -> r.queueUrl(dlq.url()).messageAttributeNames("All").maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            all.addAll(batch);
        } while (!batch.isEmpty());
        return all;
    }

    @Test
    void sample_shouldApplyEachMovementToItsSku_withOneDynamoDbRequestEach() {
        dynamoRequests.clear();

        String summary = handler.handleRequest(sample(), context);

        assertThat(summary).isEqualTo("2 records: 2 applied, 0 applied before, 0 parked");
        assertThat(dynamoRequests.snapshot()).isEqualTo(Map.of("TransactWriteItems", 2L));
        assertThat(quantity("BOOK-001")).isEqualTo(-2);
        assertThat(quantity("PEN-007")).isEqualTo(50);
        assertThat(parked()).isEmpty();
    }

    @Test
    void redeliveredBatch_shouldChangeNothing() {
        handler.handleRequest(sample(), context);
        dynamoRequests.clear();

        String summary = handler.handleRequest(sample(), context);

        assertThat(summary).isEqualTo("2 records: 0 applied, 2 applied before, 0 parked");
        assertThat(dynamoRequests.snapshot()).isEqualTo(Map.of("TransactWriteItems", 2L));
        assertThat(quantity("BOOK-001")).isEqualTo(-2);
        assertThat(quantity("PEN-007")).isEqualTo(50);
        assertThat(parked()).isEmpty();
    }

    @Test
    void badRecord_shouldBeParkedWithItsReasonAndPlace_whileTheOthersApply() {
        String summary = handler.handleRequest(withFirstValue("{\"movementId\":\"mv-9\",\"sku\":\"BOOK-001\",\"delta\":0}"), context);

        assertThat(summary).isEqualTo("2 records: 1 applied, 0 applied before, 1 parked");
        assertThat(quantity("PEN-007")).isEqualTo(50);
        assertThat(parked()).singleElement().satisfies(message -> {
            Map<String, String> attributes = new java.util.HashMap<>();
            message.messageAttributes().forEach((name, value) -> attributes.put(name, value.stringValue()));
            assertThat(attributes).containsEntry(DeadLetter.REASON, "delta must be from -1000000 to 1000000 and not 0, was 0")
                    .containsEntry(DeadLetter.FUNCTION, "StockMovementsFunction")
                    .containsEntry(DeadLetter.TOPIC, "stock-movements")
                    .containsEntry(DeadLetter.PARTITION, "0")
                    .containsEntry(DeadLetter.OFFSET, "15");
            // the body is the record as a one-record event: invoking the function with it replays it
            KafkaEvent replay = tools.jackson.databind.json.JsonMapper.shared().readValue(message.body(), KafkaEvent.class);
            assertThat(replay.getEventSource()).isEqualTo("SelfManagedKafka");
            assertThat(replay.getRecords().get("stock-movements-0")).singleElement()
                    .satisfies(record -> assertThat(record.getOffset()).isEqualTo(15));
        });
    }

    @Test
    void movementIdReusedForAnotherSku_shouldBeParkedWithBoth_andLeaveTheStock() {
        handler.handleRequest(sample(), context);

        handler.handleRequest(withFirstValue("{\"movementId\":\"mv-1001\",\"sku\":\"MUG-1\",\"delta\":5}"), context);

        assertThat(quantity("BOOK-001")).isEqualTo(-2);
        assertThat(parked()).singleElement().satisfies(message -> assertThat(message.messageAttributes().get(DeadLetter.REASON)
                .stringValue()).isEqualTo("movement mv-1001 was applied before as BOOK-001 -2, not MUG-1 5; the stock is left as it was"));
    }

    @Test
    void storeDown_shouldFailTheInvocation_soLambdaSendsTheBatchAgain() {
        StockMovementsHandler broken = handler("NoSuchTable");

        assertThatThrownBy(() -> broken.handleRequest(sample(), context)).isInstanceOf(JobFailure.Retryable.class)
                .hasMessageContaining("stock of BOOK-001 could not be written");
        assertThat(parked()).isEmpty();
    }

    @Test
    void parse_shouldSayWhatIsWrong() {
        assertThat(List.of("not json", "[1]", "{\"movementId\":\"m\",\"sku\":\"S\",\"delta\":1,\"x\":1}",
                "{\"sku\":\"S\",\"delta\":1}", "{\"movementId\":\"m\",\"sku\":\" S\",\"delta\":1}",
                "{\"movementId\":\"m\",\"sku\":\"S\",\"delta\":1.5}", "{\"movementId\":\"m\",\"sku\":\"S\",\"delta\":\"1\"}",
                "{\"movementId\":\"m\",\"sku\":\"S\",\"delta\":1,\"delta\":2}")).allSatisfy(value ->
                assertThatThrownBy(() -> StockMovement.parse(value)).isInstanceOf(JobFailure.Permanent.class));
        assertThatThrownBy(() -> StockMovement.parse("{\"sku\":\"S\",\"delta\":1}")).hasMessage("movementId must be a string, was missing");
        assertThat(StockMovement.parse("{\"movementId\":\"m:1\",\"sku\":\"S-1\",\"delta\":-3}")).isEqualTo(new StockMovement("m:1", "S-1", -3));
    }
}
