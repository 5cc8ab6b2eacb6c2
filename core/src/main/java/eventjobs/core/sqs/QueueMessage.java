package eventjobs.core.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One SQS message as a job sees it: our own value, so jobs never touch Lambda event types.
 *
 * @param messageId      SQS message id, the item identifier of a partial batch response
 * @param body           the message body as sent
 * @param attributes     string and number message attributes, by name
 * @param receiveCount   how many times SQS has handed this message out (1 on first delivery)
 * @param messageGroupId the FIFO message group, empty on standard queues
 * @param sourceQueueArn the queue the message came from
 */
public record QueueMessage(String messageId, String body, Map<String, String> attributes,
                           int receiveCount, Optional<String> messageGroupId, String sourceQueueArn) {

    public QueueMessage {
        attributes = Map.copyOf(attributes);
    }

    /** Whether the message came from a FIFO queue. */
    public boolean fromFifoQueue() {
        return sourceQueueArn != null && sourceQueueArn.endsWith(".fifo");
    }

    static QueueMessage from(SQSEvent.SQSMessage message) {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (message.getMessageAttributes() != null) {
            message.getMessageAttributes().forEach((name, value) -> {
                if (value != null && value.getStringValue() != null) {
                    attributes.put(name, value.getStringValue());
                }
            });
        }
        Map<String, String> system = message.getAttributes() == null ? Map.of() : message.getAttributes();
        int receiveCount = parseOr(system.get("ApproximateReceiveCount"), 1);
        return new QueueMessage(message.getMessageId(), message.getBody() == null ? "" : message.getBody(),
                attributes, receiveCount, Optional.ofNullable(system.get("MessageGroupId")),
                message.getEventSourceArn());
    }

    private static int parseOr(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
