package eventjobs.core.s3;

import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Notifications are the JSON S3 sends, read with the Lambda runtime's own serializers. */
class S3ObjectRefTest {

    @Test
    void from_shouldNameTheObject_ofTheSampleEvent() {
        S3Event event = EventLoader.loadS3Event(Path.of(System.getProperty("eventjobs.root"), "events", "thumbnail-upload.json").toString());

        // the bucket local/run creates, and the image the README's try-it steps upload
        assertThat(S3ObjectRef.from(event)).containsExactly(new S3ObjectRef("eventjobs-uploads-000000000000-us-east-1",
                "images/photo.jpg", 48213, "9b2cf535f27731c974343645a3985328", Optional.empty(),
                Instant.parse("2026-11-27T09:30:12.345Z")));
    }

    @Test
    void from_shouldNameEveryObject_inOrder_withTheirVersions() {
        List<S3ObjectRef> objects = S3ObjectRef.from(EventLoader.loadS3Event("s3/two-images.json"));

        assertThat(objects).extracting(S3ObjectRef::key).containsExactly("images/team photo.png", "images/logo ü (1).png");
        assertThat(objects.get(1).identity())
                .isEqualTo("eventjobs-uploads-123456789012-us-east-1/images/logo ü (1).png@3HL4kqtJvjVBH40Nrjfkd");
        assertThat(objects.get(0).identity())
                .isEqualTo("eventjobs-uploads-123456789012-us-east-1/images/team photo.png@9b2cf535f27731c974343645a3985328");
    }

    @Test
    void from_shouldNameNothing_forTheTestEventS3SendsFirst() {
        assertThat(S3ObjectRef.from(EventLoader.loadS3Event(Path.of(System.getProperty("eventjobs.root"), "events", "s3-test-event.json").toString()))).isEmpty();
    }

    @Test
    void toEvent_shouldReadBackAsTheSameObject_throughTheRuntimeSerializer() {
        for (S3ObjectRef object : S3ObjectRef.from(EventLoader.loadS3Event("s3/two-images.json"))) {
            S3Event event = LambdaEventSerializers.serializerFor(S3Event.class, getClass().getClassLoader())
                    .fromJson(object.toEvent());

            assertThat(S3ObjectRef.from(event)).containsExactly(object);
        }
        assertThat(S3ObjectRef.from(EventLoader.loadS3Event("s3/two-images.json")).get(1).toEvent())
                .contains("\"key\":\"images/logo+%C3%BC+%281%29.png\"");
    }
}
