package eventjobs.payments.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The webhook's signing secret, read from its source (Secrets Manager) when this is built, in
 * Lambda's init, and kept for the requests that follow. It is read again:
 * <ul>
 *   <li>when it is older than {@link #MAX_AGE}, so that a secret replaced after a leak stops
 *       being accepted within minutes on every warm instance;</li>
 *   <li>after a signature did not match ({@link #reloadAfterMismatch()}), at most once per
 *       {@link #MIN_INTERVAL}: a secret just rotated takes effect at once, and a flood of
 *       forged requests costs one read a minute, not one each.</li>
 * </ul>
 * A failed read is thrown to the caller (the request is answered 503 and the provider sends it
 * again later), never hidden behind the old value. Under SnapStart the secret is not read at init
 * ({@link #onFirstUse}): it would be kept in every snapshot of the version, and a restore would
 * start with a value of the day the version was published; the first request reads it instead.
 * Thread-safe.
 */
public final class SigningSecret {

    public static final Duration MAX_AGE = Duration.ofMinutes(5);
    public static final Duration MIN_INTERVAL = Duration.ofMinutes(1);

    private final Supplier<String> source;
    private final Clock clock;
    private byte[] secret;
    private Instant readAt;

    /**
     * Reads the secret once now.
     *
     * @param source reads the secret string; throws when it cannot
     * @throws IllegalStateException when the secret is empty
     */
    public SigningSecret(Supplier<String> source, Clock clock) {
        this(source, clock, true);
    }

    private SigningSecret(Supplier<String> source, Clock clock, boolean readNow) {
        this.source = source;
        this.clock = clock;
        if (readNow) {
            read();
        }
    }

    /** A secret read by the first {@link #current()}, not now: for an init that SnapStart snapshots. */
    public static SigningSecret onFirstUse(Supplier<String> source, Clock clock) {
        return new SigningSecret(source, clock, false);
    }

    /** The secret's bytes (UTF-8), read first if it was never read or is older than {@link #MAX_AGE}. */
    public synchronized byte[] current() {
        if (secret == null || Duration.between(readAt, clock.instant()).compareTo(MAX_AGE) > 0) {
            read();
        }
        return secret.clone();
    }

    /**
     * Reads the secret again unless it was read less than {@link #MIN_INTERVAL} ago.
     *
     * @return whether a new value was read (then a signature is worth checking again)
     */
    public synchronized boolean reloadAfterMismatch() {
        if (secret == null) {
            current();
            return true;
        }
        if (Duration.between(readAt, clock.instant()).compareTo(MIN_INTERVAL) < 0) {
            return false;
        }
        byte[] before = secret;
        read();
        return !java.util.Arrays.equals(before, secret);
    }

    private void read() {
        String value = source.get();
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("the webhook signing secret is empty: put the provider's signing secret in it");
        }
        secret = value.getBytes(StandardCharsets.UTF_8);
        readAt = clock.instant();
    }
}
