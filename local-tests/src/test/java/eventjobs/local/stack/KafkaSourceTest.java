package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.KafkaSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka mappings on the runtime's own broker, one broker for the class: delivery in Lambda's
 * shape, batching, order per partition, a failing batch retried until it succeeds (blocking only its
 * partition), and a batch given up on after its retries with Lambda's record in the OnFailure queue.
 */
class KafkaSourceTest {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final List<String> PROBLEMS = new CopyOnWriteArrayList<>();
    private static final List<String> INVOKED = new CopyOnWriteArrayList<>();

    private static Path dir;
    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static KafkaProducer<String, String> producer;
    private static SqsClient sqs;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("kafka-source-test");
        FixtureCode.zip(dir);
        String template = """
                Globals:
                  Function:
                    Runtime: java25
                    CodeUri: fixtures.zip
                    Timeout: 10
                    MemorySize: 256
                    Handler: eventjobs.local.fixtures.KafkaScript::handleRequest
                Resources:
                  Parked: { Type: AWS::SQS::Queue }
                  Plain:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: { Variables: { RECORD_FILE: %1$s/plain.txt } }
                      Events:
                        K:
                          Type: SelfManagedKafka
                          Properties:
                            KafkaBootstrapServers: [ "kafka.example.com:9096" ]
                            Topics: [ plain ]
                            BatchSize: 5
                            MaximumBatchingWindowInSeconds: 1
                  Managed:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: { Variables: { RECORD_FILE: %1$s/managed.txt } }
                      Events:
                        K:
                          Type: MSK
                          Properties:
                            Stream: arn:aws:kafka:us-east-1:000000000000:cluster/shop/abc-1
                            Topics: [ managed ]
                            StartingPosition: LATEST
                  Retries:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: { Variables: { RECORD_FILE: %1$s/retries.txt } }
                      Events:
                        K:
                          Type: SelfManagedKafka
                          Properties:
                            KafkaBootstrapServers: [ "kafka.example.com:9096" ]
                            Topics: [ retries ]
                            BatchSize: 10
                            MaximumBatchingWindowInSeconds: 1
                            MaximumRetryAttempts: 1
                            DestinationConfig: { OnFailure: { Destination: !GetAtt Parked.Arn } }
                """.formatted(dir);
        Files.writeString(dir.resolve("template.yaml"), template);
        Files.createDirectories(dir.resolve("work/kafka/data/left-from-an-earlier-start"));
        aws = EmbeddedAws.start(0);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("k")
                .workDirectory(dir.resolve("work")).build(), aws, FunctionLogs.discard(), new InvocationLog() {
                    @Override
                    public void invoked(String function, String trigger, InvocationResult result, String detail) {
                        INVOKED.add(function + " " + detail);
                    }

                    @Override
                    public void problem(String source, String message) {
                        PROBLEMS.add(source + ": " + message);
                    }
                });
        producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                runtime.kafka().orElseThrow().bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new StringSerializer());
        sqs = aws.sqs();
    }

    @AfterAll
    static void stop() {
        producer.close();
        sqs.close();
        runtime.close();
        aws.close();
        assertThat(dir.resolve("work").resolve(KafkaSource.BOOTSTRAP_FILE)).doesNotExist();
    }

    private static void publish(String topic, int partition, String... values) {
        for (String value : values) {
            producer.send(new ProducerRecord<>(topic, partition, "key-" + partition, value));
        }
        producer.flush();
    }

    private static List<String> lines(String file) {
        try {
            Path path = dir.resolve(file);
            return Files.exists(path) ? Files.readAllLines(path) : List.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(condition);
    }

    @Test
    void start_shouldRunOneBrokerOnAnEmptyDataDirectory_withTheTopicsOfTheMappings_andWriteWhereItListens() throws Exception {
        KafkaSource kafka = runtime.kafka().orElseThrow();

        assertThat(dir.resolve("work/kafka/data/left-from-an-earlier-start")).doesNotExist();
        assertThat(Files.readString(dir.resolve("work").resolve(KafkaSource.BOOTSTRAP_FILE)).strip())
                .isEqualTo(kafka.bootstrapServers()).startsWith("127.0.0.1:");
        try (var admin = kafka.broker().admin()) {
            assertThat(admin.describeTopics(List.of("plain", "managed", "retries")).allTopicNames().get().values())
                    .allSatisfy(topic -> assertThat(topic.partitions()).hasSize(KafkaSource.PARTITIONS));
        }
    }

    @Test
    void selfManaged_shouldDeliverLambdasEventShape() {
        producer.send(new ProducerRecord<>("plain", 2, null, "k1", "{\"a\":1}",
                List.of(new RecordHeader("trace", "abc".getBytes(StandardCharsets.UTF_8)))));
        producer.flush();

        await("the record delivered", () -> lines("plain.txt").stream().anyMatch(l -> l.contains("{\"a\":1}")));
        JsonNode event = lines("plain.txt.events").stream().map(JSON::readTree)
                .filter(e -> e.get("records").has("plain-2")).findFirst().orElseThrow();
        assertThat(event.get("eventSource").asString()).isEqualTo("SelfManagedKafka");
        assertThat(event.has("eventSourceArn")).isFalse();
        assertThat(event.get("bootstrapServers").asString()).isEqualTo(runtime.kafka().orElseThrow().bootstrapServers());
        JsonNode record = event.get("records").get("plain-2").get(0);
        assertThat(record.get("topic").asString()).isEqualTo("plain");
        assertThat(record.get("partition").asInt()).isEqualTo(2);
        assertThat(record.get("offset").asLong()).isZero();
        assertThat(record.get("timestamp").asLong()).isPositive();
        assertThat(record.get("timestampType").asString()).isEqualTo("CREATE_TIME");
        assertThat(record.get("key").asString()).isEqualTo(Base64.getEncoder().encodeToString("k1".getBytes(StandardCharsets.UTF_8)));
        assertThat(record.get("value").asString()).isEqualTo(Base64.getEncoder().encodeToString("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        assertThat(record.get("headers").toString()).isEqualTo("[{\"trace\":[97,98,99]}]");
    }

    @Test
    void msk_shouldNameTheClusterAsEventSource_andStartAtLatest() {
        publish("managed", 0, "m1");

        await("delivered", () -> lines("managed.txt").stream().anyMatch(l -> l.startsWith("managed-0 0 m1 ")));
        JsonNode event = JSON.readTree(lines("managed.txt.events").getFirst());
        assertThat(event.get("eventSource").asString()).isEqualTo("aws:kafka");
        assertThat(event.get("eventSourceArn").asString()).isEqualTo("arn:aws:kafka:us-east-1:000000000000:cluster/shop/abc-1");
    }

    @Test
    void selfManaged_shouldBatchUpToBatchSize_inOrderPerPartition() {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            values.add("p0-" + i);
        }
        publish("plain", 0, values.toArray(String[]::new));
        publish("plain", 1, "p1-0", "p1-1", "p1-2");

        await("all delivered", () -> lines("plain.txt").stream().filter(l -> l.startsWith("plain-0 ") || l.startsWith("plain-1 ")).count() >= 15);
        List<String> partition0 = lines("plain.txt").stream().filter(l -> l.startsWith("plain-0 ")).map(l -> l.split(" ")[2]).toList();
        assertThat(partition0).containsExactlyElementsOf(values);
        assertThat(lines("plain.txt").stream().filter(l -> l.startsWith("plain-1 ")).map(l -> l.split(" ")[2]))
                .containsExactly("p1-0", "p1-1", "p1-2");
        // 12 records of one partition, published at once, in batches of at most 5: three invocations, a full one among them
        List<Long> perInvocation = lines("plain.txt").stream().filter(l -> l.startsWith("plain-0 "))
                .collect(java.util.stream.Collectors.groupingBy(l -> l.split(" ")[3], java.util.stream.Collectors.counting()))
                .values().stream().toList();
        assertThat(perInvocation).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(5)).contains(5L);
        assertThat(lines("plain.txt.events")).allSatisfy(e -> assertThat(JSON.readTree(e).get("records").size()).isEqualTo(1));
    }

    @Test
    void failedBatch_shouldBeSentAgainUntilItSucceeds_blockingOnlyItsPartition() {
        publish("retries", 0, "before", "flaky:1", "after");
        publish("retries", 1, "other");

        await("the flaky record done", () -> {
            List<String> seen = lines("retries.txt").stream().filter(l -> l.startsWith("retries-0 ")).map(l -> l.split(" ")[2]).toList();
            return seen.lastIndexOf("after") > seen.lastIndexOf("flaky:1") && seen.stream().filter("flaky:1"::equals).count() == 2
                    && lines("retries.txt").stream().anyMatch(l -> l.startsWith("retries-1 "));
        });
        // each line: <topic-partition> <offset> <value> <invocation>; the invocations in the order they ran
        Map<String, List<String>> byInvocation = new java.util.LinkedHashMap<>();
        lines("retries.txt").stream().filter(l -> l.startsWith("retries-0 "))
                .forEach(l -> byInvocation.computeIfAbsent(l.split(" ")[3], k -> new ArrayList<>()).add(l.split(" ")[2]));
        List<List<String>> withFlaky = byInvocation.values().stream().filter(values -> values.contains("flaky:1")).toList();
        // the failed batch is sent again as it was: the same records, in the same order
        assertThat(withFlaky).hasSize(2);
        assertThat(withFlaky.get(1)).isEqualTo(withFlaky.get(0));
        // nothing of the partition ran between the failure and its retry, and each record was applied once after it
        List<String> afterTheFailure = new ArrayList<>();
        boolean failedSeen = false;
        for (List<String> values : byInvocation.values()) {
            if (!failedSeen && values == withFlaky.get(0)) {
                failedSeen = true;
                continue;
            }
            afterTheFailure.addAll(values);
        }
        assertThat(afterTheFailure).containsExactly("before", "flaky:1", "after");
        assertThat(drainParked()).noneMatch(record -> record.contains("retries-0"));
    }

    @Test
    void poisonBatch_shouldGoToOnFailureAfterItsRetries_withLambdasRecord_andThePartitionGoesOn() {
        publish("retries", 2, "poison");
        await("given up on", () -> PROBLEMS.stream().anyMatch(p -> p.contains("retries-2 offset 0 skipped (RetryAttemptsExhausted after 2 invocations)")));
        publish("retries", 2, "next");

        await("the partition goes on", () -> lines("retries.txt").stream().anyMatch(l -> l.startsWith("retries-2 1 next ")));
        assertThat(lines("retries.txt").stream().filter(l -> l.startsWith("retries-2 0 poison "))).hasSize(2);
        List<String> parked = drainParked();
        assertThat(parked).hasSize(1);
        JsonNode record = JSON.readTree(parked.getFirst());
        assertThat(record.get("requestContext").get("condition").asString()).isEqualTo("RetryAttemptsExhausted");
        assertThat(record.get("requestContext").get("approximateInvokeCount").asInt()).isEqualTo(2);
        assertThat(record.get("requestContext").get("functionArn").asString()).endsWith(":function:k-Retries");
        assertThat(record.get("responseContext").get("functionError").asString()).isEqualTo("Unhandled");
        JsonNode info = record.get("KafkaBatchInfo");
        assertThat(info.get("batchSize").asInt()).isEqualTo(1);
        assertThat(info.get("bootstrapServers").asString()).isEqualTo(runtime.kafka().orElseThrow().bootstrapServers());
        assertThat(info.get("payloadSize").asInt()).isPositive();
        assertThat(info.get("recordsInfo").get("retries-2").get("firstRecordOffset").asString()).isEqualTo("0");
        assertThat(info.get("recordsInfo").get("retries-2").get("lastRecordOffset").asString()).isEqualTo("0");
        assertThat(info.get("recordsInfo").get("retries-2").get("firstRecordTimestamp").asString()).endsWith("Z");
    }

    private static List<String> drainParked() {
        String url = sqs.getQueueUrl(r -> r.queueName("k-Parked")).queueUrl();
        List<String> bodies = new ArrayList<>();
        for (var batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
             !batch.isEmpty(); batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()) {
            batch.forEach(m -> {
                bodies.add(m.body());
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            });
        }
        return bodies;
    }
}
