package eventjobs.system;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.chaos.Chaos;
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

            // in several writes, so that the stream brings them in several batches
            int confirmed = 0;
            for (int part = 0; part < 4; part++) {
                confirmed += BulkOrders.write(dynamo, STACK + "-OrdersTable", "part" + part, 150,
                        Instant.parse("2025-06-01T00:00:00Z").plus(Duration.ofDays(part)), Duration.ofDays(1));
                Thread.sleep(700);
            }
            int expected = confirmed;
            await("all confirmed orders counted").atMost(Duration.ofMinutes(3)).until(() ->
                    totals.between(from, to, Optional.empty()).stream().mapToLong(t -> t.orders()).sum() >= expected);
            Thread.sleep(3000); // a late duplicate would count now if it could

            String kept = new String(BuildReport.csv(totals.between(from, to, Optional.empty())), StandardCharsets.UTF_8);
            assertThat(kept).isEqualTo(ConfirmedOrdersScan.csv(dynamo, STACK + "-OrdersTable", from, to, Optional.empty()));
            assertThat(totals.between(from, to, Optional.empty()).stream().mapToLong(t -> t.orders()).sum()).isEqualTo(expected);
            // the faults did happen to TotalsFunction's batches, and none was given up on
            assertThat(lines).as("stream invocations").anyMatch(line -> !line.startsWith("SUCCESS") && !line.startsWith("problem"))
                    .anyMatch(line -> line.contains("duplicate delivery"))
                    .noneMatch(line -> line.contains("skipped"));
            String dlq = sqs.getQueueUrl(r -> r.queueName(STACK + "-TotalsDLQ")).queueUrl();
            assertThat(sqs.receiveMessage(r -> r.queueUrl(dlq).waitTimeSeconds(1)).messages()).isEmpty();
        }
    }
}
