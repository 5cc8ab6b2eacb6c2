package eventjobs.core;

import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Why an input was parked on a dead-letter queue: the one description of a permanent failure,
 * written as SQS message attributes next to the input it belongs to, whether that input was an
 * SQS message ({@link Origin.Message}), the payload of an asynchronous invoke
 * ({@link Origin.Invocation}), a stream record ({@link Origin.StreamRecord}) or a Kafka record
 * ({@link Origin.KafkaRecord}). The reason is cut to {@value #MAX_REASON_LENGTH} characters here,
 * and only here, so that it stays readable and far below SQS's 256 KiB message limit.
 *
 * @param reason   why retrying cannot help, never blank
 * @param type     the simple name of the exception behind the reason (the failure's cause, else
 *                 the failure itself), so a person can group parked inputs
 * @param origin   where the input came from
 * @param failedAt when it was parked
 */
public record DeadLetter(String reason, String type, Origin origin, Instant failedAt) {

    public static final String REASON = "failure-reason";
    public static final String TYPE = "failure-type";
    public static final String FAILED_AT = "failure-at";
    public static final String SOURCE_QUEUE = "failure-source-queue";
    public static final String MESSAGE_ID = "failure-message-id";
    public static final String RECEIVE_COUNT = "failure-receive-count";
    public static final String FUNCTION = "failure-function";
    public static final String REQUEST_ID = "failure-request-id";
    public static final String STREAM = "failure-stream";
    public static final String SEQUENCE_NUMBER = "failure-sequence-number";
    public static final String TOPIC = "failure-topic";
    public static final String PARTITION = "failure-partition";
    public static final String OFFSET = "failure-offset";

    /** The longest reason kept; a longer one ends with "…". */
    public static final int MAX_REASON_LENGTH = 2048;

    /** Where a parked input came from; each kind adds its own attributes. */
    public sealed interface Origin {

        /** An SQS message: its queue, its id, and how many times SQS had handed it out. */
        record Message(String sourceQueueArn, String messageId, int receiveCount) implements Origin {}

        /** The payload of an asynchronous invoke of {@code functionName}, in request {@code requestId}. */
        record Invocation(String functionName, String requestId) implements Origin {}

        /**
         * A record of a stream ({@code streamArn}) that {@code functionName} read in request
         * {@code requestId}; the sequence number says where it is in its shard.
         */
        record StreamRecord(String functionName, String requestId, String streamArn, String sequenceNumber) implements Origin {}

        /**
         * A Kafka record that {@code functionName} read in request {@code requestId}; topic,
         * partition and offset say where it is.
         */
        record KafkaRecord(String functionName, String requestId, String topic, int partition, long offset) implements Origin {}
    }

    public DeadLetter {
        reason = reason == null || reason.isBlank() ? "no reason given" : reason;
        if (reason.length() > MAX_REASON_LENGTH) {
            reason = reason.substring(0, MAX_REASON_LENGTH - 1) + "…";
        }
    }

    /** Describes {@code failure} of an input from {@code origin}, parked at {@code failedAt}. */
    public static DeadLetter of(JobFailure.Permanent failure, Origin origin, Instant failedAt) {
        Throwable behind = failure.getCause() == null ? failure : failure.getCause();
        return new DeadLetter(failure.reason(), behind.getClass().getSimpleName(), origin, failedAt);
    }

    /** The attribute values by name, this record's own first, in a stable order. */
    public Map<String, String> attributes() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(REASON, reason);
        attributes.put(TYPE, type);
        switch (origin) {
            case Origin.Message message -> {
                attributes.put(SOURCE_QUEUE, message.sourceQueueArn());
                attributes.put(MESSAGE_ID, message.messageId());
                attributes.put(RECEIVE_COUNT, Integer.toString(message.receiveCount()));
            }
            case Origin.Invocation invocation -> {
                attributes.put(FUNCTION, invocation.functionName());
                attributes.put(REQUEST_ID, invocation.requestId());
            }
            case Origin.StreamRecord record -> {
                attributes.put(FUNCTION, record.functionName());
                attributes.put(REQUEST_ID, record.requestId());
                attributes.put(STREAM, record.streamArn());
                attributes.put(SEQUENCE_NUMBER, record.sequenceNumber());
            }
            case Origin.KafkaRecord record -> {
                attributes.put(FUNCTION, record.functionName());
                attributes.put(REQUEST_ID, record.requestId());
                attributes.put(TOPIC, record.topic());
                attributes.put(PARTITION, Integer.toString(record.partition()));
                attributes.put(OFFSET, Long.toString(record.offset()));
            }
        }
        attributes.put(FAILED_AT, failedAt.toString());
        return attributes;
    }

    /** {@link #attributes()} as SQS string message attributes. */
    public Map<String, MessageAttributeValue> messageAttributes() {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        attributes().forEach((name, value) -> attributes.put(name, stringAttribute(value)));
        return attributes;
    }

    /** An SQS string message attribute; SQS refuses empty values, so those become "-". */
    public static MessageAttributeValue stringAttribute(String value) {
        return MessageAttributeValue.builder().dataType("String")
                .stringValue(value == null || value.isBlank() ? "-" : value).build();
    }
}
