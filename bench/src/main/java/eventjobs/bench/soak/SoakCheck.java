package eventjobs.bench.soak;

import eventjobs.core.DeadLetter;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import eventjobs.reports.DynamoDbDailyTotals;
import eventjobs.reports.worker.BuildReport;
import eventjobs.testkit.ConfirmedOrdersScan;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a soak's outcome from where the system keeps it — OrdersTable, JobsTable, the queues and
 * the buckets — never from logs: every accepted order decided exactly once (one item per input,
 * {@code decisions} = 1, the expected status and content), every file imported with its report,
 * every image made or parked, every job DONE or FAILED, every DLQ entry with a reason that a bad
 * input or an injected fault explains, and nothing else anywhere.
 */
final class SoakCheck {

    /** What the check found: counts, and for each a few examples. */
    record Verdict(int lost, int duplicates, int unexplained, int stuck, Map<String, List<String>> examples,
                   List<String> figures) {

        boolean clean() {
            return lost == 0 && duplicates == 0 && unexplained == 0 && stuck == 0;
        }

        void print(PrintStream out) {
            figures.forEach(out::println);
            examples.forEach((kind, list) -> {
                out.println(kind + " (" + list.size() + (list.size() == EXAMPLES ? "+" : "") + "):");
                list.forEach(example -> out.println("  " + example));
            });
        }
    }

    private static final int EXAMPLES = 20;
    private static final JsonMapper JSON = JsonMapper.shared();

    private final SoakPlan plan;
    private final SoakLoad load;
    private final SamTemplate template;
    private final SoakLog log;
    private final DynamoDbClient dynamo;
    private final SqsClient sqs;
    private final S3Client s3;
    private final String ordersTable;
    private final String jobsTable;
    private final String uploads;
    private final String results;
    private final List<Integer> widths;

    private final Map<String, List<String>> examples = new HashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();
    private final List<String> figures = new ArrayList<>();

    SoakCheck(SoakPlan plan, SoakLoad load, SamTemplate template, EmbeddedAws aws, SoakLog log) {
        this.plan = plan;
        this.load = load;
        this.template = template;
        this.log = log;
        this.dynamo = aws.dynamoDb();
        this.sqs = aws.sqs();
        this.s3 = aws.s3();
        this.ordersTable = table("OrdersTable");
        this.jobsTable = table("JobsTable");
        this.uploads = template.bucket("UploadsBucket").orElseThrow().name();
        this.results = template.bucket("ResultsBucket").orElseThrow().name();
        this.widths = java.util.Arrays.stream(template.function("ThumbnailFunction").orElseThrow().environment()
                .get("THUMBNAIL_WIDTHS").split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    private String table(String logicalId) {
        return template.tables().stream().filter(t -> t.logicalId().equals(logicalId)).findFirst().orElseThrow().name();
    }

    /**
     * Waits until nothing is left to do: no message waiting or in flight on a queue a function
     * reads, no undecided order, no open job, every file reported and every image made or parked,
     * and no invocation for 10 s; or until {@code maxSeconds} passed (what is unfinished then is
     * counted stuck or lost).
     */
    void awaitQuiet(int maxSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        long lastReport = 0;
        while (true) {
            Map<String, Long> open = open();
            boolean quiet = open.values().stream().allMatch(n -> n == 0) && log.idleSeconds() >= 10;
            long now = System.nanoTime();
            if (quiet || now > deadline) {
                System.out.println((quiet ? "quiet: " : "gave up waiting: ") + describe(open));
                return;
            }
            if (now - lastReport > 30_000_000_000L) {
                System.out.println("waiting: " + describe(open) + ", idle " + log.idleSeconds() + " s");
                lastReport = now;
            }
            Thread.sleep(3_000);
        }
    }

    private static String describe(Map<String, Long> open) {
        return open.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private Map<String, Long> open() {
        Map<String, Long> open = new java.util.LinkedHashMap<>();
        long queued = 0;
        for (Specs.Queue queue : sourceQueues()) {
            Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(r -> r.queueUrl(template.queueUrl(queue.logicalId()))
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
            queued += attributes.values().stream().mapToLong(Long::parseLong).sum();
        }
        open.put("queued", queued);
        open.put("undecided", count(ordersTable, "ACCEPTED"));
        open.put("jobsOpen", count(jobsTable, "PENDING") + count(jobsTable, "RUNNING"));
        open.put("importsUnreported", plan.files().size() - (long) list("import-reports/imports/soak/").size());
        long thumbnails = list("thumbnails/").size();
        long parked = approximate("UploadsDLQ");
        long corrupt = plan.images().stream().filter(SoakPlan.Image::corrupt).count();
        open.put("imagesOpen", Math.max(0, (plan.images().size() - corrupt) * widths.size() - thumbnails)
                + Math.max(0, corrupt - parked));
        return open;
    }

    /** Queues some function reads (every queue that is not another's dead-letter queue). */
    private List<Specs.Queue> sourceQueues() {
        Set<String> deadLetterArns = template.queues().stream().map(q -> q.attributes().get("RedrivePolicy"))
                .filter(java.util.Objects::nonNull).map(policy -> JSON.readTree(policy).get("deadLetterTargetArn").asString())
                .collect(Collectors.toSet());
        return template.queues().stream().filter(q -> !deadLetterArns.contains(q.arn()) && !q.logicalId().endsWith("DLQ")).toList();
    }

    private long count(String table, String status) {
        return dynamo.scanPaginator(r -> r.tableName(table).filterExpression("#s = :s")
                        .expressionAttributeNames(Map.of("#s", "status"))
                        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(status))).select("COUNT"))
                .stream().mapToLong(page -> page.count()).sum();
    }

    private long approximate(String logicalId) {
        return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(template.queueUrl(logicalId))
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    private List<String> list(String prefix) {
        return s3.listObjectsV2Paginator(r -> r.bucket(results).prefix(prefix)).contents().stream().map(S3Object::key).toList();
    }

    Verdict verdict() {
        load.wrongAnswers().forEach(answer -> note("unexplained", "API: " + answer));
        Map<String, DeadLetters> parked = readDeadLetters();
        checkOrders(parked.get("OrdersDLQ"));
        checkFiles();
        checkImages(parked.get("UploadsDLQ"));
        checkJobs(parked.get("JobsDLQ"));
        checkTotals();
        parked.forEach((queue, letters) -> letters.unexplained().forEach(reason -> note("unexplained", queue + ": " + reason)));
        for (Specs.Queue queue : sourceQueues()) {
            long left = approximateAll(queue.logicalId());
            if (left > 0) {
                note("stuck", queue.logicalId() + " still holds " + left + " messages", (int) left);
            }
        }
        return new Verdict(counts.getOrDefault("lost", 0), counts.getOrDefault("duplicates", 0),
                counts.getOrDefault("unexplained", 0), counts.getOrDefault("stuck", 0), examples, figures);
    }

    private long approximateAll(String logicalId) {
        return sqs.getQueueAttributes(r -> r.queueUrl(template.queueUrl(logicalId))
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes()
                .values().stream().mapToLong(Long::parseLong).sum();
    }

    private void note(String kind, String example) {
        note(kind, example, 1);
    }

    private void note(String kind, String example, int count) {
        counts.merge(kind, count, Integer::sum);
        List<String> list = examples.computeIfAbsent(kind, k -> new ArrayList<>());
        if (list.size() < EXAMPLES) {
            list.add(example);
        }
    }

    // ---- orders ------------------------------------------------------------------------------

    /** What an input should have become, by customer id: its status and quantity of its first line. */
    private record Expected(String origin, boolean overLimit, String sku, int quantity, Optional<String> orderId) {}

    private void checkOrders(DeadLetters ordersDlq) {
        Map<String, Expected> expected = new HashMap<>();
        for (SoakPlan.ApiOrder order : plan.orders()) {
            Optional<String> orderId = load.answer(order).filter(SoakClient.Answer::accepted).flatMap(a -> a.field("orderId"));
            JsonNode line = JSON.readTree(order.body()).get("lines").get(0);
            expected.put(order.customerId(), new Expected("API order " + order.index(), order.overLimit(),
                    line.get("sku").asString(), line.get("quantity").asInt(), orderId));
        }
        Set<String> badRows = new HashSet<>();
        for (SoakPlan.CsvFile file : plan.files()) {
            String[] lines = file.content().split("\n");
            for (int row = 1; row < lines.length; row++) {
                String[] fields = lines[row].split(",");
                boolean bad = fields[1].equals("XYZ") || fields[3].equals("0");
                if (bad) {
                    badRows.add(fields[0]);
                } else {
                    expected.put(fields[0], new Expected(file.key() + " row " + row, fields[3].equals(Integer.toString(SoakPlan.OVER_LIMIT_QUANTITY)),
                            fields[2], Integer.parseInt(fields[3]), Optional.empty()));
                }
            }
        }
        Map<String, List<Map<String, AttributeValue>>> byCustomer = new HashMap<>();
        long items = 0;
        for (Map<String, AttributeValue> item : (Iterable<Map<String, AttributeValue>>) dynamo.scanPaginator(
                r -> r.tableName(ordersTable).consistentRead(true)).items()::iterator) {
            items++;
            String customer = Optional.ofNullable(item.get("customerId")).map(AttributeValue::s).orElse("");
            byCustomer.computeIfAbsent(customer, k -> new ArrayList<>()).add(item);
        }
        Map<String, Integer> statuses = new java.util.TreeMap<>();
        for (Map.Entry<String, Expected> entry : expected.entrySet()) {
            List<Map<String, AttributeValue>> found = byCustomer.getOrDefault(entry.getKey(), List.of());
            Expected want = entry.getValue();
            if (found.isEmpty()) {
                note("lost", want.origin() + " (" + entry.getKey() + ") is in no item of OrdersTable");
                continue;
            }
            if (found.size() > 1) {
                note("duplicates", want.origin() + " placed " + found.size() + " orders", found.size() - 1);
            }
            Map<String, AttributeValue> item = found.getFirst();
            String status = item.get("status").s();
            statuses.merge(status, 1, Integer::sum);
            String orderId = item.get("orderId").s();
            int decisions = Optional.ofNullable(item.get("decisions")).map(v -> Integer.parseInt(v.n())).orElse(0);
            if (want.orderId().isPresent() && !want.orderId().get().equals(orderId)) {
                note("unexplained", want.origin() + ": stored as " + orderId + ", the API answered " + want.orderId().get());
            }
            switch (status) {
                case "ACCEPTED" -> note("stuck", want.origin() + " (" + orderId + ") is still ACCEPTED");
                case "CONFIRMED", "REJECTED" -> {
                    if (decisions > 1) {
                        note("duplicates", want.origin() + " (" + orderId + ") was decided " + decisions + " times", decisions - 1);
                    } else if (decisions < 1) {
                        note("unexplained", want.origin() + " (" + orderId + ") is " + status + " with no decision recorded");
                    }
                    if (status.equals("REJECTED") != want.overLimit()) {
                        note("unexplained", want.origin() + " (" + orderId + ") is " + status + ": "
                                + Optional.ofNullable(item.get("reason")).map(AttributeValue::s).orElse("no reason"));
                    }
                    Map<String, AttributeValue> line = item.get("lines").l().getFirst().m();
                    String held = line.get("sku").s() + " x " + line.get("quantity").n();
                    if (!held.equals(want.sku() + " x " + want.quantity())) {
                        note("unexplained", want.origin() + " (" + orderId + ") holds " + held + ", placed "
                                + want.sku() + " x " + want.quantity());
                    }
                }
                default -> {
                    boolean parked = ordersDlq.explains(orderId);
                    note(parked ? "explained" : "unexplained", want.origin() + " (" + orderId + ") is " + status + ": "
                            + Optional.ofNullable(item.get("reason")).map(AttributeValue::s).orElse("no reason"));
                }
            }
        }
        byCustomer.forEach((customer, found) -> {
            if (!expected.containsKey(customer)) {
                note("unexplained", "OrdersTable holds " + found.size() + " order(s) of " + customer
                        + (badRows.contains(customer) ? ", a CSV row that must be refused" : ", which no input placed"));
            }
        });
        figures.add(String.format(Locale.ROOT, "orders: %d expected, %d items in OrdersTable, by status %s", expected.size(), items,
                statuses));
    }

    // ---- files and images --------------------------------------------------------------------

    private void checkFiles() {
        int reported = 0;
        for (SoakPlan.CsvFile file : plan.files()) {
            String key = SoakPlan.importReportKey(file);
            JsonNode report;
            try {
                report = JSON.readTree(s3.getObjectAsBytes(r -> r.bucket(results).key(key)).asByteArray());
            } catch (NoSuchKeyException missing) {
                note("lost", file.key() + " has no import report at " + key);
                continue;
            }
            reported++;
            int accepted = report.path("accepted").asInt(-1);
            int rejected = report.path("rejected").asInt(-1);
            if (accepted != file.validRows() + file.overLimitRows() || rejected != file.badRows()) {
                note("unexplained", key + " says " + report.path("status").asString() + " accepted=" + accepted + " rejected="
                        + rejected + ", expected accepted=" + (file.validRows() + file.overLimitRows()) + " rejected=" + file.badRows());
            }
        }
        figures.add(String.format(Locale.ROOT, "files: %d uploaded (%d twice), %d reported", plan.files().size(),
                plan.files().stream().filter(f -> f.times() > 1).count(), reported));
    }

    private void checkImages(DeadLetters uploadsDlq) {
        Set<String> thumbnails = new HashSet<>(list("thumbnails/"));
        int made = 0;
        int parkedCorrupt = 0;
        Set<String> known = new HashSet<>();
        for (SoakPlan.Image image : plan.images()) {
            List<String> keys = widths.stream().map(w -> "thumbnails/" + w + "/" + image.key()).toList();
            known.addAll(keys);
            long present = keys.stream().filter(thumbnails::contains).count();
            if (image.corrupt()) {
                if (present > 0) {
                    note("unexplained", image.key() + " is corrupt, yet " + present + " thumbnails were made of it");
                }
                if (uploadsDlq.parkedWithReason(image.key())) {
                    parkedCorrupt++;
                } else {
                    note("lost", image.key() + " is corrupt and not in UploadsDLQ with a reason");
                }
            } else if (present == keys.size()) {
                made++;
            } else if (uploadsDlq.explains(image.key())) {
                note("explained", image.key() + " parked after injected faults");
            } else {
                note("lost", image.key() + ": " + present + " of " + keys.size() + " thumbnails, and not parked");
            }
        }
        for (String key : list("")) {
            boolean expected = known.contains(key) || key.startsWith("import-reports/imports/soak/")
                    || (key.startsWith("reports/") && load.jobIds().containsValue(key.substring(8).replace(".csv", "")));
            if (!expected) {
                note("unexplained", "ResultsBucket holds " + key + ", which no input asked for");
            }
        }
        figures.add(String.format(Locale.ROOT, "images: %d uploaded, %d with every thumbnail, %d corrupt ones parked with a reason",
                plan.images().size(), made, parkedCorrupt));
    }

    // ---- jobs --------------------------------------------------------------------------------

    private void checkJobs(DeadLetters jobsDlq) {
        Map<String, String> statusById = new HashMap<>();
        Map<String, String> reasonById = new HashMap<>();
        for (Map<String, AttributeValue> item : (Iterable<Map<String, AttributeValue>>) dynamo.scanPaginator(
                r -> r.tableName(jobsTable).consistentRead(true)).items()::iterator) {
            String jobId = item.get("jobId").s();
            statusById.put(jobId, item.get("status").s());
            Optional.ofNullable(item.get("reason")).ifPresent(reason -> reasonById.put(jobId, reason.s()));
        }
        Map<String, Integer> statuses = new java.util.TreeMap<>();
        Set<String> soakJobs = new HashSet<>(load.jobIds().values());
        for (String jobId : soakJobs) {
            String status = statusById.get(jobId);
            if (status == null) {
                note("lost", "job " + jobId + " is not in JobsTable");
                continue;
            }
            statuses.merge(status, 1, Integer::sum);
            switch (status) {
                case "DONE" -> {
                    try {
                        s3.headObject(r -> r.bucket(results).key("reports/" + jobId + ".csv"));
                    } catch (NoSuchKeyException missing) {
                        note("lost", "job " + jobId + " is DONE without reports/" + jobId + ".csv");
                    }
                }
                case "FAILED" -> note(jobsDlq.explains(jobId) ? "explained" : "unexplained",
                        "job " + jobId + " FAILED: " + reasonById.getOrDefault(jobId, "no reason"));
                default -> note("stuck", "job " + jobId + " is still " + status);
            }
        }
        statusById.keySet().stream().filter(id -> !soakJobs.contains(id))
                .forEach(id -> note("unexplained", "JobsTable holds job " + id + ", which no request created"));
        figures.add(String.format(Locale.ROOT, "reports: %d requested, by status %s", plan.reports().size(), statuses));
    }

    /**
     * The daily totals TotalsFunction kept from OrdersTable's stream equal a count of the confirmed
     * orders themselves, per day and currency: more orders counted is a duplicate effect, fewer a
     * loss. The stream may still be read for a few seconds after the rest is quiet.
     */
    private void checkTotals() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate from = today.minusDays(2);
        LocalDate to = today.plusDays(1);
        DynamoDbDailyTotals totals = new DynamoDbDailyTotals(dynamo, table("DailyTotalsTable"), table("IdempotencyTable"));
        Map<String, Long> kept = Map.of();
        Map<String, Long> counted = Map.of();
        for (int attempt = 0; attempt < 30; attempt++) {
            kept = ordersByDay(new String(BuildReport.csv(totals.between(from, to, Optional.empty())), StandardCharsets.UTF_8));
            counted = ordersByDay(ConfirmedOrdersScan.csv(dynamo, ordersTable, from, to, Optional.empty()));
            if (kept.equals(counted)) {
                break;
            }
            sleep(2_000);
        }
        figures.add("daily totals: " + kept.values().stream().mapToLong(Long::longValue).sum() + " confirmed orders counted, "
                + counted.values().stream().mapToLong(Long::longValue).sum() + " confirmed in OrdersTable");
        Set<String> days = new java.util.TreeSet<>(kept.keySet());
        days.addAll(counted.keySet());
        for (String day : days) {
            long difference = kept.getOrDefault(day, 0L) - counted.getOrDefault(day, 0L);
            if (difference > 0) {
                note("duplicates", "DailyTotalsTable counts " + difference + " confirmed orders too many on " + day, (int) difference);
            } else if (difference < 0) {
                note("lost", "DailyTotalsTable misses " + -difference + " confirmed orders on " + day, (int) -difference);
            }
        }
    }

    /** Orders per "day,currency" of a report CSV (day,currency,orders,items,revenue). */
    private static Map<String, Long> ordersByDay(String csv) {
        return csv.lines().skip(1).map(line -> line.split(","))
                .collect(Collectors.toMap(cells -> cells[0] + "," + cells[1], cells -> Long.parseLong(cells[2])));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the daily totals", e);
        }
    }

    // ---- dead-letter queues ------------------------------------------------------------------

    /** Every entry of every dead-letter queue, read without deleting, and which of them are explained. */
    private Map<String, DeadLetters> readDeadLetters() {
        Map<String, DeadLetters> all = new java.util.TreeMap<>();
        for (Specs.Queue queue : template.queues()) {
            if (sourceQueues().contains(queue)) {
                continue;
            }
            List<Message> messages = new ArrayList<>();
            String url = template.queueUrl(queue.logicalId());
            while (true) {
                List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).visibilityTimeout(600)
                        .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
                if (batch.isEmpty()) {
                    break;
                }
                messages.addAll(batch);
            }
            all.put(queue.logicalId(), new DeadLetters(queue.logicalId(), messages));
        }
        String parked = all.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().messages.size())
                .collect(Collectors.joining(", "));
        figures.add("dead-letter queues: " + parked);
        return all;
    }

    /**
     * The entries of one dead-letter queue. An entry is explained by a bad input the soak sent (a
     * poison message, a corrupt image: parked at once with a reason naming it) or by a fault
     * injected into one of the invocations it went through (SQS redrive after its receives, or
     * Lambda's OnFailure record of an asynchronous event whose attempts all failed).
     */
    private final class DeadLetters {
        private final String queue;
        private final List<Message> messages;
        private final Set<Message> explained = new HashSet<>();

        DeadLetters(String queue, List<Message> messages) {
            this.queue = queue;
            this.messages = messages;
            for (Message message : messages) {
                if (poison(message) || (reason(message).isPresent() && corruptImage(message)) || faulted(message)) {
                    explained.add(message);
                }
            }
        }

        private Optional<String> reason(Message message) {
            return Optional.ofNullable(message.messageAttributes().get(DeadLetter.REASON)).map(v -> v.stringValue());
        }

        private boolean poison(Message message) {
            return queue.equals("OrdersDLQ") && message.body().contains("soak-poison") && reason(message).isPresent();
        }

        private boolean corruptImage(Message message) {
            return plan.images().stream().filter(SoakPlan.Image::corrupt).anyMatch(image -> mentions(message, image.key()));
        }

        /**
         * Whether an injected fault explains the entry: Lambda's OnFailure record of an invocation
         * that met one, or a message whose deliveries did. An entry a handler parked with a reason
         * is never explained so: handlers park only what no retry can help, and a fault is transient.
         */
        private boolean faulted(Message message) {
            if (reason(message).isPresent()) {
                return false;
            }
            Optional<String> requestId = onFailureRequestId(message);
            if (requestId.isPresent()) {
                return log.faulted(requestId.get());
            }
            String messageId = Optional.ofNullable(message.messageAttributes().get(DeadLetter.MESSAGE_ID))
                    .map(v -> v.stringValue()).orElse(message.messageId());
            String function = Optional.ofNullable(message.messageAttributes().get(DeadLetter.FUNCTION)).map(v -> v.stringValue())
                    .orElse(template.stackName() + "-OrderWorkerFunction");
            return log.faultedMessage(messageId) || log.awsErrorsIn(function);
        }

        private Optional<String> onFailureRequestId(Message message) {
            try {
                JsonNode requestId = JSON.readTree(message.body()).path("requestContext").path("requestId");
                return requestId.isString() ? Optional.of(requestId.asString()) : Optional.empty();
            } catch (RuntimeException notJson) {
                return Optional.empty();
            }
        }

        /** Whether the entry is about this S3 key or job id (S3 events carry keys URL-encoded). */
        private boolean mentions(Message message, String what) {
            String body = message.body();
            return body.contains(what) || URLDecoder.decode(body.replace("+", "%2B"), StandardCharsets.UTF_8).contains(what);
        }

        boolean parkedWithReason(String key) {
            return messages.stream().anyMatch(m -> reason(m).isPresent() && mentions(m, key));
        }

        /** Whether something about {@code what} (an order id, S3 key or job id) was parked because of a fault. */
        boolean explains(String what) {
            return messages.stream().anyMatch(m -> mentions(m, what) && explained.contains(m));
        }

        List<String> unexplained() {
            return messages.stream().filter(m -> !explained.contains(m))
                    .map(m -> m.messageId() + " " + reason(m).orElse("(no failure-reason)") + ": "
                            + m.body().substring(0, Math.min(200, m.body().length())))
                    .toList();
        }
    }
}
