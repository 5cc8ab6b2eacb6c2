package eventjobs.system;

import eventjobs.core.DeadLetter;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.chaos.Chaos;
import eventjobs.local.chaos.Fault;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.KafkaSource;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.testkit.LocalAws;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * StockMovementsFunction on the local runtime, fed by the runtime's own Kafka broker as the template's
 * SelfManagedKafka mapping says, while chaos delivers every batch twice and loses answers after the
 * writes (so Lambda sends them again): each movement counts once, bad records are parked with their
 * reason, and the sample event runs through {@code local/run invoke}.
 */
class StockMovementsTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "stk";
    private static final Map<String, String> KAFKA = Map.of("KafkaBootstrapServers", "kafka.example.com:9096");

    /** What the Kafka mapping did, to tell why when a wait runs out. */
    private static final List<String> LOG = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static Path work;
    private static DynamoDbClient dynamo;
    private static SqsClient sqs;

    @BeforeAll
    static void start() throws IOException {
        aws = LocalAws.shared();
        LocalAws.reset(aws);
        work = Files.createTempDirectory("stock");
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                .parameters(KAFKA).workDirectory(work).chaos(Chaos.parse("seed=7,duplicate=1,lose-response=0.3"))
                .build(), aws, FunctionLogs.discard(), new InvocationLog() {
                    @Override
                    public void invoked(String function, String trigger, eventjobs.local.runtime.InvocationResult result, String detail) {
                        if (trigger.startsWith("kafka:")) {
                            LOG.add(result.outcome() + " " + detail);
                        }
                    }

                    @Override
                    public void problem(String source, String message) {
                        LOG.add("problem " + source + ": " + message);
                    }
                });
        dynamo = aws.dynamoDb();
        sqs = aws.sqs();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        dynamo.close();
        sqs.close();
    }

    private static long quantity(String sku) {
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(STACK + "-StockTable")
                .key(Map.of("pk", AttributeValue.fromS("sku#" + sku)))).item();
        return item.containsKey("quantity") ? Long.parseLong(item.get("quantity").n()) : 0;
    }

    private static List<Message> parked() {
        String url = sqs.getQueueUrl(r -> r.queueName(STACK + "-StockMovementsDLQ")).queueUrl();
        return sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).messageAttributeNames("All")
                .visibilityTimeout(0)).messages();
    }

    private static java.util.Set<String> parkedReasons() {
        java.util.Set<String> reasons = new java.util.HashSet<>();
        for (int i = 0; i < 5; i++) {
            parked().forEach(m -> reasons.add(m.messageAttributes().get(DeadLetter.REASON).stringValue()));
        }
        return reasons;
    }

    private static String movement(String id, String sku, long delta) {
        return "{\"movementId\":\"" + id + "\",\"sku\":\"" + sku + "\",\"delta\":" + delta + "}";
    }

    @Test
    void movements_shouldCountOnceEach_despiteRedeliveries_andBadRecordsBeParkedWithTheirReason() throws Exception {
        Map<String, Long> expected = new HashMap<>();
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String sku = "SKU-" + (i % 6);
            long delta = i % 3 == 0 ? -1 : 3;
            expected.merge(sku, delta, Long::sum);
            records.add(new ProducerRecord<>("stock-movements", sku, movement("mv-" + i, sku, delta)));
            if (i % 10 == 0) {
                // the producer sends it again (a retry after a lost ack): the same movement, applied once
                records.add(new ProducerRecord<>("stock-movements", sku, movement("mv-" + i, sku, delta)));
            }
        }
        records.add(new ProducerRecord<>("stock-movements", "SKU-0", "{\"movementId\":\"mv-bad\",\"sku\":\"SKU-0\"}"));
        records.add(new ProducerRecord<>("stock-movements", "SKU-1", movement("mv-1", "SKU-9", 5)));
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                runtime.kafka().orElseThrow().bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (ProducerRecord<String, String> record : records) {
                producer.send(record);
            }
        }

        List<String> reasons = List.of("delta must be a whole number, was missing",
                "movement mv-1 was applied before as SKU-1 3, not SKU-9 5; the stock is left as it was");
        try {
            await("every movement applied").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> expected.entrySet().stream().allMatch(e -> quantity(e.getKey()) == e.getValue())
                            && parkedReasons().containsAll(reasons));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            Map<String, Long> actual = new HashMap<>();
            expected.keySet().forEach(sku -> actual.put(sku, quantity(sku)));
            throw new AssertionError("expected " + expected + ", have " + actual + ", parked " + parkedReasons()
                    + "; the mapping: " + String.join("\n", LOG), e);
        }
        Thread.sleep(2000); // redelivered batches still under way would show here
        expected.forEach((sku, units) -> assertThat(quantity(sku)).as(sku).isEqualTo(units));
        assertThat(quantity("SKU-9")).isZero();
        // a batch Lambda sends again parks its bad records again: the same reasons, nothing else
        assertThat(parkedReasons()).containsExactlyInAnyOrderElementsOf(reasons);
        assertThat(runtime.chaosSummary().orElseThrow().count(Fault.DUPLICATE)).as("batches delivered twice").isPositive();
    }

    @Test
    void cli_shouldPublishToTheRuntimesBroker_andInvokeTheFunctionWithTheSampleEvent() {
        Commands.Result published = Commands.localRun(ROOT, List.of("publish", "--work-dir", work.toString(),
                "--topic", "stock-movements", "--key", "MUG-1", movement("mv-cli", "MUG-1", 4)));
        Commands.Result invoked = Commands.localRun(ROOT, List.of("invoke", "StockMovementsFunction", "--no-aot-cache",
                "-e", "events/stock-movements-kafka.json", "--parameter-overrides", "KafkaBootstrapServers=kafka.example.com:9096",
                "--port", Integer.toString(aws.endpoint().getPort()), "--stack-name", STACK,
                "--work-dir", Commands.cliWork(ROOT, STACK).toString()));

        assertThat(published.exitCode()).as(published.output()).isZero();
        assertThat(published.output().strip()).matches("stock-movements-[0-2]@\\d+");
        await("the published movement applied").atMost(Duration.ofMinutes(1)).until(() -> quantity("MUG-1") == 4);
        assertThat(invoked.exitCode()).as(invoked.output()).isZero();
        assertThat(invoked.output()).contains("\"2 records: 2 applied, 0 applied before, 0 parked\"");
        assertThat(quantity("BOOK-001")).isEqualTo(-2);
        assertThat(quantity("PEN-007")).isEqualTo(50);
        assertThat(Optional.of(work.resolve(KafkaSource.BOOTSTRAP_FILE))).get().satisfies(file -> assertThat(file).exists());
    }
}
