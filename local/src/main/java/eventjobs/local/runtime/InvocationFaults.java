package eventjobs.local.runtime;

/**
 * Faults an execution environment suffers on purpose (chaos mode): asked once per invocation,
 * before it runs. {@link #NONE} is what a runtime without chaos uses. Implementations are
 * thread-safe.
 */
public interface InvocationFaults {

    /** No faults: every invocation runs as it would. */
    InvocationFaults NONE = (function, requestId) -> Kind.NONE;

    /** What happens to one invocation. */
    enum Kind {
        /** Nothing: it runs as it would. */
        NONE,
        /** The environment dies before the event reaches the handler: {@code Runtime.ExitError}. */
        FAIL_BEFORE,
        /** The environment is killed once the runtime took the event: {@code Runtime.ExitError}. */
        KILL,
        /** The function's answer is withheld until the deadline: a timeout, the instance killed. */
        HANG,
        /** The handler runs to its end, then its answer is lost and the environment dies: {@code Runtime.ExitError}. */
        LOSE_RESPONSE
    }

    /** The fault for this invocation of {@code function}, or {@link Kind#NONE}. */
    Kind next(String function, String requestId);
}
