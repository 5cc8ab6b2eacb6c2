package eventjobs.local.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * How one invocation ended, as Lambda reports it.
 *
 * @param payload      the function's response, or the error document {@code {errorMessage, errorType, ...}}
 * @param errorType    empty on success; e.g. {@code Runtime.UserException}'s exception class, {@code Sandbox.Timedout}
 * @param initDuration the instance's init time when this invocation started it (a cold start)
 */
public record InvocationResult(Outcome outcome, byte[] payload, Optional<String> errorType, Duration duration,
                               Optional<Duration> initDuration) {

    public enum Outcome {
        /** The handler returned. */
        SUCCESS,
        /** The handler threw; the runtime reported it. */
        FUNCTION_ERROR,
        /** The function ran past its timeout and its instance was stopped. */
        TIMEOUT,
        /** The runtime process exited during the invocation (a crash, an exit, out of memory). */
        CRASH,
        /** The function could not start (its static initializer or constructor threw). */
        INIT_ERROR
    }

    public boolean succeeded() {
        return outcome == Outcome.SUCCESS;
    }

    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
