package eventjobs.system;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import eventjobs.core.DeadLetter;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.RabbitMqServer;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.local.stack.Redrive;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * LegacyOrdersFunction on the local runtime with template.yaml and the broker parameters set: the
 * runtime starts RabbitMQ for its MQ event, {@code local/run publish} sends the legacy shop's
 * commands, each is placed once by message id and decided by OrderWorkerFunction, a bad one is
 * parked with its reason; and the sample event through {@code local/run invoke}.
 */
class LegacyOrdersTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "leg";
    private static final Map<String, String> BROKER = Map.of(
            "MqBrokerArn", "arn:aws:mq:us-east-1:000000000000:broker:legacy-shop:b-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            "MqSecretArn", "arn:aws:secretsmanager:us-east-1:000000000000:secret:legacy-shop");

    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static DynamoDbClient dynamo;
    private static SqsClient sqs;

    @BeforeAll
    static void start() throws Exception {
        aws = LocalAws.shared();
        LocalAws.reset(aws);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                .parameters(BROKER).workDirectory(Files.createTempDirectory("legacy-orders")).build(),
                aws, FunctionLogs.discard(), InvocationLog.text(System.out));
        dynamo = aws.dynamoDb();
        sqs = aws.sqs();
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        dynamo.close();
        sqs.close();
    }

    @Test
    void publishedCommands_shouldBeConfirmedOnceEach_andABadOneParkedWithItsReason() throws Exception {
        // given: the runtime started the broker, declared legacy-orders, and says how to publish
        assertThat(runtime.rabbitMqQueues()).containsEntry("legacy-orders", "LegacyOrdersFunction");
        int port = runtime.rabbitMq().orElseThrow().port();
        String order = "{\"customerId\":\"cust-rmq-1\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"BOOK-001\",\"quantity\":2,\"unitPrice\":\"12.50\"}]}";

        // when: the shop sends a command, sends it again (same message id), then sends one that is no order
        for (int copy = 0; copy < 2; copy++) {
            Commands.Result published = cli("publish", "--queue", "legacy-orders", "--amqp-port", Integer.toString(port),
                    "--message-id", "shop-cmd-1", order);
            assertThat(published.exitCode()).as(published.output()).isZero();
            assertThat(published.output()).contains("published to legacy-orders (vhost /), message-id shop-cmd-1");
        }
        try (Connection connection = RabbitMqServer.connect(port, "/", "test"); Channel channel = connection.createChannel()) {
            channel.basicPublish("", "legacy-orders", new AMQP.BasicProperties.Builder().messageId("shop-cmd-2").build(),
                    "{\"customerId\":\"cust-rmq-2\",\"currency\":\"EUR\",\"lines\":[]}".getBytes(StandardCharsets.UTF_8));
        }

        // then: one order, decided by the worker; the bad command parked with why
        await().atMost(Duration.ofSeconds(90)).until(() -> statuses("cust-rmq-1").equals(List.of("CONFIRMED")));
        List<Message> parked = await().atMost(Duration.ofSeconds(30)).until(() -> receive("LegacyOrdersDLQ"), list -> !list.isEmpty());
        assertThat(parked).singleElement().satisfies(message -> {
            assertThat(message.messageAttributes().get(DeadLetter.REASON).stringValue()).startsWith("invalid order").contains("/lines");
            assertThat(message.messageAttributes().get(DeadLetter.FUNCTION).stringValue()).isEqualTo(STACK + "-LegacyOrdersFunction");
        });
        assertThat(statuses("cust-rmq-2")).isEmpty();
        assertThat(statuses("cust-rmq-1")).as("the second copy placed nothing").hasSize(1);

        // and the parked one-message event replays: the function gets it again and, still no order, parks it again
        try (LambdaClient lambda = aws.toEndpoint(LambdaClient.builder()).build()) {
            Redrive.Result redriven = new Redrive(sqs, lambda, runtime.template()).run("LegacyOrdersDLQ");
            assertThat(redriven.count(Redrive.Action.KEPT)).as(redriven.outcomes().toString()).isZero();
        }
        List<Message> again = await().atMost(Duration.ofSeconds(60)).until(() -> receive("LegacyOrdersDLQ"), list -> !list.isEmpty());
        assertThat(again).singleElement().satisfies(message ->
                assertThat(message.messageAttributes().get(DeadLetter.REASON).stringValue()).startsWith("invalid order"));
    }

    @Test
    void cliInvoke_shouldPlaceTheSampleEventsOrder() {
        Commands.Result result = cli("invoke", "LegacyOrdersFunction", "-e", "events/legacy-orders-rmq.json",
                "--parameter-overrides", "MqBrokerArn=" + BROKER.get("MqBrokerArn") + " MqSecretArn=" + BROKER.get("MqSecretArn"));

        assertThat(result.exitCode()).as(result.output()).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> !statuses("cust-legacy-7").isEmpty());
    }

    /** The statuses of the orders of a customer. */
    private static List<String> statuses(String customerId) {
        return dynamo.scan(r -> r.tableName(STACK + "-OrdersTable").filterExpression("customerId = :c")
                        .expressionAttributeValues(Map.of(":c", AttributeValue.fromS(customerId)))).items().stream()
                .map(item -> item.get("status").s()).toList();
    }

    private static List<Message> receive(String queue) {
        String url = sqs.getQueueUrl(r -> r.queueName(STACK + "-" + queue)).queueUrl();
        List<Message> all = new ArrayList<>();
        List<Message> got;
        do {
            got = sqs.receiveMessage(r -> r.queueUrl(url).messageAttributeNames("All").maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            all.addAll(got);
        } while (!got.isEmpty());
        // visible again at once, for the next look (and a redrive)
        all.forEach(m -> sqs.changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()).visibilityTimeout(0)));
        return all;
    }

    private static Commands.Result cli(String... arguments) {
        List<String> command = new ArrayList<>(List.of(arguments));
        if (!arguments[0].equals("publish")) {
            command.addAll(List.of("--port", Integer.toString(aws.endpoint().getPort()), "--stack-name", STACK,
                    "--work-dir", Commands.cliWork(ROOT, STACK).toString()));
        }
        return Commands.localRun(ROOT, command);
    }
}
