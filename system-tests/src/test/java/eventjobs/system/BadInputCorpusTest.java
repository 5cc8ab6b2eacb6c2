package eventjobs.system;

import eventjobs.core.s3.DerivedKeys;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bad-input corpus: every kind of bad input a user can give the running template (API
 * requests, queue messages, CSV files, images, odd object keys, events given to the wrong
 * function), each with the one clear outcome it must get: a 4xx with a JSON reason, a DLQ entry
 * with its {@code failure-reason}, a report line, a REJECTED report. Never a 500 for a client's
 * mistake, a silent drop or an endless retry. One local runtime for all of them; the files
 * behind the CSV cases are in {@code corpus/csv/}.
 */
class BadInputCorpusTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    /** The default stack name, so that the sample events of events/ name this stack's bucket. */
    private static final String STACK = "eventjobs";
    private static final String UPLOADS = STACK + "-uploads-000000000000-us-east-1";
    private static final String RESULTS = STACK + "-resultsbucket";
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String HEADER = "customer_id,currency,sku,quantity,unit_price\n";
    private static final String VALID_ORDER = """
            {"customerId":"cust-1","currency":"EUR","lines":[{"sku":"SKU-1","quantity":1,"unitPrice":"1.00"}]}""";
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final String VALID_PAYMENT = """
            {"id":"evt_corpus","type":"payment.captured","created":1795770990,"data":{"paymentId":"pay_1","orderId":"o-1","amount":"1.00","currency":"EUR"}}""";

    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static S3Client s3;
    private static SqsClient sqs;
    private static DynamoDbClient dynamo;
    /** Everything taken off a DLQ so far, by queue: cases run one after another and look for their own entry. */
    private static final Map<String, List<Message>> parked = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws IOException {
        aws = LocalAws.shared();
        LocalAws.reset(aws);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                        .workDirectory(Files.createTempDirectory("corpus"))
                        .retryDelays(AsyncInvoker.RetryDelays.aws().scaled(0.01)).build(),
                aws, FunctionLogs.discard(), InvocationLog.discard());
        s3 = aws.s3();
        sqs = aws.sqs();
        dynamo = aws.dynamoDb();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        s3.close();
        sqs.close();
        dynamo.close();
    }

    // ------------------------------------------------------------------ API bodies, headers and paths

    record Request(String method, String path, Map<String, String> headers, byte[] body) {
        static Request post(String path, String body) {
            return new Request("POST", path, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
        }

        Request header(String name, String value) {
            Map<String, String> more = new java.util.LinkedHashMap<>(headers);
            more.put(name, value);
            return new Request(method, path, more, body);
        }

        @Override
        public String toString() {
            String text = new String(body, StandardCharsets.UTF_8);
            return method + " " + path + " " + headers.keySet() + " " + (text.length() > 60 ? text.substring(0, 60) + "…" : text);
        }
    }

    private static Arguments api(String name, Request request, int status, String error, String field) {
        return Arguments.of(name, request, status, error, field);
    }

    private static String order(String customerId, String currency, String lines) {
        return "{\"customerId\":" + customerId + ",\"currency\":" + currency + ",\"lines\":" + lines + "}";
    }

    private static String line(String sku, String quantity, String unitPrice) {
        return "[{\"sku\":" + sku + ",\"quantity\":" + quantity + ",\"unitPrice\":" + unitPrice + "}]";
    }

    static Stream<Arguments> apiCases() {
        String okLine = line("\"SKU-1\"", "1", "\"1.00\"");
        return Stream.of(
                api("duplicate key, last value would win", Request.post("/orders",
                        "{\"customerId\":\"a\",\"customerId\":\"b\",\"currency\":\"EUR\",\"lines\":" + okLine + "}"),
                        400, "the request body is not valid JSON", "Duplicate Object property \"customerId\""),
                api("duplicate key inside a line", Request.post("/orders", order("\"c\"", "\"EUR\"",
                        "[{\"sku\":\"S\",\"quantity\":1,\"quantity\":5,\"unitPrice\":\"1.00\"}]")),
                        400, "the request body is not valid JSON", "Duplicate Object property \"quantity\""),
                api("truncated JSON", Request.post("/orders", "{\"customerId\":"), 400, "the request body is not valid JSON", ""),
                api("not JSON at all", Request.post("/orders", "customerId=c&currency=EUR"), 400, "the request body is not valid JSON", ""),
                api("empty body", Request.post("/orders", ""), 400, "the request body is empty", null),
                api("JSON array", Request.post("/orders", "[]"), 400, "the request body must be a JSON object", null),
                api("JSON null", Request.post("/orders", "null"), 400, "the request body must be a JSON object", null),
                api("JSON string", Request.post("/orders", "\"order\""), 400, "the request body must be a JSON object", null),
                api("JSON number", Request.post("/orders", "42"), 400, "the request body must be a JSON object", null),
                api("trailing garbage", Request.post("/orders", VALID_ORDER + " x"), 400, "the request body is not valid JSON", ""),
                api("comment in JSON", Request.post("/orders", "/* hi */" + VALID_ORDER), 400, "the request body is not valid JSON", ""),
                api("NaN", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "NaN", "\"1.00\""))),
                        400, "the request body is not valid JSON", ""),
                api("nesting 5,000 deep", Request.post("/orders", "[".repeat(5000) + "]".repeat(5000)),
                        400, "the request body is not valid JSON", ""),
                api("missing customerId", Request.post("/orders", "{\"currency\":\"EUR\",\"lines\":" + okLine + "}"),
                        400, "invalid order", "/customerId"),
                api("unknown field", Request.post("/orders", "{\"customerId\":\"c\",\"currency\":\"EUR\",\"colour\":\"red\",\"lines\":" + okLine + "}"),
                        400, "invalid order", "/colour"),
                api("orderId sent by the client", Request.post("/orders", "{\"orderId\":\"o-1\",\"customerId\":\"c\",\"currency\":\"EUR\",\"lines\":" + okLine + "}"),
                        400, "invalid order", "/orderId"),
                api("unknown currency", Request.post("/orders", order("\"c\"", "\"XYZ\"", okLine)), 400, "invalid order", "/currency"),
                api("lower-case currency", Request.post("/orders", order("\"c\"", "\"eur\"", okLine)), 400, "invalid order", "/currency"),
                api("currency a number", Request.post("/orders", order("\"c\"", "978", okLine)), 400, "invalid order", "/currency"),
                api("customerId a number", Request.post("/orders", order("42", "\"EUR\"", okLine)), 400, "invalid order", "/customerId"),
                api("customerId 10,000 characters", Request.post("/orders", order("\"" + "c".repeat(10_000) + "\"", "\"EUR\"", okLine)),
                        400, "invalid order", "/customerId"),
                api("customerId with a control character", Request.post("/orders", order("\"c\\u0000d\"", "\"EUR\"", okLine)),
                        400, "invalid order", "/customerId"),
                api("no lines", Request.post("/orders", order("\"c\"", "\"EUR\"", "[]")), 400, "invalid order", "/lines"),
                api("lines an object", Request.post("/orders", order("\"c\"", "\"EUR\"", "{}")), 400, "invalid order", "/lines"),
                api("101 lines", Request.post("/orders", order("\"c\"", "\"EUR\"", "[" + String.join(",",
                        java.util.Collections.nCopies(101, "{\"sku\":\"S\",\"quantity\":1,\"unitPrice\":\"1.00\"}")) + "]")),
                        400, "invalid order", "/lines"),
                api("quantity 0", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "0", "\"1.00\""))),
                        400, "invalid order", "/lines/0/quantity"),
                api("quantity negative", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "-1", "\"1.00\""))),
                        400, "invalid order", "/lines/0/quantity"),
                api("quantity a fraction", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "1.5", "\"1.00\""))),
                        400, "invalid order", "/lines/0/quantity"),
                api("quantity a string", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "\"2\"", "\"1.00\""))),
                        400, "invalid order", "/lines/0/quantity"),
                api("quantity beyond a long", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "99999999999999999999999", "\"1.00\""))),
                        400, "invalid order", "/lines/0/quantity"),
                api("unitPrice a number", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "1", "12.5"))),
                        400, "invalid order", "/lines/0/unitPrice"),
                api("unitPrice not a number", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "1", "\"abc\""))),
                        400, "invalid order", "/lines/0/unitPrice"),
                api("unitPrice negative", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "1", "\"-1.00\""))),
                        400, "invalid order", "/lines/0/unitPrice"),
                api("unitPrice three decimals", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "1", "\"1.001\""))),
                        400, "invalid order", "/lines/0/unitPrice"),
                api("yen with decimals", Request.post("/orders", order("\"c\"", "\"JPY\"", line("\"S\"", "1", "\"100.5\""))),
                        400, "invalid order", "/lines/0/unitPrice"),
                api("unitPrice with exponent", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"S\"", "1", "\"1e3\""))),
                        400, "invalid order", "/lines/0/unitPrice"),
                api("empty sku", Request.post("/orders", order("\"c\"", "\"EUR\"", line("\"\"", "1", "\"1.00\""))),
                        400, "invalid order", "/lines/0/sku"),
                api("content type text/plain", new Request("POST", "/orders", Map.of("Content-Type", "text/plain"),
                        VALID_ORDER.getBytes(StandardCharsets.UTF_8)), 415, "the request body must be application/json", "content-type"),
                api("no content type", new Request("POST", "/orders", Map.of(), VALID_ORDER.getBytes(StandardCharsets.UTF_8)),
                        415, "the request body must be application/json", "content-type"),
                api("content type application/jsonx", new Request("POST", "/orders", Map.of("Content-Type", "application/jsonx"),
                        VALID_ORDER.getBytes(StandardCharsets.UTF_8)), 415, "the request body must be application/json", "content-type"),
                api("body over 256 KiB", Request.post("/orders", "{\"customerId\":\"" + "c".repeat(300_000) + "\"}"),
                        413, "the request body is larger than 262144 bytes", ""),
                api("Idempotency-Key of 300 characters", Request.post("/orders", VALID_ORDER).header("Idempotency-Key", "k".repeat(300)),
                        400, "invalid Idempotency-Key header", "idempotency-key"),
                api("Idempotency-Key with a space", Request.post("/orders", VALID_ORDER).header("Idempotency-Key", "a b"),
                        400, "invalid Idempotency-Key header", "idempotency-key"),
                api("invalid UTF-8 in the body", new Request("POST", "/orders", Map.of("Content-Type", "application/json"),
                        new byte[] {'{', '"', 'c', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}), 400, "invalid order", null),

                api("report: duplicate key", Request.post("/reports", "{\"from\":\"2026-11-01\",\"from\":\"2020-01-01\",\"to\":\"2026-11-30\"}"),
                        400, "the request body is not valid JSON", "Duplicate Object property \"from\""),
                api("report: to before from", Request.post("/reports", "{\"from\":\"2026-11-30\",\"to\":\"2026-11-01\"}"), 400, null, null),
                api("report: range over ReportMaxDays", Request.post("/reports", "{\"from\":\"2020-01-01\",\"to\":\"2026-11-30\"}"), 400, null, null),
                api("report: month 13", Request.post("/reports", "{\"from\":\"2026-13-01\",\"to\":\"2026-11-30\"}"), 400, null, "from"),
                api("report: a timestamp for a day", Request.post("/reports", "{\"from\":\"2026-11-01T00:00:00Z\",\"to\":\"2026-11-30\"}"), 400, null, "from"),
                api("report: missing from", Request.post("/reports", "{\"to\":\"2026-11-30\"}"), 400, null, "from"),
                api("report: unknown currency", Request.post("/reports", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\",\"currency\":\"XYZ\"}"),
                        400, null, "currency"),
                api("report: unknown field", Request.post("/reports", "{\"from\":\"2026-11-01\",\"to\":\"2026-11-30\",\"format\":\"pdf\"}"),
                        400, null, "format"),
                api("report: truncated JSON", Request.post("/reports", "{\"from\":"), 400, "the request body is not valid JSON", ""),
                api("report: JSON array", Request.post("/reports", "[]"), 400, null, null),
                api("report: empty body", Request.post("/reports", ""), 400, "the request body is empty", null),
                api("report: form content type", new Request("POST", "/reports", Map.of("Content-Type", "application/x-www-form-urlencoded"),
                        "from=2026-11-01".getBytes(StandardCharsets.UTF_8)), 415, "the request body must be application/json", "content-type"),

                api("order id with a dot", new Request("GET", "/orders/a.b", Map.of(), new byte[0]), 400, "invalid order id", "orderId"),
                api("order id of 65 characters", new Request("GET", "/orders/" + "a".repeat(65), Map.of(), new byte[0]),
                        400, "invalid order id", "orderId"),
                api("order id with an encoded space", new Request("GET", "/orders/a%20b", Map.of(), new byte[0]),
                        400, "invalid order id", "orderId"),
                api("order id with an encoded ü", new Request("GET", "/orders/%C3%BC", Map.of(), new byte[0]),
                        400, "invalid order id", "orderId"),
                api("unknown order", new Request("GET", "/orders/no-such-order", Map.of(), new byte[0]),
                        404, "no order no-such-order", null),
                // API Gateway limits the headers' size, not their number
                api("300 small headers", new Request("GET", "/orders/no-such-order", headers(300, 1), new byte[0]),
                        404, "no order no-such-order", null),
                api("job id with a dot", new Request("GET", "/jobs/a.b", Map.of(), new byte[0]), 400, null, null),
                api("job id of 200 characters", new Request("GET", "/jobs/" + "a".repeat(200), Map.of(), new byte[0]), 400, null, null),
                api("unknown job", new Request("GET", "/jobs/" + UUID.nameUUIDFromBytes(new byte[] {1}), Map.of(), new byte[0]),
                        404, null, null),

                api("webhook: no signature", Request.post("/webhooks/payments", VALID_PAYMENT),
                        401, "missing Payment-Signature header", "payment-signature"),
                api("webhook: an empty signature", Request.post("/webhooks/payments", VALID_PAYMENT).header("Payment-Signature", " "),
                        401, "missing Payment-Signature header", "the Payment-Signature header is missing"),
                api("webhook: a forged signature", Request.post("/webhooks/payments", VALID_PAYMENT)
                        .header("Payment-Signature", "t=" + Instant.now().getEpochSecond() + ",v1=" + "0".repeat(64)),
                        401, "invalid signature", "payment-signature"),
                api("webhook: another scheme's signature only", Request.post("/webhooks/payments", VALID_PAYMENT)
                        .header("Payment-Signature", "t=" + Instant.now().getEpochSecond() + ",v0=" + "0".repeat(64)),
                        401, "malformed Payment-Signature header", "there is no v1 signature"),
                api("webhook: a timestamp in words", Request.post("/webhooks/payments", VALID_PAYMENT)
                        .header("Payment-Signature", "t=now,v1=" + "0".repeat(64)),
                        401, "malformed Payment-Signature header", "t must be Unix seconds"),
                api("webhook: a signature of 10,000 hex digits", Request.post("/webhooks/payments", VALID_PAYMENT)
                        .header("Payment-Signature", "t=1,v1=" + "a".repeat(10_000)),
                        401, "malformed Payment-Signature header", "v1 must be 64 hex digits"),
                api("webhook: the signature as a bearer token", Request.post("/webhooks/payments", VALID_PAYMENT)
                        .header("Payment-Signature", "Bearer abc"),
                        401, "malformed Payment-Signature header", "is not key=value"),
                api("webhook: body over 64 KiB", Request.post("/webhooks/payments", "{\"id\":\"evt_big\",\"pad\":\"" + "x".repeat(70_000) + "\"}"),
                        413, "the request body is larger than 65536 bytes", ""));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("apiCases")
    void api_shouldAnswerA4xxWithJsonReason(String name, Request request, int status, String error, String field) throws Exception {
        HttpResponse<String> response = send(request);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("error").asString()).as(response.body()).isNotBlank();
        if (error != null) {
            assertThat(body.get("error").asString()).isEqualTo(error);
        }
        assertThat(body.get("details").isArray()).isTrue();
        if (field != null) {
            assertThat(body.get("details").valueStream().map(d -> d.get("field").asString() + " " + d.get("message").asString()))
                    .as(response.body()).anySatisfy(detail -> assertThat(detail).contains(field));
        }
    }

    @Test
    void api_shouldAnswer422_whenAnIdempotencyKeyIsReusedForAnotherBody() throws Exception {
        Request first = Request.post("/orders", VALID_ORDER).header("Idempotency-Key", "corpus-key-1");
        assertThat(send(first).statusCode()).isEqualTo(202);

        HttpResponse<String> again = send(Request.post("/orders", order("\"cust-2\"", "\"EUR\"", line("\"S\"", "1", "\"1.00\"")))
                .header("Idempotency-Key", "corpus-key-1"));

        assertThat(again.statusCode()).as(again.body()).isEqualTo(422);
        assertThat(JSON.readTree(again.body()).get("error").asString()).isNotBlank();
    }

    private static String payment(String data) {
        return "{\"id\":\"evt_" + UUID.randomUUID().toString().substring(0, 8) + "\",\"type\":\"payment.captured\",\"created\":1795770990,\"data\":"
                + data + "}";
    }

    static Stream<Arguments> signedWebhookCases() {
        String ok = "\"paymentId\":\"pay_1\",\"orderId\":\"o-1\",\"currency\":\"EUR\"";
        return Stream.of(
                Arguments.of("truncated JSON", "{\"id\":\"evt_1\",", "the request body is not valid JSON", ""),
                Arguments.of("empty body", "", "the request body is empty", null),
                Arguments.of("duplicate key", "{\"id\":\"evt_1\",\"id\":\"evt_2\",\"type\":\"payment.refunded\",\"created\":1,\"data\":{}}",
                        "the request body is not valid JSON", "Duplicate Object property \"id\""),
                Arguments.of("JSON array", "[]", "the request body must be a JSON object (a payment event)", null),
                Arguments.of("no id", "{\"type\":\"payment.refunded\",\"created\":1,\"data\":{}}", "not a payment event", "/id"),
                Arguments.of("an id with a slash", "{\"id\":\"evt/1\",\"type\":\"payment.refunded\",\"created\":1,\"data\":{}}",
                        "not a payment event", "/id"),
                Arguments.of("an id of 200 characters", "{\"id\":\"" + "e".repeat(200) + "\",\"type\":\"payment.refunded\",\"created\":1,\"data\":{}}",
                        "not a payment event", "/id"),
                Arguments.of("a type in capitals", "{\"id\":\"evt_1\",\"type\":\"PAYMENT.CAPTURED\",\"created\":1,\"data\":{}}",
                        "not a payment event", "/type"),
                Arguments.of("created as a date", "{\"id\":\"evt_1\",\"type\":\"payment.refunded\",\"created\":\"2026-11-27\",\"data\":{}}",
                        "not a payment event", "/created"),
                Arguments.of("data an array", "{\"id\":\"evt_1\",\"type\":\"payment.refunded\",\"created\":1,\"data\":[]}",
                        "not a payment event", "/data"),
                Arguments.of("captured without an amount", payment("{" + ok + "}"), "not a payment event", "/data/amount"),
                Arguments.of("captured without an order", payment("{\"paymentId\":\"pay_1\",\"amount\":\"1.00\",\"currency\":\"EUR\"}"),
                        "not a payment event", "/data/orderId"),
                Arguments.of("amount a number", payment("{" + ok + ",\"amount\":1.00}"), "not a payment event", "/data/amount"),
                Arguments.of("amount with an exponent", payment("{" + ok + ",\"amount\":\"1e3\"}"), "not a payment event", "/data/amount"),
                Arguments.of("amount negative", payment("{" + ok + ",\"amount\":\"-1.00\"}"), "not a payment event", "/data/amount"),
                Arguments.of("currency in lower case", payment("{\"paymentId\":\"pay_1\",\"orderId\":\"o-1\",\"amount\":\"1.00\",\"currency\":\"eur\"}"),
                        "not a payment event", "/data/currency"),
                Arguments.of("order id with a dot", payment("{\"paymentId\":\"pay_1\",\"orderId\":\"o.1\",\"amount\":\"1.00\",\"currency\":\"EUR\"}"),
                        "not a payment event", "/data/orderId"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("signedWebhookCases")
    void webhook_shouldAnswer400_forASignedBodyThatIsNoPaymentEvent(String name, String body, String error, String field) throws Exception {
        String signature;
        try (var secrets = aws.secretsManager()) {
            byte[] key = secrets.getSecretValue(r -> r.secretId(STACK + "/payments/webhook")).secretString().getBytes(StandardCharsets.UTF_8);
            signature = eventjobs.payments.webhook.WebhookSignature.header(key, Instant.now().getEpochSecond(),
                    body.getBytes(StandardCharsets.UTF_8));
        }

        api_shouldAnswerA4xxWithJsonReason(name, Request.post("/webhooks/payments", body).header("Payment-Signature", signature),
                400, error, field);
    }

    @Test
    void webhookSampleEvent_shouldGetA401_sinceItWasSignedWithTheSampleSecretLongAgo() throws Exception {
        InvocationResult result = runtime.invoke("PaymentsWebhookFunction", eventBytes("file:events/payments-webhook.json"));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        JsonNode response = JSON.readTree(result.payloadText());
        assertThat(response.get("statusCode").asInt()).isEqualTo(401);
        assertThat(JSON.readTree(response.get("body").asString()).get("error").asString()).isEqualTo("invalid signature");
    }

    static Stream<Arguments> gatewayCases() {
        return Stream.of(
                Arguments.of("body over API Gateway's 10 MB", Request.post("/orders", "{\"c\":\"" + "x".repeat(10 * 1024 * 1024 + 1) + "\"}"),
                        413, "Request Entity Too Large"),
                Arguments.of("one header of 11 KB", new Request("GET", "/orders/o-1", Map.of("X-Big", "b".repeat(11 * 1024)), new byte[0]),
                        431, "Request Header Fields Too Large"),
                Arguments.of("300 headers, 15 KB in all", new Request("GET", "/orders/o-1", headers(300, 40), new byte[0]),
                        431, "Request Header Fields Too Large"),
                Arguments.of("300 headers, 85 KB in all (over the local server's own limit)", new Request("GET", "/jobs/j-1", headers(300, 270), new byte[0]),
                        431, "Request Header Fields Too Large"),
                Arguments.of("no such route", new Request("GET", "/nope", Map.of(), new byte[0]), 404, "Not Found"),
                Arguments.of("DELETE on /orders", new Request("DELETE", "/orders", Map.of(), new byte[0]), 404, "Not Found"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("gatewayCases")
    void apiGateway_shouldAnswerBeforeTheFunction_likeApiGateway(String name, Request request, int status, String message) throws Exception {
        HttpResponse<String> response = send(request);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("message").asString()).isEqualTo(message);
    }

    private static Map<String, String> headers(int count, int valueLength) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            headers.put("X-Corpus-" + i, "v".repeat(valueLength));
        }
        return headers;
    }

    /** Issue 9: the local API's former HTTP server answered these with an HTML page of its own. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"GET /orders/%zz", "GET /jobs/%zz", "GET /jobs/%", "GET /orders/a%2", "GET /orders/x?q=%zz", "POST /orders?%",
            "GET /orders/%u00e9", "GET /orders/a\"b"})
    void apiGateway_shouldAnswer400Json_forAUriThatIsNotPercentEncoding(String requestLine) throws IOException {
        // the JDK's HTTP client refuses to send these, so they go out on a socket as they are
        try (java.net.Socket socket = new java.net.Socket("localhost", runtime.api().orElseThrow().port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String[] response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\r\n\r\n", 2);

            assertThat(response[0]).startsWith("HTTP/1.1 400 ").containsIgnoringCase("\r\nContent-Type: application/json");
            assertThat(JSON.readTree(response[1]).get("message").asString()).isEqualTo("Bad Request");
        }
    }

    // ------------------------------------------------------------------ events given to the wrong function

    static Stream<Arguments> apiEventCases() {
        return Stream.of(
                Arguments.of("OrdersApiFunction", "[]"),
                Arguments.of("OrdersApiFunction", "{}"),
                Arguments.of("OrdersApiFunction", "null"),
                Arguments.of("OrdersApiFunction", "file:events/order-worker-batch.json"),
                Arguments.of("OrdersApiFunction", "file:events/import-upload.json"),
                Arguments.of("ReportsApiFunction", "[]"),
                Arguments.of("ReportsApiFunction", "{\"Records\":[]}"),
                Arguments.of("ReportsApiFunction", "file:events/report-requested.json"),
                Arguments.of("PaymentsWebhookFunction", "[]"),
                Arguments.of("PaymentsWebhookFunction", "file:events/payment-worker-batch.json"));
    }

    @ParameterizedTest(name = "[{index}] {0} given {1}")
    @MethodSource("apiEventCases")
    void apiFunction_shouldAnswer400_forAnEventThatIsNoApiRequest(String function, String event) throws Exception {
        InvocationResult result = runtime.invoke(function, eventBytes(event));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        JsonNode response = JSON.readTree(result.payloadText());
        assertThat(response.get("statusCode").asInt()).isEqualTo(400);
        assertThat(JSON.readTree(response.get("body").asString()).get("error").asString())
                .isEqualTo("the event is not an API Gateway HTTP API request (payload format 2.0)");
    }

    static Stream<Arguments> sqsEventCases() {
        return Stream.of(
                Arguments.of("{}", "the event is not an SQS event: it has no Records"),
                Arguments.of("[]", "the event is not an SQS event: it has no Records"),
                Arguments.of("file:events/import-upload.json", "the event is not an SQS event: record 0 has no messageId (its eventSource is aws:s3)"),
                Arguments.of("file:events/orders-api-post.json", "the event is not an SQS event: it has no Records"));
    }

    @ParameterizedTest(name = "[{index}] OrderWorkerFunction given {0}")
    @MethodSource("sqsEventCases")
    void sqsFunction_shouldFailWithReason_forAnotherTriggersEvent(String event, String reason) throws Exception {
        InvocationResult result = runtime.invoke("OrderWorkerFunction", eventBytes(event));

        assertThat(result.succeeded()).isFalse();
        assertThat(JSON.readTree(result.payloadText()).get("errorMessage").asString()).isEqualTo(reason);
    }

    static Stream<Arguments> s3EventCases() {
        return Stream.of(
                Arguments.of("ImportFunction", "{}", "it has no Records"),
                Arguments.of("ThumbnailFunction", "{}", "it has no Records"),
                Arguments.of("ImportFunction", "[]", "it is not a JSON object"),
                Arguments.of("ImportFunction", "file:events/orders-api-post.json", "it has no Records"),
                Arguments.of("ThumbnailFunction", "file:events/orders-api-get.json", "it has no Records"),
                Arguments.of("ThumbnailFunction", "file:events/order-worker-batch.json", "record 0 has eventSource aws:sqs"),
                Arguments.of("ImportFunction", "{\"Records\":[{\"eventSource\":\"aws:s3\"}]}", "record 0 names no bucket, key or eventTime"));
    }

    /** Issue 9: these succeeded doing nothing, taken for the s3:TestEvent. */
    @ParameterizedTest(name = "[{index}] {0} given {1}")
    @MethodSource("s3EventCases")
    void s3Function_shouldParkAnEventThatIsNoS3Notification_withTheReason(String function, String event, String reason) throws Exception {
        byte[] bytes = eventBytes(event);

        InvocationResult result = runtime.invoke(function, bytes);

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        assertThat(JSON.readTree(result.payloadText()).valueStream().map(JsonNode::asString))
                .containsExactly("FAILED the event is not an S3 notification: " + reason);
        Message entry = awaitParked("UploadsDLQ", m -> result.requestId().equals(attribute(m, "failure-request-id")));
        assertThat(reason(entry)).isEqualTo("the event is not an S3 notification: " + reason);
        assertThat(attribute(entry, "failure-function")).isEqualTo(STACK + "-" + function);
        assertThat(entry.body()).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
    }

    static Stream<Arguments> importPartCases() {
        return Stream.of(
                Arguments.of("{\"importPart\": 1}", "it has no importPart object"),
                Arguments.of("{\"importPart\": {}}", "it has no bucket"),
                Arguments.of("{\"importPart\": {\"file\": {\"bucket\": \"b\", \"key\": \"k\", \"size\": 1, \"eTag\": \"e\","
                        + " \"eventTime\": \"yesterday\"}}}", "a time in it is no timestamp"));
    }

    /** Issue 10: the event one part of a large import hands the next, when it is not one. */
    @ParameterizedTest(name = "[{index}] ImportFunction given {0}")
    @MethodSource("importPartCases")
    void importFunction_shouldParkAnImportPartThatIsNotOne_withTheReason(String event, String reason) throws Exception {
        InvocationResult result = runtime.invoke("ImportFunction", eventBytes(event));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        assertThat(JSON.readTree(result.payloadText()).valueStream().map(JsonNode::asString))
                .containsExactly("FAILED the event is not an import part: " + reason);
        Message entry = awaitParked("UploadsDLQ", m -> result.requestId().equals(attribute(m, "failure-request-id")));
        assertThat(reason(entry)).isEqualTo("the event is not an import part: " + reason);
        assertThat(entry.body()).isEqualTo(event);
    }

    @Test
    void importPartSampleEvent_shouldGetAPartialReport_whenItsObjectIsMissing() throws Exception {
        InvocationResult result = runtime.invoke("ImportFunction", eventBytes("file:events/import-part.json"));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        assertThat(result.payloadText()).contains("PARTIAL s3://" + RESULTS + "/import-reports/imports/orders.csv.json (1 of 1 rows imported, in 2 parts)");
        assertThat(report("imports/orders.csv").get("reason").asString())
                .isEqualTo("the object no longer exists after row 1; the rows before it were imported, the rest were not read");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"ImportFunction", "ThumbnailFunction"})
    void s3Function_shouldSkipTheTestEventS3Sends(String function) throws Exception {
        InvocationResult result = runtime.invoke(function, eventBytes("file:events/s3-test-event.json"));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        assertThat(JSON.readTree(result.payloadText()).isEmpty()).as(result.payloadText()).isTrue();
    }

    @Test
    void importSampleEvent_shouldGetARejectedReport_whenItsObjectIsMissing() throws Exception {
        InvocationResult result = runtime.invoke("ImportFunction", eventBytes("file:events/import-upload.json"));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        assertThat(result.payloadText()).contains("REJECTED s3://" + RESULTS + "/import-reports/imports/orders.csv.json");
        JsonNode report = report("imports/orders.csv");
        assertThat(report.get("reason").asString()).isEqualTo("the object no longer exists");
    }

    @Test
    void thumbnailSampleEvent_shouldBeParkedWithReason_whenItsObjectIsMissing() throws Exception {
        InvocationResult result = runtime.invoke("ThumbnailFunction", eventBytes("file:events/thumbnail-upload.json"));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        assertThat(result.payloadText()).contains("FAILED images/photo.jpg no longer exists");
        assertThat(awaitParked("UploadsDLQ", m -> reason(m).equals("images/photo.jpg no longer exists"))).isNotNull();
    }

    @Test
    void reportSampleEvent_shouldBeParkedWithReason_whenItsJobDoesNotExist() throws Exception {
        InvocationResult result = runtime.invoke("ReportWorkerFunction", eventBytes("file:events/report-requested.json"));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        assertThat(result.payloadText()).contains("FAILED there is no report job 8c1d3e0f-5a7b-3c9d-8e2f-1a2b3c4d5e6f");
        Message entry = awaitParked("JobsDLQ", m -> reason(m).startsWith("there is no report job 8c1d3e0f"));
        assertThat(entry.body()).contains("\"jobId\": \"8c1d3e0f-5a7b-3c9d-8e2f-1a2b3c4d5e6f\"");
    }

    @Test
    void reportWorker_shouldParkAnEventThatIsNoReportRequest() throws Exception {
        InvocationResult result = runtime.invoke("ReportWorkerFunction", "{\"jobId\":\"corpus-not-an-event\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        assertThat(result.payloadText()).contains("FAILED expected an event of type eventjobs.report.requested");
        assertThat(awaitParked("JobsDLQ", m -> m.body().contains("corpus-not-an-event"))).isNotNull();
    }

    // ------------------------------------------------------------------ queue messages

    private static String envelope(String data) {
        return "{\"specversion\":\"1.0\",\"id\":\"e-" + UUID.randomUUID() + "\",\"source\":\"/corpus\",\"type\":\"eventjobs.order.placed\","
                + "\"time\":\"2026-11-27T10:00:00Z\",\"datacontenttype\":\"application/json\","
                + "\"dataschema\":\"urn:eventjobs:schema:order-placed.v1\",\"data\":" + data + "}";
    }

    private static String orderData(String orderId, String extra) {
        return "{\"orderId\":\"" + orderId + "\",\"customerId\":\"c\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"S\",\"quantity\":1,\"unitPrice\":\"1.00\"}]"
                + extra + "}";
    }

    static Stream<Arguments> messageCases() {
        String valid = envelope(orderData("o-valid", ""));
        return Stream.of(
                Arguments.of("not JSON", "hello", "message body is not JSON"),
                Arguments.of("truncated JSON", valid.substring(0, 40), "message body is not JSON"),
                Arguments.of("JSON array", "[]", "message body is not a JSON object, so not a CloudEvent"),
                Arguments.of("JSON string", "\"order\"", "message body is not a JSON object, so not a CloudEvent"),
                Arguments.of("JSON null", "null", "message body is not a JSON object, so not a CloudEvent"),
                Arguments.of("empty object", "{}", "expected an event of type eventjobs.order.placed"),
                Arguments.of("another event type", "{\"specversion\":\"1.0\",\"type\":\"something.else\"}",
                        "expected an event of type eventjobs.order.placed"),
                Arguments.of("a future schema version", valid.replace("order-placed.v1", "order-placed.v2"),
                        "expected an event of type eventjobs.order.placed"),
                Arguments.of("the bare order without envelope", orderData("o-bare", ""), "expected an event of type eventjobs.order.placed"),
                Arguments.of("duplicate key in the envelope", valid.replace("\"source\":\"/corpus\"", "\"source\":\"/corpus\",\"source\":\"/x\""),
                        "Duplicate Object property \"source\""),
                Arguments.of("duplicate key in the data", envelope("{\"orderId\":\"o-dup\",\"orderId\":\"o-dup2\",\"customerId\":\"c\","
                        + "\"currency\":\"EUR\",\"lines\":[{\"sku\":\"S\",\"quantity\":1,\"unitPrice\":\"1.00\"}]}"), "Duplicate Object property \"orderId\""),
                Arguments.of("no data", valid.substring(0, valid.indexOf(",\"data\"")) + "}", "/data"),
                Arguments.of("data a string", envelope("\"order\""), "/data"),
                Arguments.of("no id", valid.replaceFirst("\"id\":\"[^\"]*\",", ""), "/id"),
                Arguments.of("specversion 0.3", valid.replace("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\""), "/specversion"),
                Arguments.of("time not a timestamp", valid.replace("2026-11-27T10:00:00Z", "yesterday"), "time"),
                Arguments.of("unknown currency", envelope(orderData("o-x", "").replace("EUR", "XYZ")), "/data/currency"),
                Arguments.of("no lines", envelope("{\"orderId\":\"o-nl\",\"customerId\":\"c\",\"currency\":\"EUR\",\"lines\":[]}"), "/data/lines"),
                Arguments.of("quantity 0", envelope(orderData("o-q0", "").replace("\"quantity\":1", "\"quantity\":0")), "/data/lines/0/quantity"),
                Arguments.of("unknown field in the data", envelope(orderData("o-uf", ",\"note\":\"x\"")), "/data/note"),
                Arguments.of("invalid order id", envelope(orderData("o/1", "")), "/data/orderId"),
                Arguments.of("yen with decimals", envelope(orderData("o-jpy", "").replace("EUR", "JPY").replace("1.00", "100.5")),
                        "has more decimals than JPY allows (0)"),
                Arguments.of("a 200 KB customer id", envelope(orderData("o-big", "").replace("\"customerId\":\"c\"",
                        "\"customerId\":\"" + "c".repeat(200_000) + "\"")), "/data/customerId"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("messageCases")
    void ordersQueue_shouldParkABadMessageInOrdersDlqWithItsReason(String name, String body, String reason) {
        String messageId = sqs.sendMessage(r -> r.queueUrl(queueUrl("OrdersQueue")).messageBody(body)).messageId();

        Message entry = awaitParked("OrdersDLQ", m -> messageId.equals(attribute(m, "failure-message-id")));

        assertThat(reason(entry)).contains(reason);
        assertThat(reason(entry).length()).isLessThanOrEqualTo(2048);
        assertThat(attribute(entry, "failure-receive-count")).isEqualTo("1");
        assertThat(entry.body()).isEqualTo(body);
    }

    @ParameterizedTest(name = "[{index}] PaymentWorkerFunction given {0}")
    @CsvSource(delimiter = '|', value = {
            "{}                                | the event is not an SQS event: it has no Records",
            "file:events/payments-webhook.json | the event is not an SQS event: it has no Records",
            "file:events/import-upload.json    | the event is not an SQS event: record 0 has no messageId (its eventSource is aws:s3)"})
    void paymentWorker_shouldFailWithReason_forAnotherTriggersEvent(String event, String reason) throws Exception {
        InvocationResult result = runtime.invoke("PaymentWorkerFunction", eventBytes(event));

        assertThat(result.succeeded()).isFalse();
        assertThat(JSON.readTree(result.payloadText()).get("errorMessage").asString()).isEqualTo(reason);
    }

    private static String paymentEnvelope(String providerEvent) {
        return "{\"specversion\":\"1.0\",\"id\":\"payment-" + UUID.randomUUID() + "\",\"source\":\"/corpus\","
                + "\"type\":\"eventjobs.payment.received\",\"time\":\"2026-11-27T10:00:00Z\",\"datacontenttype\":\"application/json\","
                + "\"dataschema\":\"urn:eventjobs:schema:payment-event.v1\",\"data\":" + providerEvent + "}";
    }

    static Stream<Arguments> paymentMessageCases() {
        String captured = payment("{\"paymentId\":\"pay_1\",\"orderId\":\"o-1\",\"amount\":\"1.00\",\"currency\":\"EUR\"}");
        return Stream.of(
                Arguments.of("not JSON", "payment", "message body is not JSON"),
                Arguments.of("the provider's event without envelope", captured, "expected an event of type eventjobs.payment.received"),
                Arguments.of("an order event", envelope(orderData("o-pay", "")), "expected an event of type eventjobs.payment.received"),
                Arguments.of("no data", paymentEnvelope("null"), "/data"),
                Arguments.of("captured without an amount", paymentEnvelope(captured.replace(",\"amount\":\"1.00\"", "")), "/data/data/amount"),
                Arguments.of("a payment for an order that does not exist", paymentEnvelope(captured.replace("o-1", "o-corpus-none")),
                        "there is no order o-corpus-none"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("paymentMessageCases")
    void paymentsQueue_shouldParkABadMessageInPaymentsDlqWithItsReason(String name, String body, String reason) {
        String messageId = sqs.sendMessage(r -> r.queueUrl(queueUrl("PaymentsQueue")).messageBody(body)).messageId();

        Message entry = awaitParked("PaymentsDLQ", m -> messageId.equals(attribute(m, "failure-message-id")));

        assertThat(reason(entry)).contains(reason);
        assertThat(attribute(entry, "failure-receive-count")).isEqualTo("1");
        assertThat(entry.body()).isEqualTo(body);
    }

    @Test
    void ordersQueue_shouldParkAnOrderIdReusedForOtherLines_withBothHashes() {
        String orderId = "o-reused-" + UUID.randomUUID();
        sqs.sendMessage(r -> r.queueUrl(queueUrl("OrdersQueue")).messageBody(envelope(orderData(orderId, ""))));
        await("the first order to be confirmed").atMost(WAIT).until(() -> "CONFIRMED".equals(orderStatus(orderId)));

        String other = envelope(orderData(orderId, "").replace("\"quantity\":1", "\"quantity\":7"));
        String messageId = sqs.sendMessage(r -> r.queueUrl(queueUrl("OrdersQueue")).messageBody(other)).messageId();

        Message entry = awaitParked("OrdersDLQ", m -> messageId.equals(attribute(m, "failure-message-id")));
        assertThat(reason(entry)).matches("order " + orderId + " exists with other content \\(stored sha256 [0-9a-f]{64},"
                + " this message's sha256 [0-9a-f]{64}\\): an order id was reused for a different order; nothing was changed");
        assertThat(dynamo.getItem(r -> r.tableName(STACK + "-OrdersTable").key(Map.of("orderId", AttributeValue.fromS(orderId))))
                .item().get("lines").l().getFirst().m().get("quantity").n()).isEqualTo("1");
    }

    // ------------------------------------------------------------------ CSV files: a report line per bad row, REJECTED per bad file

    @ParameterizedTest(name = "[{index}] row \"{0}\" -> {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            c1,XYZ,SKU-1,1,1.00        | currency    | does not have a value in the enumeration
            c1,eur,SKU-1,1,1.00x       | unit_price  | does not match the regex pattern
            c1,EUR,SKU-1,-1,1.00       | quantity    | must have a minimum value of 1
            c1,EUR,SKU-1,0,1.00        | quantity    | must have a minimum value of 1
            c1,EUR,SKU-1,abc,1.00      | quantity    | 'abc' is not a whole number
            c1,EUR,SKU-1,1.5,1.00      | quantity    | '1.5' is not a whole number
            c1,EUR,SKU-1,99999999999,1 | quantity    | '99999999999' is not a whole number
            c1,EUR,SKU-1,20000,1.00    | quantity    | must have a maximum value of 10000
            c1,EUR,SKU-1,1,abc         | unit_price  | does not match the regex pattern
            c1,EUR,SKU-1,1,-1.00       | unit_price  | does not match the regex pattern
            c1,EUR,SKU-1,1,1.001       | unit_price  | does not match the regex pattern
            c1,JPY,SKU-1,1,100.5       | unit_price  | has more decimals than JPY allows (0)
            ,EUR,SKU-1,1,1.00          | customer_id | does not match the regex pattern
            c1,EUR,,1,1.00             | sku         | does not match the regex pattern
            c1,EUR,SKU 1,1,1.00        | sku         | does not match the regex pattern
            c1,EUR,SKU-1               | row         | has 3 fields, the header has 5
            c1,EUR,SKU-1,1,1.00,extra  | row         | has 6 fields, the header has 5
            """)
    void csv_shouldReportEachBadRowWithRowColumnAndReason(String row, String column, String reason) {
        String key = "imports/row-" + UUID.randomUUID() + ".csv";
        put(key, (HEADER + "ok-1,EUR,SKU-1,1,1.00\n" + row + "\n").getBytes(StandardCharsets.UTF_8));

        JsonNode report = report(key);

        assertThat(report.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(report.get("rowsRead").asInt()).isEqualTo(2);
        assertThat(report.get("accepted").asInt()).isEqualTo(1);
        assertThat(report.get("rejected").asInt()).isEqualTo(1);
        JsonNode error = report.get("errors").get(0);
        assertThat(error.get("row").asInt()).isEqualTo(2);
        assertThat(error.get("column").asString()).isEqualTo(column);
        assertThat(error.get("reason").asString()).contains(reason);
    }

    static Stream<Arguments> csvFileCases() throws IOException {
        byte[] png = image("png", 10, 10);
        String header10k = java.util.stream.IntStream.range(0, 10_000).mapToObj(i -> "c" + i)
                .collect(java.util.stream.Collectors.joining(","));
        return Stream.of(
                Arguments.of("empty file", new byte[0], "REJECTED", "the file is empty"),
                Arguments.of("a byte-order mark alone", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, "REJECTED", "the file is empty"),
                Arguments.of("a PNG named .csv", png, "REJECTED", null),
                Arguments.of("wrong header", "name,price\nbook,1.00\n".getBytes(StandardCharsets.UTF_8), "REJECTED",
                        "the header must name the columns customer_id, currency, sku, quantity, unit_price"),
                Arguments.of("a column missing", "customer_id,currency,sku,quantity\nc,EUR,S,1\n".getBytes(StandardCharsets.UTF_8),
                        "REJECTED", "missing: unit_price"),
                Arguments.of("a column twice", (HEADER.trim() + ",sku\n").getBytes(StandardCharsets.UTF_8), "REJECTED", "a column is named twice"),
                Arguments.of("no header, rows only", "c1,EUR,SKU-1,1,1.00\n".getBytes(StandardCharsets.UTF_8), "REJECTED", "unknown: c1"),
                Arguments.of("invalid UTF-8 in the header", new byte[] {'c', (byte) 0xC3, (byte) 0x28, '\n'}, "REJECTED", null),
                Arguments.of("UTF-16", HEADER.getBytes(StandardCharsets.UTF_16), "REJECTED", null),
                Arguments.of("a header of 10,000 columns", (header10k + "\n").getBytes(StandardCharsets.UTF_8), "REJECTED", "more characters cut)"),
                // more than one read buffer of rows first (rejected ones, so the queue stays quiet): the file was readable that far
                Arguments.of("invalid UTF-8 after 600 rows", concat((HEADER + "c1,XYZ,SKU-1,1,1.00\n".repeat(600)).getBytes(StandardCharsets.UTF_8),
                        new byte[] {'c', (byte) 0xFF, ',', 'E', '\n'}), "PARTIAL", "after row"),
                Arguments.of("an unterminated quote", (HEADER + "c1,EUR,SKU-1,1,1.00\n\"c2,EUR,SKU-1,1,1.00\n").getBytes(StandardCharsets.UTF_8),
                        "PARTIAL", "after row 1"),
                Arguments.of("a row of 70,000 characters", (HEADER + "c1,EUR,SKU-1,1,1.00\nc2,EUR," + "S".repeat(70_000) + ",1,1.00\n")
                        .getBytes(StandardCharsets.UTF_8), "PARTIAL", "after row 1"));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("csvFileCases")
    void csv_shouldRejectABadFileWithAReason(String name, byte[] content, String status, String reason) {
        String key = "imports/file-" + UUID.randomUUID() + ".csv";
        put(key, content);

        JsonNode report = report(key);

        assertThat(report.get("status").asString()).isEqualTo(status);
        assertThat(report.get("reason").asString()).isNotBlank().hasSizeLessThanOrEqualTo(300);
        if (reason != null) {
            assertThat(report.get("reason").asString()).contains(reason);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"rows-mixed.csv, 4, 2, 2", "rows-all-bad.csv, 3, 0, 3", "rows-quoted.csv, 2, 1, 1"})
    void csv_shouldCountEveryRow_ofTheCorpusFiles(String file, int rowsRead, int accepted, int rejected) throws IOException {
        String key = "imports/corpus-" + UUID.randomUUID() + "-" + file;
        put(key, resource("csv/" + file));

        JsonNode report = report(key);

        assertThat(report.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(report.get("rowsRead").asInt()).isEqualTo(rowsRead);
        assertThat(report.get("accepted").asInt()).isEqualTo(accepted);
        assertThat(report.get("rejected").asInt()).isEqualTo(rejected);
        assertThat(report.get("errors").valueStream()).allSatisfy(error -> {
            assertThat(error.get("row").asInt()).isPositive();
            assertThat(error.get("column").asString()).isNotBlank();
            assertThat(error.get("reason").asString()).isNotBlank();
        });
    }

    // ------------------------------------------------------------------ object keys

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            imports/a b+c.csv
            imports/ü日本.csv
            imports/100%.csv
            imports/q?a#b&c=d.csv
            imports/😀.csv
            imports/a//b.csv
            imports/ leading space.csv
            imports/quote"s'.csv
            imports/UPPER.CSV
            imports/deep/er/and/deeper/x.csv
            """)
    void importKey_shouldGetItsReportAtTheKeyPlusJson(String key) {
        put(key, (HEADER + "k1,EUR,SKU-1,1,1.00\n").getBytes(StandardCharsets.UTF_8));

        JsonNode report = report(key);

        assertThat(report.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(report.at("/file/key").asString()).isEqualTo(key);
        assertThat(report.get("accepted").asInt()).isEqualTo(1);
    }

    @ParameterizedTest(name = "[{index}] a key of {0} bytes of {1}")
    @CsvSource({"1000, a", "1024, b", "1023, é", "1017, 日"})
    void importKey_nearS3sLimit_shouldGetAReportKeyWithinTheLimit(int bytes, String filler) {
        String key = longKey("imports/", filler, bytes, ".csv");
        put(key, (HEADER + "k1,EUR,SKU-1,1,1.00\n").getBytes(StandardCharsets.UTF_8));
        String reportKey = DerivedKeys.of("import-reports/", key, ".json");

        await("the report at " + reportKey).atMost(WAIT).until(() -> exists(RESULTS, reportKey));

        assertThat(reportKey.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        assertThat(reportKey).startsWith("import-reports/imports/" + filler).endsWith(".json");
        assertThat(JSON.readTree(get(RESULTS, reportKey)).at("/file/key").asString()).isEqualTo(key);
    }

    @Test
    void imageKey_nearS3sLimit_shouldGetThumbnailKeysWithinTheLimit() throws IOException {
        String key = longKey("images/", "p", 1024, ".png");
        put(key, image("png", 300, 200));

        for (String width : List.of("128", "512")) {
            String thumbnail = DerivedKeys.of("thumbnails/" + width + "/", key, "");
            await(thumbnail).atMost(WAIT).until(() -> exists(RESULTS, thumbnail));
            assertThat(thumbnail.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        }
    }

    // ------------------------------------------------------------------ images

    static Stream<Arguments> imageCases() throws IOException {
        byte[] jpeg = image("jpg", 800, 600);
        byte[] png = image("png", 400, 400);
        return Stream.of(
                Arguments.of("text named .png", "png", "not an image".getBytes(StandardCharsets.UTF_8), "is not a JPEG or PNG image"),
                Arguments.of("an empty .jpg", "jpg", new byte[0], "is not a JPEG or PNG image"),
                Arguments.of("a truncated JPEG", "jpg", Arrays.copyOf(jpeg, jpeg.length / 2), "is a corrupt image"),
                Arguments.of("a JPEG cut after its header", "jpeg", Arrays.copyOf(jpeg, 700), "is a corrupt image"),
                Arguments.of("a truncated PNG", "png", Arrays.copyOf(png, 120), "is a corrupt image"),
                Arguments.of("a JPEG start then noise", "jpg", concat(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}, noise(2000)),
                        "is a corrupt image"),
                Arguments.of("a GIF named .png", "png", image("gif", 20, 20), "is a gif image; only JPEG and PNG are supported"),
                Arguments.of("a BMP named .jpg", "jpg", image("bmp", 20, 20), "is a bmp image; only JPEG and PNG are supported"),
                Arguments.of("a PNG header claiming 30000x30000", "png", pngHeader(30_000, 30_000),
                        "is 30000x30000 = 900000000 pixels, over the limit of 40000000"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("imageCases")
    void image_shouldBeParkedInUploadsDlqWithItsReason(String name, String extension, byte[] content, String reason) {
        String key = "images/bad-" + UUID.randomUUID() + "." + extension;
        put(key, content);

        Message entry = awaitParked("UploadsDLQ", m -> reason(m).startsWith(key + " "));

        assertThat(reason(entry)).startsWith(key + " " + reason);
        assertThat(attribute(entry, "failure-function")).isEqualTo(STACK + "-ThumbnailFunction");
        assertThat(exists(RESULTS, "thumbnails/128/" + key)).isFalse();
    }

    @ParameterizedTest(name = "[{index}] {0} of {1}x{2}")
    @CsvSource({"PHOTO.JPG, 600, 400, 128, 512", "SCAN.JPEG, 600, 400, 128, 512", "LOGO.PNG, 600, 400, 128, 512",
            "icon.png, 64, 64, 64, 64", "pixel.png, 1, 1, 1, 1", "narrow.jpg, 200, 50, 128, 200"})
    void image_shouldGetAThumbnailInEachWidthsFolder_neverEnlarged(String name, int width, int height, int width128, int width512)
            throws IOException {
        String key = "images/" + UUID.randomUUID() + "-" + name;
        String format = name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
        put(key, image(format.equals("jpeg") ? "jpg" : format, width, height));

        assertThat(thumbnailWidth("thumbnails/128/" + key)).isEqualTo(width128);
        assertThat(thumbnailWidth("thumbnails/512/" + key)).isEqualTo(width512);
    }

    // ------------------------------------------------------------------ helpers

    private static int thumbnailWidth(String key) throws IOException {
        await(key).atMost(WAIT).until(() -> exists(RESULTS, key));
        return ImageIO.read(new ByteArrayInputStream(s3.getObjectAsBytes(r -> r.bucket(RESULTS).key(key)).asByteArray())).getWidth();
    }

    private static String longKey(String prefix, String filler, int bytes, String suffix) {
        StringBuilder key = new StringBuilder(prefix);
        int fillerBytes = filler.getBytes(StandardCharsets.UTF_8).length;
        while (key.toString().getBytes(StandardCharsets.UTF_8).length + fillerBytes + suffix.length() <= bytes) {
            key.append(filler);
        }
        while (key.toString().getBytes(StandardCharsets.UTF_8).length + suffix.length() < bytes) {
            key.append('x');
        }
        return key + suffix;
    }

    private static HttpResponse<String> send(Request request) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + runtime.api().orElseThrow().port() + request.path()))
                .timeout(Duration.ofSeconds(60))
                .method(request.method(), request.body().length == 0 && !request.method().equals("POST")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(builder::header);
        return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] eventBytes(String event) throws IOException {
        return event.startsWith("file:") ? Files.readAllBytes(ROOT.resolve(event.substring(5))) : event.getBytes(StandardCharsets.UTF_8);
    }

    private static String queueUrl(String logicalId) {
        return sqs.getQueueUrl(r -> r.queueName(STACK + "-" + logicalId)).queueUrl();
    }

    private static String attribute(Message message, String name) {
        var value = message.messageAttributes().get(name);
        return value == null ? "" : value.stringValue();
    }

    private static String reason(Message message) {
        return attribute(message, "failure-reason");
    }

    /** Takes everything off {@code dlq} until an entry matches; entries of other cases stay collected for them. */
    private static Message awaitParked(String dlq, java.util.function.Predicate<Message> matches) {
        List<Message> seen = parked.computeIfAbsent(dlq, q -> new java.util.concurrent.CopyOnWriteArrayList<>());
        String url = queueUrl(dlq);
        Message[] found = new Message[1];
        await("an entry in " + dlq).atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (Message message : sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames("All")).messages()) {
                seen.add(message);
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(message.receiptHandle()));
            }
            found[0] = seen.stream().filter(matches).findFirst().orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    private static String orderStatus(String orderId) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(STACK + "-OrdersTable")
                .key(Map.of("orderId", AttributeValue.fromS(orderId))).consistentRead(true)).item();
        return item == null || !item.containsKey("status") ? "" : item.get("status").s();
    }

    private static void put(String key, byte[] content) {
        s3.putObject(r -> r.bucket(UPLOADS).key(key), RequestBody.fromBytes(content));
    }

    private static JsonNode report(String key) {
        String reportKey = "import-reports/" + key + ".json";
        await("the import report of " + key).atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> exists(RESULTS, reportKey));
        return JSON.readTree(get(RESULTS, reportKey));
    }

    private static String get(String bucket, String key) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String();
    }

    private static boolean exists(String bucket, String key) {
        try {
            s3.headObject(r -> r.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BadInputCorpusTest.class.getResourceAsStream("/corpus/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource corpus/" + name);
            }
            return in.readAllBytes();
        }
    }

    static byte[] image(String format, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(java.awt.Color.ORANGE);
        g.fillRect(0, 0, width, height);
        g.setColor(java.awt.Color.BLUE);
        g.fillOval(width / 4, height / 4, Math.max(1, width / 2), Math.max(1, height / 2));
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IllegalStateException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }

    private static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(8 + 4 + 17 + 4).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
                .putInt(13).put(ihdr.array()).putInt((int) crc.getValue()).array();
    }

    private static byte[] noise(int length) {
        byte[] bytes = new byte[length];
        new java.util.Random(42).nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
