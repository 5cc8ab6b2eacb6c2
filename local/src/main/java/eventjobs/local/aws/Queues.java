package eventjobs.local.aws;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.util.HashMap;
import java.util.Map;

/** Creates queues the way the template declares them. Idempotent, like SQS's CreateQueue. */
public final class Queues {

    /** A queue by URL and ARN. */
    public record Queue(String url, String arn) {}

    private final SqsClient sqs;

    public Queues(SqsClient sqs) {
        this.sqs = sqs;
    }

    public Queue create(String name, Map<QueueAttributeName, String> attributes) {
        Map<QueueAttributeName, String> all = new HashMap<>(attributes);
        if (name.endsWith(".fifo")) {
            all.put(QueueAttributeName.FIFO_QUEUE, "true");
        }
        String url = sqs.createQueue(r -> r.queueName(name).attributes(all)).queueUrl();
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        return new Queue(url, arn);
    }

    /** A queue whose messages move to {@code deadLetters} after {@code maxReceiveCount} receives. */
    public Queue createWithRedrive(String name, Queue deadLetters, int maxReceiveCount, int visibilityTimeoutSeconds) {
        return create(name, Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilityTimeoutSeconds),
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + deadLetters.arn()
                        + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}"));
    }
}
