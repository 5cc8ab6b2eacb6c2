package eventjobs.local.runtime;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How one invocation ended, as Lambda reports it.
 *
 * @param requestId    the invocation's request id, as the function saw it and its log lines name it
 * @param payload      the function's response, or the error document {@code {errorMessage, errorType, ...}}
 * @param errorType    empty on success; e.g. {@code Runtime.UserException}'s exception class, {@code Sandbox.Timedout}
 * @param initDuration the instance's init time when this invocation started it (a cold start)
 */
public record InvocationResult(String requestId, Outcome outcome, byte[] payload, Optional<String> errorType, Duration duration,
                               Optional<Duration> initDuration) {

    private static final Pattern LAMBDA_ERROR_PREFIX = Pattern.compile("^RequestId: \\S+ Error: ");
    private static final int MESSAGE_LENGTH = 300;

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

    /**
     * What went wrong, in one line: the error document's errorMessage without the
     * {@code RequestId: … Error:} prefix Lambda puts on its own errors (e.g. {@code Task timed out
     * after 3.00 seconds}); empty on success.
     */
    public Optional<String> errorMessage() {
        if (succeeded()) {
            return Optional.empty();
        }
        String message;
        try {
            message = JsonMapper.shared().readTree(payload).path("errorMessage").asString(payloadText());
        } catch (JacksonException e) {
            message = payloadText();
        }
        message = LAMBDA_ERROR_PREFIX.matcher(message.strip()).replaceFirst("");
        int end = message.indexOf('\n');
        message = end >= 0 ? message.substring(0, end) : message;
        return Optional.of(message.length() > MESSAGE_LENGTH ? message.substring(0, MESSAGE_LENGTH) + "..." : message);
    }
}
