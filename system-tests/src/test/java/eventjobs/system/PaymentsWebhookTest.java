package eventjobs.system;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.payments.webhook.WebhookSignature;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The payment webhook in template.yaml on the local runtime, driven over HTTP as a provider would:
 * the secret the provisioner generated (read from Secrets Manager on the embedded endpoint), the
 * signature rules, one effect per event id, and the worker's PAID or parked outcomes.
 */
class PaymentsWebhookTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "pay";
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofMinutes(1);

    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static SqsClient sqs;
    private static String secret;
    private static final List<String> workerLog = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        aws = LocalAws.shared();
        LocalAws.reset(aws);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                        .workDirectory(Files.createTempDirectory("payments")).build(), aws,
                (function, line) -> {
                    if (function.equals(STACK + "-PaymentWorkerFunction")) {
                        workerLog.add(line);
                    }
                }, InvocationLog.discard());
        sqs = aws.sqs();
        try (var secrets = aws.secretsManager()) {
            secret = secrets.getSecretValue(r -> r.secretId(STACK + "/payments/webhook")).secretString();
        }
    }

    @AfterAll
    static void stop() {
        runtime.close();
        sqs.close();
    }

    // ------------------------------------------------------------------ helpers

    private static String api() {
        return "http://localhost:" + runtime.api().orElseThrow().port();
    }

    private static HttpResponse<String> http(String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String status(String orderId) throws Exception {
        return JSON.readTree(http("GET", "/orders/" + orderId, null, Map.of()).body()).path("status").asString("");
    }

    /** Places an order of one line and waits for its decision. */
    private static String order(String unitPrice, String expectedStatus) throws Exception {
        HttpResponse<String> placed = http("POST", "/orders", "{\"customerId\":\"cust-pay\",\"currency\":\"EUR\",\"lines\":"
                + "[{\"sku\":\"BOOK-001\",\"quantity\":2,\"unitPrice\":\"" + unitPrice + "\"}]}", Map.of());
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(202);
        String orderId = JSON.readTree(placed.body()).get("orderId").asString();
        await("order " + orderId + " " + expectedStatus).atMost(WAIT).until(() -> status(orderId).equals(expectedStatus));
        return orderId;
    }

    private static String captured(String eventId, String orderId, String amount) {
        return "{\"id\":\"" + eventId + "\",\"type\":\"payment.captured\",\"created\":" + Instant.now().getEpochSecond()
                + ",\"data\":{\"paymentId\":\"pay_" + eventId + "\",\"orderId\":\"" + orderId + "\",\"amount\":\"" + amount
                + "\",\"currency\":\"EUR\"}}";
    }

    private static String signature(String secret, Instant at, String body) {
        return WebhookSignature.header(secret.getBytes(StandardCharsets.UTF_8), at.getEpochSecond(), body.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> post(String body, String signature) throws Exception {
        return http("POST", "/webhooks/payments", body, signature == null ? Map.of() : Map.of("Payment-Signature", signature));
    }

    private static HttpResponse<String> postSigned(String body) throws Exception {
        return post(body, signature(secret, Instant.now(), body));
    }

    private static String error(HttpResponse<String> response) {
        return JSON.readTree(response.body()).get("error").asString();
    }

    private static Message awaitParked(Predicate<Message> matches) {
        String url = sqs.getQueueUrl(r -> r.queueName(STACK + "-PaymentsDLQ")).queueUrl();
        Message[] found = new Message[1];
        await("a payment in PaymentsDLQ").atMost(WAIT).until(() -> {
            for (Message message : sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .visibilityTimeout(0).messageAttributeNames("All")).messages()) {
                if (matches.test(message)) {
                    found[0] = message;
                    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(message.receiptHandle()));
                }
            }
            return found[0] != null;
        });
        return found[0];
    }

    /** Visible and in-flight messages of a queue of the stack. */
    private static long depth(String logicalId) {
        String url = sqs.getQueueUrl(r -> r.queueName(STACK + "-" + logicalId)).queueUrl();
        Map<String, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNamesWithStrings(
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
        return Long.parseLong(attributes.get("ApproximateNumberOfMessages"))
                + Long.parseLong(attributes.get("ApproximateNumberOfMessagesNotVisible"));
    }

    private static String reason(Message message) {
        return message.messageAttributes().get("failure-reason").stringValue();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void readmeRecipe_shouldSignWithOpensslAndCurl_andTheOrderBecomesPaid() throws Exception {
        String orderId = order("12.50", "CONFIRMED");
        String readme = Files.readString(ROOT.resolve("README.md"));
        int recipe = readme.indexOf("openssl dgst -sha256 -hmac");
        String block = readme.substring(readme.lastIndexOf("```bash\n", recipe) + "```bash\n".length(), readme.indexOf("```", recipe));
        String script = block.replace("<orderId>", orderId)
                .replace("http://localhost:4566", aws.endpoint().toString())
                .replace("localhost:3000", "localhost:" + runtime.api().orElseThrow().port())
                .replace("eventjobs/payments/webhook", STACK + "/payments/webhook");

        Commands.Result result = Commands.run(ROOT, List.of("env", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
                "AWS_DEFAULT_REGION=us-east-1", "bash", "-euo", "pipefail", "-c", script));

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("\"received\":true").contains("\"duplicate\":false");
        await("the worker to mark the order PAID").atMost(WAIT).until(() -> status(orderId).equals("PAID"));
        JsonNode order = JSON.readTree(http("GET", "/orders/" + orderId, null, Map.of()).body());
        assertThat(order.at("/payment/amount").asString()).isEqualTo("25.00");
        assertThat(order.get("total").asString()).isEqualTo("25.00");
    }

    @Test
    void capturedOnAConfirmedOrder_shouldMakeItPaid_once_whateverTheProviderRetries() throws Exception {
        String orderId = order("3.00", "CONFIRMED");
        String eventId = "evt_once_" + UUID.randomUUID().toString().substring(0, 8);
        String body = captured(eventId, orderId, "6.00");

        HttpResponse<String> first = postSigned(body);
        HttpResponse<String> retry = post(body, signature(secret, Instant.now().plusSeconds(2), body));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        assertThat(JSON.readTree(retry.body()).get("duplicate").asBoolean()).isTrue();
        await("the order PAID").atMost(WAIT).until(() -> status(orderId).equals("PAID"));
        // a second message would have been queued before the 200: once the queue is drained, it would have been logged
        await("PaymentsQueue drained").atMost(WAIT).until(() -> depth("PaymentsQueue") == 0);
        assertThat(workerLog).filteredOn(line -> line.contains("order " + orderId + " PAID by payment pay_" + eventId)).hasSize(1);
    }

    @Test
    void rotatedSecret_shouldBeAccepted_whenOneOfTwoSignaturesMatches() throws Exception {
        String body = "{\"id\":\"evt_rotated\",\"type\":\"payment.refunded\",\"created\":1,\"data\":{}}";
        Instant now = Instant.now();
        String header = signature("the-previous-secret", now, body) + "," + signature(secret, now, body).split(",")[1];

        HttpResponse<String> response = post(body, header);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        await("the worker to ignore the refund").atMost(WAIT).until(() -> workerLog.stream()
                .anyMatch(line -> line.contains("payment event evt_rotated of type payment.refunded ignored: only payment.captured is applied")));
    }

    @Test
    void signatureRules_shouldAnswer401Or413WithAJsonReason_andQueueNothing() throws Exception {
        String body = captured("evt_refused", "o-refused", "1.00");

        HttpResponse<String> wrongSecret = post(body, signature("not-the-secret", Instant.now(), body));
        HttpResponse<String> stale = post(body, signature(secret, Instant.now().minus(Duration.ofMinutes(6)), body));
        HttpResponse<String> missing = post(body, null);
        HttpResponse<String> malformed = post(body, "sha256=" + "0".repeat(64));
        String big = body.replace("\"data\":{", "\"data\":{\"pad\":\"" + "x".repeat(70_000) + "\",");
        HttpResponse<String> oversize = post(big, signature(secret, Instant.now(), big));

        assertThat(wrongSecret.statusCode()).isEqualTo(401);
        assertThat(error(wrongSecret)).isEqualTo("invalid signature");
        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(error(stale)).isEqualTo("signature timestamp outside the tolerance");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(error(missing)).isEqualTo("missing Payment-Signature header");
        assertThat(malformed.statusCode()).isEqualTo(401);
        assertThat(error(malformed)).isEqualTo("malformed Payment-Signature header");
        assertThat(oversize.statusCode()).isEqualTo(413);
        assertThat(error(oversize)).isEqualTo("the request body is larger than 65536 bytes");
        // none of them reached the queue: the same event, signed right, is new
        assertThat(postSigned(body).statusCode()).isEqualTo(202);
    }

    @Test
    void signedBodyThatIsNotJson_shouldAnswer400() throws Exception {
        HttpResponse<String> response = postSigned("{\"id\": evt_1}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response)).isEqualTo("the request body is not valid JSON");
    }

    @Test
    void paymentForAnUnknownOrder_shouldBeParkedWithItsReason() throws Exception {
        assertThat(postSigned(captured("evt_unknown", "no-such-order", "1.00")).statusCode()).isEqualTo(202);

        Message parked = awaitParked(m -> m.body().contains("evt_unknown"));

        assertThat(reason(parked)).isEqualTo("payment pay_evt_unknown (event evt_unknown): there is no order no-such-order");
    }

    @Test
    void paymentForARejectedOrder_shouldBeParkedWithItsReason() throws Exception {
        String orderId = order("9000.00", "REJECTED");

        assertThat(postSigned(captured("evt_rejected", orderId, "18000.00")).statusCode()).isEqualTo(202);

        Message parked = awaitParked(m -> m.body().contains("evt_rejected"));
        assertThat(reason(parked)).isEqualTo("payment pay_evt_rejected (event evt_rejected): order " + orderId
                + " was REJECTED (order total 18000.00 EUR exceeds the limit of 10000 EUR): the payment needs a refund");
        assertThat(status(orderId)).isEqualTo("REJECTED");
    }

    @Test
    void paymentOfAnotherAmount_shouldBeParkedWithItsReason() throws Exception {
        String orderId = order("4.00", "CONFIRMED");

        assertThat(postSigned(captured("evt_amount", orderId, "7.99")).statusCode()).isEqualTo(202);

        Message parked = awaitParked(m -> m.body().contains("evt_amount"));
        assertThat(reason(parked)).isEqualTo("payment pay_evt_amount (event evt_amount): the amount 7.99 EUR is not order "
                + orderId + "'s total 8.00 EUR");
        assertThat(status(orderId)).isEqualTo("CONFIRMED");
    }
}
