package eventjobs.core;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

import java.time.Clock;
import java.util.Map;

/**
 * Permanent failures of asynchronously invoked jobs (S3 notifications, Event invokes). Lambda
 * retries every failed async invocation, so a job that knows retrying cannot help parks the
 * event itself on the failures queue (the one its OnFailure destination names) with the reason,
 * and ends normally: no retries are spent. Other failures are thrown and Lambda's retries, then
 * the OnFailure destination, take them. Thread-safe.
 */
public final class AsyncFailures {

    private final SqsClient sqs;
    private final String queueUrl;
    private final String function;
    private final Clock clock;

    public AsyncFailures(SqsClient sqs, String queueUrl, String function, Clock clock) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.function = function;
        this.clock = clock;
    }

    /** Parks {@code event} (the invocation's payload) with the reason it can never succeed. */
    public void park(String event, JobFailure.Permanent failure) {
        String reason = failure.reason().length() > 2048 ? failure.reason().substring(0, 2047) + "…" : failure.reason();
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(event).messageAttributes(Map.of(
                "failure-reason", text(reason),
                "failure-function", text(function),
                "failure-at", text(clock.instant().toString()))));
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value.isBlank() ? "-" : value).build();
    }
}
