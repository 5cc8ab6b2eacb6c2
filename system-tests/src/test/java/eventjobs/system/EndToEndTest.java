package eventjobs.system;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.local.stack.Redrive;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/** template.yaml running on the local runtime, driven from outside: HTTP, the aws CLI, our CLI. */
class EndToEndTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "e2e";
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static SqsClient sqs;

    @BeforeAll
    static void start() throws IOException {
        aws = LocalAws.shared();
        LocalAws.reset(aws);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                .workDirectory(Files.createTempDirectory("e2e")).build(), aws, FunctionLogs.discard(), InvocationLog.discard());
        sqs = aws.sqs();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        sqs.close();
    }

    private static HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + runtime.api().orElseThrow().port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String queueUrl(String logicalId) {
        return sqs.getQueueUrl(r -> r.queueName(STACK + "-" + logicalId)).queueUrl();
    }

    private static List<Message> peek(String logicalId) {
        // visibility 0: look without hiding the messages from the worker or a redrive
        return sqs.receiveMessage(r -> r.queueUrl(queueUrl(logicalId)).maxNumberOfMessages(10).visibilityTimeout(0)
                .messageAttributeNames("All").waitTimeSeconds(1)).messages();
    }


    @Test
    void order_shouldGoFromApiThroughQueueToWorkerAndBeReadable() throws Exception {
        HttpResponse<String> placed = http("POST", "/orders", """
                {"customerId":"cust-e2e","currency":"EUR","lines":[{"sku":"BOOK-001","quantity":3,"unitPrice":"12.50"}]}""");

        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(202);
        String self = JSON.readTree(placed.body()).at("/links/self").asString();
        await("the worker to confirm the order").atMost(Duration.ofMinutes(1)).until(() -> {
            try {
                return JSON.readTree(http("GET", self, null).body()).get("status").asString().equals("CONFIRMED");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode order = JSON.readTree(http("GET", self, null).body());
        assertThat(order.get("total").asString()).isEqualTo("37.50");
        assertThat(http("GET", "/orders/no-such-order", null).statusCode()).isEqualTo(404);
    }

    @Test
    void poisonMessage_sentWithAwsCli_shouldLandInDlqWithReason_andRedriveShouldBringItBack() throws Exception {
        Commands.Result sent = awsCli("sqs", "send-message", "--queue-url", queueUrl("OrdersQueue"),
                "--message-body", "{\"specversion\":\"1.0\",\"type\":\"something.else\"}");
        assertThat(sent.exitCode()).as(sent.output()).isZero();
        String messageId = JSON.readTree(sent.output()).get("MessageId").asString();

        await("the poison message in OrdersDLQ").atMost(Duration.ofMinutes(1)).until(() -> !peek("OrdersDLQ").isEmpty());
        Message parked = peek("OrdersDLQ").getFirst();
        assertThat(parked.body()).contains("something.else");
        assertThat(parked.messageAttributes().get("failure-reason").stringValue()).contains("expected an event of type eventjobs.order.placed");
        assertThat(parked.messageAttributes().get("failure-message-id").stringValue()).isEqualTo(messageId);

        Redrive.Result moved = redrive("OrdersDLQ");

        assertThat(moved.outcomes()).singleElement().satisfies(o -> {
            assertThat(o.action()).isEqualTo(Redrive.Action.MOVED);
            assertThat(o.detail()).isEqualTo("OrdersQueue");
        });
        // the worker sees it again, and parks it again: it is never lost
        await("the message to be back in OrdersDLQ after the redrive").atMost(Duration.ofMinutes(1)).until(() -> peek("OrdersDLQ").stream()
                .anyMatch(m -> !m.messageAttributes().get("failure-message-id").stringValue().equals(messageId)));
        assertThat(depth("OrdersQueue")).isZero();
    }

    @Test
    void failingWorker_shouldLeaveMessageToSqsRedrive_andRedriveShouldCompleteIt() throws Exception {
        // retryable failures: the worker's table is gone; SQS hands the message out again after 1 s
        sqs.setQueueAttributes(r -> r.queueUrl(queueUrl("OrdersQueue")).attributesWithStrings(Map.of("VisibilityTimeout", "1")));
        try (var dynamo = aws.dynamoDb(); var s3 = aws.s3(); var secrets = aws.secretsManager()) {
            dynamo.deleteTable(r -> r.tableName(STACK + "-OrdersTable"));
            new eventjobs.orders.SqsOrderQueue(sqs, queueUrl("OrdersQueue"), "/e2e", new eventjobs.core.events.EventCodec(),
                    java.time.Clock.systemUTC()).send(new eventjobs.orders.OrderPlaced("o-redrive", "cust-1",
                    java.util.Currency.getInstance("EUR"), List.of(new eventjobs.orders.OrderLine("A", 2, new java.math.BigDecimal("3.00")))));

            // after maxReceiveCount (5) failed deliveries SQS itself moves it to OrdersDLQ, untouched
            await("SQS to move the message to OrdersDLQ").atMost(Duration.ofMinutes(1)).until(() -> peek("OrdersDLQ").stream().anyMatch(m -> m.body().contains("o-redrive")));
            Message parked = peek("OrdersDLQ").stream().filter(m -> m.body().contains("o-redrive")).findFirst().orElseThrow();
            assertThat(parked.messageAttributes()).doesNotContainKey("failure-reason");

            // the cause is fixed (provisioning again recreates the table and restores the visibility timeout)
            new eventjobs.local.stack.Provisioner(sqs, dynamo, s3, secrets).provision(runtime.template());
        }
        assertThat(redrive("OrdersDLQ").count(Redrive.Action.MOVED)).isGreaterThanOrEqualTo(1);

        await("the redriven order to be confirmed").atMost(Duration.ofMinutes(1)).until(() -> {
            try {
                return http("GET", "/orders/o-redrive", null).body().contains("\"status\":\"CONFIRMED\"");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void cliInvoke_shouldPrintResponse_forSampleEvent() {
        Commands.Result result = cli("invoke", "OrdersApiFunction", "-e", "events/orders-api-get.json");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("\"statusCode\":404").contains("no order 3b5ad5f4-8d4c-3d3e-9d2f-5d0f0b6f3a10");
    }

    @Test
    void cliInvoke_shouldListFunctions_whenFunctionIsUnknown() {
        Commands.Result result = cli("invoke", "NoSuchFunction", "-e", "events/orders-api-get.json");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("no function NoSuchFunction in template.yaml; functions: OrdersApiFunction, OrderWorkerFunction");
    }

    @Test
    void cliInvoke_shouldNameFile_whenEventIsNotJson() throws IOException {
        Path notJson = Files.createTempFile("event", ".json");
        Files.writeString(notJson, "{ not json");

        Commands.Result result = cli("invoke", "OrdersApiFunction", "-e", notJson.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("event file " + notJson + " is not JSON");
    }

    @Test
    void cliStart_shouldSayWhichPortIsTaken() {
        Commands.Result result = cli("start", "--port", Integer.toString(aws.endpoint().getPort()));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("port " + aws.endpoint().getPort() + " is already in use; choose another with --port");
    }

    @Test
    void cliQueues_shouldShowEveryQueue() {
        Commands.Result result = cli("queues");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("OrdersQueue").contains("OrdersDLQ");
        // the age of each queue's oldest message, read from the running endpoint (issue 12)
        assertThat(result.output().lines().findFirst()).hasValueSatisfying(header -> assertThat(header).endsWith("lag"));
        assertThat(result.output().lines().filter(line -> line.startsWith("OrdersDLQ")).findFirst())
                .hasValueSatisfying(line -> assertThat(line).matches(".*\\d+ s$"));
    }

    private static long depth(String logicalId) {
        return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl(logicalId))
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributesAsStrings()
                .get("ApproximateNumberOfMessages"));
    }

    private static Commands.Result awsCli(String... arguments) {
        List<String> command = new ArrayList<>(List.of("env", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
                "AWS_DEFAULT_REGION=us-east-1", "aws", "--endpoint-url", aws.endpoint().toString(), "--output", "json"));
        command.addAll(List.of(arguments));
        return Commands.run(ROOT, command);
    }

    /** Our CLI as a user runs it, against the endpoint this test started. */
    private static Commands.Result cli(String... arguments) {
        List<String> command = new ArrayList<>(List.of(arguments));
        if (!arguments[0].equals("start")) {
            command.addAll(List.of("--port", Integer.toString(aws.endpoint().getPort()), "--stack-name", STACK,
                    "--work-dir", Commands.cliWork(ROOT, STACK).toString()));
        }
        return Commands.localRun(ROOT, command);
    }

    private static Redrive.Result redrive(String deadLetterQueue) {
        try (var lambda = aws.toEndpoint(software.amazon.awssdk.services.lambda.LambdaClient.builder()).build()) {
            return new Redrive(sqs, lambda, runtime.template()).run(deadLetterQueue);
        }
    }
}
