package eventjobs.core.sqs;

/**
 * A job's work on one message. Returning normally means done: the message is deleted.
 * Throw {@link eventjobs.core.JobFailure.Permanent} for a message that can never succeed;
 * anything else thrown is retried by SQS.
 */
@FunctionalInterface
public interface MessageHandler {
    void handle(QueueMessage message) throws Exception;
}
