package eventjobs.local.sources;

import eventjobs.local.runtime.InvocationResult;
import tools.jackson.databind.json.JsonMapper;

import java.io.PrintStream;
import java.util.Locale;

/** One line per invocation: function, trigger, duration, init duration when cold, outcome. */
public interface InvocationLog {

    void invoked(String function, String trigger, InvocationResult result, String detail);

    static InvocationLog text(PrintStream out) {
        return (function, trigger, result, detail) -> out.println(String.format(Locale.ROOT, "%s %s %d ms%s %s%s",
                function, trigger, result.duration().toMillis(),
                result.initDuration().map(d -> " (init " + d.toMillis() + " ms)").orElse(""),
                result.succeeded() ? "ok" : result.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                        + result.errorType().map(t -> " " + t).orElse(""),
                detail.isEmpty() ? "" : " " + detail));
    }

    static InvocationLog json(PrintStream out) {
        JsonMapper json = JsonMapper.shared();
        return (function, trigger, result, detail) -> {
            var line = json.createObjectNode().put("function", function).put("trigger", trigger)
                    .put("durationMs", result.duration().toMillis())
                    .put("outcome", result.outcome().name());
            result.initDuration().ifPresent(d -> line.put("initDurationMs", d.toMillis()));
            result.errorType().ifPresent(t -> line.put("errorType", t));
            if (!detail.isEmpty()) {
                line.put("detail", detail);
            }
            out.println(json.writeValueAsString(line));
        };
    }

    static InvocationLog discard() {
        return (function, trigger, result, detail) -> { };
    }
}
