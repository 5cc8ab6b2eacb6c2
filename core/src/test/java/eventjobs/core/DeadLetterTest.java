package eventjobs.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

class DeadLetterTest {

    private static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");
    private static final DeadLetter.Origin INVOCATION = new DeadLetter.Origin.Invocation("ThumbnailFunction", "req-1");

    @Test
    void of_shouldCutTheReason_whenItIsLongerThanTheLimit() {
        DeadLetter letter = DeadLetter.of(JobFailure.permanent("x".repeat(5000)), INVOCATION, AT);

        assertThat(letter.reason()).hasSize(DeadLetter.MAX_REASON_LENGTH).endsWith("x…");
    }

    @Test
    void of_shouldNameTheCause_whenTheFailureHasOne() {
        DeadLetter caused = DeadLetter.of(JobFailure.permanent("unreadable", new IOException("eof")), INVOCATION, AT);
        DeadLetter plain = DeadLetter.of(JobFailure.permanent("bad"), INVOCATION, AT);

        assertThat(caused.type()).isEqualTo("IOException");
        assertThat(plain.type()).isEqualTo("Permanent");
    }

    @Test
    void attributes_shouldDescribeAnInvocation_inAStableOrder() {
        DeadLetter letter = DeadLetter.of(JobFailure.permanent(" "), INVOCATION, AT);

        assertThat(letter.attributes()).containsExactly(
                entry(DeadLetter.REASON, "no reason given"),
                entry(DeadLetter.TYPE, "Permanent"),
                entry(DeadLetter.FUNCTION, "ThumbnailFunction"),
                entry(DeadLetter.REQUEST_ID, "req-1"),
                entry(DeadLetter.FAILED_AT, "2026-01-02T03:04:05Z"));
    }

    @Test
    void attributes_shouldSayWhereAStreamRecordIs() {
        DeadLetter letter = DeadLetter.of(JobFailure.permanent("unreadable order"),
                new DeadLetter.Origin.StreamRecord("TotalsFunction", "req-2", "arn:aws:dynamodb:us-east-1:1:table/o/stream/x", "42"), AT);

        assertThat(letter.attributes()).containsExactly(
                entry(DeadLetter.REASON, "unreadable order"),
                entry(DeadLetter.TYPE, "Permanent"),
                entry(DeadLetter.FUNCTION, "TotalsFunction"),
                entry(DeadLetter.REQUEST_ID, "req-2"),
                entry(DeadLetter.STREAM, "arn:aws:dynamodb:us-east-1:1:table/o/stream/x"),
                entry(DeadLetter.SEQUENCE_NUMBER, "42"),
                entry(DeadLetter.FAILED_AT, "2026-01-02T03:04:05Z"));
    }
}
