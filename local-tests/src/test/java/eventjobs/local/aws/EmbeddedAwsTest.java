package eventjobs.local.aws;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedAwsTest {

    private static EmbeddedAws aws;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start(0);
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    @Test
    void dynamoDbStream_shouldHoldOneInsertWithTheWholeItem_whenUpdateItemCreatesTheItem() {
        try (var dynamo = aws.dynamoDb(); var streams = aws.dynamoDbStreams()) {
            String table = "streamed-" + System.nanoTime();
            dynamo.createTable(r -> r.tableName(table).billingMode("PAY_PER_REQUEST")
                    .attributeDefinitions(a -> a.attributeName("id").attributeType("S"))
                    .keySchema(k -> k.attributeName("id").keyType("HASH"))
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType("NEW_AND_OLD_IMAGES")));
            dynamo.updateItem(r -> r.tableName(table).key(java.util.Map.of("id", AttributeValue.fromS("new")))
                    .updateExpression("SET #s = :s").expressionAttributeNames(java.util.Map.of("#s", "status"))
                    .expressionAttributeValues(java.util.Map.of(":s", AttributeValue.fromS("CONFIRMED"))));
            dynamo.updateItem(r -> r.tableName(table).key(java.util.Map.of("id", AttributeValue.fromS("new")))
                    .updateExpression("ADD #n :one").expressionAttributeNames(java.util.Map.of("#n", "decisions"))
                    .expressionAttributeValues(java.util.Map.of(":one", AttributeValue.fromN("1"))));

            String arn = dynamo.describeTable(r -> r.tableName(table)).table().latestStreamArn();
            String shard = streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards().getFirst().shardId();
            String iterator = streams.getShardIterator(r -> r.streamArn(arn).shardId(shard).shardIteratorType("TRIM_HORIZON"))
                    .shardIterator();
            var records = streams.getRecords(r -> r.shardIterator(iterator)).records();

            assertThat(records).extracting(record -> record.eventNameAsString()).containsExactly("INSERT", "MODIFY");
            assertThat(records.getFirst().dynamodb().newImage()).containsEntry("status",
                    software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("CONFIRMED"));
            assertThat(records.get(1).dynamodb().oldImage()).containsKey("status");
        }
    }

    @Test
    void sqs_shouldMoveMessageToDeadLetterQueue_whenReceivedMoreThanMaxReceiveCount() {
        try (SqsClient sqs = aws.sqs()) {
            Queues queues = new Queues(sqs);
            Queues.Queue dlq = queues.create("work-dlq", Map.of());
            Queues.Queue work = queues.createWithRedrive("work", dlq, 2, 0);
            sqs.sendMessage(r -> r.queueUrl(work.url()).messageBody("poison"));

            // visibility timeout 0: every receive makes the message visible again at once
            for (int receive = 1; receive <= 2; receive++) {
                assertThat(sqs.receiveMessage(r -> r.queueUrl(work.url()).waitTimeSeconds(1)).messages()).hasSize(1);
            }
            List<Message> third = sqs.receiveMessage(r -> r.queueUrl(work.url()).waitTimeSeconds(1)).messages();
            List<Message> parked = sqs.receiveMessage(r -> r.queueUrl(dlq.url()).waitTimeSeconds(1)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();

            assertThat(third).isEmpty();
            assertThat(parked).extracting(Message::body).containsExactly("poison");
            assertThat(work.arn()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:work");
            assertThat(sqs.getQueueAttributes(r -> r.queueUrl(work.url()).attributeNames(QueueAttributeName.REDRIVE_POLICY))
                    .attributes().get(QueueAttributeName.REDRIVE_POLICY)).contains(dlq.arn());
        }
    }

    @Test
    void secretsManager_shouldBeServedByMoto_behindTheSameEndpoint() {
        try (var secrets = aws.secretsManager()) {
            String arn = secrets.createSecret(r -> r.name("app/signing").secretString("v1")).arn();
            secrets.putSecretValue(r -> r.secretId("app/signing").secretString("v2"));

            assertThat(secrets.getSecretValue(r -> r.secretId(arn)).secretString()).isEqualTo("v2");
            assertThat(arn).startsWith("arn:aws:secretsmanager:us-east-1:000000000000:secret:app/signing-");
        }
    }

    @Test
    void s3_shouldStoreObjectsAndReportEachCreation() throws Exception {
        java.util.List<ObjectCreated> created = new java.util.concurrent.CopyOnWriteArrayList<>();
        aws.onObjectCreated(created::add);
        try (software.amazon.awssdk.services.s3.S3Client s3 = aws.s3()) {
            s3.createBucket(r -> r.bucket("uploads"));
            s3.putObject(r -> r.bucket("uploads").key("imports/my file+1.csv"),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("a,b\n1,2\n"));
            s3.copyObject(r -> r.sourceBucket("uploads").sourceKey("imports/my file+1.csv")
                    .destinationBucket("uploads").destinationKey("copies/x.csv"));
            String upload = s3.createMultipartUpload(r -> r.bucket("uploads").key("big/part.bin")).uploadId();
            String eTag = s3.uploadPart(r -> r.bucket("uploads").key("big/part.bin").uploadId(upload).partNumber(1),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[1024])).eTag();
            s3.completeMultipartUpload(r -> r.bucket("uploads").key("big/part.bin").uploadId(upload)
                    .multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(eTag))));

            assertThat(s3.getObjectAsBytes(r -> r.bucket("uploads").key("imports/my file+1.csv")).asUtf8String())
                    .isEqualTo("a,b\n1,2\n");
        } finally {
            aws.onObjectCreated(c -> { });
        }
        assertThat(created).extracting(ObjectCreated::eventName, ObjectCreated::key, ObjectCreated::size).containsExactly(
                org.assertj.core.groups.Tuple.tuple("ObjectCreated:Put", "imports/my file+1.csv", 8L),
                org.assertj.core.groups.Tuple.tuple("ObjectCreated:Copy", "copies/x.csv", 8L),
                org.assertj.core.groups.Tuple.tuple("ObjectCreated:CompleteMultipartUpload", "big/part.bin", 1024L));
        assertThat(created.getFirst().eTag()).matches("[0-9a-f]{32}");
    }

    @Test
    void s3_shouldWorkWithTheAwsCli_throughTheOneEndpoint() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("upload", ".csv");
        java.nio.file.Files.writeString(file, "x".repeat(20_000));
        java.util.List<ObjectCreated> created = new java.util.concurrent.CopyOnWriteArrayList<>();
        aws.onObjectCreated(created::add);
        try {
            assertThat(cli("s3", "mb", "s3://cli-bucket")).isZero();
            assertThat(cli("s3", "cp", file.toString(), "s3://cli-bucket/imports/report 2026.csv")).isZero();
            java.nio.file.Path back = java.nio.file.Files.createTempFile("download", ".csv");
            assertThat(cli("s3", "cp", "s3://cli-bucket/imports/report 2026.csv", back.toString())).isZero();
            assertThat(java.nio.file.Files.readString(back)).isEqualTo("x".repeat(20_000));
        } finally {
            aws.onObjectCreated(c -> { });
        }
        assertThat(created).extracting(ObjectCreated::key).containsExactly("imports/report 2026.csv");
    }

    private int cli(String... arguments) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("aws", "--endpoint-url",
                aws.endpoint().toString(), "--region", "us-east-1"));
        command.addAll(java.util.List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("AWS_ACCESS_KEY_ID", "test");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "test");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        int exit = process.waitFor();
        if (exit != 0) {
            System.err.println(String.join(" ", command) + ":\n" + output);
        }
        return exit;
    }
    @Test
    void dynamoDbStreams_shouldBeServedByMoto_throughTheOneEndpoint() {
        try (DynamoDbClient dynamo = aws.dynamoDb(); DynamoDbStreamsClient streams = aws.dynamoDbStreams()) {
            String arn = streamedTable(dynamo, "streamed");
            dynamo.putItem(r -> r.tableName("streamed").item(Map.of("id", AttributeValue.fromS("a"), "n", AttributeValue.fromN("1"))));
            dynamo.updateItem(r -> r.tableName("streamed").key(Map.of("id", AttributeValue.fromS("a")))
                    .updateExpression("SET n = :two").expressionAttributeValues(Map.of(":two", AttributeValue.fromN("2"))));

            String shard = streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards().getFirst().shardId();
            String iterator = streams.getShardIterator(r -> r.streamArn(arn).shardId(shard)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<Record> records = streams.getRecords(r -> r.shardIterator(iterator)).records();

            assertThat(records).extracting(record -> record.eventNameAsString()).containsExactly("INSERT", "MODIFY");
            assertThat(records.get(1).dynamodb().oldImage().get("n").n()).isEqualTo("1");
            assertThat(records.get(1).dynamodb().newImage().get("n").n()).isEqualTo("2");
            assertThat(new java.math.BigInteger(records.get(1).dynamodb().sequenceNumber()))
                    .isGreaterThan(new java.math.BigInteger(records.get(0).dynamodb().sequenceNumber()));
        }
    }

    @Test
    void cancelledTransaction_shouldLeaveItemsAndStreamAsTheyWere() {
        try (DynamoDbClient dynamo = aws.dynamoDb(); DynamoDbStreamsClient streams = aws.dynamoDbStreams()) {
            String arn = streamedTable(dynamo, "ledger");
            dynamo.putItem(r -> r.tableName("ledger").item(Map.of("id", AttributeValue.fromS("total"), "n", AttributeValue.fromN("10"))));
            dynamo.putItem(r -> r.tableName("ledger").item(Map.of("id", AttributeValue.fromS("marker"))));

            // the update and the put apply in moto before the third action's condition fails
            assertThatThrownBy(() -> dynamo.transactWriteItems(r -> r.transactItems(
                    TransactWriteItem.builder().update(u -> u.tableName("ledger").key(Map.of("id", AttributeValue.fromS("total")))
                            .updateExpression("ADD n :five").expressionAttributeValues(Map.of(":five", AttributeValue.fromN("5")))).build(),
                    TransactWriteItem.builder().put(p -> p.tableName("ledger").item(Map.of("id", AttributeValue.fromS("new")))).build(),
                    TransactWriteItem.builder().put(p -> p.tableName("ledger").item(Map.of("id", AttributeValue.fromS("marker")))
                            .conditionExpression("attribute_not_exists(id)")).build())))
                    .isInstanceOf(TransactionCanceledException.class);

            assertThat(dynamo.getItem(r -> r.tableName("ledger").key(Map.of("id", AttributeValue.fromS("total")))).item().get("n").n())
                    .isEqualTo("10");
            assertThat(dynamo.getItem(r -> r.tableName("ledger").key(Map.of("id", AttributeValue.fromS("new")))).hasItem()).isFalse();
            String shard = streams.describeStream(r -> r.streamArn(arn)).streamDescription().shards().getFirst().shardId();
            String iterator = streams.getShardIterator(r -> r.streamArn(arn).shardId(shard)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            assertThat(streams.getRecords(r -> r.shardIterator(iterator)).records()).hasSize(2);
        }
    }

    /** A table with a NEW_AND_OLD_IMAGES stream; returns the stream's ARN. */
    private static String streamedTable(DynamoDbClient dynamo, String name) {
        dynamo.createTable(r -> r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        return dynamo.describeTable(r -> r.tableName(name)).table().latestStreamArn();
    }
}
