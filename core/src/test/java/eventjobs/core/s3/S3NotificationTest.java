package eventjobs.core.s3;

import eventjobs.core.JobFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Notifications are the JSON S3 sends (events/ and test resources), as the function receives it. */
class S3NotificationTest {

    static String sample(String name) throws IOException {
        return Files.readString(Path.of(System.getProperty("eventjobs.root"), "events", name));
    }

    static String resource(String name) throws IOException {
        try (InputStream in = S3NotificationTest.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<S3ObjectRef> objects(String event) {
        return ((S3Notification.Records) S3Notification.parse(event)).objects();
    }

    @Test
    void parse_shouldNameTheObject_ofTheSampleEvent() throws IOException {
        // the bucket local/run creates, and the image the README's try-it steps upload
        assertThat(objects(sample("thumbnail-upload.json"))).containsExactly(new S3ObjectRef("eventjobs-uploads-000000000000-us-east-1",
                "images/photo.jpg", 48213, "9b2cf535f27731c974343645a3985328", Optional.empty(),
                Instant.parse("2026-11-27T09:30:12.345Z")));
    }

    @Test
    void parse_shouldNameEveryObject_inOrder_withTheirVersions() throws IOException {
        List<S3ObjectRef> objects = objects(resource("s3/two-images.json"));

        assertThat(objects).extracting(S3ObjectRef::key).containsExactly("images/team photo.png", "images/logo ü (1).png");
        assertThat(objects.get(1).identity())
                .isEqualTo("eventjobs-uploads-123456789012-us-east-1/images/logo ü (1).png@3HL4kqtJvjVBH40Nrjfkd");
        assertThat(objects.get(0).identity())
                .isEqualTo("eventjobs-uploads-123456789012-us-east-1/images/team photo.png@9b2cf535f27731c974343645a3985328");
    }

    @Test
    void parse_shouldTellTheTestEventS3SendsFirst() throws IOException {
        assertThat(S3Notification.parse(sample("s3-test-event.json")))
                .isEqualTo(new S3Notification.TestEvent("eventjobs-uploads-123456789012-us-east-1"));
    }

    /** Issue 9: Lambda's S3Event read each of these as a notification naming nothing, so the function did nothing. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            {}                                    | it has no Records
            []                                    | it is not a JSON object
            null                                  | it is not a JSON object
            not json                              | it is not JSON
            {"Records":[]}                        | it has no Records
            {"Records":{}}                        | it has no Records
            {"Event":"s3:ObjectCreated:Put"}      | it has no Records
            {"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]} | record 0 names no bucket, key or eventTime
            {"Records":[{"eventSource":"aws:s3","eventTime":"yesterday","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]} | record 0 has a key that is not URL-encoded or an eventTime that is no timestamp
            {"Records":[{"eventSource":"aws:s3","eventTime":"2026-11-27T09:30:12Z","s3":{"bucket":{"name":"b"},"object":{"key":"100%"}}}]} | record 0 has a key that is not URL-encoded or an eventTime that is no timestamp
            {"Records":[{}]}                      | record 0 has no eventSource
            """)
    void parse_shouldRefuseWithTheReason_anEventThatIsNoNotification(String event, String reason) {
        assertThatThrownBy(() -> S3Notification.parse(event)).isInstanceOf(JobFailure.Permanent.class)
                .hasMessage("the event is not an S3 notification: " + reason);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"orders-api-post.json, it has no Records", "order-worker-batch.json, record 0 has eventSource aws:sqs",
            "report-requested.json, it has no Records", "sweeper-schedule.json, it has no Records"})
    void parse_shouldRefuseAnotherTriggersSampleEvent(String sample, String reason) {
        assertThatThrownBy(() -> S3Notification.parse(sample(sample))).isInstanceOf(JobFailure.Permanent.class)
                .hasMessage("the event is not an S3 notification: " + reason);
    }

    @Test
    void toEvent_shouldReadBackAsTheSameObject() throws IOException {
        for (S3ObjectRef object : objects(resource("s3/two-images.json"))) {
            assertThat(objects(object.toEvent())).containsExactly(object);
        }
        assertThat(objects(resource("s3/two-images.json")).get(1).toEvent()).contains("\"key\":\"images/logo+%C3%BC+%281%29.png\"");
    }
}
