package eventjobs.core.async;

import eventjobs.core.DeadLetter;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Parks events on one SQS queue, the one the function's {@code OnFailure} destination names, so
 * events parked at once and events Lambda gave up on end in the same place. Thread-safe.
 */
public final class SqsFailureQueue implements FailureQueue {

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsFailureQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void park(String event, DeadLetter why) {
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(event).messageAttributes(why.messageAttributes()));
    }
}
