package eventjobs.core.sqs;

import eventjobs.core.DeadLetter;
import eventjobs.core.JobFailure;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parks a message on the dead-letter queue named by its source queue's {@code RedrivePolicy},
 * the same queue SQS itself would move it to after {@code maxReceiveCount} receives. The
 * original body is kept; the {@link DeadLetter} attributes say why, and as many of the original
 * attributes as SQS's limit of ten leaves room for follow them.
 *
 * <p>Queue URLs are looked up once per source queue and cached. Thread-safe.
 */
public final class SqsDeadLetters implements DeadLetters {

    /** SQS allows at most 10 message attributes. */
    private static final int MAX_ATTRIBUTES = 10;
    private static final JsonMapper JSON = JsonMapper.shared();

    private final SqsClient sqs;
    private final Clock clock;
    private final Map<String, String> deadLetterUrlBySourceArn = new ConcurrentHashMap<>();

    public SqsDeadLetters(SqsClient sqs, Clock clock) {
        this.sqs = sqs;
        this.clock = clock;
    }

    @Override
    public void park(QueueMessage message, JobFailure.Permanent failure) {
        String dlqUrl = deadLetterUrlBySourceArn.computeIfAbsent(message.sourceQueueArn(), this::resolveDeadLetterUrl);
        DeadLetter why = DeadLetter.of(failure, new DeadLetter.Origin.Message(message.sourceQueueArn(),
                message.messageId(), message.receiveCount()), clock.instant());
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>(why.messageAttributes());
        message.attributes().forEach((name, value) -> {
            if (attributes.size() < MAX_ATTRIBUTES && !attributes.containsKey(name)) {
                attributes.put(name, DeadLetter.stringAttribute(value));
            }
        });
        SendMessageRequest.Builder request = SendMessageRequest.builder()
                .queueUrl(dlqUrl)
                .messageBody(message.body())
                .messageAttributes(attributes);
        if (dlqUrl.endsWith(".fifo")) {
            request.messageGroupId(message.messageGroupId().orElse("dead-letters"))
                    .messageDeduplicationId(message.messageId());
        }
        sqs.sendMessage(request.build());
    }

    private String resolveDeadLetterUrl(String sourceQueueArn) {
        String sourceUrl = queueUrl(sourceQueueArn);
        String redrivePolicy = sqs.getQueueAttributes(r -> r.queueUrl(sourceUrl)
                        .attributeNames(QueueAttributeName.REDRIVE_POLICY))
                .attributes().get(QueueAttributeName.REDRIVE_POLICY);
        if (redrivePolicy == null || redrivePolicy.isBlank()) {
            throw new IllegalStateException("queue " + sourceQueueArn
                    + " has no RedrivePolicy, so a failed message has no dead-letter queue to go to");
        }
        JsonNode target = JSON.readTree(redrivePolicy).get("deadLetterTargetArn");
        if (target == null || !target.isString()) {
            throw new IllegalStateException("RedrivePolicy of " + sourceQueueArn + " names no deadLetterTargetArn");
        }
        return queueUrl(target.asString());
    }

    private String queueUrl(String queueArn) {
        // arn:aws:sqs:<region>:<account>:<name>
        String[] parts = queueArn.split(":", 6);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not an SQS queue ARN: " + queueArn);
        }
        return sqs.getQueueUrl(r -> r.queueName(parts[5]).queueOwnerAWSAccountId(parts[4])).queueUrl();
    }
}
