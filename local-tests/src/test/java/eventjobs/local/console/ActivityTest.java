package eventjobs.local.console;

import eventjobs.local.aws.QueueWatch;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.InvocationLog;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What the console counts and says (issue 12), from what the runtime's logs are told. */
class ActivityTest {

    private final Activity activity = new Activity(Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC),
            name -> name.startsWith("eventjobs-") ? name.substring("eventjobs-".length()) : name);

    private static InvocationResult result(String requestId, InvocationResult.Outcome outcome, long millis, Optional<Duration> init) {
        byte[] payload = (outcome == InvocationResult.Outcome.SUCCESS ? "{}" : "{\"errorMessage\":\"boom\",\"errorType\":\"X\"}")
                .getBytes(StandardCharsets.UTF_8);
        return new InvocationResult(requestId, outcome, payload,
                outcome == InvocationResult.Outcome.SUCCESS ? Optional.empty() : Optional.of("X"), Duration.ofMillis(millis), init);
    }

    @Test
    void stats_shouldCountInvocationsErrorsColdStarts_andTakePercentilesOfDurations() {
        List<String> told = new ArrayList<>();
        InvocationLog log = activity.tee(new InvocationLog() {
            @Override
            public void invoked(String function, String trigger, InvocationResult result, String detail) {
                told.add(function + " " + result.requestId());
            }

            @Override
            public void problem(String source, String message) {
                told.add(source + ": " + message);
            }
        });

        for (int i = 1; i <= 100; i++) {
            log.invoked("eventjobs-Worker", "sqs:q", result("r" + i, i % 10 == 0 ? InvocationResult.Outcome.FUNCTION_ERROR
                    : InvocationResult.Outcome.SUCCESS, i, i <= 2 ? Optional.of(Duration.ofMillis(300)) : Optional.empty()), "");
        }
        log.problem("sqs:q", "a record was dropped");

        Activity.FunctionStats stats = activity.stats("Worker");
        assertThat(stats.invocations()).isEqualTo(100);
        assertThat(stats.errors()).isEqualTo(10);
        assertThat(stats.coldStarts()).isEqualTo(2);
        assertThat(stats.p50Ms()).hasValue(50L);
        assertThat(stats.p99Ms()).hasValue(99L);
        assertThat(activity.stats("Other")).isEqualTo(Activity.FunctionStats.NONE);
        assertThat(activity.recent().getFirst()).satisfies(i -> {
            assertThat(i.function()).isEqualTo("Worker");
            assertThat(i.requestId()).isEqualTo("r100");
            assertThat(i.outcome()).isEqualTo("function error");
            assertThat(i.errorMessage()).hasValue("boom");
        });
        assertThat(activity.problems()).singleElement().satisfies(p -> assertThat(p.message()).isEqualTo("a record was dropped"));
        // the terminal still sees every line
        assertThat(told).hasSize(101);
    }

    @Test
    void recent_shouldKeepOnlyTheLatest() {
        for (int i = 0; i < Activity.RECENT + 50; i++) {
            activity.record("F", "t", result("r" + i, InvocationResult.Outcome.SUCCESS, 1, Optional.empty()), "");
        }

        assertThat(activity.recent()).hasSize(Activity.RECENT);
        assertThat(activity.recent().getFirst().requestId()).isEqualTo("r" + (Activity.RECENT + 49));
        assertThat(activity.stats("F").invocations()).isEqualTo(Activity.RECENT + 50);
    }

    @Test
    void lines_shouldBeThoseThatNameTheRequest_oldestFirst() {
        List<String> passed = new ArrayList<>();
        FunctionLogs logs = activity.tee((function, text) -> passed.add(text));

        logs.line("eventjobs-Worker", "{\"message\":\"one\",\"AWSRequestId\":\"req-1\"}");
        logs.line("eventjobs-Worker", "{\"message\":\"other\",\"AWSRequestId\":\"req-2\"}");
        logs.line("eventjobs-Worker", "{\"message\":\"two\",\"AWSRequestId\":\"req-1\"}");

        assertThat(activity.lines("req-1")).extracting(Activity.LogLine::text)
                .containsExactly("{\"message\":\"one\",\"AWSRequestId\":\"req-1\"}", "{\"message\":\"two\",\"AWSRequestId\":\"req-1\"}");
        assertThat(activity.lines("req-1")).allSatisfy(l -> assertThat(l.function()).isEqualTo("Worker"));
        assertThat(passed).hasSize(3);
    }

    @Test
    void deadLetterReason_shouldComeFromTheAttribute_theDestinationRecord_orTheRedrivePolicy() {
        Instant sent = Instant.parse("2026-11-27T11:00:00Z");
        QueueWatch.Message parked = new QueueWatch.Message("m1", sent, sent, 0, "{}", Map.of("failure-reason", "bad currency"),
                Optional.empty());
        QueueWatch.Message record = new QueueWatch.Message("m2", sent, sent, 0, """
                {"requestContext":{"condition":"RetriesExhausted","approximateInvokeCount":3},
                 "requestPayload":{},"responsePayload":{"errorMessage":"report failed","errorType":"X"}}""", Map.of(), Optional.empty());
        QueueWatch.Message moved = new QueueWatch.Message("m3", sent, sent, 0, "not json", Map.of(), Optional.of("work"));
        QueueWatch.Message unknown = new QueueWatch.Message("m4", sent, sent, 0, "[]", Map.of(), Optional.empty());

        assertThat(DeadLetterReason.of(parked)).isEqualTo("bad currency");
        assertThat(DeadLetterReason.of(record)).isEqualTo("RetriesExhausted after 3 attempts: report failed");
        assertThat(DeadLetterReason.of(moved)).startsWith("moved here by the redrive policy of work");
        assertThat(DeadLetterReason.of(unknown)).startsWith("no reason recorded");
    }
}
