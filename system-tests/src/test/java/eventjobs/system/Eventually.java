package eventjobs.system;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** Waits for what the system does in the background. */
final class Eventually {

    private Eventually() {}

    /** Polls {@code condition} until it holds; fails naming {@code what} after a minute. */
    static void await(String what, Supplier<Boolean> condition) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!condition.get()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
