package eventjobs.core.sqs;

import eventjobs.core.JobFailure;

/** Where a message that failed permanently is parked for a person to see and replay. */
public interface DeadLetters {

    /**
     * Parks {@code message} with the failure's reason. Throws if it could not: the caller then
     * leaves the message on its queue, so it is retried rather than lost.
     */
    void park(QueueMessage message, JobFailure.Permanent failure);
}
