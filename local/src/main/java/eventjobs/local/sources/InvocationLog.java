package eventjobs.local.sources;

import eventjobs.local.runtime.InvocationResult;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * What the runtime did, one line each: every invocation (function, trigger, duration, init
 * duration when cold, outcome, what went wrong as Lambda words it, e.g. {@code Task timed out
 * after 3.00 seconds}, and the request id that the function's own log lines carry), every problem it met on the way (a record it had to drop, a
 * notification it could not deliver, a poller error), and in chaos mode every fault it injected. Implementations are thread-safe.
 */
public interface InvocationLog {

    void invoked(String function, String trigger, InvocationResult result, String detail);

    /**
     * An invocation with a batch of SQS messages: as {@link #invoked(String, String, InvocationResult, String)},
     * with the ids of the messages it carried (the JSON log lists them, to find which invocations
     * a message went through).
     */
    default void invoked(String function, String trigger, InvocationResult result, String detail, List<String> messageIds) {
        invoked(function, trigger, result, detail);
    }

    /**
     * Something went wrong outside a function: the runtime carries on, but an event may be lost.
     *
     * @param source  where it happened: a trigger ({@code sqs:queue}), a function, a destination
     * @param message what happened and what became of the event
     */
    void problem(String source, String message);

    /**
     * A fault chaos mode injected on purpose. Logs that only follow invocations may ignore it (the
     * default).
     *
     * @param fault    its kind, as the chaos spec names it ({@code kill}, {@code aws-errors}, ...)
     * @param function the function that suffers it
     * @param target   the invocation's request id, or what was hit ({@code sqs:queue}, {@code dynamodb:PutItem})
     */
    default void chaos(String fault, String function, String target) {
    }

    static InvocationLog text(PrintStream out) {
        return new InvocationLog() {
            @Override
            public void invoked(String function, String trigger, InvocationResult result, String detail) {
                out.println(String.format(Locale.ROOT, "%s %s %d ms%s %s%s [RequestId: %s]",
                        function, trigger, result.duration().toMillis(),
                        result.initDuration().map(d -> " (init " + d.toMillis() + " ms)").orElse(""),
                        result.succeeded() ? "ok" : result.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                                + result.errorType().map(t -> " " + t).orElse("")
                                + result.errorMessage().map(m -> " \"" + m + "\"").orElse(""),
                        detail.isEmpty() ? "" : " " + detail, result.requestId()));
            }

            @Override
            public void problem(String source, String message) {
                out.println(source + " problem: " + message);
            }

            @Override
            public void chaos(String fault, String function, String target) {
                out.println("chaos " + fault + " " + function + " " + target);
            }
        };
    }

    static InvocationLog json(PrintStream out) {
        JsonMapper json = JsonMapper.shared();
        return new InvocationLog() {
            @Override
            public void invoked(String function, String trigger, InvocationResult result, String detail) {
                out.println(json.writeValueAsString(line(function, trigger, result, detail)));
            }

            @Override
            public void invoked(String function, String trigger, InvocationResult result, String detail, List<String> messageIds) {
                ObjectNode line = line(function, trigger, result, detail);
                messageIds.forEach(line.putArray("messageIds")::add);
                out.println(json.writeValueAsString(line));
            }

            private ObjectNode line(String function, String trigger, InvocationResult result, String detail) {
                ObjectNode line = json.createObjectNode().put("function", function).put("trigger", trigger)
                        .put("requestId", result.requestId())
                        .put("durationMs", result.duration().toMillis())
                        .put("outcome", result.outcome().name());
                result.initDuration().ifPresent(d -> line.put("initDurationMs", d.toMillis()));
                result.errorType().ifPresent(t -> line.put("errorType", t));
                result.errorMessage().ifPresent(m -> line.put("errorMessage", m));
                if (!detail.isEmpty()) {
                    line.put("detail", detail);
                }
                return line;
            }

            @Override
            public void problem(String source, String message) {
                out.println(json.writeValueAsString(json.createObjectNode().put("source", source).put("problem", message)));
            }

            @Override
            public void chaos(String fault, String function, String target) {
                out.println(json.writeValueAsString(json.createObjectNode().put("chaos", fault).put("function", function)
                        .put("target", target)));
            }
        };
    }

    static InvocationLog discard() {
        return new InvocationLog() {
            @Override
            public void invoked(String function, String trigger, InvocationResult result, String detail) {
            }

            @Override
            public void problem(String source, String message) {
            }
        };
    }
}
