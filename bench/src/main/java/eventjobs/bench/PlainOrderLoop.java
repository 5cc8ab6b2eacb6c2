package eventjobs.bench;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The order pipeline's AWS work without the Lambda runtime: the baseline its rate is compared with.
 * Per order, what POST /orders and the worker ask of DynamoDB and SQS: a conditional PutItem of the
 * ACCEPTED order, a SendMessage, an UpdateItem marking it enqueued; then a receive (10 at a time),
 * a conditional UpdateItem to CONFIRMED and a batch delete. Producers as many as the benchmark's
 * HTTP clients, consumers as many as the SQS mapping's first concurrent batches (five).
 */
final class PlainOrderLoop {

    static final int CONSUMERS = 5;

    private PlainOrderLoop() {}

    /** Orders per second, from the first put to the last confirmation. */
    static double run(DynamoDbClient dynamo, SqsClient sqs, int orders, int producers, String body) throws Exception {
        String table = "bench-plain-orders-" + UUID.randomUUID();
        dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("orderId").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("orderId").keyType(KeyType.HASH).build()));
        String queue = sqs.createQueue(r -> r.queueName("bench-plain-orders")).queueUrl();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger confirmed = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newFixedThreadPool(producers + CONSUMERS)) {
            List<Future<?>> work = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                work.add(threads.submit(() -> {
                    while (next.getAndIncrement() < orders) {
                        String orderId = UUID.randomUUID().toString();
                        dynamo.putItem(r -> r.tableName(table).item(Map.of("orderId", AttributeValue.fromS(orderId),
                                        "status", AttributeValue.fromS("ACCEPTED"), "order", AttributeValue.fromS(body)))
                                .conditionExpression("attribute_not_exists(orderId)"));
                        sqs.sendMessage(r -> r.queueUrl(queue).messageBody(orderId));
                        dynamo.updateItem(r -> r.tableName(table).key(Map.of("orderId", AttributeValue.fromS(orderId)))
                                .updateExpression("SET enqueuedAt = :t").conditionExpression("attribute_exists(orderId)")
                                .expressionAttributeValues(Map.of(":t", AttributeValue.fromS(Instant.now().toString()))));
                    }
                    return null;
                }));
            }
            for (int c = 0; c < CONSUMERS; c++) {
                work.add(threads.submit(() -> {
                    while (confirmed.get() < orders) {
                        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                        if (messages.isEmpty()) {
                            continue;
                        }
                        List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
                        for (Message message : messages) {
                            dynamo.updateItem(r -> r.tableName(table).key(Map.of("orderId", AttributeValue.fromS(message.body())))
                                    .updateExpression("SET #s = :confirmed").conditionExpression("#s = :accepted")
                                    .expressionAttributeNames(Map.of("#s", "status"))
                                    .expressionAttributeValues(Map.of(":confirmed", AttributeValue.fromS("CONFIRMED"),
                                            ":accepted", AttributeValue.fromS("ACCEPTED"))));
                            done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                                    .receiptHandle(message.receiptHandle()).build());
                        }
                        sqs.deleteMessageBatch(r -> r.queueUrl(queue).entries(done));
                        confirmed.addAndGet(messages.size());
                    }
                    return null;
                }));
            }
            for (Future<?> each : work) {
                each.get();
            }
        }
        double rate = orders / ((System.nanoTime() - start) / 1e9);
        dynamo.deleteTable(r -> r.tableName(table));
        sqs.deleteQueue(r -> r.queueUrl(queue));
        return rate;
    }
}
