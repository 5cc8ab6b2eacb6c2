package eventjobs.orders.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import eventjobs.core.events.EventCodec;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.local.aws.RequestCounter;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.SqsOrderQueue;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The API against real SQS (ElasticMQ) and DynamoDB (moto), fed the sample events in events/. */
class OrdersApiHandlerTest {

    private static final String TABLE = "Orders";
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String VALID_BODY = """
            {"customerId":"cust-42","currency":"EUR","lines":[{"sku":"BOOK-001","quantity":2,"unitPrice":"12.50"}]}""";

    private final EmbeddedAws aws = LocalAws.shared();
    private final LocalContext context = LocalContext.of("OrdersApiFunction", Duration.ofSeconds(10));
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private Queues.Queue queue;
    private DynamoDbOrderStore orders;
    private final RequestCounter dynamoRequests = new RequestCounter();

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        sqs = aws.sqs();
        dynamo = aws.dynamoDb(dynamoRequests);
        queue = new Queues(sqs).create("OrdersQueue", Map.of());
        new Tables(dynamo).createWithStringKey(TABLE, "orderId");
        orders = new DynamoDbOrderStore(dynamo, TABLE);
    }

    @AfterEach
    void tearDown() {
        sqs.close();
        dynamo.close();
    }

    private OrdersApiHandler handler(String queueUrl) {
        Clock clock = Clock.systemUTC();
        EventCodec codec = new EventCodec();
        return new OrdersApiHandler(new PlaceOrder(orders, new SqsOrderQueue(sqs, queueUrl, "/orders-api", codec, clock),
                codec, clock), orders);
    }

    private static APIGatewayV2HTTPEvent sample(String name) {
        return EventLoader.loadApiGatewayHttpEvent(Path.of(System.getProperty("eventjobs.root"), "events", name).toString());
    }

    private static APIGatewayV2HTTPEvent post(String body, Map<String, String> extraHeaders) {
        APIGatewayV2HTTPEvent event = sample("orders-api-post.json");
        Map<String, String> headers = new HashMap<>(event.getHeaders());
        headers.remove("idempotency-key");
        headers.putAll(extraHeaders);
        event.setHeaders(headers);
        event.setBody(body);
        return event;
    }

    private static APIGatewayV2HTTPEvent get(String orderId) {
        APIGatewayV2HTTPEvent event = sample("orders-api-get.json");
        event.setPathParameters(Map.of("orderId", orderId));
        event.setRawPath("/orders/" + orderId);
        return event;
    }

    private List<Message> queued() {
        return sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10).waitTimeSeconds(0)).messages();
    }

    private static JsonNode body(APIGatewayV2HTTPResponse response) {
        return JSON.readTree(response.getBody());
    }

    @Test
    void post_shouldAcceptAndQueueOrder_forSampleEvent() {
        APIGatewayV2HTTPResponse response = handler(queue.url()).handleRequest(sample("orders-api-post.json"), context);

        assertThat(response.getStatusCode()).isEqualTo(202);
        String orderId = body(response).get("orderId").asString();
        assertThat(body(response).get("status").asString()).isEqualTo("ACCEPTED");
        assertThat(body(response).at("/links/self").asString()).isEqualTo("/orders/" + orderId);
        assertThat(response.getHeaders()).containsEntry("Location", "/orders/" + orderId);
        List<Message> messages = queued();
        assertThat(messages).hasSize(1);
        OrderPlaced placed = OrderPlaced.fromData(new EventCodec().decode(messages.getFirst().body(), OrderPlaced.TYPE).data());
        assertThat(placed.orderId()).isEqualTo(orderId);
        assertThat(placed.lines()).hasSize(2);
        assertThat(orders.find(orderId).orElseThrow().status()).isEqualTo(OrderStatus.ACCEPTED);
    }

    @Test
    void post_shouldReplaySameAnswerAndPlaceNothingNew_whenIdempotencyKeyRepeatsWithSameBody() {
        OrdersApiHandler handler = handler(queue.url());
        APIGatewayV2HTTPResponse first = handler.handleRequest(post(VALID_BODY, Map.of("idempotency-key", "k-1")), context);
        queued().forEach(m -> sqs.deleteMessage(r -> r.queueUrl(queue.url()).receiptHandle(m.receiptHandle())));

        // same content, different formatting and property order
        String sameOrder = """
                { "lines": [ {"unitPrice": "12.50", "quantity": 2, "sku": "BOOK-001"} ],
                  "currency": "EUR", "customerId": "cust-42" }""";
        APIGatewayV2HTTPResponse second = handler.handleRequest(post(sameOrder, Map.of("idempotency-key", "k-1")), context);

        assertThat(second.getStatusCode()).isEqualTo(202);
        assertThat(second.getBody()).isEqualTo(first.getBody());
        assertThat(second.getHeaders()).containsEntry("Idempotent-Replayed", "true");
        // the same order's event again at most (it is undecided), never another order
        String orderId = body(first).get("orderId").asString();
        assertThat(queued()).allSatisfy(m -> assertThat(m.body()).contains(orderId));
        assertThat(dynamo.scan(r -> r.tableName(TABLE)).count()).isEqualTo(1);
    }

    @Test
    void post_shouldAnswer422_whenIdempotencyKeyRepeatsWithDifferentBody() {
        OrdersApiHandler handler = handler(queue.url());
        handler.handleRequest(post(VALID_BODY, Map.of("idempotency-key", "k-1")), context);

        APIGatewayV2HTTPResponse response = handler.handleRequest(
                post(VALID_BODY.replace("\"quantity\":2", "\"quantity\":3"), Map.of("idempotency-key", "k-1")), context);

        assertThat(response.getStatusCode()).isEqualTo(422);
        assertThat(body(response).get("error").asString()).contains("different request body");
        assertThat(queued()).hasSize(1);
    }

    @Test
    void post_shouldAnswer503ThenCompleteOnRetry_whenQueueIsUnavailable() {
        APIGatewayV2HTTPResponse failed = handler(queue.url() + "-missing")
                .handleRequest(post(VALID_BODY, Map.of("idempotency-key", "k-503")), context);

        assertThat(failed.getStatusCode()).isEqualTo(503);
        assertThat(body(failed).get("error").asString()).contains("retry");
        assertThat(queued()).isEmpty();

        APIGatewayV2HTTPResponse retried = handler(queue.url())
                .handleRequest(post(VALID_BODY, Map.of("idempotency-key", "k-503")), context);

        assertThat(retried.getStatusCode()).isEqualTo(202);
        List<Message> messages = queued();
        assertThat(messages).hasSize(1);
        assertThat(messages.getFirst().body()).contains(body(retried).get("orderId").asString());
    }

    @Test
    void post_shouldWriteOnceToDynamoDb_andReplaySendOnlyWhileTheOrderIsUndecided() {
        dynamoRequests.clear();
        APIGatewayV2HTTPResponse placed = handler(queue.url()).handleRequest(post(VALID_BODY, Map.of("idempotency-key", "k-once")), context);

        assertThat(placed.getStatusCode()).isEqualTo(202);
        assertThat(dynamoRequests.count(RequestCounter.DYNAMODB_WRITES)).isEqualTo(1);
        assertThat(queued()).hasSize(1);

        // undecided: its event may not have reached the queue, so a replay sends it again (the worker decides once)
        handler(queue.url()).handleRequest(post(VALID_BODY, Map.of("idempotency-key", "k-once")), context);
        assertThat(queued()).hasSize(1);
        String orderId = body(placed).get("orderId").asString();
        orders.decide(orders.find(orderId).orElseThrow().placed(),
                OrderStatus.CONFIRMED, new java.math.BigDecimal("25.00"), java.util.Optional.empty(), java.time.Instant.now());
        // decided: a replay sends nothing
        APIGatewayV2HTTPResponse replayed = handler(queue.url()).handleRequest(post(VALID_BODY, Map.of("idempotency-key", "k-once")), context);

        assertThat(replayed.getStatusCode()).isEqualTo(202);
        assertThat(sqs.getQueueAttributes(r -> r.queueUrl(queue.url())
                .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .attributesAsStrings()).containsEntry("ApproximateNumberOfMessages", "0")
                .containsEntry("ApproximateNumberOfMessagesNotVisible", "2");
    }

    @Test
    void get_shouldReturnOrderState_afterPost() {
        OrdersApiHandler handler = handler(queue.url());
        String orderId = body(handler.handleRequest(post(VALID_BODY, Map.of()), context)).get("orderId").asString();

        APIGatewayV2HTTPResponse response = handler.handleRequest(get(orderId), context);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(body(response).get("status").asString()).isEqualTo("ACCEPTED");
        assertThat(body(response).get("customerId").asString()).isEqualTo("cust-42");
        assertThat(body(response).at("/lines/0/unitPrice").asString()).isEqualTo("12.50");
    }

    @Test
    void get_shouldAnswer404_forUnknownOrder() {
        APIGatewayV2HTTPResponse response = handler(queue.url()).handleRequest(sample("orders-api-get.json"), context);

        assertThat(response.getStatusCode()).isEqualTo(404);
        assertThat(body(response).get("error").asString()).startsWith("no order ");
        assertThat(body(response).get("details").isArray()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON        | {"customerId":                                                               | 400 |
            not an object         | [1,2,3]                                                                      | 400 |
            missing customer      | {"currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":"1.00"}]}     | 400 | /customerId
            mistyped quantity     | {"customerId":"c","currency":"EUR","lines":[{"sku":"A","quantity":"one","unitPrice":"1.00"}]} | 400 | /lines/0/quantity
            negative quantity     | {"customerId":"c","currency":"EUR","lines":[{"sku":"A","quantity":-2,"unitPrice":"1.00"}]} | 400 | /lines/0/quantity
            zero quantity         | {"customerId":"c","currency":"EUR","lines":[{"sku":"A","quantity":0,"unitPrice":"1.00"}]}  | 400 | /lines/0/quantity
            unknown currency      | {"customerId":"c","currency":"XYZ","lines":[{"sku":"A","quantity":1,"unitPrice":"1.00"}]}  | 400 | /currency
            price as number       | {"customerId":"c","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":1.5}]}     | 400 | /lines/0/unitPrice
            yen with cents        | {"customerId":"c","currency":"JPY","lines":[{"sku":"A","quantity":1,"unitPrice":"100.50"}]} | 400 | /lines/0/unitPrice
            no lines              | {"customerId":"c","currency":"EUR","lines":[]}                               | 400 | /lines
            unknown field         | {"customerId":"c","currency":"EUR","coupon":"X","lines":[{"sku":"A","quantity":1,"unitPrice":"1.00"}]} | 400 | /coupon
            client-chosen orderId | {"orderId":"mine","customerId":"c","currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPrice":"1.00"}]} | 400 | /orderId
            """)
    void post_shouldAnswer4xxAndQueueNothing_forBadInput(String name, String body, int status, String field) {
        APIGatewayV2HTTPResponse response = handler(queue.url()).handleRequest(post(body, Map.of()), context);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(status);
        JsonNode error = body(response);
        assertThat(error.get("error").asString()).isNotBlank();
        if (field != null) {
            assertThat(error.get("details").findValuesAsString("field")).as(response.getBody()).contains(field);
        }
        assertThat(queued()).isEmpty();
        assertThat(dynamo.scan(r -> r.tableName(TABLE)).count()).isZero();
    }

    @Test
    void post_shouldAnswer415_forWrongContentType() {
        APIGatewayV2HTTPResponse response = handler(queue.url())
                .handleRequest(post(VALID_BODY, Map.of("content-type", "text/plain")), context);

        assertThat(response.getStatusCode()).isEqualTo(415);
        assertThat(body(response).at("/details/0/message").asString()).contains("text/plain");
        assertThat(queued()).isEmpty();
    }

    @Test
    void post_shouldAnswer413_forBodyOver256KiB() {
        String padding = "x".repeat(eventjobs.core.api.HttpApi.MAX_BODY_BYTES);
        APIGatewayV2HTTPResponse response = handler(queue.url())
                .handleRequest(post("{\"customerId\":\"" + padding + "\"}", Map.of()), context);

        assertThat(response.getStatusCode()).isEqualTo(413);
        assertThat(queued()).isEmpty();
    }

    @Test
    void post_shouldAcceptBase64Body_whenGatewayEncodedIt() {
        APIGatewayV2HTTPEvent event = post(Base64.getEncoder().encodeToString(VALID_BODY.getBytes(StandardCharsets.UTF_8)), Map.of());
        event.setIsBase64Encoded(true);

        assertThat(handler(queue.url()).handleRequest(event, context).getStatusCode()).isEqualTo(202);
    }

    @Test
    void post_shouldAnswer400_forInvalidIdempotencyKey() {
        APIGatewayV2HTTPResponse response = handler(queue.url())
                .handleRequest(post(VALID_BODY, Map.of("idempotency-key", "has spaces in it")), context);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).at("/details/0/field").asString()).isEqualTo("idempotency-key");
    }

    @Test
    void get_shouldAnswer400_forMalformedOrderId() {
        APIGatewayV2HTTPResponse response = handler(queue.url()).handleRequest(get("../etc"), context);

        assertThat(response.getStatusCode()).isEqualTo(400);
    }
}
