package eventjobs.core.async;

import eventjobs.core.DeadLetter;
import eventjobs.core.JobFailure;
import eventjobs.core.s3.S3Notification;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.Queues;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.LocalContext;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AsyncJobTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

    private record Parked(String event, DeadLetter why) {}

    private final List<Parked> parked = new ArrayList<>();
    private final AsyncJob job = new AsyncJob((event, why) -> parked.add(new Parked(event, why)), CLOCK);
    private final LocalContext context = LocalContext.of("ThumbnailFunction", Duration.ofSeconds(30));

    @Test
    void process_shouldParkTheEventAndSucceed_whenItCanNeverBeParsed() {
        String outcome = job.process("{\"not\":\"a job\"}", context,
                event -> { throw JobFailure.permanent("not a report request"); }, input -> "done");

        assertThat(outcome).isEqualTo("FAILED not a report request");
        assertThat(parked).singleElement().satisfies(p -> {
            assertThat(p.event()).isEqualTo("{\"not\":\"a job\"}");
            assertThat(p.why()).isEqualTo(new DeadLetter("not a report request", "Permanent",
                    new DeadLetter.Origin.Invocation("ThumbnailFunction", context.getAwsRequestId()), CLOCK.instant()));
        });
    }

    @Test
    void process_shouldThrowAndParkNothing_whenTheJobFailsRetryably() {
        assertThatThrownBy(() -> job.process("{}", context, event -> event, input -> {
            throw new IllegalStateException("S3 down");
        })).hasMessage("S3 down");
        assertThat(parked).isEmpty();
    }

    private static String twoImages() throws IOException {
        try (InputStream in = AsyncJobTest.class.getResourceAsStream("/s3/two-images.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void processS3_shouldParkOnlyTheFailingObject_whenANotificationNamesSeveral() throws IOException {
        List<String> outcomes = job.processS3(twoImages(), context, image -> {
            if (image.key().endsWith("(1).png")) {
                throw JobFailure.permanent(image.key() + " is not a PNG");
            }
            return "thumbnails of " + image.key();
        });

        assertThat(outcomes).containsExactly("thumbnails of images/team photo.png", "FAILED images/logo ü (1).png is not a PNG");
        assertThat(parked).singleElement().satisfies(p -> assertThat(p.event())
                .isEqualTo(((S3Notification.Records) S3Notification.parse(twoImages())).objects().get(1).toEvent()));
    }

    @Test
    void processS3_shouldRunNoJobAndParkNothing_forTheTestEventS3SendsFirst() throws IOException {
        String testEvent = Files.readString(Path.of(System.getProperty("eventjobs.root"), "events", "s3-test-event.json"));

        assertThat(job.processS3(testEvent, context, image -> "ran")).isEmpty();
        assertThat(parked).isEmpty();
    }

    /** Issue 9: an empty event, or another trigger's, ran no job and succeeded as if it were the test event. */
    @Test
    void processS3_shouldParkTheWholeEventWithTheReason_whenItIsNoS3Notification() {
        List<String> outcomes = job.processS3("{}", context, image -> "ran");

        assertThat(outcomes).containsExactly("FAILED the event is not an S3 notification: it has no Records");
        assertThat(parked).singleElement().satisfies(p -> {
            assertThat(p.event()).isEqualTo("{}");
            assertThat(p.why().reason()).isEqualTo("the event is not an S3 notification: it has no Records");
            assertThat(p.why().type()).isEqualTo("Permanent");
        });
    }

    @Test
    void process_shouldThrow_whenTheEventCannotBeParked() {
        AsyncJob unparkable = new AsyncJob((event, why) -> { throw new IllegalStateException("queue gone"); }, CLOCK);

        assertThatThrownBy(() -> unparkable.process("{}", context, event -> event, input -> {
            throw JobFailure.permanent("bad");
        })).hasMessage("queue gone");
    }

    @Test
    void sqsFailureQueue_shouldSendTheEventWithItsDeadLetterAttributes() {
        EmbeddedAws aws = LocalAws.shared();
        LocalAws.reset(aws);
        try (SqsClient sqs = aws.sqs()) {
            Queues.Queue failures = new Queues(sqs).create("UploadsDLQ", Map.of());
            AsyncJob parking = new AsyncJob(new SqsFailureQueue(sqs, failures.url()), CLOCK);

            parking.process("{\"Records\":[]}", context, event -> event, input -> {
                throw JobFailure.permanent("corrupt");
            });

            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(failures.url()).messageAttributeNames("All")
                    .waitTimeSeconds(1)).messages();
            assertThat(messages).singleElement().satisfies(m -> {
                assertThat(m.body()).isEqualTo("{\"Records\":[]}");
                assertThat(m.messageAttributes().get(DeadLetter.REASON).stringValue()).isEqualTo("corrupt");
                assertThat(m.messageAttributes().get(DeadLetter.FUNCTION).stringValue()).isEqualTo("ThumbnailFunction");
                assertThat(m.messageAttributes().get(DeadLetter.REQUEST_ID).stringValue()).isEqualTo(context.getAwsRequestId());
                assertThat(m.messageAttributes().get(DeadLetter.FAILED_AT).stringValue()).isEqualTo("2026-01-02T03:04:05Z");
            });
        }
    }
}
