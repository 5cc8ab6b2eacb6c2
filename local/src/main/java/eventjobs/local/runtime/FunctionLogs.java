package eventjobs.local.runtime;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Where the lines a function prints go. Implementations are thread-safe. */
@FunctionalInterface
public interface FunctionLogs {

    void line(String function, String text);

    /** Each line on standard error, prefixed with the function's name; JVM notices once per function. */
    static FunctionLogs toStandardError() {
        return withoutRepeatedJvmNotices((function, text) -> System.err.println("[" + function + "] " + text));
    }

    /**
     * Passes every line on, but a JVM start-up notice ({@code Picked up JAVA_TOOL_OPTIONS: …})
     * only the first time a function prints it: every cold start of every instance repeats it.
     */
    static FunctionLogs withoutRepeatedJvmNotices(FunctionLogs logs) {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        return (function, text) -> {
            boolean notice = text.startsWith("Picked up ") || text.startsWith("NOTE: Picked up ");
            if (!notice || seen.add(function + "\n" + text)) {
                logs.line(function, text);
            }
        };
    }

    static FunctionLogs discard() {
        return (function, text) -> { };
    }
}
