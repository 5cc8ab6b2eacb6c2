package eventjobs.core.s3;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * An S3 object that an event notification names ({@link S3Notification}), as a job sees it: our
 * own value, so jobs never touch Lambda event types.
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
