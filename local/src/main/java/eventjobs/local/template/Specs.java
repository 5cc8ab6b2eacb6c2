package eventjobs.local.template;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The parts of a template the local runtime runs, with every intrinsic resolved. */
public final class Specs {

    private Specs() {}

    /** An SQS queue: its physical name and the SQS attributes to create it with. */
    public record Queue(String logicalId, String name, Map<String, String> attributes) {
        public boolean fifo() {
            return name.endsWith(".fifo");
        }
    }

    /** A DynamoDB table, described in CloudFormation's own property shapes. */
    public record Table(String logicalId, String name, List<Map<String, Object>> attributeDefinitions,
                        List<Map<String, Object>> keySchema, List<Map<String, Object>> globalSecondaryIndexes,
                        Optional<String> ttlAttribute, Optional<String> streamViewType) {}

    public record Bucket(String logicalId, String name) {}

    /** A function and how it is triggered. */
    public record Function(String logicalId, String name, String handler, String runtime, Path codeUri,
                           Duration timeout, int memoryMb, Map<String, String> environment,
                           OptionalInt reservedConcurrency, List<Event> events, Optional<AsyncConfig> async,
                           Optional<String> deadLetterTargetArn) {}

    /** A trigger of a function. */
    public sealed interface Event permits SqsEvent, S3Event, HttpEvent {
        String name();
    }

    /** An SQS event source mapping (<a href="https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html">AWS docs</a>). */
    public record SqsEvent(String name, String queueLogicalId, int batchSize, Duration batchingWindow,
                           boolean reportBatchItemFailures, OptionalInt maximumConcurrency, boolean enabled)
            implements Event {}

    /** S3 object notifications for a bucket, filtered by key prefix and suffix. */
    public record S3Event(String name, String bucketLogicalId, List<String> events, String prefix, String suffix)
            implements Event {}

    /** A route of an HTTP API (payload 2.0) or a REST API (payload 1.0). */
    public record HttpEvent(String name, boolean httpApi, String method, String path) implements Event {}

    /** EventInvokeConfig: retries and destinations of asynchronous invocations. */
    public record AsyncConfig(int maximumRetryAttempts, Duration maximumEventAge, Optional<String> onSuccessArn,
                              Optional<String> onFailureArn) {}
}
