package eventjobs.core.async;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import eventjobs.core.DeadLetter;
import eventjobs.core.JobFailure;
import eventjobs.core.Log;
import eventjobs.core.s3.S3Notification;
import eventjobs.core.s3.S3ObjectRef;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs a job for an asynchronously invoked function (S3 notifications, {@code Event} invokes),
 * the counterpart of {@link eventjobs.core.sqs.SqsBatch} for that trigger: the handler parses,
 * the job decides and applies its effect. Lambda retries every failed async invocation, so per job:
 * <ul>
 *   <li>returns normally: done, its outcome is logged and returned;</li>
 *   <li>throws {@link JobFailure.Permanent}: the event is parked on the function's
 *       {@link FailureQueue} with a {@link DeadLetter} saying why, and the invocation goes on and
 *       succeeds, so no retries are spent on it; if parking fails, that failure is thrown;</li>
 *   <li>throws anything else: thrown on, so Lambda retries the whole event and, after its last
 *       retry, sends it to the OnFailure destination
 *       (<a href="https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html">AWS docs</a>).
 *       Jobs are idempotent, so the jobs of the event that had succeeded change nothing the second time.</li>
 * </ul>
 * Thread-safe.
 */
public final class AsyncJob {

    /** The word that starts the outcome of a job whose event was parked. */
    public static final String FAILED = "FAILED";

    private final FailureQueue failures;
    private final Clock clock;

    public AsyncJob(FailureQueue failures, Clock clock) {
        this.failures = failures;
        this.clock = clock;
    }

    /** A job's work on its input: returns a line saying what it did. */
    @FunctionalInterface
    public interface Work<T> {
        String apply(T input);
    }

    /**
     * One event, one job: parses {@code event} (the invocation's payload), then does the work.
     * A parse that throws {@link JobFailure.Permanent} parks the event like a failed job.
     *
     * @return the work's outcome, or {@value #FAILED} and the reason when the event was parked
     */
    public <T> String process(String event, Context context, Function<String, T> parse, Work<T> work) {
        return run(() -> event, context, () -> work.apply(parse.apply(event)));
    }

    /**
     * An S3 notification ({@code event}, the invocation's payload): one job per object it names,
     * in order. An {@code s3:TestEvent} runs none and is logged. An event that is no S3
     * notification ({@code {}}, another trigger's event) is parked whole with the reason
     * {@link S3Notification#parse} gives, like a job that failed permanently. A job that fails
     * permanently parks a notification naming its object alone ({@link S3ObjectRef#toEvent()}),
     * so replaying it redoes that object only.
     *
     * @return one outcome per object, or the one of the parked event
     */
    public List<String> processS3(String event, Context context, Work<S3ObjectRef> work) {
        S3Notification notification;
        try {
            notification = S3Notification.parse(event);
        } catch (JobFailure.Permanent notANotification) {
            return List.of(park(event, notANotification, context));
        }
        return switch (notification) {
            case S3Notification.TestEvent test -> {
                Log.line(context, LogLevel.INFO, "skipped the s3:TestEvent of bucket " + test.bucket()
                        + " (S3 sends it when a notification is configured)");
                yield List.of();
            }
            case S3Notification.Records records -> {
                List<String> outcomes = new ArrayList<>();
                for (S3ObjectRef object : records.objects()) {
                    outcomes.add(run(object::toEvent, context, () -> work.apply(object)));
                }
                yield outcomes;
            }
        };
    }

    private String run(Supplier<String> event, Context context, Supplier<String> job) {
        try {
            String outcome = job.get();
            Log.line(context, LogLevel.INFO, outcome);
            return outcome;
        } catch (JobFailure.Permanent permanent) {
            return park(event.get(), permanent, context);
        }
    }

    private String park(String event, JobFailure.Permanent permanent, Context context) {
        failures.park(event, DeadLetter.of(permanent,
                new DeadLetter.Origin.Invocation(context.getFunctionName(), context.getAwsRequestId()), clock.instant()));
        Log.line(context, LogLevel.WARN, "parked on the failures queue: " + permanent.reason());
        return FAILED + " " + permanent.reason();
    }
}
