package eventjobs.local.stack;

import eventjobs.local.aws.DynamoJson;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Keeps the template's table items and queued messages on disk between runs of the local
 * runtime: {@link #save} when it stops, {@link #restore} after the next start has provisioned.
 * Items are kept whole (DynamoDB JSON); messages keep their body, attributes, FIFO group and,
 * on standard queues, their receive count, but not their age. Messages in flight when it stops
 * are kept: the SQS mappings give them back before the snapshot is taken.
 * (S3 objects are kept by the blob store itself, on disk under the same folder.)
 */
public final class StateSnapshot {

    private static final JsonMapper JSON = JsonMapper.shared();

    private final Path directory;

    public StateSnapshot(Path directory) {
        this.directory = directory;
    }

    public void save(SamTemplate template, SqsClient sqs, DynamoDbClient dynamo) {
        try {
            Files.createDirectories(directory.resolve("dynamodb"));
            Files.createDirectories(directory.resolve("sqs"));
            for (Specs.Table table : template.tables()) {
                try (BufferedWriter out = Files.newBufferedWriter(directory.resolve("dynamodb").resolve(table.name() + ".jsonl"))) {
                    for (Map<String, AttributeValue> item : dynamo.scanPaginator(r -> r.tableName(table.name())).items()) {
                        out.write(JSON.writeValueAsString(DynamoJson.toJson(item)));
                        out.newLine();
                    }
                }
            }
            for (Specs.Queue queue : template.queues()) {
                String url = sqs.getQueueUrl(r -> r.queueName(queue.name())).queueUrl();
                try (BufferedWriter out = Files.newBufferedWriter(directory.resolve("sqs").resolve(queue.name() + ".jsonl"))) {
                    for (List<Message> batch; !(batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                            .visibilityTimeout(300).messageAttributeNames("All")
                            .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID,
                                    MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages()).isEmpty(); ) {
                        for (Message message : batch) {
                            ObjectNode line = JSON.createObjectNode().put("body", message.body());
                            // receives before this one, which only takes the snapshot
                            line.put("receives", Integer.parseInt(message.attributes()
                                    .getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")) - 1);
                            String group = message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
                            if (group != null) {
                                line.put("group", group);
                            }
                            ObjectNode attributes = line.putObject("attributes");
                            message.messageAttributes().forEach((name, value) -> {
                                if (value.stringValue() != null) {
                                    attributes.putObject(name).put("type", value.dataType()).put("value", value.stringValue());
                                }
                            });
                            out.write(JSON.writeValueAsString(line));
                            out.newLine();
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save local state to " + directory, e);
        }
    }

    public void restore(SamTemplate template, SqsClient sqs, DynamoDbClient dynamo) {
        try {
            for (Specs.Table table : template.tables()) {
                Path file = directory.resolve("dynamodb").resolve(table.name() + ".jsonl");
                if (Files.exists(file)) {
                    for (String line : Files.readAllLines(file)) {
                        dynamo.putItem(r -> r.tableName(table.name()).item(DynamoJson.fromJson(JSON.readTree(line))));
                    }
                }
            }
            for (Specs.Queue queue : template.queues()) {
                Path file = directory.resolve("sqs").resolve(queue.name() + ".jsonl");
                if (!Files.exists(file)) {
                    continue;
                }
                String url = sqs.getQueueUrl(r -> r.queueName(queue.name())).queueUrl();
                List<JsonNode> lines = Files.readAllLines(file).stream().map(JSON::readTree).toList();
                List<String> hidden = new ArrayList<>();
                try {
                    // received before first, one at a time, each received again as often as it was (the others
                    // hidden meanwhile); SQS has no other way to set a receive count. FIFO groups would block it.
                    for (JsonNode line : lines) {
                        int receives = queue.fifo() ? 0 : line.path("receives").asInt(0);
                        if (receives > 0) {
                            send(sqs, queue, url, line);
                            receiveAgain(sqs, url, receives).ifPresent(hidden::add);
                        }
                    }
                    for (JsonNode line : lines) {
                        if (queue.fifo() || line.path("receives").asInt(0) == 0) {
                            send(sqs, queue, url, line);
                        }
                    }
                } finally {
                    hidden.forEach(handle -> sqs.changeMessageVisibility(r -> r.queueUrl(url).receiptHandle(handle).visibilityTimeout(0)));
                }
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read local state from " + directory, e);
        }
    }

    private static void send(SqsClient sqs, Specs.Queue queue, String url, JsonNode line) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        line.path("attributes").properties().forEach(e -> attributes.put(e.getKey(), MessageAttributeValue.builder()
                .dataType(e.getValue().get("type").asString()).stringValue(e.getValue().get("value").asString()).build()));
        sqs.sendMessage(r -> {
            r.queueUrl(url).messageBody(line.get("body").asString()).messageAttributes(attributes);
            if (queue.fifo()) {
                r.messageGroupId(line.path("group").asString("restored")).messageDeduplicationId("restored-" + UUID.randomUUID());
            }
        });
    }

    /**
     * Receives the one visible message of a queue {@code times} times, leaving it hidden after the
     * last; its receipt handle, to make it visible again when all are restored.
     */
    private static Optional<String> receiveAgain(SqsClient sqs, String url, int times) {
        String handle = null;
        for (int receive = 1; receive <= times; receive++) {
            int visibility = receive == times ? 600 : 0;
            List<Message> got = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(1).waitTimeSeconds(1)
                    .visibilityTimeout(visibility)).messages();
            if (got.isEmpty()) {
                return Optional.empty();
            }
            handle = got.getFirst().receiptHandle();
        }
        return Optional.ofNullable(handle);
    }
}
