package eventjobs.payments.webhook;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When the signing secret is read, and when it is not. */
class SigningSecretTest {

    private final SettableClock clock = new SettableClock(Instant.parse("2026-11-27T09:00:00Z"));
    private final Values source = new Values("first", "second", "third");

    @Test
    void constructor_shouldReadOnce() {
        SigningSecret secret = new SigningSecret(source, clock);

        assertThat(source.reads).isEqualTo(1);
        assertThat(text(secret.current())).isEqualTo("first");
        assertThat(source.reads).isEqualTo(1);
    }

    @Test
    void onFirstUse_shouldReadNothingUntilTheFirstRequest_soASnapshotHoldsNoSecret() {
        SigningSecret secret = SigningSecret.onFirstUse(source, clock);
        assertThat(source.reads).isZero();

        assertThat(text(secret.current())).isEqualTo("first");
        assertThat(text(secret.current())).isEqualTo("first");
        assertThat(source.reads).isEqualTo(1);
    }

    @Test
    void onFirstUse_reloadAfterMismatch_shouldReadTheFirstValue() {
        SigningSecret secret = SigningSecret.onFirstUse(source, clock);

        assertThat(secret.reloadAfterMismatch()).isTrue();
        assertThat(text(secret.current())).isEqualTo("first");
        assertThat(source.reads).isEqualTo(1);
    }

    @Test
    void current_shouldReadAgain_onlyOnceOlderThanMaxAge() {
        SigningSecret secret = new SigningSecret(source, clock);

        clock.advance(SigningSecret.MAX_AGE);
        assertThat(text(secret.current())).isEqualTo("first");
        clock.advance(Duration.ofSeconds(1));
        assertThat(text(secret.current())).isEqualTo("second");

        assertThat(source.reads).isEqualTo(2);
    }

    @Test
    void reloadAfterMismatch_shouldReadAtMostOncePerMinute_soForgedRequestsCannotFloodSecretsManager() {
        SigningSecret secret = new SigningSecret(source, clock);

        List<Boolean> reloads = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            reloads.add(secret.reloadAfterMismatch());
            clock.advance(Duration.ofMillis(500));
        }

        // 50 s went by: no read at all
        assertThat(source.reads).isEqualTo(1);
        assertThat(reloads).containsOnly(false);
        clock.advance(Duration.ofSeconds(10));
        assertThat(secret.reloadAfterMismatch()).isTrue();
        assertThat(text(secret.current())).isEqualTo("second");
        assertThat(secret.reloadAfterMismatch()).isFalse();
        assertThat(source.reads).isEqualTo(2);
    }

    @Test
    void reloadAfterMismatch_shouldSayFalse_whenTheValueDidNotChange() {
        Values same = new Values("same", "same");
        SigningSecret secret = new SigningSecret(same, clock);
        clock.advance(Duration.ofMinutes(2));

        assertThat(secret.reloadAfterMismatch()).isFalse();
        assertThat(same.reads).isEqualTo(2);
    }

    @Test
    void constructor_shouldRefuseAnEmptySecret() {
        assertThatThrownBy(() -> new SigningSecret(new Values(""), clock))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("signing secret is empty");
    }

    @Test
    void current_shouldThrow_whenTheSourceFails_ratherThanServeAnOldSecret() {
        Supplier<String> failing = new Supplier<>() {
            private int calls;

            @Override
            public String get() {
                if (calls++ > 0) {
                    throw new IllegalStateException("Secrets Manager is down");
                }
                return "first";
            }
        };
        SigningSecret secret = new SigningSecret(failing, clock);
        clock.advance(Duration.ofMinutes(6));

        assertThatThrownBy(secret::current).hasMessage("Secrets Manager is down");
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Hands out its values in turn, counting reads. */
    private static final class Values implements Supplier<String> {
        private final Deque<String> values;
        int reads;

        Values(String... values) {
            this.values = new ArrayDeque<>(List.of(values));
        }

        @Override
        public String get() {
            reads++;
            return values.size() > 1 ? values.removeFirst() : values.getFirst();
        }
    }

    static final class SettableClock extends Clock {
        private Instant now;

        SettableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
