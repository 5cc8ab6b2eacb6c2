package eventjobs.system;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.InvocationLog;
import eventjobs.local.sources.Port;
import eventjobs.local.stack.LocalRuntime;
import eventjobs.testkit.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Uploading files with the aws CLI to the local endpoint runs the import and thumbnail pipelines. */
class FilePipelineTest {

    private static final Path ROOT = Path.of(System.getProperty("eventjobs.root"));
    private static final String STACK = "files";
    private static final String UPLOADS = STACK + "-uploads-000000000000-us-east-1";
    private static final String RESULTS = STACK + "-resultsbucket";
    private static final JsonMapper JSON = JsonMapper.shared();

    private static EmbeddedAws aws;
    private static LocalRuntime runtime;
    private static S3Client s3;
    private static SqsClient sqs;
    private static DynamoDbClient dynamo;
    private static final List<String> invocations = new CopyOnWriteArrayList<>();
    /** Async retries 0.6 s and 1.2 s apart instead of 1 and 2 minutes, so a retry would show within seconds. */
    private static final AsyncInvoker.RetryDelays RETRIES = AsyncInvoker.RetryDelays.aws().scaled(0.01);

    @BeforeAll
    static void start() throws IOException {
        aws = LocalAws.shared();
        LocalAws.reset(aws);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(ROOT.resolve("template.yaml")).stackName(STACK)
                        .workDirectory(Files.createTempDirectory("files")).apiPort(Port.none()).retryDelays(RETRIES)
                        // files over ten rows are read in parts, one invocation each
                        .parameters(Map.of("ImportPartMaxRows", "10")).build(), aws, FunctionLogs.discard(),
                new InvocationLog() {
                    @Override
                    public void invoked(String function, String trigger, InvocationResult result, String detail) {
                        invocations.add(function + " " + trigger + " " + result.outcome());
                    }

                    @Override
                    public void problem(String source, String message) {
                        invocations.add(source + " problem " + message);
                    }
                });
        s3 = aws.s3();
        sqs = aws.sqs();
        dynamo = aws.dynamoDb();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        s3.close();
        sqs.close();
        dynamo.close();
    }

    private static Commands.Result upload(Path file, String key) {
        return Commands.run(ROOT, List.of("env", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
                "AWS_DEFAULT_REGION=us-east-1", "aws", "--endpoint-url", aws.endpoint().toString(),
                "s3", "cp", file.toString(), "s3://" + UPLOADS + "/" + key));
    }

    private static Path file(String name, byte[] content) throws IOException {
        Path file = Files.createTempDirectory("upload").resolve(name);
        Files.write(file, content);
        return file;
    }

    private static JsonNode awaitReport(String key) {
        await("the import report of " + key).atMost(Duration.ofMinutes(1)).until(() -> exists(RESULTS, "import-reports/" + key + ".json"));
        return JSON.readTree(s3.getObjectAsBytes(r -> r.bucket(RESULTS).key("import-reports/" + key + ".json")).asUtf8String());
    }

    private static boolean exists(String bucket, String key) {
        try {
            s3.headObject(r -> r.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static long confirmedOrdersOf(String customerPrefix) {
        return dynamo.scanPaginator(r -> r.tableName(STACK + "-OrdersTable")
                        .filterExpression("begins_with(customerId, :p) AND #s = :c")
                        .expressionAttributeNames(Map.of("#s", "status"))
                        .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(customerPrefix), ":c", AttributeValue.fromS("CONFIRMED"))))
                .items().stream().count();
    }


    @Test
    void csvUploadedWithAwsCli_shouldConfirmItsOrdersAndReportEachBadRow() throws Exception {
        String key = "imports/batch 1+é.csv";
        String csv = "customer_id,currency,sku,quantity,unit_price\r\n"
                + "imp-a1,EUR,SKU-1,2,10.00\r\n"
                + "\"imp-a2\",USD,\"SKU-2\",1,5.50\r\n"
                + "imp-a3,XYZ,SKU-3,1,1.00\r\n"
                + "imp-a4,EUR,SKU-4,-1,1.00\r\n"
                + "imp-a5,GBP,SKU-5,3,2.25\r\n";

        assertThat(upload(file("batch.csv", csv.getBytes(java.nio.charset.StandardCharsets.UTF_8)), key).exitCode()).isZero();

        JsonNode report = awaitReport(key);
        assertThat(report.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(report.get("rowsRead").asInt()).isEqualTo(5);
        assertThat(report.get("accepted").asInt()).isEqualTo(3);
        assertThat(report.get("rejected").asInt()).isEqualTo(2);
        assertThat(report.at("/file/key").asString()).isEqualTo(key);
        assertThat(report.get("errors").valueStream().map(e -> e.get("row").asInt() + ":" + e.get("column").asString()).toList())
                .containsExactly("3:currency", "4:quantity");
        await("the imported orders to be confirmed").atMost(Duration.ofMinutes(1)).until(() -> confirmedOrdersOf("imp-a") == 3);
    }

    @Test
    void sameUploadDeliveredTwice_shouldImportOnce() throws Exception {
        String key = "imports/twice.csv";
        assertThat(upload(file("twice.csv", "customer_id,currency,sku,quantity,unit_price\nimp-b1,EUR,S,1,1.00\nimp-b2,EUR,S,1,1.00\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)), key).exitCode()).isZero();
        awaitReport(key);
        await("the orders").atMost(Duration.ofMinutes(1)).until(() -> confirmedOrdersOf("imp-b") == 2);
        Instant firstReport = s3.headObject(r -> r.bucket(RESULTS).key("import-reports/" + key + ".json")).lastModified();
        var head = s3.headObject(r -> r.bucket(UPLOADS).key(key));
        byte[] event = eventjobs.local.sources.S3EventJson.event(new eventjobs.local.aws.ObjectCreated("ObjectCreated:Put", UPLOADS, key,
                head.contentLength(), head.eTag().replace("\"", ""), java.util.Optional.empty(), Instant.now(), "127.0.0.1"),
                "again", "us-east-1");

        // the same notification again: S3 may deliver one more than once
        Thread.sleep(1100); // S3 keeps Last-Modified in whole seconds: a second write would show
        InvocationResult again = runtime.invoke("ImportFunction", event);

        assertThat(again.succeeded()).as(again.payloadText()).isTrue();
        assertThat(again.payloadText()).contains("COMPLETED").contains("2 of 2 rows imported");
        assertThat(s3.headObject(r -> r.bucket(RESULTS).key("import-reports/" + key + ".json")).lastModified()).isEqualTo(firstReport);
        assertThat(sqs.getQueueAttributes(r -> r.queueUrl(sqs.getQueueUrl(q -> q.queueName(STACK + "-OrdersQueue")).queueUrl())
                .attributeNamesWithStrings("ApproximateNumberOfMessages")).attributesAsStrings()).containsEntry("ApproximateNumberOfMessages", "0");
        assertThat(confirmedOrdersOf("imp-b")).isEqualTo(2);
    }

    /** Issue 10: a file too large for one invocation is read in parts, each handing the rest to the next through the Invoke API. */
    @Test
    void csvOverThePartBudget_shouldBeImportedInParts_withOneReportAndEachOrderOnce() throws Exception {
        String key = "imports/in parts.csv";
        StringBuilder csv = new StringBuilder("customer_id,currency,sku,quantity,unit_price\r\n");
        for (int i = 1; i <= 35; i++) {
            // row 10, the last of part 1, spans two lines; row 11, the first of part 2, starts with a quote
            String customer = i == 11 ? "\"imp-p11\"" : "imp-p" + i;
            String quantity = i == 10 ? "\"ten\nStück\"" : "1";
            csv.append(customer).append(i == 20 ? ",XYZ," : ",EUR,").append("SKU-").append(i).append(',').append(quantity).append(",2.50\r\n");
        }

        assertThat(upload(file("parts.csv", csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)), key).exitCode()).isZero();

        JsonNode report = awaitReport(key);
        assertThat(report.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(report.get("parts").asInt()).isEqualTo(4);
        assertThat(report.get("rowsRead").asInt()).isEqualTo(35);
        assertThat(report.get("accepted").asInt()).isEqualTo(33);
        assertThat(report.get("rejected").asInt()).isEqualTo(2);
        assertThat(report.get("errors").valueStream().map(e -> e.get("row").asInt() + ":" + e.get("column").asString()).toList())
                .containsExactly("10:quantity", "20:currency");
        await("parts 2 to 4, each an invocation of its own").atMost(Duration.ofMinutes(1)).until(() ->
                invocations.stream().filter(i -> i.startsWith("files-ImportFunction lambda:invoke-async")).toList(),
                parts -> parts.size() == 3 && parts.stream().allMatch(i -> i.endsWith("SUCCESS")));
        await("the imported orders to be confirmed").atMost(Duration.ofMinutes(1)).until(() -> confirmedOrdersOf("imp-p") == 33);
        String queue = sqs.getQueueUrl(q -> q.queueName(STACK + "-OrdersQueue")).queueUrl();
        await("OrdersQueue drained").atMost(Duration.ofMinutes(1)).until(() -> sqs.getQueueAttributes(r -> r.queueUrl(queue)
                .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings()
                .values().stream().allMatch("0"::equals));
        assertThat(confirmedOrdersOf("imp-p")).isEqualTo(33);
    }

    @Test
    void imagesUploadedWithAwsCli_shouldGetThumbnailsOfEachWidth() throws Exception {
        assertThat(upload(file("photo.jpg", image("jpg", 1024, 768)), "images/holiday photo.jpg").exitCode()).isZero();
        assertThat(upload(file("logo.png", image("png", 600, 200)), "images/logo+ü.png").exitCode()).isZero();

        for (String key : List.of("thumbnails/128/images/holiday photo.jpg", "thumbnails/512/images/holiday photo.jpg",
                "thumbnails/128/images/logo+ü.png", "thumbnails/512/images/logo+ü.png")) {
            await(key).atMost(Duration.ofMinutes(1)).until(() -> exists(RESULTS, key));
        }
        var jpeg = s3.getObject(r -> r.bucket(RESULTS).key("thumbnails/512/images/holiday photo.jpg"));
        BufferedImage big = ImageIO.read(jpeg);
        assertThat(jpeg.response().contentType()).isEqualTo("image/jpeg");
        assertThat(jpeg.response().cacheControl()).contains("max-age=31536000");
        assertThat(big.getWidth()).isEqualTo(512);
        assertThat(big.getHeight()).isEqualTo(384);
        BufferedImage small = ImageIO.read(new ByteArrayInputStream(s3.getObjectAsBytes(r -> r.bucket(RESULTS)
                .key("thumbnails/128/images/logo+ü.png")).asByteArray()));
        assertThat(small.getWidth()).isEqualTo(128);
        assertThat(small.getHeight()).isEqualTo(43);
    }

    @Test
    void corruptImage_shouldReachUploadsDlqWithItsReason_withoutRetries() throws Exception {
        assertThat(upload(file("fake.png", "this is not a png".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "images/fake.png").exitCode()).isZero();

        String dlq = sqs.getQueueUrl(r -> r.queueName(STACK + "-UploadsDLQ")).queueUrl();
        List<Message> parked = new ArrayList<>();
        await("the corrupt image in UploadsDLQ").atMost(Duration.ofMinutes(1)).until(() -> {
            parked.addAll(sqs.receiveMessage(r -> r.queueUrl(dlq).messageAttributeNames("All").waitTimeSeconds(1)).messages());
            return !parked.isEmpty();
        });
        assertThat(parked.getFirst().messageAttributes().get("failure-reason").stringValue())
                .isEqualTo("images/fake.png is not a JPEG or PNG image");
        assertThat(parked.getFirst().body()).contains("\"key\":\"images/fake.png\"");
        String attempt = "files-ThumbnailFunction s3:" + UPLOADS + "/images/fake.png SUCCESS";
        await("the invocation to end").atMost(Duration.ofMinutes(1)).until(() -> invocations.contains(attempt));
        // longer than both retry delays together: a retried attempt would be logged within it
        Duration retryWindow = RETRIES.first().plus(RETRIES.second()).plusSeconds(1);
        await("no second attempt").during(retryWindow).atMost(retryWindow.plusSeconds(5)).until(() ->
                invocations.stream().filter(i -> i.contains("s3:" + UPLOADS + "/images/fake.png")).toList().equals(List.of(attempt)));
    }

    private static byte[] image(String format, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(java.awt.Color.GREEN);
        g.fillRect(0, 0, width, height);
        g.dispose();
        var out = new java.io.ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
