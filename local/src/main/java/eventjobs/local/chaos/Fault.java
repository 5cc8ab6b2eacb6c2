package eventjobs.local.chaos;

import java.util.Arrays;
import java.util.Optional;

/** A kind of fault chaos mode injects, by the name a chaos spec gives it. */
public enum Fault {
    /** Kills the function's process once its runtime took the event: {@code Runtime.ExitError}. Per invocation. */
    KILL("kill"),
    /** Withholds the function's answer until its deadline: a timeout, the instance killed. Per invocation. */
    HANG("hang"),
    /** Kills the function's process before the event reaches the handler: {@code Runtime.ExitError}. Per invocation. */
    FAIL_BEFORE("fail-before"),
    /** Lets the handler run to its end, then loses its answer: {@code Runtime.ExitError}. Per invocation. */
    LOSE_RESPONSE("lose-response"),
    /** Delivers an SQS batch or an asynchronous event twice. Per delivery. */
    DUPLICATE("duplicate"),
    /** Answers a function's AWS request with a retryable error (throttling, 500, 503). Per request. */
    AWS_ERRORS("aws-errors"),
    /** Answers a call to the Invoke API with 429 TooManyRequestsException. Per call. */
    THROTTLE_INVOKE("throttle-invoke");

    private final String key;

    Fault(String key) {
        this.key = key;
    }

    /** Its name in a chaos spec and in log lines. */
    public String key() {
        return key;
    }

    static Optional<Fault> named(String key) {
        return Arrays.stream(values()).filter(fault -> fault.key.equals(key)).findFirst();
    }
}
