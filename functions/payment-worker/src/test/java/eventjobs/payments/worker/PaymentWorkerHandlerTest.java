package eventjobs.payments.worker;

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
import eventjobs.orders.Payment;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

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
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker against real SQS (ElasticMQ) and DynamoDB (moto), fed the sample batch in events/. */
class PaymentWorkerHandlerTest {

    private static final String TABLE = "Orders";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T09:16:33Z"), ZoneOffset.UTC);
    private static final String ORDER_ID = "0c8a7b52-6a8e-4c43-9a4b-1e2f3a4b5c6d";
    /** The order of events/order-worker-batch.json: 2 x 12.50 + 10 x 1.20 = 37.00 EUR. */
    private static final OrderPlaced ORDER = new OrderPlaced(ORDER_ID, "cust-42", Currency.getInstance("EUR"),
            List.of(new OrderLine("BOOK-001", 2, new BigDecimal("12.50")), new OrderLine("PEN-007", 10, new BigDecimal("1.20"))));

    private final EmbeddedAws aws = LocalAws.shared();
    private final RequestCounter dynamoRequests = new RequestCounter();
    private final LocalContext context = LocalContext.of("PaymentWorkerFunction", Duration.ofSeconds(30));
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private Queues.Queue dlq;
    private Queues.Queue queue;
    private DynamoDbOrderStore orders;
    private PaymentWorkerHandler handler;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        sqs = aws.sqs();
        dynamo = aws.dynamoDb(dynamoRequests);
        Queues queues = new Queues(sqs);
        dlq = queues.create("PaymentsDLQ", Map.of());
        queue = queues.createWithRedrive("PaymentsQueue", dlq, 5, 0);
        new Tables(dynamo).createWithStringKey(TABLE, "orderId");
        orders = new DynamoDbOrderStore(dynamo, TABLE);
        handler = new PaymentWorkerHandler(new SqsBatch(new SqsDeadLetters(sqs, CLOCK)), new EventCodec(),
                new CapturePayment(orders, CLOCK));
    }

    @AfterEach
    void tearDown() {
        sqs.close();
        dynamo.close();
    }

    private SQSEvent sampleBatch() {
        Path file = Path.of(System.getProperty("eventjobs.root"), "events", "payment-worker-batch.json");
        SQSEvent event = EventLoader.loadSQSEvent(file.toString());
        event.getRecords().forEach(record -> record.setEventSourceArn(queue.arn()));
        return event;
    }

    /** One record of the sample batch, its payment changed as given ("orderId", "amount", ...). */
    private SQSEvent captured(Map<String, String> changes) {
        SQSEvent batch = sampleBatch();
        SQSEvent.SQSMessage record = batch.getRecords().getFirst();
        String body = record.getBody();
        for (var change : changes.entrySet()) {
            body = body.replaceFirst("\"" + change.getKey() + "\":\"[^\"]*\"", "\"" + change.getKey() + "\":\"" + change.getValue() + "\"");
        }
        record.setBody(body);
        batch.setRecords(List.of(record));
        return batch;
    }

    private void place(OrderPlaced order, OrderStatus decision, String total, Optional<String> reason) {
        orders.accept(order, "hash", CLOCK.instant().minusSeconds(60));
        orders.decide(order, decision, new BigDecimal(total), reason, CLOCK.instant().minusSeconds(30));
        dynamoRequests.clear();
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

    private static String reason(Message message) {
        return message.messageAttributes().get(DeadLetter.REASON).stringValue();
    }

    @Test
    void sampleBatch_shouldMarkTheOrderPaid_ignoreTheRefund_andParkThePaymentForAnUnknownOrder() {
        place(ORDER, OrderStatus.CONFIRMED, "37.00", Optional.empty());

        SQSBatchResponse response = handler.handleRequest(sampleBatch(), context);

        assertThat(response.getBatchItemFailures()).isEmpty();
        Order paid = orders.find(ORDER_ID).orElseThrow();
        assertThat(paid.status()).isEqualTo(OrderStatus.PAID);
        assertThat(paid.payment()).contains(new Payment("pay_9f8e7d6c5b4a", new BigDecimal("37.00"), CLOCK.instant()));
        assertThat(paid.total()).contains(new BigDecimal("37.00"));
        List<Message> parked = parked();
        assertThat(parked).singleElement().satisfies(message -> {
            assertThat(reason(message)).isEqualTo("payment pay_6f5e4d3c2b1a (event evt_8K9l0P1o2I3u4Y5t): there is no order no-such-order");
            assertThat(message.body()).contains("\"orderId\":\"no-such-order\"");
        });
    }

    @Test
    void capture_shouldWriteOnce_andADuplicateDeliveryChangesNothing() {
        place(ORDER, OrderStatus.CONFIRMED, "37.00", Optional.empty());

        handler.handleRequest(captured(Map.of()), context);
        Order first = orders.find(ORDER_ID).orElseThrow();
        SQSBatchResponse again = handler.handleRequest(captured(Map.of()), context);

        assertThat(again.getBatchItemFailures()).isEmpty();
        assertThat(orders.find(ORDER_ID)).contains(first);
        assertThat(dynamoRequests.snapshot()).containsOnlyKeys("UpdateItem", "GetItem");
        assertThat(dynamoRequests.count("UpdateItem")).as("one conditional write per delivery").isEqualTo(2);
        assertThat(parked()).isEmpty();
    }

    @Test
    void capture_shouldCompareAmountsAsNumbers() {
        place(ORDER, OrderStatus.CONFIRMED, "37.00", Optional.empty());

        handler.handleRequest(captured(Map.of("amount", "37")), context);

        assertThat(orders.find(ORDER_ID).orElseThrow().status()).isEqualTo(OrderStatus.PAID);
    }

    @Test
    void capture_shouldParkWithReason_whenTheOrderWasRejected() {
        place(ORDER, OrderStatus.REJECTED, "37.00", Optional.of("order total 37.00 EUR exceeds the limit of 10 EUR"));

        SQSBatchResponse response = handler.handleRequest(captured(Map.of()), context);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(reason(parked().getFirst())).isEqualTo("payment pay_9f8e7d6c5b4a (event evt_1Q2w3E4r5T6y7U8i): order " + ORDER_ID
                + " was REJECTED (order total 37.00 EUR exceeds the limit of 10 EUR): the payment needs a refund");
        assertThat(orders.find(ORDER_ID).orElseThrow().status()).isEqualTo(OrderStatus.REJECTED);
    }

    @Test
    void capture_shouldParkWithReason_whenTheAmountIsNotTheTotal() {
        place(ORDER, OrderStatus.CONFIRMED, "37.00", Optional.empty());

        handler.handleRequest(captured(Map.of("amount", "36.99")), context);

        assertThat(reason(parked().getFirst())).isEqualTo("payment pay_9f8e7d6c5b4a (event evt_1Q2w3E4r5T6y7U8i): the amount 36.99 EUR"
                + " is not order " + ORDER_ID + "'s total 37.00 EUR");
        assertThat(orders.find(ORDER_ID).orElseThrow().status()).isEqualTo(OrderStatus.CONFIRMED);
    }

    @Test
    void capture_shouldParkWithReason_whenTheCurrencyIsNotTheOrders() {
        place(ORDER, OrderStatus.CONFIRMED, "37.00", Optional.empty());

        handler.handleRequest(captured(Map.of("currency", "USD")), context);

        assertThat(reason(parked().getFirst())).endsWith("the amount 37.00 USD is not order " + ORDER_ID + "'s total 37.00 EUR");
        assertThat(orders.find(ORDER_ID).orElseThrow().payment()).isEmpty();
    }

    @Test
    void capture_shouldParkWithReason_whenTheOrderIsPaidByAnotherPayment() {
        place(ORDER, OrderStatus.CONFIRMED, "37.00", Optional.empty());
        handler.handleRequest(captured(Map.of()), context);

        handler.handleRequest(captured(Map.of("paymentId", "pay_second")), context);

        assertThat(reason(parked().getFirst())).isEqualTo("payment pay_second (event evt_1Q2w3E4r5T6y7U8i): order " + ORDER_ID
                + " is already PAID by payment pay_9f8e7d6c5b4a: a second capture, which needs a refund");
        assertThat(orders.find(ORDER_ID).orElseThrow().payment().orElseThrow().paymentId()).isEqualTo("pay_9f8e7d6c5b4a");
    }

    @Test
    void capture_shouldBeRetried_whenTheOrderIsNotDecidedYet() {
        orders.accept(ORDER, "hash", CLOCK.instant());
        SQSEvent batch = captured(Map.of());

        SQSBatchResponse response = handler.handleRequest(batch, context);

        assertThat(response.getBatchItemFailures()).singleElement()
                .satisfies(failure -> assertThat(failure.getItemIdentifier()).isEqualTo(batch.getRecords().getFirst().getMessageId()));
        assertThat(parked()).isEmpty();
    }

    @Test
    void messageThatIsNoPaymentEvent_shouldBeParkedWithReason() {
        SQSEvent batch = captured(Map.of());
        batch.getRecords().getFirst().setBody("{\"specversion\":\"1.0\",\"type\":\"eventjobs.order.placed\"}");

        handler.handleRequest(batch, context);

        assertThat(reason(parked().getFirst())).startsWith("expected an event of type eventjobs.payment.received");
    }
}
