package eventjobs.local.sources;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.RabbitMqServer;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.TemplateException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * RabbitMQ mappings ({@code Type: MQ}) on the local runtime, against a real broker (the
 * rabbitmq-server child process the runtime starts): the {@code aws:rmq} event as the function's
 * RabbitMQEvent reads it, batching, the whole batch returned to the broker on an error and
 * redelivered, and a poison message parked by the broker's dead-letter exchange after the delivery
 * limit (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html">AWS docs</a>). One broker
 * for the class; each test has a queue and a function of its own.
 */
class RabbitMqSourceTest {

    private static final String BROKER = "arn:aws:mq:us-east-1:000000000000:broker:legacy:b-0123";

    private static Path dir;
    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static Connection connection;
    private static Channel channel;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("rabbitmq-source-test");
        FixtureCode.zip(dir);
        StringBuilder resources = new StringBuilder();
        mapping(resources, "Batched", "BatchSize: 10, MaximumBatchingWindowInSeconds: 2");
        mapping(resources, "Retried", "BatchSize: 10, MaximumBatchingWindowInSeconds: 1");
        mapping(resources, "Poisoned", "BatchSize: 1");
        Files.writeString(dir.resolve("template.yaml"), """
                Globals:
                  Function:
                    Runtime: java25
                    CodeUri: fixtures.zip
                    Timeout: 10
                    MemorySize: 256
                    Handler: eventjobs.local.fixtures.Rabbit::handleRequest
                Resources:
                %s""".formatted(resources));
        aws = EmbeddedAws.start(0);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("rq")
                .workDirectory(dir.resolve("work")).build(), aws, FunctionLogs.discard(), InvocationLog.text(System.out));
        RabbitMqServer broker = runtime.rabbitMq().orElseThrow();
        connection = broker.connect("test");
        channel = connection.createChannel();
    }

    /** A function {@code <name>} reading the queue {@code <name>}; {@code properties} in YAML's flow style. */
    private static void mapping(StringBuilder resources, String name, String properties) {
        resources.append("""
                  %1$s:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: { Variables: { RECORD_FILE: %3$s/%1$s.txt } }
                      Events:
                        Orders:
                          Type: MQ
                          Properties: { Broker: %4$s, Queues: [ %1$s ], %2$s,
                            SourceAccessConfigurations: [ { Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:000000000000:secret:mq } ] }
                """.formatted(name, properties, dir, BROKER));
    }

    @AfterAll
    static void stop() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        aws.close();
    }

    @Test
    void messages_shouldArriveInOneBatchWithTheirProperties_whenPublishedWithinTheWindow() throws IOException {
        // given
        Date sent = new Date(1_764_230_400_000L); // 2025-11-27T08:00:00Z
        for (int i = 1; i <= 3; i++) {
            publish("Batched", "b-" + i, "ok", sent);
        }

        // when
        await().atMost(Duration.ofSeconds(30)).until(() -> !invocations("Batched").isEmpty());

        // then: one invocation with the three, keyed queue::vhost, read through RabbitMQEvent
        assertThat(invocations("Batched")).containsExactly(
                "Batched::/ b-1:false:application/json:2:Nov 27, 2025, 8:00:00 AM"
                        + " | Batched::/ b-2:false:application/json:2:Nov 27, 2025, 8:00:00 AM"
                        + " | Batched::/ b-3:false:application/json:2:Nov 27, 2025, 8:00:00 AM");
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.messageCount("Batched") == 0);
    }

    @Test
    void failedBatch_shouldComeBackWholeAndRedelivered_untilItSucceeds() throws IOException {
        // given: one message fails its first two deliveries, the other never fails
        publish("Retried", "r-bad", "throw-times:2", new Date());
        publish("Retried", "r-good", "ok", new Date());

        // when
        await().atMost(Duration.ofSeconds(60)).until(() -> invocations("Retried").size() >= 3);

        // then: both came three times, together; the retries marked redelivered; then acknowledged
        List<String> invocations = invocations("Retried");
        assertThat(invocations).hasSize(3);
        assertThat(invocations.get(0)).contains("r-bad:false").contains("r-good:false");
        assertThat(invocations.get(1)).contains("r-bad:true").contains("r-good:true");
        assertThat(invocations.get(2)).contains("r-bad:true").contains("r-good:true");
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.messageCount("Retried") == 0);
        assertThat(channel.messageCount(RabbitMqSource.parkedQueue("Retried"))).isZero();
    }

    @Test
    void poisonMessage_shouldBeParkedWithItsReason_afterTheDeliveryLimit() throws IOException {
        // given
        publish("Poisoned", "p-1", "throw", new Date());

        // when
        String parked = RabbitMqSource.parkedQueue("Poisoned");
        await().atMost(Duration.ofSeconds(90)).until(() -> channel.messageCount(parked) == 1);

        // then: delivered DELIVERY_LIMIT times, never again, and the broker says why
        assertThat(invocations("Poisoned")).hasSize(RabbitMqSource.DELIVERY_LIMIT);
        GetResponse message = channel.basicGet(parked, true);
        assertThat(message.getProps().getMessageId()).isEqualTo("p-1");
        assertThat(message.getProps().getHeaders().get("x-first-death-reason")).hasToString("delivery_limit");
        assertThat(message.getProps().getHeaders().get("x-first-death-queue")).hasToString("Poisoned");
        assertThat(new String(message.getBody(), StandardCharsets.UTF_8)).isEqualTo("throw");
        assertThat(channel.messageCount("Poisoned")).isZero();
    }

    @Test
    void mapping_shouldBeRefused_whenItNamesTwoQueues() throws IOException {
        // given
        Path file = dir.resolve("two-queues.yaml");
        Files.writeString(file, """
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: java25
                      CodeUri: fixtures.zip
                      Handler: x.Y::handleRequest
                      Events:
                        Orders:
                          Type: MQ
                          Properties:
                            Broker: arn:aws:mq:us-east-1:000000000000:broker:b:b-1
                            Queues: [ a, b ]
                            SourceAccessConfigurations: [ { Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:000000000000:secret:s } ]
                """);

        // when / then
        assertThatThrownBy(() -> EventSources.read(SamTemplate.load(file, "x", Map.of())))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("Queues").hasMessageContaining("exactly one queue");
    }

    private static void publish(String queue, String messageId, String body, Date timestamp) throws IOException {
        channel.basicPublish("", queue, new AMQP.BasicProperties.Builder().contentType("application/json")
                .deliveryMode(2).messageId(messageId).timestamp(timestamp).build(), body.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> invocations(String function) throws IOException {
        Path file = dir.resolve(function + ".txt");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }
}
