package eventjobs.local.sources;

import eventjobs.local.runtime.InvocationResult;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class InvocationLogTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void problem_shouldBeOneLine_inText() {
        InvocationLog.text(new PrintStream(out, true, StandardCharsets.UTF_8)).problem("sqs:t-Queue", "the mapping failed");

        assertThat(printed()).isEqualTo("sqs:t-Queue problem: the mapping failed" + System.lineSeparator());
    }

    @Test
    void problem_shouldBeOneObject_inJson() {
        InvocationLog.json(new PrintStream(out, true, StandardCharsets.UTF_8)).problem("destination", "arn:x is not a function");

        JsonNode line = JsonMapper.shared().readTree(printed());
        assertThat(line.get("source").asString()).isEqualTo("destination");
        assertThat(line.get("problem").asString()).isEqualTo("arn:x is not a function");
        assertThat(printed().strip()).doesNotContain("\n");
    }

    @Test
    void invoked_shouldSayWhatWentWrongAsLambdaWordsIt_withTheRequestId_inText() {
        InvocationResult timedOut = new InvocationResult("r-1", InvocationResult.Outcome.TIMEOUT,
                "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: r-1 Error: Task timed out after 3.00 seconds\"}"
                        .getBytes(StandardCharsets.UTF_8), Optional.of("Sandbox.Timedout"), Duration.ofMillis(3001), Optional.empty());

        InvocationLog.text(new PrintStream(out, true, StandardCharsets.UTF_8)).invoked("Fn", "sqs:q", timedOut, "1 messages");

        assertThat(printed()).isEqualTo("Fn sqs:q 3001 ms timeout Sandbox.Timedout \"Task timed out after 3.00 seconds\""
                + " 1 messages [RequestId: r-1]" + System.lineSeparator());
    }

    @Test
    void invoked_shouldListTheMessagesOfABatch_inJson() {
        InvocationResult ok = new InvocationResult("r-2", InvocationResult.Outcome.SUCCESS, "{}".getBytes(StandardCharsets.UTF_8),
                Optional.empty(), Duration.ofMillis(12), Optional.empty());

        InvocationLog.json(new PrintStream(out, true, StandardCharsets.UTF_8)).invoked("Fn", "sqs:q", ok, "2 messages",
                java.util.List.of("m-1", "m-2"));

        JsonNode line = JsonMapper.shared().readTree(printed());
        assertThat(line.get("requestId").asString()).isEqualTo("r-2");
        assertThat(line.get("messageIds").toString()).isEqualTo("[\"m-1\",\"m-2\"]");
        assertThat(line.get("detail").asString()).isEqualTo("2 messages");
    }
}
