package eventjobs.local.console;

import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.InvocationLog;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * What a running stack did lately, kept for the console: per function the invocations, errors,
 * cold starts and the durations of the last {@value #DURATIONS} invocations; the last
 * {@value #RECENT} invocations; the last {@value #LOG_LINES} lines functions printed; the last
 * problems the runtime met. Fed by wrapping the runtime's {@link InvocationLog} and
 * {@link FunctionLogs} ({@link #tee}), so it sees exactly what the terminal sees. Bounded: a long
 * run or a 100,000-row import keeps only the latest. Thread-safe.
 */
public final class Activity {

    static final int DURATIONS = 1000;
    static final int RECENT = 200;
    static final int LOG_LINES = 5000;
    static final int PROBLEMS = 100;

    /** One invocation as the log told it. */
    public record Invocation(Instant at, String function, String trigger, String requestId, String outcome, long durationMs,
                             Optional<Long> initDurationMs, Optional<String> errorType, Optional<String> errorMessage,
                             String detail) {}

    /** A line a function printed. */
    public record LogLine(Instant at, String function, String text) {}

    /** Something that went wrong outside a function. */
    public record Problem(Instant at, String source, String message) {}

    /** Counts of one function since the start, and percentiles of its latest durations. */
    public record FunctionStats(long invocations, long errors, long coldStarts, Optional<Long> p50Ms, Optional<Long> p99Ms) {
        static final FunctionStats NONE = new FunctionStats(0, 0, 0, Optional.empty(), Optional.empty());
    }

    private final Clock clock;
    private final UnaryOperator<String> logicalId;
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    private final Deque<Invocation> recent = new ArrayDeque<>();
    private final Deque<LogLine> lines = new ArrayDeque<>();
    private final Deque<Problem> problems = new ArrayDeque<>();

    /**
     * @param logicalId the logical id of a function the log names by its physical name, ARN or
     *                  logical id (the name itself when it is none of the stack's)
     */
    public Activity(Clock clock, UnaryOperator<String> logicalId) {
        this.clock = clock;
        this.logicalId = logicalId;
    }

    /** {@code log}, telling this too. */
    public InvocationLog tee(InvocationLog log) {
        return new InvocationLog() {
            @Override
            public void invoked(String function, String trigger, InvocationResult result, String detail) {
                record(function, trigger, result, detail);
                log.invoked(function, trigger, result, detail);
            }

            @Override
            public void invoked(String function, String trigger, InvocationResult result, String detail, List<String> messageIds) {
                record(function, trigger, result, detail);
                log.invoked(function, trigger, result, detail, messageIds);
            }

            @Override
            public void problem(String source, String message) {
                synchronized (problems) {
                    bounded(problems, new Problem(clock.instant(), source, message), PROBLEMS);
                }
                log.problem(source, message);
            }

            @Override
            public void chaos(String fault, String function, String target) {
                log.chaos(fault, function, target);
            }
        };
    }

    /** {@code logs}, telling this too. */
    public FunctionLogs tee(FunctionLogs logs) {
        return (function, text) -> {
            synchronized (lines) {
                bounded(lines, new LogLine(clock.instant(), logicalId.apply(function), text), LOG_LINES);
            }
            logs.line(function, text);
        };
    }

    void record(String function, String trigger, InvocationResult result, String detail) {
        String id = logicalId.apply(function);
        counts.computeIfAbsent(id, f -> new Counts()).add(result);
        Invocation invocation = new Invocation(clock.instant(), id, trigger, result.requestId(),
                result.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' '), result.duration().toMillis(),
                result.initDuration().map(d -> d.toMillis()), result.errorType(), result.errorMessage(), detail);
        synchronized (recent) {
            bounded(recent, invocation, RECENT);
        }
    }

    private static <T> void bounded(Deque<T> deque, T item, int limit) {
        deque.addFirst(item);
        while (deque.size() > limit) {
            deque.removeLast();
        }
    }

    /** The counts of a function by logical id; zeros when it was never invoked. */
    public FunctionStats stats(String logicalId) {
        Counts c = counts.get(logicalId);
        return c == null ? FunctionStats.NONE : c.stats();
    }

    /** The latest invocations, the newest first. */
    public List<Invocation> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** The kept lines that name {@code requestId} (every line of a function with JSON logs does), the oldest first. */
    public List<LogLine> lines(String requestId) {
        synchronized (lines) {
            return lines.stream().filter(l -> l.text().contains(requestId)).toList().reversed();
        }
    }

    /** The latest problems, the newest first. */
    public List<Problem> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    /** One function's counters and a ring of its latest durations. */
    private static final class Counts {
        private long invocations;
        private long errors;
        private long coldStarts;
        private final long[] durations = new long[DURATIONS];

        synchronized void add(InvocationResult result) {
            durations[(int) (invocations % DURATIONS)] = result.duration().toMillis();
            invocations++;
            if (!result.succeeded()) {
                errors++;
            }
            if (result.initDuration().isPresent()) {
                coldStarts++;
            }
        }

        synchronized FunctionStats stats() {
            if (invocations == 0) {
                return FunctionStats.NONE;
            }
            long[] sorted = Arrays.copyOf(durations, (int) Math.min(invocations, DURATIONS));
            Arrays.sort(sorted);
            return new FunctionStats(invocations, errors, coldStarts, Optional.of(percentile(sorted, 50)),
                    Optional.of(percentile(sorted, 99)));
        }

        /** Nearest rank. */
        static long percentile(long[] sorted, int p) {
            int rank = (int) Math.ceil(p / 100.0 * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }
    }
}
