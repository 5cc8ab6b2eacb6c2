package eventjobs.local.sources;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.TemplateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ScheduleSourceTest {

    private static final ZoneId UTC = ZoneOffset.UTC;

    @TempDir
    Path dir;

    private static Instant next(String expression, String after) {
        return ScheduleSource.timing(expression, UTC).orElseThrow().next(Instant.parse(after));
    }

    @Test
    void timing_shouldFollowRateAndCronExpressions_asEventBridgeDoes() {
        assertThat(next("rate(5 minutes)", "2026-11-27T10:00:00Z")).isEqualTo("2026-11-27T10:05:00Z");
        assertThat(next("rate(1 hour)", "2026-11-27T10:00:00Z")).isEqualTo("2026-11-27T11:00:00Z");
        assertThat(next("rate(2 days)", "2026-11-27T10:00:00Z")).isEqualTo("2026-11-29T10:00:00Z");
        // every 15 minutes on weekdays; 2026-11-28 is a Saturday
        assertThat(next("cron(0/15 * ? * MON-FRI *)", "2026-11-27T23:50:00Z")).isEqualTo("2026-11-30T00:00:00Z");
        assertThat(next("cron(0 12 L * ? *)", "2026-11-27T10:00:00Z")).isEqualTo("2026-11-30T12:00:00Z");
        assertThat(ScheduleSource.timing("cron(0 9 * * ? *)", ZoneId.of("Europe/Berlin")).orElseThrow()
                .next(Instant.parse("2026-11-27T00:00:00Z"))).isEqualTo("2026-11-27T08:00:00Z");
    }

    @Test
    void timing_shouldRefuseWhatEventBridgeRefuses() {
        for (String wrong : List.of("rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 seconds)",
                "cron(0 12 * * *)", "cron(0 12 * * ? * *)", "cron(0 99 * * ? *)", "every 5 minutes", "")) {
            assertThat(ScheduleSource.timing(wrong, UTC)).as(wrong).isEmpty();
        }
    }

    private Path template(String events) throws IOException {
        FixtureCode.zip(dir);
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, """
                Resources:
                  Sweeper:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: java25
                      CodeUri: fixtures.zip
                      Handler: eventjobs.local.fixtures.Records::handleRequest
                      Environment: { Variables: { RECORD_FILE: %s/fired.txt } }
                      Events:
                %s""".formatted(dir, events.indent(8)));
        return file;
    }

    @Test
    void read_shouldNameTheFileAndProperty_whenAnExpressionIsWrong() throws IOException {
        Path file = template("""
                Nightly: { Type: Schedule, Properties: { Schedule: "cron(0 3 * * *)" } }
                """);

        assertThatThrownBy(() -> EventSources.read(SamTemplate.load(file, "s", Map.of())))
                .isInstanceOf(TemplateException.class)
                .hasMessageStartingWith(file + ": Resources.Sweeper.Properties.Events.Nightly.Properties.Schedule must be rate(");
    }

    @Test
    void start_shouldInvokeTheFunctionWhenTheScheduleFires_withTheScheduledEventOrTheInput() throws IOException {
        Path file = template("""
                EveryMinute: { Type: Schedule, Properties: { Schedule: "cron(* * * * ? *)" } }
                WithInput: { Type: ScheduleV2, Properties: { ScheduleExpression: "cron(* * * * ? *)", Input: '{"job":"sweep"}' } }
                Disabled: { Type: Schedule, Properties: { Schedule: "cron(* * * * ? *)", Enabled: false, Input: '{"job":"never"}' } }
                """);
        Path fired = dir.resolve("fired.txt");
        Instant expected;
        try (EmbeddedAws aws = EmbeddedAws.start(0)) {
            // a clock four seconds before the next minute, so a minutely cron fires soon after start
            // (if starting takes longer, the minute after: still within the wait)
            Instant now = Instant.now();
            Instant almost = now.truncatedTo(ChronoUnit.MINUTES).plusSeconds(56);
            almost = almost.isAfter(now) ? almost : almost.plusSeconds(60);
            expected = almost.plusSeconds(4);
            Clock clock = Clock.offset(Clock.systemUTC(), Duration.between(now, almost));
            try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(file).stackName("s")
                    .workDirectory(dir.resolve("work")).apiPort(Port.none()).clock(clock).build(), aws,
                    FunctionLogs.discard(), InvocationLog.discard())) {
                await("both enabled schedules to fire").atMost(Duration.ofSeconds(100))
                        .until(() -> Files.exists(fired) && Files.readAllLines(fired).size() >= 2);
            }
        }

        List<JsonNode> events = Files.readAllLines(fired).stream().map(JsonMapper.shared()::readTree).toList();
        assertThat(events).anySatisfy(event -> assertThat(event.path("job").asString()).isEqualTo("sweep"));
        assertThat(events).noneSatisfy(event -> assertThat(event.path("job").asString()).isEqualTo("never"));
        JsonNode scheduled = events.stream().filter(e -> e.has("detail-type")).findFirst().orElseThrow();
        assertThat(scheduled.get("detail-type").asString()).isEqualTo("Scheduled Event");
        assertThat(scheduled.get("source").asString()).isEqualTo("aws.events");
        assertThat(Instant.parse(scheduled.get("time").asString())).isIn(expected, expected.plusSeconds(60));
        assertThat(scheduled.get("resources").get(0).asString()).isEqualTo("arn:aws:events:us-east-1:000000000000:rule/s-SweeperEveryMinute");
        assertThat(scheduled.get("detail").isObject()).isTrue();
    }
}
