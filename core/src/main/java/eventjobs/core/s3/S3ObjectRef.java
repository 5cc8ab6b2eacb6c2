package eventjobs.core.s3;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An S3 object that an event notification names, as a job sees it: our own value, so jobs never
 * touch Lambda event types.
 *
 * @param bucket    the bucket's name
 * @param key       the object key, decoded (S3 sends it form-encoded: {@code +} for a space)
 * @param size      in bytes, as the notification says
 * @param eTag      the content's entity tag
 * @param versionId the version, when the bucket keeps versions
 * @param eventTime when S3 created the object
 */
public record S3ObjectRef(String bucket, String key, long size, String eTag, Optional<String> versionId,
                          Instant eventTime) {

    private static final JsonMapper JSON = JsonMapper.shared();

    /**
     * The objects a notification names, in its order. An {@code s3:TestEvent}, which S3 sends
     * when a notification is configured, names none.
     *
     * @throws IllegalArgumentException for a record that names no bucket, key or event time
     *                                  (S3 never sends one; Lambda retries it like any bug)
     */
    public static List<S3ObjectRef> from(S3Event event) {
        if (event.getRecords() == null) {
            return List.of();
        }
        return event.getRecords().stream().map(S3ObjectRef::from).toList();
    }

    private static S3ObjectRef from(S3EventNotification.S3EventNotificationRecord record) {
        var s3 = record.getS3();
        if (s3 == null || s3.getBucket() == null || s3.getObject() == null || s3.getObject().getKey() == null
                || record.getEventTime() == null) {
            throw new IllegalArgumentException("not an S3 object notification: a record without bucket, key or eventTime");
        }
        var object = s3.getObject();
        return new S3ObjectRef(s3.getBucket().getName(), object.getUrlDecodedKey(),
                object.getSizeAsLong() == null ? 0 : object.getSizeAsLong(),
                object.geteTag() == null ? "" : object.geteTag(),
                Optional.ofNullable(object.getVersionId()).filter(version -> !version.isBlank()),
                Instant.ofEpochMilli(record.getEventTime().getMillis()));
    }

    /** Names this exact content: the version when the bucket keeps versions, else the eTag. */
    public String identity() {
        return bucket + "/" + key + "@" + versionId.orElse(eTag);
    }

    /**
     * A notification naming this object alone, in the shape S3 sends (key form-encoded), so that
     * a parked object can be replayed by invoking its function with it.
     */
    public String toEvent() {
        ObjectNode record = JSON.createObjectNode().put("eventVersion", "2.1").put("eventSource", "aws:s3")
                .put("eventTime", eventTime.toString());
        ObjectNode s3 = record.putObject("s3");
        s3.putObject("bucket").put("name", bucket);
        ObjectNode object = s3.putObject("object")
                .put("key", URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"))
                .put("size", size).put("eTag", eTag);
        versionId.ifPresent(version -> object.put("versionId", version));
        ObjectNode event = JSON.createObjectNode();
        event.putArray("Records").add(record);
        return JSON.writeValueAsString(event);
    }
}
