package eventjobs.local.sources;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * What a Kafka mapping sends: the event a function receives, in the shape Lambda delivers and
 * {@code KafkaEvent} reads (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html">self-managed</a>,
 * <a href="https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html">MSK</a>: {@code eventSource}
 * {@code SelfManagedKafka}, or {@code aws:kafka} with the cluster's {@code eventSourceArn}; the
 * bootstrap servers comma-separated; {@code records} keyed {@code topic-partition}, each with its
 * offset, timestamp and type, key and value in base64, headers as a list of one-entry objects whose
 * value is the header's bytes as numbers), and the record an OnFailure destination (SQS) gets for a
 * batch Lambda gave up on, which says where the batch is, not what it held
 * (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-msk-on-failure.html">AWS docs</a>).
 */
final class KafkaEventJson {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private KafkaEventJson() {}

    /** Where the records came from, as the event names it. */
    record Origin(Optional<String> clusterArn, String bootstrapServers) {
        String eventSource() {
            return clusterArn.isPresent() ? "aws:kafka" : "SelfManagedKafka";
        }
    }

    /** One record as the function gets it. */
    static ObjectNode record(ConsumerRecord<byte[], byte[]> record) {
        ObjectNode node = JSON.createObjectNode();
        node.put("topic", record.topic());
        node.put("partition", record.partition());
        node.put("offset", record.offset());
        node.put("timestamp", record.timestamp());
        node.put("timestampType", record.timestampType().name());
        if (record.key() != null) {
            node.put("key", BASE64.encodeToString(record.key()));
        }
        if (record.value() != null) {
            node.put("value", BASE64.encodeToString(record.value()));
        }
        ArrayNode headers = node.putArray("headers");
        for (Header header : record.headers()) {
            ArrayNode bytes = headers.addObject().putArray(header.key());
            if (header.value() != null) {
                for (byte b : header.value()) {
                    bytes.add(b & 0xff);
                }
            }
        }
        return node;
    }

    /** The event of one batch: records of one topic partition, in order. */
    static byte[] event(Origin origin, String topicPartition, List<ObjectNode> records) {
        ObjectNode event = JSON.createObjectNode();
        event.put("eventSource", origin.eventSource());
        origin.clusterArn().ifPresent(arn -> event.put("eventSourceArn", arn));
        event.put("bootstrapServers", origin.bootstrapServers());
        ArrayNode array = event.putObject("records").putArray(topicPartition);
        records.forEach(array::add);
        return JSON.writeValueAsBytes(event);
    }

    /**
     * The OnFailure record of a batch that was given up on.
     *
     * @param condition     {@code RetryAttemptsExhausted} or {@code RecordAgeExceeded}
     * @param invokeCount   how often the batch's records were sent to the function
     * @param functionError whether the last invocation failed (rather than answered), when there was one
     */
    static byte[] onFailure(Origin origin, String topicPartition, List<ConsumerRecord<byte[], byte[]>> batch, int payloadSize,
                            String requestId, String functionArn, String condition, int invokeCount,
                            Optional<Boolean> functionError, Instant now) {
        ObjectNode record = JSON.createObjectNode();
        ObjectNode context = record.putObject("requestContext");
        context.put("requestId", requestId);
        context.put("functionArn", functionArn);
        context.put("condition", condition);
        context.put("approximateInvokeCount", invokeCount);
        functionError.ifPresent(failed -> {
            ObjectNode response = record.putObject("responseContext");
            response.put("statusCode", 200);
            response.put("executedVersion", "$LATEST");
            if (failed) {
                response.put("functionError", "Unhandled");
            }
        });
        record.put("version", "1.0");
        record.put("timestamp", millis(now));
        ObjectNode info = record.putObject("KafkaBatchInfo");
        info.put("batchSize", batch.size());
        origin.clusterArn().ifPresent(arn -> info.put("eventSourceArn", arn));
        info.put("bootstrapServers", origin.bootstrapServers());
        info.put("payloadSize", payloadSize);
        ObjectNode range = info.putObject("recordsInfo").putObject(topicPartition);
        range.put("firstRecordOffset", Long.toString(batch.getFirst().offset()));
        range.put("lastRecordOffset", Long.toString(batch.getLast().offset()));
        range.put("firstRecordTimestamp", millis(Instant.ofEpochMilli(batch.getFirst().timestamp())));
        range.put("lastRecordTimestamp", millis(Instant.ofEpochMilli(batch.getLast().timestamp())));
        return JSON.writeValueAsBytes(record);
    }

    private static String millis(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }
}
