package eventjobs.system;

import eventjobs.core.events.EventCodec;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.Port;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.Order;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.SqsOrderQueue;
import eventjobs.reports.DynamoDbJobStore;
import eventjobs.reports.Job;
import eventjobs.reports.JobStatus;
import eventjobs.reports.ReportRequest;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SweeperFunction on the template's tables: what was left open reaches a final state. */
class SweeperTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "sweep";

    private static LocalRuntime runtime;
    private static DynamoDbClient dynamo;
    private static DynamoDbOrderStore orders;
    private static DynamoDbJobStore jobs;

    @BeforeAll
    static void start() throws Exception {
        EmbeddedAws aws = LocalAws.shared();
        LocalAws.reset(aws);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                .workDirectory(Files.createTempDirectory("sweeper")).apiPort(Port.none()).build(), aws,
                FunctionLogs.discard(), InvocationLog.discard());
        dynamo = aws.dynamoDb();
        orders = new DynamoDbOrderStore(dynamo, STACK + "-OrdersTable");
        jobs = new DynamoDbJobStore(dynamo, STACK + "-JobsTable");
    }

    @AfterAll
    static void stop() {
        runtime.close();
        dynamo.close();
    }

    private static OrderPlaced order(String id) {
        return new OrderPlaced(id, "sweep-customer", Currency.getInstance("EUR"), List.of(new OrderLine("S-1", 2, new BigDecimal("3.50"))));
    }

    private static String sweep() throws Exception {
        InvocationResult result = runtime.invoke("SweeperFunction", Files.readAllBytes(ROOT.resolve("events/sweeper-schedule.json")));
        assertThat(result.succeeded()).as(result.payloadText()).isTrue();
        return result.payloadText();
    }

    private static Order stored(String orderId) {
        return orders.find(orderId).orElseThrow();
    }

    @Test
    void sweep_shouldBringEveryOpenOrderAndJobToAFinalState() throws Exception {
        Instant now = Instant.now();
        // recorded by the API half an hour ago, but its event never reached the queue
        orders.accept(order("sw-lost"), "h", now.minus(Duration.ofMinutes(30)));
        // sent three times already (the first time and two resends), never decided: its message is parked
        orders.accept(order("sw-parked"), "h", now.minus(Duration.ofHours(2)));
        orders.resent("sw-parked", now.minus(Duration.ofMinutes(90)));
        orders.resent("sw-parked", now.minus(Duration.ofMinutes(60)));
        // accepted a moment ago: its event is surely still on its way
        orders.accept(order("sw-fresh"), "h", now.minusSeconds(5));
        ReportRequest overdue = new ReportRequest("sw-job-overdue", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-02"), Optional.empty());
        jobs.create(overdue, "h", now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(55)));
        ReportRequest running = new ReportRequest("sw-job-running", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-02"), Optional.empty());
        jobs.create(running, "h", now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(1)));
        jobs.move(running.jobId(), JobStatus.RUNNING, Optional.empty(), now.minus(Duration.ofMinutes(100)));
        ReportRequest onTime = new ReportRequest("sw-job-on-time", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-02"), Optional.empty());
        jobs.create(onTime, "h", now, now.plus(Duration.ofHours(1)));

        String summary = sweep();

        assertThat(summary).contains("orders resent=1 failed=1").contains("report jobs failed=2");
        await("the resent order to be decided").atMost(Duration.ofMinutes(1)).until(() -> stored("sw-lost").status() == OrderStatus.CONFIRMED);
        assertThat(stored("sw-lost").total()).contains(new BigDecimal("7.00"));
        assertThat(stored("sw-parked").status()).isEqualTo(OrderStatus.FAILED);
        assertThat(stored("sw-parked").reason()).hasValueSatisfying(reason -> assertThat(reason).contains("OrdersDLQ"));
        assertThat(stored("sw-fresh").status()).isEqualTo(OrderStatus.ACCEPTED);
        for (String jobId : List.of(overdue.jobId(), running.jobId())) {
            Job job = jobs.find(jobId).orElseThrow();
            assertThat(job.status()).as(jobId).isEqualTo(JobStatus.FAILED);
            assertThat(job.reason()).as(jobId).hasValueSatisfying(reason -> assertThat(reason).startsWith("the report did not finish by"));
        }
        assertThat(jobs.find(onTime.jobId()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);

        // a second sweep finds nothing left to do: the decided order left the index, the failed ones too
        assertThat(sweep()).contains("orders resent=0 failed=0").contains("report jobs failed=0");
    }

    @Test
    void failedOrder_shouldStillBeDecided_whenItsParkedMessageIsRedriven() throws Exception {
        orders.accept(order("sw-redriven"), "h", Instant.now().minus(Duration.ofHours(2)));
        orders.fail("sw-redriven", "not decided after it was sent 3 times", Instant.now());

        // what a redrive of OrdersDLQ puts back on OrdersQueue
        try (SqsClient sqs = LocalAws.shared().sqs()) {
            new SqsOrderQueue(sqs, sqs.getQueueUrl(r -> r.queueName(STACK + "-OrdersQueue")).queueUrl(), "/orders-api",
                    new EventCodec(), Clock.systemUTC()).send(order("sw-redriven"));
        }

        await("the redriven order to be decided").atMost(Duration.ofMinutes(1))
                .until(() -> stored("sw-redriven").status() == OrderStatus.CONFIRMED);
    }
}
