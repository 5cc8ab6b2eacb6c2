package eventjobs.orders.worker;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import eventjobs.core.DeadLetter;
import eventjobs.core.events.EventCodec;
import eventjobs.core.sqs.SqsBatch;
import eventjobs.core.sqs.SqsDeadLetters;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.local.aws.RequestCounter;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.Order;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.SqsOrderQueue;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.SqsEvents;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker against real SQS (ElasticMQ) and DynamoDB (moto), fed the sample events in events/. */
class OrderWorkerHandlerTest {

    private static final String TABLE = "Orders";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T09:15:03Z"), ZoneOffset.UTC);

    private final EmbeddedAws aws = LocalAws.shared();
    private final RequestCounter dynamoRequests = new RequestCounter();
    private final LocalContext context = LocalContext.of("OrderWorkerFunction", Duration.ofSeconds(30));
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private Queues.Queue dlq;
    private Queues.Queue queue;
    private DynamoDbOrderStore orders;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        sqs = aws.sqs();
        dynamo = aws.dynamoDb(dynamoRequests);
        Queues queues = new Queues(sqs);
        dlq = queues.create("OrdersDLQ", Map.of());
        queue = queues.createWithRedrive("OrdersQueue", dlq, 2, 0);
        new Tables(dynamo).createWithStringKey(TABLE, "orderId");
        orders = new DynamoDbOrderStore(dynamo, TABLE);
        dynamoRequests.clear();
    }

    @AfterEach
    void tearDown() {
        sqs.close();
        dynamo.close();
    }

    private OrderWorkerHandler handler(String table) {
        return new OrderWorkerHandler(new SqsBatch(new SqsDeadLetters(sqs, CLOCK)), new EventCodec(),
                new ConfirmOrder(new DynamoDbOrderStore(dynamo, table), Pricing.withDefaultLimits(), CLOCK));
    }

    private SQSEvent sampleBatch() {
        Path file = Path.of(System.getProperty("eventjobs.root"), "events", "order-worker-batch.json");
        SQSEvent event = EventLoader.loadSQSEvent(file.toString());
        event.getRecords().forEach(record -> record.setEventSourceArn(queue.arn()));
        return event;
    }

    @Test
    void handle_shouldConfirmOnceAndDeadLetterInvalid_forSampleBatch() {
        SQSBatchResponse response = handler(TABLE).handleRequest(sampleBatch(), context);

        assertThat(response.getBatchItemFailures()).isEmpty();
        Order order = orders.find("0c8a7b52-6a8e-4c43-9a4b-1e2f3a4b5c6d").orElseThrow();
        assertThat(order.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(order.total()).contains(new BigDecimal("37.00"));
        assertThat(order.decidedAt()).contains(CLOCK.instant());
        List<Message> parked = sqs.receiveMessage(r -> r.queueUrl(dlq.url()).messageAttributeNames("All")
                .maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
        assertThat(parked).hasSize(1);
        assertThat(parked.getFirst().body()).contains("\"orderId\":\"bad-1\"");
        assertThat(parked.getFirst().messageAttributes().get(DeadLetter.REASON).stringValue())
                .contains("/data/currency").contains("/data/lines/0/quantity");
        assertThat(orders.find("bad-1")).isEmpty();
    }

    @Test
    void handle_shouldWriteOnceToDynamoDb_perOrderOnHappyPath() {
        SQSEvent batch = sampleBatch();
        batch.setRecords(List.of(batch.getRecords().getFirst()));

        handler(TABLE).handleRequest(batch, context);

        assertThat(dynamoRequests.count(RequestCounter.DYNAMODB_WRITES)).isEqualTo(1);
        assertThat(dynamoRequests.snapshot()).containsOnlyKeys("UpdateItem");
    }

    @Test
    void handle_shouldLeaveDecisionAlone_whenDuplicateArrivesAfterDecision() {
        SQSEvent batch = sampleBatch();
        batch.setRecords(List.of(batch.getRecords().getFirst()));
        handler(TABLE).handleRequest(batch, context);
        Order decided = orders.find("0c8a7b52-6a8e-4c43-9a4b-1e2f3a4b5c6d").orElseThrow();

        Clock later = Clock.offset(CLOCK, Duration.ofMinutes(5));
        SQSBatchResponse response = new OrderWorkerHandler(new SqsBatch(new SqsDeadLetters(sqs, later)), new EventCodec(),
                new ConfirmOrder(orders, Pricing.parse("EUR=1"), later)).handleRequest(batch, context);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(orders.find(decided.orderId())).contains(decided);
    }

    @Test
    void handle_shouldRejectWithReason_whenOrderBreaksBusinessRule() {
        OrderPlaced big = new OrderPlaced("big-1", "cust-1", Currency.getInstance("EUR"),
                List.of(new OrderLine("CAR-1", 1, new BigDecimal("25000.00"))));

        handler(TABLE).handleRequest(eventOf(big), context);

        Order order = orders.find("big-1").orElseThrow();
        assertThat(order.status()).isEqualTo(OrderStatus.REJECTED);
        assertThat(order.reason()).contains("order total 25000.00 EUR exceeds the limit of 10000 EUR");
        assertThat(sqs.receiveMessage(r -> r.queueUrl(dlq.url()).waitTimeSeconds(0)).messages()).isEmpty();
    }

    @Test
    void handle_shouldReportRetryableFailure_whenTableIsUnavailable() {
        SQSEvent batch = sampleBatch();

        SQSBatchResponse response = handler("NoSuchTable").handleRequest(batch, context);

        assertThat(response.getBatchItemFailures())
                .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(batch.getRecords().get(0).getMessageId(), batch.getRecords().get(1).getMessageId());
    }

    @Test
    void retryableFailure_shouldEndInDlqThroughRedrive_afterMaxReceiveCount() {
        new SqsOrderQueue(sqs, queue.url(), "/test", new EventCodec(), CLOCK).send(new OrderPlaced("o-9", "cust-1",
                Currency.getInstance("EUR"), List.of(new OrderLine("A", 1, BigDecimal.TEN))));
        OrderWorkerHandler broken = handler("NoSuchTable");

        // what Lambda's event source mapping does: receive, invoke, delete all but the reported failures
        List<String> receiveCounts = new ArrayList<>();
        for (int poll = 0; poll < 4; poll++) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL).waitTimeSeconds(1)).messages();
            if (messages.isEmpty()) {
                break;
            }
            messages.forEach(m -> receiveCounts.add(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)));
            SQSBatchResponse response = broken.handleRequest(SqsEvents.toLambdaEvent(messages, queue.arn(), "us-east-1"), context);
            List<String> failed = response.getBatchItemFailures().stream()
                    .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
            messages.stream().filter(m -> !failed.contains(m.messageId()))
                    .forEach(m -> sqs.deleteMessage(r -> r.queueUrl(queue.url()).receiptHandle(m.receiptHandle())));
        }

        assertThat(receiveCounts).containsExactly("1", "2");
        List<Message> parked = sqs.receiveMessage(r -> r.queueUrl(dlq.url()).waitTimeSeconds(1)).messages();
        assertThat(parked).hasSize(1);
        assertThat(parked.getFirst().body()).contains("\"orderId\":\"o-9\"");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "true, http://localhost:4566, true",
            "true, '', false",
            "yes,  http://localhost:4566, false",
            "'',   http://localhost:4566, false"})
    void unconditionalDecisions_shouldNeedTheSwitchAndALocalEndpoint(String flag, String endpoint, boolean expected) {
        java.util.Map<String, String> env = new java.util.HashMap<>();
        env.put(OrderWorkerHandler.UNCONDITIONAL_DECISIONS, flag);
        env.put("AWS_ENDPOINT_URL", endpoint);

        assertThat(OrderWorkerHandler.unconditionalDecisions(new eventjobs.core.Env(env))).isEqualTo(expected);
    }

    private SQSEvent eventOf(OrderPlaced order) {
        new SqsOrderQueue(sqs, queue.url(), "/test", new EventCodec(), CLOCK).send(order);
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queue.url())
                .messageSystemAttributeNames(MessageSystemAttributeName.ALL).waitTimeSeconds(1)).messages();
        return SqsEvents.toLambdaEvent(messages, queue.arn(), "us-east-1");
    }
}
