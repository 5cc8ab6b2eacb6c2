package eventjobs.sweeper;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.Env;
import eventjobs.core.Log;
import eventjobs.core.aws.AwsClients;
import eventjobs.core.events.EventCodec;
import eventjobs.core.snapstart.Priming;
import eventjobs.orders.DynamoDbOrderStore;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.SqsOrderQueue;
import eventjobs.reports.DynamoDbJobStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * SweeperFunction: runs on a schedule and brings what was left open to a final state: undecided
 * orders are sent again (then FAILED), overdue report jobs FAILED. The scheduled event's content
 * does not matter. Environment: {@code ORDERS_TABLE}, {@code ORDERS_QUEUE_URL}, {@code JOBS_TABLE},
 * optional {@code ORDER_RESEND_AFTER_MINUTES} (default 20), {@code ORDER_MAX_RESENDS} (default 2).
 */
public class SweeperHandler implements RequestHandler<Map<String, Object>, String> {

    private final SweepOrders sweepOrders;
    private final SweepJobs sweepJobs;

    /** Set by the Lambda constructor only: keeps the SnapStart hooks referenced (CRaC holds them weakly). */
    private Priming priming;

    /** Used by Lambda: builds the clients once per execution environment. */
    public SweeperHandler() {
        Env env = Env.fromSystem();
        AwsClients aws = AwsClients.fromEnvironment();
        Clock clock = Clock.systemUTC();
        var dynamo = aws.dynamoDb();
        EventCodec codec = new EventCodec();
        this(new SweepOrders(new DynamoDbOrderStore(dynamo, env.require("ORDERS_TABLE")),
                        new SqsOrderQueue(aws.sqs(), env.require("ORDERS_QUEUE_URL"), "/sweeper", codec, clock),
                        Duration.ofSeconds(env.optional("ORDER_RESEND_AFTER_MINUTES").map(Long::parseLong).orElse(20L) * 60),
                        env.optional("ORDER_MAX_RESENDS").map(Integer::parseInt).orElse(2), clock),
                new SweepJobs(new DynamoDbJobStore(dynamo, env.require("JOBS_TABLE")), clock));
        this.priming = Priming.register(aws, Priming.events(codec, () -> OrderPlaced.sample().event("/priming", Instant.EPOCH)),
                Priming.dynamoDb(), Priming.sqs());
    }

    public SweeperHandler(SweepOrders sweepOrders, SweepJobs sweepJobs) {
        this.sweepOrders = sweepOrders;
        this.sweepJobs = sweepJobs;
    }

    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        SweepOrders.Result orders = sweepOrders.apply();
        int jobs = sweepJobs.apply();
        String summary = "orders resent=" + orders.resent() + " failed=" + orders.failed() + "; report jobs failed=" + jobs;
        Log.line(context, orders.failed() + jobs > 0 ? LogLevel.WARN : LogLevel.INFO, "sweep: " + summary);
        return summary;
    }
}
