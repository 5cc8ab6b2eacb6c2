package eventjobs.core.s3;

import eventjobs.core.JobFailure;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An S3 event notification as Lambda hands it to a function, read from its JSON: the objects it
 * names, or the {@code s3:TestEvent} S3 sends when a notification is configured
 * (<a href="https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html">AWS docs</a>).
 * Read from the JSON rather than through Lambda's {@code S3Event}, which takes {@code {}}, an API
 * request and the test event alike for a notification naming no object: a function S3 triggers
 * can also be invoked by hand, or by mistake, with another trigger's event, and that must be
 * refused with the reason, not done with nothing.
 */
public sealed interface S3Notification {

    /** The test event S3 sends when a bucket's notification configuration is set: nothing to do. */
    record TestEvent(String bucket) implements S3Notification {}

    /** The objects of the notification's {@code Records}, in order. */
    record Records(List<S3ObjectRef> objects) implements S3Notification {
        public Records {
            objects = List.copyOf(objects);
        }
    }

    /**
     * Reads the event a function was invoked with.
     *
     * @throws JobFailure.Permanent when it is no S3 notification (not a JSON object, no
     *                              {@code Records}, a record from another event source, or one
     *                              naming no object), with a one-line reason
     */
    static S3Notification parse(String event) {
        JsonNode root;
        try {
            root = JsonMapper.shared().readTree(event);
        } catch (JacksonException e) {
            throw notANotification("it is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw notANotification("it is not a JSON object");
        }
        if ("s3:TestEvent".equals(root.path("Event").asString(""))) {
            return new TestEvent(root.path("Bucket").asString(""));
        }
        JsonNode records = root.path("Records");
        if (!records.isArray() || records.isEmpty()) {
            throw notANotification("it has no Records");
        }
        List<S3ObjectRef> objects = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            objects.add(object(records.get(i), i));
        }
        return new Records(objects);
    }

    private static S3ObjectRef object(JsonNode record, int index) {
        String source = record.path("eventSource").asString("");
        if (!source.equals("aws:s3")) {
            throw notANotification("record " + index + (source.isEmpty() ? " has no eventSource" : " has eventSource " + source));
        }
        JsonNode s3 = record.path("s3");
        JsonNode object = s3.path("object");
        String bucket = s3.path("bucket").path("name").asString("");
        String key = object.path("key").asString("");
        String eventTime = record.path("eventTime").asString("");
        if (bucket.isEmpty() || key.isEmpty() || eventTime.isEmpty()) {
            throw notANotification("record " + index + " names no bucket, key or eventTime");
        }
        try {
            // S3 form-encodes the key: a space is '+'
            return new S3ObjectRef(bucket, URLDecoder.decode(key, StandardCharsets.UTF_8), object.path("size").asLong(0),
                    object.path("eTag").asString(""),
                    Optional.of(object.path("versionId").asString("")).filter(version -> !version.isBlank()),
                    Instant.parse(eventTime));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw notANotification("record " + index + " has a key that is not URL-encoded or an eventTime that is no timestamp");
        }
    }

    private static JobFailure.Permanent notANotification(String why) {
        return JobFailure.permanent("the event is not an S3 notification: " + why);
    }
}
