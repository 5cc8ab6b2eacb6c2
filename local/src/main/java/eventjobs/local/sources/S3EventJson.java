package eventjobs.local.sources;

import eventjobs.local.aws.ObjectCreated;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The event S3 sends a function for a created object, in AWS's shape
 * (<a href="https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html">AWS docs</a>):
 * eventVersion 2.1, the key URL-encoded as a form value ({@code +} for a space, {@code /} kept),
 * size, eTag, versionId when there is one, and a sequencer that grows with each event.
 */
public final class S3EventJson {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final AtomicLong SEQUENCER = new AtomicLong(System.currentTimeMillis() * 1000);
    private static final DateTimeFormatter EVENT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(java.time.ZoneOffset.UTC);

    private S3EventJson() {}

    public static byte[] event(ObjectCreated created, String configurationId, String region) {
        ObjectNode record = JSON.createObjectNode();
        record.put("eventVersion", "2.1");
        record.put("eventSource", "aws:s3");
        record.put("awsRegion", region);
        record.put("eventTime", EVENT_TIME.format(created.time().truncatedTo(ChronoUnit.MILLIS)));
        record.put("eventName", created.eventName());
        record.putObject("userIdentity").put("principalId", "AWS:LOCALPRINCIPAL");
        record.putObject("requestParameters").put("sourceIPAddress", created.sourceIp());
        record.putObject("responseElements")
                .put("x-amz-request-id", Long.toHexString(SEQUENCER.get()).toUpperCase(Locale.ROOT))
                .put("x-amz-id-2", "local/" + Long.toHexString(System.nanoTime()));
        ObjectNode s3 = record.putObject("s3");
        s3.put("s3SchemaVersion", "1.0");
        s3.put("configurationId", configurationId);
        s3.putObject("bucket")
                .put("name", created.bucket())
                .put("arn", "arn:aws:s3:::" + created.bucket())
                .putObject("ownerIdentity").put("principalId", "LOCALOWNER");
        ObjectNode object = s3.putObject("object");
        object.put("key", encodeKey(created.key()));
        object.put("size", created.size());
        object.put("eTag", created.eTag());
        created.versionId().ifPresent(version -> object.put("versionId", version));
        object.put("sequencer", String.format(Locale.ROOT, "%018X", SEQUENCER.incrementAndGet()));
        ObjectNode event = JSON.createObjectNode();
        event.putArray("Records").add(record);
        return JSON.writeValueAsBytes(event);
    }

    /** As S3 writes keys in notifications: form-encoded, with '/' left as it is. */
    static String encodeKey(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
    }
}
