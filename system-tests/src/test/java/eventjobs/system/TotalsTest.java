package eventjobs.system;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.chaos.Chaos;
import eventjobs.local.chaos.ChaosSummary;
import eventjobs.local.chaos.Fault;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.reports.DynamoDbDailyTotals;
import eventjobs.reports.worker.BuildReport;
import eventjobs.testkit.BulkOrders;
import eventjobs.testkit.ConfirmedOrdersScan;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * TotalsFunction on the local runtime, fed by OrdersTable's stream, while chaos mode loses its
 * answers after its writes, kills it and delivers batches twice: Lambda sends those batches again,
 * and every confirmed order still counts exactly once (the totals equal a scan of the orders).
 */
class TotalsTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "tot";

    /** Whether chaos has made a stream batch fail after its writes (or mid-way) and delivered one twice. */
    private static boolean faultsHappened(LocalRuntime runtime) {
        ChaosSummary summary = runtime.chaosSummary().orElseThrow();
        return summary.count(Fault.LOSE_RESPONSE) + summary.count(Fault.KILL) > 0 && summary.count(Fault.DUPLICATE) > 0;
    }

    @Test
    void retriedAndDuplicatedBatches_shouldCountEachConfirmedOrderOnce() throws Exception {
        EmbeddedAws aws = LocalAws.shared();
        LocalAws.reset(aws);
        List<String> lines = new CopyOnWriteArrayList<>();
        InvocationLog log = new InvocationLog() {
            @Override
            public void invoked(String function, String trigger, eventjobs.local.runtime.InvocationResult result, String detail) {
                if (trigger.startsWith("dynamodb:")) {
                    lines.add(result.outcome() + " " + detail);
                }
            }

            @Override
            public void problem(String source, String message) {
                lines.add("problem " + source + ": " + message);
            }
        };
        try (LocalRuntime runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                .workDirectory(Files.createTempDirectory("totals")).chaos(Chaos.parse("seed=11,lose-response=0.3,kill=0.1,duplicate=0.3"))
                .build(), aws, FunctionLogs.discard(), log);
             DynamoDbClient dynamo = aws.dynamoDb(); SqsClient sqs = aws.sqs()) {
            DynamoDbDailyTotals totals = new DynamoDbDailyTotals(dynamo, STACK + "-DailyTotalsTable", STACK + "-IdempotencyTable");
            LocalDate from = LocalDate.parse("2025-06-01");
            LocalDate to = LocalDate.parse("2025-06-05");

            // parts of orders, each counted before the next is written, until chaos has lost an answer (or
            // killed an instance) and doubled a batch of TotalsFunction's: only it runs here
            int confirmed = 0;
            for (int part = 0; part < 30 && !faultsHappened(runtime); part++) {
                confirmed += BulkOrders.write(dynamo, STACK + "-OrdersTable", "part" + part, 40,
                        Instant.parse("2025-06-01T00:00:00Z").plus(Duration.ofHours(part * 3L)), Duration.ofHours(3));
                int expected = confirmed;
                await("part " + part + " counted").atMost(Duration.ofMinutes(2)).until(() ->
                        totals.between(from, to, Optional.empty()).stream().mapToLong(t -> t.orders()).sum() >= expected);
            }
            int expected = confirmed;
            // the doubled batch's second invocation may start an instance of its own: it must be over before the totals are read
            await("the duplicate delivery over").atMost(Duration.ofMinutes(1)).until(() ->
                    lines.stream().anyMatch(line -> line.contains("duplicate delivery")));
            Thread.sleep(1000);

            String kept = new String(BuildReport.csv(totals.between(from, to, Optional.empty())), StandardCharsets.UTF_8);
            assertThat(kept).isEqualTo(ConfirmedOrdersScan.csv(dynamo, STACK + "-OrdersTable", from, to, Optional.empty()));
            assertThat(totals.between(from, to, Optional.empty()).stream().mapToLong(t -> t.orders()).sum()).isEqualTo(expected);
            // the faults did happen to TotalsFunction's batches, and none was given up on
            assertThat(faultsHappened(runtime)).as(runtime.chaosSummary().orElseThrow().text()).isTrue();
            assertThat(lines).as("stream invocations").anyMatch(line -> !line.startsWith("SUCCESS") && !line.startsWith("problem"))
                    .noneMatch(line -> line.contains("skipped"));
            String dlq = sqs.getQueueUrl(r -> r.queueName(STACK + "-TotalsDLQ")).queueUrl();
            assertThat(sqs.receiveMessage(r -> r.queueUrl(dlq).waitTimeSeconds(1)).messages()).isEmpty();
        }
    }
}
