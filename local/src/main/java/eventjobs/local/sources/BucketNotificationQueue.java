package eventjobs.local.sources;

import eventjobs.local.aws.ObjectCreated;
import eventjobs.local.template.SamTemplate;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.FilterRule;
import software.amazon.awssdk.services.s3.model.QueueConfiguration;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * S3 notifications on an endpoint the runtime does not run itself (LocalStack, moto): each
 * bucket's notification configuration sends the template's S3 events to one internal queue,
 * which this consumes. Each event is brought to AWS's exact shape before a function sees it
 * (moto writes {@code /} in keys as {@code %2F}, times without a zone, no sequencer), and the
 * {@code s3:TestEvent} sent when a configuration is set is skipped. Thread-safe.
 */
final class BucketNotificationQueue implements EventSource {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String SOURCE = "s3-notifications";

    private final SqsClient sqs;
    private final S3Client s3;
    private final String queueUrl;
    private final S3Notifications notifications;
    private final Map<String, S3Notifications.Rule> byConfigurationId = new HashMap<>();
    private final InvocationLog log;
    private final Clock clock;
    private final Thread poller = Thread.ofVirtual().name(SOURCE).unstarted(this::poll);
    private volatile boolean running = true;

    /** Creates the queue that the buckets will notify. */
    BucketNotificationQueue(SqsClient sqs, S3Client s3, String queueName, S3Notifications notifications, InvocationLog log,
                            Clock clock) {
        this.sqs = sqs;
        this.s3 = s3;
        this.queueUrl = sqs.createQueue(r -> r.queueName(queueName)).queueUrl();
        this.notifications = notifications;
        this.log = log;
        this.clock = clock;
        notifications.rules().forEach(rule -> byConfigurationId.put(rule.configurationId(), rule));
    }

    /** Sets every bucket's notification configuration to the rules, and starts consuming. */
    @Override
    public void start() {
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        Map<String, List<QueueConfiguration>> byBucket = new HashMap<>();
        for (S3Notifications.Rule rule : notifications.rules()) {
            List<FilterRule> filters = new ArrayList<>();
            if (!rule.filter().prefix().isEmpty()) {
                filters.add(FilterRule.builder().name("prefix").value(rule.filter().prefix()).build());
            }
            if (!rule.filter().suffix().isEmpty()) {
                filters.add(FilterRule.builder().name("suffix").value(rule.filter().suffix()).build());
            }
            QueueConfiguration.Builder configuration = QueueConfiguration.builder().id(rule.configurationId())
                    .queueArn(queueArn).eventsWithStrings(rule.filter().events());
            if (!filters.isEmpty()) {
                configuration.filter(f -> f.key(k -> k.filterRules(filters)));
            }
            byBucket.computeIfAbsent(rule.bucket(), b -> new ArrayList<>()).add(configuration.build());
        }
        byBucket.forEach((bucket, configurations) -> s3.putBucketNotificationConfiguration(r -> r.bucket(bucket)
                .notificationConfiguration(n -> n.queueConfigurations(configurations))));
        poller.start();
    }

    private void poll() {
        while (running) {
            try {
                for (Message message : sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1)).messages()) {
                    try {
                        dispatch(message.body());
                    } catch (RuntimeException e) {
                        log.problem(SOURCE, "a notification could not be dispatched and was dropped: " + e);
                    }
                    sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
                }
            } catch (SdkException e) {
                if (running) {
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private void dispatch(String body) {
        JsonNode event;
        try {
            event = JSON.readTree(body);
        } catch (JacksonException e) {
            log.problem(SOURCE, "a notification that is not JSON was dropped: " + body);
            return;
        }
        if ("s3:TestEvent".equals(event.path("Event").asString(""))) {
            return;
        }
        for (JsonNode record : event.path("Records")) {
            S3Notifications.Rule rule = byConfigurationId.get(record.at("/s3/configurationId").asString(""));
            if (rule != null) {
                rule.deliver(normalize(record), record.path("awsRegion").asString(SamTemplate.REGION));
            }
        }
    }

    /** What the endpoint reported, with the key decoded and the time read in either form. */
    private ObjectCreated normalize(JsonNode record) {
        String encodedKey = record.at("/s3/object/key").asString("");
        String key = URLDecoder.decode(encodedKey, StandardCharsets.UTF_8);
        String eventName = record.path("eventName").asString("ObjectCreated:Put");
        return new ObjectCreated(eventName.startsWith("s3:") ? eventName.substring(3) : eventName,
                record.at("/s3/bucket/name").asString(), key, record.at("/s3/object/size").asLong(0),
                record.at("/s3/object/eTag").asString("").replace("\"", ""),
                Optional.of(record.at("/s3/object/versionId").asString("")).filter(v -> !v.isEmpty() && !v.equals("null")),
                time(record.path("eventTime").asString("")),
                record.at("/requestParameters/sourceIPAddress").asString("127.0.0.1"));
    }

    private Instant time(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException noZone) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException unreadable) {
                return clock.instant();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            if (poller.isAlive()) {
                poller.join(Duration.ofSeconds(3));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
