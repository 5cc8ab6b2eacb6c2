package eventjobs.local.sources;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.ObjectCreated;
import eventjobs.local.template.EventProperties;
import eventjobs.local.template.SamTemplate;

import java.util.List;
import java.util.function.Consumer;

/**
 * Bucket notifications as S3 applies them: for each created object, every configuration of
 * its bucket whose event pattern and key prefix and suffix match invokes its function
 * asynchronously with the S3 event. On the embedded endpoint objects are seen as they are
 * written; on another endpoint its own bucket notifications carry them
 * ({@link BucketNotificationQueue}). Thread-safe once built.
 */
final class S3Notifications implements Consumer<ObjectCreated> {

    /** S3 events ({@code Type: S3}): one set of notification configurations for all buckets. */
    static final EventSource.Kind<Filter> KIND = new EventSource.Kind<>(Filter::read, S3Notifications::create);

    /** S3 object notifications for a bucket, filtered by key prefix and suffix. */
    record Filter(String name, String bucketLogicalId, List<String> events, String prefix, String suffix)
            implements EventSource.Event {

        /** A {@code Type: S3} event, or an entry of a bucket's {@code LambdaConfigurations} read as one. */
        static Filter read(EventProperties properties) {
            return new Filter(properties.name(), properties.bucket("Bucket"), properties.strings("Events"),
                    properties.s3KeyRule("prefix"), properties.s3KeyRule("suffix"));
        }
    }

    /** One notification configuration: objects of a bucket matching a filter go to a function. */
    record Rule(String bucket, Filter filter, String functionId, AsyncInvoker invoker) {

        /** The configuration's id, as the S3 event carries it. */
        String configurationId() {
            return functionId + filter.name();
        }

        void deliver(ObjectCreated created, String region) {
            invoker.submit(S3EventJson.event(created, configurationId(), region), "s3:" + created.bucket() + "/" + created.key());
        }
    }

    private final List<Rule> rules;

    S3Notifications(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    private static EventSource create(List<EventSource.Subscription<Filter>> filters, EventSource.Context context) {
        S3Notifications notifications = new S3Notifications(filters.stream().map(f -> new Rule(
                context.template().bucket(f.event().bucketLogicalId()).orElseThrow().name(), f.event(),
                f.function().logicalId(), f.function().async())).toList());
        return context.aws().embedded()
                ? new Embedded(context.aws(), notifications)
                : new BucketNotificationQueue(context.sqs(), context.s3(), context.template().stackName() + "-s3-notifications",
                        notifications, context.log(), context.clock());
    }

    List<Rule> rules() {
        return rules;
    }

    @Override
    public void accept(ObjectCreated created) {
        for (Rule rule : rules) {
            if (rule.bucket().equals(created.bucket()) && matches(rule.filter(), created)) {
                rule.deliver(created, SamTemplate.REGION);
            }
        }
    }

    static boolean matches(Filter filter, ObjectCreated created) {
        // S3 matches filters against the key as stored, and event types like s3:ObjectCreated:*
        boolean type = filter.events().stream().anyMatch(pattern -> {
            String name = "s3:" + created.eventName();
            return pattern.endsWith("*") ? name.startsWith(pattern.substring(0, pattern.length() - 1)) : name.equals(pattern);
        });
        return type && created.key().startsWith(filter.prefix()) && created.key().endsWith(filter.suffix());
    }

    /** The embedded endpoint tells of each object it stores. */
    private record Embedded(EmbeddedAws aws, S3Notifications notifications) implements EventSource {
        @Override
        public void start() {
            aws.onObjectCreated(notifications);
        }

        @Override
        public void close() {
            aws.onObjectCreated(created -> { });
        }
    }
}
