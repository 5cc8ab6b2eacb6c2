package eventjobs.local.stack;

import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Moves a dead-letter queue's messages back to their source queue with SQS's message-move API
 * ({@code StartMessageMoveTask}), the way {@code aws sqs start-message-move-task} does in the cloud.
 */
public final class Redrive {

    /** What was moved where. */
    public record Result(String from, String to, long moved) {}

    private final SqsClient sqs;
    private final SamTemplate template;

    public Redrive(SqsClient sqs, SamTemplate template) {
        this.sqs = sqs;
        this.template = template;
    }

    /**
     * @param deadLetterQueue logical id of a queue that some other queue's RedrivePolicy names
     * @throws IllegalArgumentException when it is not a queue of the template, or no queue sends to it
     */
    public Result run(String deadLetterQueue) {
        List<Specs.Queue> queues = template.queues();
        Specs.Queue dlq = queues.stream().filter(q -> q.logicalId().equals(deadLetterQueue)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no queue " + deadLetterQueue + " in the template; queues: "
                        + queues.stream().map(Specs.Queue::logicalId).toList()));
        String dlqArn = dlq.arn();
        Specs.Queue source = queues.stream()
                .filter(q -> q.attributes().getOrDefault("RedrivePolicy", "").contains("\"" + dlqArn + "\""))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(deadLetterQueue + " is not the dead-letter queue of any queue"));
        String dlqUrl = sqs.getQueueUrl(r -> r.queueName(dlq.name())).queueUrl();
        long waiting = Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(dlqUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributesAsStrings()
                .get("ApproximateNumberOfMessages"));
        if (waiting == 0) {
            return new Result(dlq.logicalId(), source.logicalId(), 0);
        }
        String handle = sqs.startMessageMoveTask(r -> r.sourceArn(dlqArn).destinationArn(source.arn())).taskHandle();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline)) {
            List<ListMessageMoveTasksResultEntry> tasks = sqs.listMessageMoveTasks(r -> r.sourceArn(dlqArn)).results();
            ListMessageMoveTasksResultEntry task = tasks.stream().filter(t -> handle.equals(t.taskHandle())).findFirst()
                    .orElse(tasks.isEmpty() ? null : tasks.getFirst());
            if (task != null && !"RUNNING".equals(task.status())) {
                if (!"COMPLETED".equals(task.status())) {
                    throw new IllegalStateException("message move task ended " + task.status() + ": " + task.failureReason());
                }
                return new Result(dlq.logicalId(), source.logicalId(), task.approximateNumberOfMessagesMoved());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IllegalStateException("the message move task from " + dlq.logicalId() + " did not finish in 2 minutes");
    }
}
