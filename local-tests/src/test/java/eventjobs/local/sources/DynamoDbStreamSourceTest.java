package eventjobs.local.sources;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.TemplateException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * DynamoDB stream mappings on the local runtime, against moto's streams: Lambda's rules for order,
 * batching, retries, bisection, partial batch responses, record age and the OnFailure record
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html">AWS docs</a>).
 * Each test has a table and a function of its own.
 */
class DynamoDbStreamSourceTest {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String STACK = "ds";
    private static final List<String> PROBLEMS = new CopyOnWriteArrayList<>();
    /** The runtime's time; a test moves it to make records look old. */
    private static final SettableClock CLOCK = new SettableClock();

    private static Path dir;
    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static DynamoDbClient dynamo;
    private static SqsClient sqs;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("ddb-streams-test");
        FixtureCode.zip(dir);
        StringBuilder resources = new StringBuilder("""
                  Failures: { Type: AWS::SQS::Queue }
                """);
        mapping(resources, "Ordered", "TRIM_HORIZON", "BatchSize: 10");
        mapping(resources, "Retried", "TRIM_HORIZON", "BatchSize: 5");
        mapping(resources, "Exhausted", "TRIM_HORIZON",
                "MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: !GetAtt Failures.Arn } }");
        mapping(resources, "Bisected", "TRIM_HORIZON", "BatchSize: 4, MaximumBatchingWindowInSeconds: 2,"
                + " BisectBatchOnFunctionError: true, MaximumRetryAttempts: 0,"
                + " DestinationConfig: { OnFailure: { Destination: !GetAtt Failures.Arn } }");
        mapping(resources, "Partial", "TRIM_HORIZON", "BatchSize: 5, MaximumBatchingWindowInSeconds: 2,"
                + " FunctionResponseTypes: [ReportBatchItemFailures]");
        mapping(resources, "Aged", "TRIM_HORIZON",
                "MaximumRecordAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: !GetAtt Failures.Arn } }");
        mapping(resources, "Latest", "LATEST", "BatchSize: 10");
        mapping(resources, "Windowed", "TRIM_HORIZON", "BatchSize: 100, MaximumBatchingWindowInSeconds: 3");
        String template = """
                Globals:
                  Function:
                    Runtime: java25
                    CodeUri: fixtures.zip
                    Timeout: 10
                    MemorySize: 256
                    Handler: eventjobs.local.fixtures.Stream::handleRequest
                Resources:
                %s""".formatted(resources);
        Files.writeString(dir.resolve("template.yaml"), template);
        aws = EmbeddedAws.start(0);
        dynamo = aws.dynamoDb();
        sqs = aws.sqs();
        // made before the runtime starts: one with a stream and an old item (for LATEST), one without a stream
        createTable(STACK + "-LatestTable", true);
        put("LatestTable", item("before", "ok"));
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName(STACK)
                .workDirectory(dir.resolve("work")).clock(CLOCK).build(), aws, FunctionLogs.discard(), new InvocationLog() {
            private final InvocationLog out = InvocationLog.text(System.out);

            @Override
            public void invoked(String function, String trigger, eventjobs.local.runtime.InvocationResult result, String detail) {
                out.invoked(function, trigger, result, detail);
            }

            @Override
            public void problem(String source, String message) {
                out.problem(source, message);
                PROBLEMS.add(source + ": " + message);
            }
        });
    }

    /** A table {@code <name>Table} with a stream, and a function {@code <name>} reading it. */
    private static void mapping(StringBuilder resources, String name, String start, String properties) {
        resources.append("""
                  %1$sTable:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      BillingMode: PAY_PER_REQUEST
                      AttributeDefinitions: [ { AttributeName: id, AttributeType: S } ]
                      KeySchema: [ { AttributeName: id, KeyType: HASH } ]
                      StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
                  %1$s:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: { Variables: { RECORD_FILE: %4$s/%1$s.txt, EVENT_FILE: %4$s/%1$s.events } }
                      Events:
                        Changes:
                          Type: DynamoDB
                          Properties: { Stream: !GetAtt %1$sTable.StreamArn, StartingPosition: %2$s, %3$s }
                """.formatted(name, start, properties, dir));
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        dynamo.close();
        sqs.close();
        aws.close();
    }

    private static void createTable(String name, boolean stream) {
        dynamo.createTable(r -> {
            r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH));
            if (stream) {
                r.streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES));
            }
        });
    }

    private static Map<String, AttributeValue> item(String id, String instruction) {
        return Map.of("id", AttributeValue.fromS(id), "do", AttributeValue.fromS(instruction));
    }

    private static void put(String table, Map<String, AttributeValue> item) {
        dynamo.putItem(r -> r.tableName(STACK + "-" + table).item(item));
    }

    /** Items written in one request, so that they reach the stream together. */
    private static void putAll(String table, List<Map<String, AttributeValue>> items) {
        for (int from = 0; from < items.size(); from += 25) {
            List<WriteRequest> writes = items.subList(from, Math.min(items.size(), from + 25)).stream()
                    .map(i -> WriteRequest.builder().putRequest(PutRequest.builder().item(i).build()).build()).toList();
            dynamo.batchWriteItem(r -> r.requestItems(Map.of(STACK + "-" + table, writes)));
        }
    }

    /** The invocations of a function so far: the ids of each one's records. */
    private static List<String> invocations(String function) throws IOException {
        Path file = dir.resolve(function + ".txt");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /** The OnFailure records of a table's mapping in Failures; they stay there for the next look. */
    private static List<JsonNode> failureRecords(String table) {
        List<JsonNode> records = new ArrayList<>();
        List<String> handles = new ArrayList<>();
        String url = sqs.getQueueUrl(r -> r.queueName(STACK + "-Failures")).queueUrl();
        for (List<Message> got; !(got = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                .visibilityTimeout(30)).messages()).isEmpty(); ) {
            for (Message message : got) {
                handles.add(message.receiptHandle());
                JsonNode record = JSON.readTree(message.body());
                if (record.at("/DDBStreamBatchInfo/streamArn").asString().contains("/" + STACK + "-" + table + "/")) {
                    records.add(record);
                }
            }
        }
        handles.forEach(handle -> sqs.changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(handle).visibilityTimeout(0)));
        return records;
    }

    private static String streamArn(String table) {
        return dynamo.describeTable(r -> r.tableName(STACK + "-" + table)).table().latestStreamArn();
    }

    /** Sequence numbers of the table's stream, by item id and the order of its changes. */
    private static Map<String, String> sequenceNumbers(String function) throws IOException {
        Map<String, String> numbers = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve(function + ".events"))) {
            for (JsonNode record : JSON.readTree(line).get("Records")) {
                numbers.putIfAbsent(record.at("/dynamodb/Keys/id/S").asString(), record.at("/dynamodb/SequenceNumber").asString());
            }
        }
        return numbers;
    }

    @Test
    void records_shouldArriveInStreamOrder_inBatchesOfAtMostBatchSize_asLambdasDynamodbEvent() throws IOException {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            items.add(item(String.format("o%02d", i), "ok"));
        }
        putAll("OrderedTable", items);
        dynamo.updateItem(r -> r.tableName(STACK + "-OrderedTable").key(Map.of("id", AttributeValue.fromS("o03")))
                .updateExpression("SET #n = :n").expressionAttributeNames(Map.of("#n", "note"))
                .expressionAttributeValues(Map.of(":n", AttributeValue.fromS("changed"))));

        await().atMost(Duration.ofSeconds(60)).until(() -> String.join(",", invocations("Ordered")).split(",").length == 31);

        List<String> invocations = invocations("Ordered");
        List<String> expected = new ArrayList<>(items.stream().map(i -> i.get("id").s()).toList());
        expected.add("o03");
        assertThat(String.join(",", invocations)).isEqualTo(String.join(",", expected));
        assertThat(invocations).allSatisfy(line -> assertThat(line.split(",")).hasSizeLessThanOrEqualTo(10));
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("Ordered.events"))) {
            JSON.readTree(line).get("Records").forEach(records::add);
        }
        JsonNode modify = records.getLast();
        assertThat(modify.get("eventName").asString()).isEqualTo("MODIFY");
        assertThat(modify.get("eventSource").asString()).isEqualTo("aws:dynamodb");
        assertThat(modify.get("eventSourceARN").asString()).isEqualTo(streamArn("OrderedTable"));
        assertThat(modify.at("/dynamodb/Keys/id/S").asString()).isEqualTo("o03");
        assertThat(modify.at("/dynamodb/OldImage/note").isMissingNode()).isTrue();
        assertThat(modify.at("/dynamodb/NewImage/note/S").asString()).isEqualTo("changed");
        assertThat(modify.at("/dynamodb/StreamViewType").asString()).isEqualTo("NEW_AND_OLD_IMAGES");
        assertThat(modify.at("/dynamodb/ApproximateCreationDateTime").isIntegralNumber()).isTrue();
        assertThat(Math.abs(modify.at("/dynamodb/ApproximateCreationDateTime").asLong() - Instant.now().getEpochSecond()))
                .isLessThan(120);
        List<java.math.BigInteger> numbers = records.stream()
                .map(r -> new java.math.BigInteger(r.at("/dynamodb/SequenceNumber").asString())).toList();
        assertThat(numbers).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void failedBatch_shouldBeSentAgain_untilItSucceeds_beforeAnyLaterRecord() throws IOException {
        put("RetriedTable", item("r1", "ok"));
        put("RetriedTable", item("r2", "throw-times:2"));
        await().atMost(Duration.ofSeconds(60)).until(() -> String.join("|", invocations("Retried")).contains("r2"));
        put("RetriedTable", item("r3", "ok"));

        await().atMost(Duration.ofSeconds(60)).until(() -> String.join("|", invocations("Retried")).contains("r3"));

        List<String> invocations = invocations("Retried");
        // r2's batch failed twice and was sent as it was until it succeeded; r3 came only after it
        int firstR2 = -1;
        for (int i = 0; i < invocations.size(); i++) {
            if (invocations.get(i).contains("r2")) {
                firstR2 = i;
                break;
            }
        }
        assertThat(invocations.subList(firstR2, firstR2 + 3)).containsOnly(invocations.get(firstR2));
        assertThat(invocations.subList(firstR2 + 3, invocations.size())).allSatisfy(line -> assertThat(line).doesNotContain("r2"));
        assertThat(String.join("|", invocations.subList(0, firstR2 + 3))).doesNotContain("r3");
    }

    @Test
    void batchFailingPastMaximumRetryAttempts_shouldGoToOnFailure_asAwsDescribesIt_andTheShardGoOn() throws IOException {
        put("ExhaustedTable", item("x1", "throw"));

        await().atMost(Duration.ofSeconds(60)).until(() -> invocations("Exhausted").size() >= 2);
        put("ExhaustedTable", item("x2", "ok"));
        await().atMost(Duration.ofSeconds(60)).until(() -> invocations("Exhausted").contains("x2"));

        // one invocation and one retry (MaximumRetryAttempts: 1), then the shard goes on
        assertThat(invocations("Exhausted")).containsExactly("x1", "x1", "x2");
        List<JsonNode> failures = failureRecords("ExhaustedTable");
        assertThat(failures).hasSize(1);
        JsonNode record = failures.getFirst();
        String x1 = sequenceNumbers("Exhausted").get("x1");
        assertThat(record.at("/requestContext/condition").asString()).isEqualTo("RetryAttemptsExhausted");
        assertThat(record.at("/requestContext/approximateInvokeCount").asInt()).isEqualTo(2);
        assertThat(record.at("/requestContext/functionArn").asString())
                .isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:" + STACK + "-Exhausted");
        assertThat(record.at("/requestContext/requestId").asString()).isNotBlank();
        assertThat(record.at("/responseContext/functionError").asString()).isEqualTo("Unhandled");
        assertThat(record.at("/responseContext/statusCode").asInt()).isEqualTo(200);
        assertThat(record.get("version").asString()).isEqualTo("1.0");
        assertThat(Instant.parse(record.get("timestamp").asString())).isBefore(Instant.now().plusSeconds(1));
        JsonNode info = record.get("DDBStreamBatchInfo");
        assertThat(info.get("shardId").asString()).startsWith("shardId-");
        assertThat(info.get("startSequenceNumber").asString()).isEqualTo(x1);
        assertThat(info.get("endSequenceNumber").asString()).isEqualTo(x1);
        assertThat(info.get("batchSize").asInt()).isEqualTo(1);
        assertThat(info.get("streamArn").asString()).isEqualTo(streamArn("ExhaustedTable"));
        assertThat(info.get("approximateArrivalOfFirstRecord").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(info.get("approximateArrivalOfLastRecord").asString()).isEqualTo(info.get("approximateArrivalOfFirstRecord").asString());
        // it holds no data, but what it describes can be read again from the stream (how the README replays a batch)
        assertThat(record.has("requestPayload")).isFalse();
        try (var streams = aws.dynamoDbStreams()) {
            String iterator = streams.getShardIterator(r -> r.streamArn(info.get("streamArn").asString())
                    .shardId(info.get("shardId").asString()).shardIteratorType("AT_SEQUENCE_NUMBER")
                    .sequenceNumber(info.get("startSequenceNumber").asString())).shardIterator();
            var again = streams.getRecords(r -> r.shardIterator(iterator).limit(info.get("batchSize").asInt())).records();
            assertThat(again).singleElement().satisfies(replayed -> {
                assertThat(replayed.dynamodb().sequenceNumber()).isEqualTo(x1);
                assertThat(replayed.dynamodb().newImage().get("id").s()).isEqualTo("x1");
            });
        }
    }

    @Test
    void functionError_withBisect_shouldHalveTheBatch_untilTheFailingRecordIsAlone() throws IOException {
        putAll("BisectedTable", List.of(item("b1", "ok"), item("b2", "ok"), item("b3", "throw"), item("b4", "ok")));

        await().atMost(Duration.ofSeconds(60)).until(() -> invocations("Bisected").contains("b4"));

        assertThat(invocations("Bisected")).containsExactly("b1,b2,b3,b4", "b1,b2", "b3,b4", "b3", "b4");
        JsonNode failure = failureRecords("BisectedTable").getFirst();
        assertThat(failure.at("/DDBStreamBatchInfo/batchSize").asInt()).isEqualTo(1);
        assertThat(failure.at("/DDBStreamBatchInfo/startSequenceNumber").asString()).isEqualTo(sequenceNumbers("Bisected").get("b3"));
        // the splits cost no retry: MaximumRetryAttempts 0 gives up after b3's own invocation
        assertThat(failure.at("/requestContext/condition").asString()).isEqualTo("RetryAttemptsExhausted");
    }

    @Test
    void partialBatchResponse_shouldCheckpointAtTheLowestFailedRecord_andSendOnlyTheRecordsFromIt() throws Exception {
        putAll("PartialTable", List.of(item("p1", "ok"), item("p2", "fail-times:1"), item("p3", "ok"), item("p4", "fail-times:1"),
                item("p5", "ok")));

        await().atMost(Duration.ofSeconds(60)).until(() -> invocations("Partial").size() >= 2);
        Thread.sleep(1500);

        // p2 and p4 failed: Lambda checkpoints before p2; p1 is done, p3..p5 come again with p2
        assertThat(invocations("Partial")).containsExactly("p1,p2,p3,p4,p5", "p2,p3,p4,p5");
    }

    @Test
    void recordsOlderThanMaximumRecordAge_shouldGoToOnFailure_withoutAnInvocation() throws Exception {
        CLOCK.ahead(Duration.ofMinutes(5));
        try {
            put("AgedTable", item("a1", "ok"));

            await().atMost(Duration.ofSeconds(60)).until(() -> !failureRecords("AgedTable").isEmpty());
        } finally {
            CLOCK.ahead(Duration.ZERO);
        }
        put("AgedTable", item("a2", "ok"));
        await().atMost(Duration.ofSeconds(60)).until(() -> invocations("Aged").contains("a2"));

        JsonNode failure = failureRecords("AgedTable").getFirst();
        assertThat(failure.at("/requestContext/condition").asString()).isEqualTo("RecordAgeExceeded");
        assertThat(failure.at("/requestContext/approximateInvokeCount").asInt()).isZero();
        assertThat(failure.has("responseContext")).isFalse();
        assertThat(invocations("Aged")).containsExactly("a2");
    }

    @Test
    void latest_shouldSkipWhatWasInTheStreamBeforeTheStart() throws IOException {
        put("LatestTable", item("after", "ok"));

        await().atMost(Duration.ofSeconds(60)).until(() -> !invocations("Latest").isEmpty());

        assertThat(invocations("Latest")).containsExactly("after");
    }

    @Test
    void batchingWindow_shouldGatherRecordsWrittenApart_intoOneInvocation() throws Exception {
        put("WindowedTable", item("w1", "ok"));
        Thread.sleep(800);
        put("WindowedTable", item("w2", "ok"));

        await().atMost(Duration.ofSeconds(60)).until(() -> !invocations("Windowed").isEmpty());

        assertThat(invocations("Windowed")).containsExactly("w1,w2");
    }

    @Test
    void tableMadeWithoutAStream_shouldGetOneWhenTheTemplateStreamsIt() throws IOException {
        Path template = dir.resolve("unstreamed.yaml");
        Files.writeString(template, """
                Resources:
                  Plain:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [ { AttributeName: id, AttributeType: S } ]
                      KeySchema: [ { AttributeName: id, KeyType: HASH } ]
                      StreamSpecification: { StreamViewType: NEW_IMAGE }
                """);
        createTable("u-Plain", false);

        try (var s3 = aws.s3(); var secrets = aws.secretsManager()) {
            new eventjobs.local.stack.Provisioner(sqs, dynamo, s3, secrets).provision(SamTemplate.load(template, "u", Map.of()));
        }

        var description = dynamo.describeTable(r -> r.tableName("u-Plain")).table();
        assertThat(description.streamSpecification().streamEnabled()).isTrue();
        assertThat(description.streamSpecification().streamViewTypeAsString()).isEqualTo("NEW_IMAGE");
        assertThat(description.latestStreamArn()).isNotBlank();
    }

    @Test
    void mappingOfATableWithoutStream_orWithoutStartingPosition_shouldBeRefusedNamingTheProperty() throws IOException {
        Path noStream = dir.resolve("no-stream.yaml");
        Files.writeString(noStream, """
                Resources:
                  Plain:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [ { AttributeName: id, AttributeType: S } ]
                      KeySchema: [ { AttributeName: id, KeyType: HASH } ]
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: java25
                      Handler: x.Y::handleRequest
                      CodeUri: fixtures.zip
                      Events:
                        Changes: { Type: DynamoDB, Properties: { Stream: !GetAtt Plain.StreamArn, StartingPosition: LATEST } }
                """);
        Path noStart = dir.resolve("no-start.yaml");
        Files.writeString(noStart, Files.readString(noStream).replace("KeySchema: [ { AttributeName: id, KeyType: HASH } ]",
                "KeySchema: [ { AttributeName: id, KeyType: HASH } ]\n      StreamSpecification: { StreamViewType: KEYS_ONLY }")
                .replace(", StartingPosition: LATEST", ""));

        assertThatThrownBy(() -> EventSources.read(SamTemplate.load(noStream, "n", Map.of())))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("Events.Changes.Properties.Stream names Plain, which has no StreamSpecification");
        assertThatThrownBy(() -> EventSources.read(SamTemplate.load(noStart, "n", Map.of())))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("Events.Changes.Properties.StartingPosition is required");
    }

    /** The system clock, moved ahead on demand. */
    private static final class SettableClock extends Clock {
        private volatile Duration ahead = Duration.ZERO;

        void ahead(Duration ahead) {
            this.ahead = ahead;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead);
        }
    }
}
