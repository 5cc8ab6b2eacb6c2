package eventjobs.payments.webhook;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import eventjobs.core.events.EventCodec;
import eventjobs.core.idempotency.DynamoDbIdempotencyStore;
import eventjobs.core.idempotency.Idempotency;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.payments.PaymentEvent;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook against real Secrets Manager and DynamoDB (moto) and SQS (ElasticMQ), fed the
 * sample event in events/ (signed with "sample-signing-secret" at 2026-11-27T09:16:32Z).
 */
class PaymentsWebhookHandlerTest {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String SECRET_NAME = "eventjobs/payments/webhook";
    private static final String SAMPLE_SECRET = "sample-signing-secret";
    private static final Instant SIGNED_AT = Instant.parse("2026-11-27T09:16:32Z");

    private final EmbeddedAws aws = LocalAws.shared();
    private final LocalContext context = LocalContext.of("PaymentsWebhookFunction", Duration.ofSeconds(10));
    private final SigningSecretTest.SettableClock clock = new SigningSecretTest.SettableClock(SIGNED_AT.plusSeconds(8));
    private final AtomicInteger secretReads = new AtomicInteger();
    private SqsClient sqs;
    private DynamoDbClient dynamo;
    private SecretsManagerClient secrets;
    private Queues.Queue queue;
    private PaymentsWebhookHandler handler;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        sqs = aws.sqs();
        dynamo = aws.dynamoDb();
        secrets = aws.secretsManager();
        queue = new Queues(sqs).create("PaymentsQueue", Map.of());
        new Tables(dynamo).createWithStringKey("Idempotency", DynamoDbIdempotencyStore.KEY);
        secrets.createSecret(r -> r.name(SECRET_NAME).secretString(SAMPLE_SECRET));
        handler = handler();
    }

    @AfterEach
    void tearDown() {
        sqs.close();
        dynamo.close();
        secrets.close();
    }

    /** Built as the Lambda constructor builds it, with the clock pinned. */
    private PaymentsWebhookHandler handler() {
        EventCodec codec = new EventCodec();
        SigningSecret secret = new SigningSecret(() -> {
            secretReads.incrementAndGet();
            return secrets.getSecretValue(r -> r.secretId(SECRET_NAME)).secretString();
        }, clock);
        return new PaymentsWebhookHandler(new ReceivePayment(secret,
                new Idempotency(new DynamoDbIdempotencyStore(dynamo, "Idempotency"), clock, ReceivePayment.REMEMBER_EVENTS_FOR),
                new SqsPaymentQueue(sqs, queue.url(), codec, clock), codec, clock));
    }

    private static APIGatewayV2HTTPEvent sample() {
        return EventLoader.loadApiGatewayHttpEvent(Path.of(System.getProperty("eventjobs.root"), "events",
                "payments-webhook.json").toString());
    }

    /** The sample request with another body, signed with {@code secret} at {@code at}. */
    private static APIGatewayV2HTTPEvent signed(String body, String secret, Instant at) {
        return withSignature(sample(), body, WebhookSignature.header(secret.getBytes(StandardCharsets.UTF_8),
                at.getEpochSecond(), body.getBytes(StandardCharsets.UTF_8)));
    }

    private static APIGatewayV2HTTPEvent withSignature(APIGatewayV2HTTPEvent request, String body, String signature) {
        Map<String, String> headers = new HashMap<>(request.getHeaders());
        if (signature == null) {
            headers.remove(WebhookSignature.HEADER);
        } else {
            headers.put(WebhookSignature.HEADER, signature);
        }
        request.setHeaders(headers);
        request.setBody(body);
        return request;
    }

    private static String event(String id, String type, String data) {
        return "{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"created\":1795770990,\"data\":" + data + "}";
    }

    private List<Message> queued() {
        List<Message> all = new ArrayList<>();
        List<Message> batch;
        do {
            batch = sqs.receiveMessage(r -> r.queueUrl(queue.url()).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            all.addAll(batch);
        } while (!batch.isEmpty());
        return all;
    }

    private static JsonNode body(APIGatewayV2HTTPResponse response) {
        return JSON.readTree(response.getBody());
    }

    @Test
    void sampleEvent_shouldBeQueuedAs202_asAPaymentEventWithTheProvidersEventUnchanged() {
        APIGatewayV2HTTPResponse response = handler.handleRequest(sample(), context);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
        assertThat(body(response).get("eventId").asString()).isEqualTo("evt_1Q2w3E4r5T6y7U8i");
        assertThat(body(response).get("duplicate").asBoolean()).isFalse();
        List<Message> messages = queued();
        assertThat(messages).hasSize(1);
        var event = new EventCodec().decode(messages.getFirst().body(), PaymentEvent.TYPE);
        assertThat(event.id()).isEqualTo("payment-evt_1Q2w3E4r5T6y7U8i");
        assertThat(event.data()).isEqualTo(JSON.readTree(sample().getBody()));
    }

    @Test
    void sameEventAgain_shouldAnswer200AndQueueNothing_evenWithAFreshSignature() {
        handler.handleRequest(sample(), context);
        clock.advance(Duration.ofMinutes(30));
        // the provider's retry: same body, signed again now
        APIGatewayV2HTTPResponse again = handler.handleRequest(signed(sample().getBody(), SAMPLE_SECRET, clock.instant()), context);

        assertThat(again.getStatusCode()).as(again.getBody()).isEqualTo(200);
        assertThat(body(again).get("duplicate").asBoolean()).isTrue();
        assertThat(queued()).hasSize(1);
    }

    @Test
    void eventIdReusedForAnotherBody_shouldAnswer422AndQueueNothingMore() {
        handler.handleRequest(sample(), context);
        String other = sample().getBody().replace("37.00", "1.00");

        APIGatewayV2HTTPResponse response = handler.handleRequest(signed(other, SAMPLE_SECRET, clock.instant()), context);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(422);
        assertThat(body(response).get("error").asString()).isEqualTo("event evt_1Q2w3E4r5T6y7U8i was received before with a different body");
        assertThat(queued()).hasSize(1);
    }

    @Test
    void rotatedSecret_shouldBeAccepted_whenTheProviderSignsWithBothSecrets() {
        String body = event("evt_rotation", "payment.captured", "{\"paymentId\":\"p1\",\"orderId\":\"o1\",\"amount\":\"1.00\",\"currency\":\"EUR\"}");
        long t = clock.instant().getEpochSecond();
        String header = WebhookSignature.header("the-next-secret".getBytes(StandardCharsets.UTF_8), t, body.getBytes(StandardCharsets.UTF_8))
                + "," + WebhookSignature.header(SAMPLE_SECRET.getBytes(StandardCharsets.UTF_8), t, body.getBytes(StandardCharsets.UTF_8)).split(",")[1];

        APIGatewayV2HTTPResponse response = handler.handleRequest(withSignature(sample(), body, header), context);

        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
    }

    @Test
    void secretReplacedInSecretsManager_shouldBeReadAgain_onTheFirstMismatchAfterAMinute() {
        secrets.putSecretValue(r -> r.secretId(SECRET_NAME).secretString("the-next-secret"));
        String body = event("evt_after_rotation", "payment.refunded", "{}");

        APIGatewayV2HTTPResponse early = handler.handleRequest(signed(body, "the-next-secret", clock.instant()), context);
        clock.advance(Duration.ofSeconds(61));
        APIGatewayV2HTTPResponse later = handler.handleRequest(signed(body, "the-next-secret", clock.instant()), context);

        assertThat(early.getStatusCode()).as("read at init less than a minute ago: not read again").isEqualTo(401);
        assertThat(later.getStatusCode()).as(later.getBody()).isEqualTo(202);
        assertThat(secretReads).hasValue(2);
    }

    @Test
    void wrongSecret_shouldAnswer401WithAReason_andQueueNothing() {
        APIGatewayV2HTTPResponse response = handler.handleRequest(signed(sample().getBody(), "a-guess", clock.instant()), context);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(response.getHeaders()).containsEntry("Content-Type", "application/json");
        assertThat(body(response).get("error").asString()).isEqualTo("invalid signature");
        assertThat(body(response).at("/details/0/field").asString()).isEqualTo("payment-signature");
        assertThat(queued()).isEmpty();
    }

    @Test
    void bodyChangedAfterSigning_shouldAnswer401() {
        APIGatewayV2HTTPEvent tampered = sample();
        tampered.setBody(tampered.getBody().replace("37.00", "0.01"));

        assertThat(handler.handleRequest(tampered, context).getStatusCode()).isEqualTo(401);
        assertThat(queued()).isEmpty();
    }

    @Test
    void missingSignature_shouldAnswer401() {
        APIGatewayV2HTTPResponse response = handler.handleRequest(withSignature(sample(), sample().getBody(), null), context);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(body(response).get("error").asString()).isEqualTo("missing Payment-Signature header");
    }

    @Test
    void malformedSignature_shouldAnswer401WithWhatIsWrong() {
        APIGatewayV2HTTPResponse response = handler.handleRequest(withSignature(sample(), sample().getBody(), "v1=deadbeef"), context);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(body(response).get("error").asString()).isEqualTo("malformed Payment-Signature header");
        assertThat(body(response).at("/details/0/message").asString()).contains("v1 must be 64 hex digits");
    }

    @Test
    void staleSignature_shouldAnswer401AsAReplay_thoughTheSignatureIsGenuine() {
        clock.advance(Duration.ofMinutes(6));

        APIGatewayV2HTTPResponse response = handler.handleRequest(sample(), context);

        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(body(response).get("error").asString()).isEqualTo("signature timestamp outside the tolerance");
        assertThat(body(response).at("/details/0/message").asString()).contains("signed at 2026-11-27T09:16:32Z").contains("replayed");
        assertThat(queued()).isEmpty();
    }

    @Test
    void bodyOverTheLimit_shouldAnswer413_beforeAnyHmacIsComputed() {
        String big = event("evt_big", "payment.captured", "{\"pad\":\"" + "x".repeat(ReceivePayment.MAX_BODY_BYTES) + "\"}");

        APIGatewayV2HTTPResponse response = handler.handleRequest(withSignature(sample(), big, null), context);

        assertThat(response.getStatusCode()).isEqualTo(413);
        assertThat(body(response).get("error").asString()).isEqualTo("the request body is larger than 65536 bytes");
    }

    @Test
    void signedBodyThatIsNotJson_shouldAnswer400() {
        APIGatewayV2HTTPResponse response = handler.handleRequest(signed("{\"id\":\"evt_1\",", SAMPLE_SECRET, clock.instant()), context);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).get("error").asString()).isEqualTo("the request body is not valid JSON");
        assertThat(queued()).isEmpty();
    }

    @Test
    void signedCaptureWithoutAmount_shouldAnswer400NamingTheField() {
        String body = event("evt_no_amount", "payment.captured", "{\"paymentId\":\"p1\",\"orderId\":\"o1\",\"currency\":\"EUR\"}");

        APIGatewayV2HTTPResponse response = handler.handleRequest(signed(body, SAMPLE_SECRET, clock.instant()), context);

        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).get("error").asString()).isEqualTo("not a payment event");
        assertThat(body(response).get("details").valueStream().map(d -> d.get("field").asString())).contains("/data/amount");
    }

    @Test
    void otherEventTypes_shouldBeQueuedToo_withAnyData() {
        String body = event("evt_refund", "payment.refunded", "{\"refundId\":\"r1\",\"note\":\"anything\"}");

        assertThat(handler.handleRequest(signed(body, SAMPLE_SECRET, clock.instant()), context).getStatusCode()).isEqualTo(202);
        assertThat(queued()).hasSize(1);
    }

    @Test
    void base64Body_shouldBeVerifiedOnItsBytes() {
        String body = event("evt_b64", "payment.refunded", "{}");
        APIGatewayV2HTTPEvent request = signed(body, SAMPLE_SECRET, clock.instant());
        request.setBody(Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
        request.setIsBase64Encoded(true);

        assertThat(handler.handleRequest(request, context).getStatusCode()).isEqualTo(202);
    }

    @Test
    void queueDown_shouldAnswer503AndReleaseTheEventId_soTheProvidersRetryQueuesIt() {
        sqs.deleteQueue(r -> r.queueUrl(queue.url()));

        APIGatewayV2HTTPResponse down = handler.handleRequest(sample(), context);
        queue = new Queues(sqs).create("PaymentsQueue", Map.of());
        APIGatewayV2HTTPResponse retried = handler.handleRequest(sample(), context);

        assertThat(down.getStatusCode()).as(down.getBody()).isEqualTo(503);
        assertThat(retried.getStatusCode()).as(retried.getBody()).isEqualTo(202);
        assertThat(queued()).hasSize(1);
    }
}
