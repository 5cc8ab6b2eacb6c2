package eventjobs.bench.soak;

import eventjobs.local.template.SamTemplate;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Sends a {@link SoakPlan}: orders, bad requests and report requests through the API, files and
 * images into UploadsBucket, poison onto OrdersQueue, all mixed in one seeded order over a pool of
 * clients. Keeps every final answer, and says where an answer was not what the API promises.
 */
final class SoakLoad {

    private final SoakPlan plan;
    private final SoakClient client;
    private final SqsClient sqs;
    private final S3Client s3;
    private final String uploads;
    private final String ordersQueue;

    /** The final answer to each order's first request, by plan index. */
    private final Map<Integer, SoakClient.Answer> orderAnswers = new ConcurrentHashMap<>();
    /** The job id each report request was answered with, by its key. */
    private final Map<String, String> jobIds = new ConcurrentHashMap<>();
    /** Answers that break the API's promises (the check counts them as unexplained). */
    private final ConcurrentLinkedQueue<String> wrongAnswers = new ConcurrentLinkedQueue<>();

    SoakLoad(SoakPlan plan, SoakClient client, SamTemplate template, SqsClient sqs, S3Client s3) {
        this.plan = plan;
        this.client = client;
        this.sqs = sqs;
        this.s3 = s3;
        this.uploads = template.bucket("UploadsBucket").orElseThrow().name();
        this.ordersQueue = template.queueUrl("OrdersQueue");
    }

    void run(int clients, Random random) throws Exception {
        List<Callable<Void>> tasks = new ArrayList<>();
        plan.orders().forEach(order -> tasks.add(() -> place(order)));
        plan.badPosts().forEach(body -> tasks.add(() -> refuse(body)));
        plan.reports().forEach(report -> tasks.add(() -> request(report)));
        for (SoakPlan.CsvFile file : plan.files()) {
            for (int time = 0; time < file.times(); time++) {
                tasks.add(() -> upload(file.key(), file.content().getBytes(StandardCharsets.UTF_8)));
            }
        }
        plan.images().forEach(image -> tasks.add(() -> upload(image.key(), image.content())));
        plan.poison().forEach(body -> tasks.add(() -> {
            sqs.sendMessage(r -> r.queueUrl(ordersQueue).messageBody(body));
            return null;
        }));
        Soak.runAll(tasks, clients, random);
    }

    private Void place(SoakPlan.ApiOrder order) throws Exception {
        SoakClient.Answer first;
        switch (order.resend()) {
            case CONCURRENT -> {
                CompletableFuture<SoakClient.Answer> twin = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        twin.complete(client.post("orders", order.key(), order.body()));
                    } catch (Throwable e) {
                        twin.completeExceptionally(e);
                    }
                });
                first = client.post("orders", order.key(), order.body());
                SoakClient.Answer second = twin.get();
                expect(order, "the same request at the same time", second, 202, first.field("orderId"));
            }
            case AFTER -> {
                first = client.post("orders", order.key(), order.body());
                SoakClient.Answer again = client.post("orders", order.key(), order.body());
                expect(order, "the same request again", again, 202, first.field("orderId"));
                if (again.accepted() && !again.replayed()) {
                    wrongAnswers.add("order " + order.index() + ": a repeated request was not marked Idempotent-Replayed");
                }
            }
            case CHANGED -> {
                first = client.post("orders", order.key(), order.body());
                expect(order, "its key with another body", client.post("orders", order.key(), order.changedBody()), 422,
                        Optional.empty());
            }
            default -> first = client.post("orders", order.key(), order.body());
        }
        orderAnswers.put(order.index(), first);
        if (!first.accepted()) {
            wrongAnswers.add("order " + order.index() + ": answered " + first.status() + " after " + first.attempts()
                    + " attempts: " + first.body());
        }
        return null;
    }

    private void expect(SoakPlan.ApiOrder order, String what, SoakClient.Answer answer, int status, Optional<String> orderId) {
        if (answer.status() != status || (orderId.isPresent() && !answer.field("orderId").equals(orderId))) {
            wrongAnswers.add("order " + order.index() + " (" + what + "): answered " + answer.status() + " " + answer.body()
                    + ", expected " + status + orderId.map(id -> " for " + id).orElse(""));
        }
    }

    private Void refuse(String body) throws Exception {
        SoakClient.Answer answer = client.post("orders", "soak-bad-" + Integer.toHexString(body.hashCode()), body);
        if (answer.status() != 400) {
            wrongAnswers.add("bad request " + body + ": answered " + answer.status() + " " + answer.body() + ", expected 400");
        }
        return null;
    }

    private Void request(SoakPlan.Report report) throws Exception {
        SoakClient.Answer answer = client.post("reports", report.key(), report.body());
        Optional<String> jobId = answer.field("jobId");
        if (answer.accepted() && jobId.isPresent()) {
            jobIds.put(report.key(), jobId.get());
        } else {
            wrongAnswers.add("report " + report.key() + ": answered " + answer.status() + " after " + answer.attempts()
                    + " attempts: " + answer.body());
        }
        return null;
    }

    private Void upload(String key, byte[] content) {
        Soak.put(s3, uploads, key, content);
        return null;
    }

    SoakClient client() {
        return client;
    }

    Optional<SoakClient.Answer> answer(SoakPlan.ApiOrder order) {
        return Optional.ofNullable(orderAnswers.get(order.index()));
    }

    Map<String, String> jobIds() {
        return Map.copyOf(jobIds);
    }

    List<String> wrongAnswers() {
        return List.copyOf(wrongAnswers);
    }
}
