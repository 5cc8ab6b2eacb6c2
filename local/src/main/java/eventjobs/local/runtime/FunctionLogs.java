package eventjobs.local.runtime;

/** Where the lines a function prints go. Implementations are thread-safe. */
@FunctionalInterface
public interface FunctionLogs {

    void line(String function, String text);

    /** Each line on standard error, prefixed with the function's name. */
    static FunctionLogs toStandardError() {
        return (function, text) -> System.err.println("[" + function + "] " + text);
    }

    static FunctionLogs discard() {
        return (function, text) -> { };
    }
}
