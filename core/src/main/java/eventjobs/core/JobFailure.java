package eventjobs.core;

/**
 * The two ways a job can fail, and the only failures the toolkit distinguishes.
 *
 * <ul>
 *   <li>{@link Permanent}: retrying cannot help (bad schema, business rule violated, corrupt
 *       input). The message goes to its dead-letter queue at once with {@link #reason()} and
 *       does not use up the retry budget.</li>
 *   <li>{@link Retryable}: the platform should try again later (throttling, a dependency
 *       down, a concurrent run of the same job).</li>
 * </ul>
 *
 * Any other exception thrown by a job is treated as retryable.
 */
public abstract sealed class JobFailure extends RuntimeException
        permits JobFailure.Permanent, JobFailure.Retryable {

    private JobFailure(String reason, Throwable cause) {
        super(reason, cause);
    }

    /** A human-readable reason: it ends up in DLQ message attributes and logs. */
    public String reason() {
        return getMessage();
    }

    public static Permanent permanent(String reason) {
        return new Permanent(reason, null);
    }

    public static Permanent permanent(String reason, Throwable cause) {
        return new Permanent(reason, cause);
    }

    public static Retryable retryable(String reason) {
        return new Retryable(reason, null);
    }

    public static Retryable retryable(String reason, Throwable cause) {
        return new Retryable(reason, cause);
    }

    /** Retrying cannot help: dead-letter now, with the reason. */
    public static final class Permanent extends JobFailure {
        private Permanent(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /** Worth another try later: leave it to the platform's retry rules. */
    public static final class Retryable extends JobFailure {
        private Retryable(String reason, Throwable cause) {
            super(reason, cause);
        }
    }
}
