package eventjobs.bench.soak;

import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.InvocationLog;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runtime's invocation log during a soak: every line goes to a file for a person to read,
 * and what the check needs is kept: which request ids suffered an injected fault, and which SQS
 * messages went through those invocations. A DLQ entry is explained by a fault only through
 * these. Thread-safe.
 */
final class SoakLog implements InvocationLog {

    private final InvocationLog file;
    private final Set<String> faultedRequests = ConcurrentHashMap.newKeySet();
    private final Set<String> faultedMessages = ConcurrentHashMap.newKeySet();
    /** Functions whose AWS requests were refused on purpose (those faults name the request, not the invocation). */
    private final Set<String> awsErrorsIn = ConcurrentHashMap.newKeySet();
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong problems = new AtomicLong();
    private volatile long lastInvocationNanos = System.nanoTime();

    SoakLog(PrintStream out) {
        this.file = InvocationLog.json(out);
    }

    @Override
    public void invoked(String function, String trigger, InvocationResult result, String detail) {
        file.invoked(function, trigger, result, detail);
        ended();
    }

    @Override
    public void invoked(String function, String trigger, InvocationResult result, String detail, List<String> messageIds) {
        file.invoked(function, trigger, result, detail, messageIds);
        ended();
        // an invocation that did not succeed returns its messages, as a fault would: only a fault
        // on the same request explains them, and faults are recorded before the invocation ends
        if (faultedRequests.contains(result.requestId())) {
            faultedMessages.addAll(messageIds);
        }
    }

    private void ended() {
        invocations.incrementAndGet();
        lastInvocationNanos = System.nanoTime();
    }

    @Override
    public void problem(String source, String message) {
        file.problem(source, message);
        problems.incrementAndGet();
    }

    @Override
    public void chaos(String fault, String function, String target) {
        file.chaos(fault, function, target);
        faultedRequests.add(target);
        if (fault.equals("aws-errors")) {
            awsErrorsIn.add(function);
        }
    }

    /** Whether a fault was injected into the invocation with this request id. */
    boolean faulted(String requestId) {
        return faultedRequests.contains(requestId);
    }

    /** Whether this SQS message went through an invocation that suffered a fault. */
    boolean faultedMessage(String messageId) {
        return faultedMessages.contains(messageId);
    }

    /** Whether AWS requests of this function (its physical name) were refused on purpose. */
    boolean awsErrorsIn(String function) {
        return awsErrorsIn.contains(function);
    }

    long invocations() {
        return invocations.get();
    }

    long problems() {
        return problems.get();
    }

    /** Seconds since the last invocation ended. */
    long idleSeconds() {
        return (System.nanoTime() - lastInvocationNanos) / 1_000_000_000L;
    }
}
