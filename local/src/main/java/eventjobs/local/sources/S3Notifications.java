package eventjobs.local.sources;

import eventjobs.local.aws.ObjectCreated;
import eventjobs.local.template.Specs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Bucket notifications as S3 applies them: for each created object, every configuration of
 * its bucket whose event pattern and key prefix and suffix match invokes its function
 * asynchronously with the S3 event. Thread-safe once built.
 */
public final class S3Notifications implements Consumer<ObjectCreated> {

    /** One notification configuration: objects of a bucket matching an event go to a function. */
    public record Rule(String bucket, Specs.S3Event event, String functionId, AsyncInvoker invoker) {

        /** The configuration's id, as the S3 event carries it. */
        public String configurationId() {
            return functionId + event.name();
        }

        void deliver(ObjectCreated created, String region) {
            invoker.submit(S3EventJson.event(created, configurationId(), region), "s3:" + created.bucket() + "/" + created.key());
        }
    }

    private final List<Rule> rules = new ArrayList<>();

    /** Adds a configuration: objects of {@code bucket} matching {@code event} go to {@code invoker}. */
    public S3Notifications add(String bucket, Specs.S3Event event, String functionId, AsyncInvoker invoker) {
        rules.add(new Rule(bucket, event, functionId, invoker));
        return this;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    public List<Rule> rules() {
        return List.copyOf(rules);
    }

    @Override
    public void accept(ObjectCreated created) {
        for (Rule rule : rules) {
            if (rule.bucket().equals(created.bucket()) && matches(rule.event(), created)) {
                rule.deliver(created, "us-east-1");
            }
        }
    }

    static boolean matches(Specs.S3Event event, ObjectCreated created) {
        // S3 matches filters against the key as stored, and event types like s3:ObjectCreated:*
        boolean type = event.events().stream().anyMatch(pattern -> {
            String name = "s3:" + created.eventName();
            return pattern.endsWith("*") ? name.startsWith(pattern.substring(0, pattern.length() - 1)) : name.equals(pattern);
        });
        return type && created.key().startsWith(event.prefix()) && created.key().endsWith(event.suffix());
    }
}
