package eventjobs.orders.legacy;

import com.amazonaws.services.lambda.runtime.events.RabbitMQEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import eventjobs.core.DeadLetter;
import eventjobs.core.async.SqsFailureQueue;
import eventjobs.core.events.EventCodec;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.Order;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.SqsOrderQueue;
import eventjobs.orders.api.PlaceOrder;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.math.BigDecimal;
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

/** The handler against real DynamoDB (moto) and SQS (ElasticMQ), fed the sample event in events/. */
class LegacyOrdersHandlerTest {

    private static final String TABLE = "Orders";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T09:16:33Z"), ZoneOffset.UTC);
    private static final String KEY = "legacy-orders::/";

    private final EmbeddedAws aws = LocalAws.shared();
    private final LocalContext context = LocalContext.of("LegacyOrdersFunction", Duration.ofSeconds(30));
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private Queues.Queue ordersQueue;
    private Queues.Queue failures;
    private DynamoDbOrderStore orders;
    private LegacyOrdersHandler handler;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        sqs = aws.sqs();
        dynamo = aws.dynamoDb();
        Queues queues = new Queues(sqs);
        ordersQueue = queues.create("OrdersQueue", Map.of());
        failures = queues.create("LegacyOrdersDLQ", Map.of());
        new Tables(dynamo).createWithStringKey(TABLE, "orderId");
        orders = new DynamoDbOrderStore(dynamo, TABLE);
        handler = handler(TABLE);
    }

    private LegacyOrdersHandler handler(String table) {
        EventCodec codec = new EventCodec();
        PlaceOrder placeOrder = new PlaceOrder(new DynamoDbOrderStore(dynamo, table),
                new SqsOrderQueue(sqs, ordersQueue.url(), "/legacy-orders", codec, CLOCK), codec, CLOCK);
        return new LegacyOrdersHandler(new PlaceLegacyOrder(placeOrder), new SqsFailureQueue(sqs, failures.url()), CLOCK);
    }

    @AfterEach
    void tearDown() {
        sqs.close();
        dynamo.close();
    }

    private static RabbitMQEvent sample() {
        Path file = Path.of(System.getProperty("eventjobs.root"), "events", "legacy-orders-rmq.json");
        return EventLoader.loadEvent(file.toString(), RabbitMQEvent.class);
    }

    /** The sample's message, with another message id and body. */
    private static RabbitMQEvent.RabbitMessage message(String messageId, String body) {
        RabbitMQEvent.RabbitMessage message = sample().getRmqMessagesByQueue().get(KEY).getFirst();
        message.getBasicProperties().setMessageId(messageId);
        message.setData(Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
        return message;
    }

    private static RabbitMQEvent batch(RabbitMQEvent.RabbitMessage... messages) {
        RabbitMQEvent event = sample();
        event.setRmqMessagesByQueue(Map.of(KEY, List.of(messages)));
        return event;
    }

    private List<Message> receive(Queues.Queue queue) {
        List<Message> all = new ArrayList<>();
        List<Message> got;
        do {
            got = sqs.receiveMessage(r -> r.queueUrl(queue.url()).messageAttributeNames("All").maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            all.addAll(got);
        } while (!got.isEmpty());
        return all;
    }

    private List<Order> allOrders() {
        return dynamo.scan(r -> r.tableName(TABLE)).items().stream()
                .map(item -> orders.find(item.get("orderId").s()).orElseThrow()).toList();
    }

    @Test
    void sampleEvent_shouldPlaceTheOrder_asPostOrdersDoes() {
        // when
        handler.handleRequest(sample(), context);

        // then: ACCEPTED, and its OrderPlaced on OrdersQueue for the worker
        assertThat(allOrders()).singleElement().satisfies(order -> {
            assertThat(order.status()).isEqualTo(OrderStatus.ACCEPTED);
            assertThat(order.customerId()).isEqualTo("cust-legacy-7");
            assertThat(order.lines().getFirst().unitPrice()).isEqualByComparingTo(new BigDecimal("12.50"));
        });
        assertThat(receive(ordersQueue)).singleElement()
                .satisfies(m -> assertThat(m.body()).contains("\"type\":\"eventjobs.order.placed\"").contains("\"source\":\"/legacy-orders\""));
        assertThat(receive(failures)).isEmpty();
    }

    @Test
    void redelivery_shouldPlaceNothingNew_whenTheMessageIdWasSeen() {
        // given
        handler.handleRequest(sample(), context);
        String orderId = allOrders().getFirst().orderId();

        // when: the broker redelivers it, and the shop publishes it again
        handler.handleRequest(sample(), context);
        handler.handleRequest(sample(), context);

        // then
        assertThat(allOrders()).extracting(Order::orderId).containsExactly(orderId);
        assertThat(receive(failures)).isEmpty();
    }

    @Test
    void badMessages_shouldBeParkedWithTheirReason_andTheRestOfTheBatchPlaced() {
        // when
        handler.handleRequest(batch(
                message("m-not-json", "{\"customerId\":"),
                message("m-invalid", "{\"customerId\":\"c\",\"currency\":\"XYZ\",\"lines\":[]}"),
                message("", "{}"),
                message("m-good", "{\"customerId\":\"c-9\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":1,\"unitPrice\":\"1.00\"}]}")),
                context);

        // then
        assertThat(allOrders()).extracting(Order::customerId).containsExactly("c-9");
        List<Message> parked = receive(failures);
        assertThat(parked).hasSize(3);
        assertThat(parked).extracting(m -> m.messageAttributes().get(DeadLetter.REASON).stringValue())
                .anySatisfy(reason -> assertThat(reason).startsWith("the message body is not JSON"))
                .anySatisfy(reason -> assertThat(reason).startsWith("invalid order").contains("/currency"))
                .anySatisfy(reason -> assertThat(reason).startsWith("the message has no message-id property"));
        assertThat(parked).allSatisfy(m -> {
            assertThat(m.messageAttributes().get(DeadLetter.FUNCTION).stringValue()).isEqualTo("LegacyOrdersFunction");
            // a one-message aws:rmq event: invoking the function with it replays the message
            RabbitMQEvent replay = EventLoaderFromString.load(m.body());
            assertThat(replay.getRmqMessagesByQueue().get(KEY)).hasSize(1);
        });
    }

    @Test
    void messageIdReused_shouldBeParked_whenTheOrderDiffers() {
        // given
        handler.handleRequest(sample(), context);

        // when: the same message id with another order
        handler.handleRequest(batch(message("legacy-10001",
                "{\"customerId\":\"someone-else\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"A\",\"quantity\":1,\"unitPrice\":\"1.00\"}]}")),
                context);

        // then
        assertThat(allOrders()).extracting(Order::customerId).containsExactly("cust-legacy-7");
        assertThat(receive(failures)).singleElement().satisfies(m ->
                assertThat(m.messageAttributes().get(DeadLetter.REASON).stringValue()).isEqualTo("the message-id legacy-10001 was used before for another order"
                        + " (it is the order's idempotency key): the order placed then is kept"));
    }

    @Test
    void unavailableStore_shouldFailTheWholeBatch_soTheBrokerRedeliversIt() {
        // given: a table that is not there, as DynamoDB unreachable
        LegacyOrdersHandler broken = handler("NoSuchTable");

        // when / then
        assertThatThrownBy(() -> broken.handleRequest(sample(), context)).isInstanceOf(SdkException.class);
        assertThat(receive(failures)).isEmpty();
    }

    /** Reads a parked body as the runtime's serializer reads an event. */
    private static final class EventLoaderFromString {
        static RabbitMQEvent load(String json) {
            try {
                Path file = java.nio.file.Files.createTempFile("parked", ".json");
                java.nio.file.Files.writeString(file, json);
                return EventLoader.loadEvent(file.toString(), RabbitMQEvent.class);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
