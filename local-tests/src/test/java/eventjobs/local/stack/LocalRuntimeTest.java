package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.runtime.FixtureCode;
import eventjobs.local.runtime.FunctionLogs;
import eventjobs.local.runtime.InvocationResult;
import eventjobs.local.sources.AsyncInvoker;
import eventjobs.local.sources.InvocationLog;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local runtime driving fixture functions from a fixture template, with Lambda's rules for
 * SQS event source mappings and API Gateway, against the embedded endpoint.
 */
class LocalRuntimeTest {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final List<String> PROBLEMS = new CopyOnWriteArrayList<>();

    private static Path dir;
    private static LocalRuntime runtime;
    private static SqsClient sqs;
    private static EmbeddedAws aws;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("local-runtime-test");
        FixtureCode.zip(dir);
        String template = """
                Globals:
                  Function:
                    Runtime: java25
                    CodeUri: fixtures.zip
                    Timeout: 10
                    MemorySize: 256
                    Handler: eventjobs.local.fixtures.Batch::handleRequest
                Resources:
                  ScriptedDLQ: { Type: AWS::SQS::Queue }
                  # visibility timeouts longer than a cold start on a loaded machine: a message in flight
                  # is never handed out twice, a failed one comes back within seconds
                  ScriptedQueue:
                    Type: AWS::SQS::Queue
                    Properties:
                      VisibilityTimeout: 5
                      RedrivePolicy: { deadLetterTargetArn: !GetAtt ScriptedDLQ.Arn, maxReceiveCount: 2 }
                  PlainQueue:
                    Type: AWS::SQS::Queue
                    Properties: { VisibilityTimeout: 5 }
                  GroupsQueue:
                    Type: AWS::SQS::Queue
                    Properties: { FifoQueue: true, ContentBasedDeduplication: true, VisibilityTimeout: 5 }
                  Scripted:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: { Variables: { RECORD_FILE: %1$s/scripted.txt } }
                      Events:
                        Q:
                          Type: SQS
                          Properties:
                            Queue: !GetAtt ScriptedQueue.Arn
                            BatchSize: 1
                            FunctionResponseTypes: [ReportBatchItemFailures]
                            ScalingConfig: { MaximumConcurrency: 2 }
                  Plain:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: { Variables: { RECORD_FILE: %1$s/plain.txt } }
                      Events:
                        Q: { Type: SQS, Properties: { Queue: !GetAtt PlainQueue.Arn, BatchSize: 10 } }
                  Groups:
                    Type: AWS::Serverless::Function
                    Properties:
                      Environment: { Variables: { RECORD_FILE: %1$s/groups.txt } }
                      Events:
                        Q:
                          Type: SQS
                          Properties: { Queue: !GetAtt GroupsQueue.Arn, BatchSize: 3, ScalingConfig: { MaximumConcurrency: 2 } }
                  UploadsBucket: { Type: AWS::S3::Bucket }
                  FailuresQueue: { Type: AWS::SQS::Queue }
                  OnUpload:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Uploads::handleRequest
                      ReservedConcurrentExecutions: 1
                      Environment: { Variables: { RECORD_FILE: %1$s/uploads.txt } }
                      EventInvokeConfig:
                        MaximumRetryAttempts: 2
                        DestinationConfig:
                          OnFailure: { Type: SQS, Destination: !GetAtt FailuresQueue.Arn }
                      Events:
                        Up:
                          Type: S3
                          Properties:
                            Bucket: !Ref UploadsBucket
                            Events: s3:ObjectCreated:*
                            Filter: { S3Key: { Rules: [ { Name: prefix, Value: in/ }, { Name: suffix, Value: .txt } ] } }
                  Echo:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Echo::handleRequest
                  Fails:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Fails::handleRequest
                  FailsToNowhere:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Fails::handleRequest
                      EventInvokeConfig:
                        MaximumRetryAttempts: 0
                        DestinationConfig:
                          OnFailure: { Type: Lambda, Destination: arn:aws:lambda:us-east-1:000000000000:function:t-Nowhere }
                  Web:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: eventjobs.local.fixtures.Http::handleRequest
                      Events:
                        Post: { Type: HttpApi, Properties: { Method: POST, Path: "/things/{id}" } }
                        Get: { Type: HttpApi, Properties: { Method: GET, Path: "/things/{id}" } }
                        Legacy: { Type: Api, Properties: { Method: ANY, Path: "/legacy/{proxy+}" } }
                """.formatted(dir);
        Files.writeString(dir.resolve("template.yaml"), template);
        aws = EmbeddedAws.start(0);
        runtime = LocalRuntime.start(LocalRuntime.Options.builder(dir.resolve("template.yaml")).stackName("t")
                .workDirectory(dir.resolve("work")).retryDelays(AsyncInvoker.RetryDelays.aws().scaled(0.02)).build(), aws,
                FunctionLogs.discard(), new InvocationLog() {
                    @Override
                    public void invoked(String function, String trigger, InvocationResult result, String detail) {
                    }

                    @Override
                    public void problem(String source, String message) {
                        PROBLEMS.add(source + ": " + message);
                    }
                });
        sqs = aws.sqs();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        sqs.close();
        aws.close();
    }

    private static String url(String name) {
        return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
    }

    private static void send(String queue, String... bodies) {
        for (String body : bodies) {
            sqs.sendMessage(r -> r.queueUrl(url(queue)).messageBody(body));
        }
    }

    private static List<String> records(String file) {
        try {
            Path path = dir.resolve(file);
            return Files.exists(path) ? Files.readAllLines(path) : List.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> drain(String queue) {
        List<String> bodies = new ArrayList<>();
        for (List<Message> batch; !(batch = sqs.receiveMessage(r -> r.queueUrl(url(queue)).maxNumberOfMessages(10)
                .waitTimeSeconds(1)).messages()).isEmpty(); ) {
            batch.forEach(m -> bodies.add(m.body()));
        }
        Collections.sort(bodies);
        return bodies;
    }

    private static void await(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200)).until(condition);
    }

    private static long count(List<String> records, String body) {
        return records.stream().filter(body::equals).count();
    }

    @Test
    void sqs_shouldApplyLambdaRulesToBatchResponses() {
        List<String> valid = List.of("ok", "respond:{\"batchItemFailures\":[]}", "respond:{}", "respond:null",
                "respond:{\"batchItemFailures\":null}");
        List<String> failed = List.of("fail", "throw", "respond:{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}",
                "respond:{\"batchItemFailures\":[{\"itemIdentifier\":null}]}",
                "respond:{\"batchItemFailures\":[{\"itemIdentifier\":\"no-such-message\"}]}",
                "respond:{\"batchItemFailures\":[{}]}", "respond:not json");
        valid.forEach(body -> send("t-ScriptedQueue", body));
        failed.forEach(body -> send("t-ScriptedQueue", body));

        // each failed message is received twice (maxReceiveCount 2), then SQS moves it to the DLQ
        await("every failure to be retried once", () -> failed.stream().allMatch(b -> count(records("scripted.txt"), b) >= 2));
        await("the DLQ to hold every failure", () -> Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url("t-ScriptedDLQ"))
                .attributeNamesWithStrings("ApproximateNumberOfMessages")).attributesAsStrings()
                .get("ApproximateNumberOfMessages")) >= failed.size());

        List<String> seen = records("scripted.txt");
        valid.forEach(body -> assertThat(count(seen, body)).as(body).isEqualTo(1));
        failed.forEach(body -> assertThat(count(seen, body)).as(body).isEqualTo(2));
        assertThat(drain("t-ScriptedDLQ")).containsExactlyInAnyOrderElementsOf(failed);
    }

    @Test
    void sqs_shouldIgnoreResponse_whenMappingDoesNotReportBatchItemFailures() {
        send("t-PlainQueue", "fail-plain-1", "ok-plain-2");

        await("both messages processed", () -> records("plain.txt").containsAll(List.of("fail-plain-1", "ok-plain-2")));
        await("the queue to be empty", () -> sqs.getQueueAttributes(r -> r.queueUrl(url("t-PlainQueue"))
                .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .attributesAsStrings().values().stream().allMatch("0"::equals));
        // nothing is left to bring fail-plain-1 back; a message sent after it is processed after it
        send("t-PlainQueue", "ok-plain-sentinel");
        await("the sentinel", () -> records("plain.txt").contains("ok-plain-sentinel"));

        assertThat(count(records("plain.txt"), "fail-plain-1")).isEqualTo(1);
    }

    @Test
    void sqs_shouldKeepOrderWithinFifoGroups() {
        String url = url("t-GroupsQueue.fifo");
        for (int i = 1; i <= 6; i++) {
            int n = i;
            sqs.sendMessage(r -> r.queueUrl(url).messageGroupId("a").messageBody("a" + n));
            sqs.sendMessage(r -> r.queueUrl(url).messageGroupId("b").messageBody("b" + n));
        }

        await("all 12 messages", () -> records("groups.txt").size() >= 12);

        List<String> seen = records("groups.txt");
        assertThat(seen.stream().filter(s -> s.startsWith("a")).toList()).containsExactly("a1", "a2", "a3", "a4", "a5", "a6");
        assertThat(seen.stream().filter(s -> s.startsWith("b")).toList()).containsExactly("b1", "b2", "b3", "b4", "b5", "b6");
    }

    private static HttpResponse<String> http(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + runtime.api().orElseThrow().port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void httpApi_shouldSendPayload2EventAndMapResponse() throws Exception {
        HttpResponse<String> response = http("POST", "/things/a%20b?x=1&x=2&y=z", "{\"n\":1}",
                "Content-Type", "application/json", "Cookie", "c1=v1; c2=v2", "X-Custom", "yes");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("X-Echo")).contains("yes");
        assertThat(response.headers().firstValue("Set-Cookie")).contains("session=abc; Path=/");
        JsonNode event = JSON.readTree(response.body());
        assertThat(event.get("version").asString()).isEqualTo("2.0");
        assertThat(event.get("routeKey").asString()).isEqualTo("POST /things/{id}");
        assertThat(event.get("rawPath").asString()).isEqualTo("/things/a%20b");
        assertThat(event.get("rawQueryString").asString()).isEqualTo("x=1&x=2&y=z");
        assertThat(event.at("/queryStringParameters/x").asString()).isEqualTo("1,2");
        assertThat(event.at("/pathParameters/id").asString()).isEqualTo("a b");
        assertThat(event.at("/headers/x-custom").asString()).isEqualTo("yes");
        assertThat(event.get("cookies").valueStream().map(JsonNode::asString).toList()).containsExactly("c1=v1", "c2=v2");
        assertThat(event.at("/headers/cookie").isMissingNode()).isTrue();
        assertThat(event.at("/requestContext/http/method").asString()).isEqualTo("POST");
        assertThat(event.at("/requestContext/stage").asString()).isEqualTo("$default");
        assertThat(event.get("body").asString()).isEqualTo("{\"n\":1}");
        assertThat(event.get("isBase64Encoded").asBoolean()).isFalse();
    }

    @Test
    void httpApi_shouldBase64BinaryBodies() throws Exception {
        HttpResponse<String> response = http("POST", "/things/1", "\u0001\u0002binary", "Content-Type", "application/octet-stream");

        JsonNode event = JSON.readTree(response.body());
        assertThat(event.get("isBase64Encoded").asBoolean()).isTrue();
        assertThat(new String(java.util.Base64.getDecoder().decode(event.get("body").asString()))).isEqualTo("\u0001\u0002binary");
    }

    @Test
    void httpApi_shouldTreatPlainJsonAnswerAsBodyOf200_andMalformedAnswerAs502() throws Exception {
        HttpResponse<String> plain = http("GET", "/things/1?raw=" + java.net.URLEncoder.encode("{\"hello\":1}", "UTF-8"), null);
        HttpResponse<String> malformed = http("GET", "/things/1?raw=not-json", null);
        HttpResponse<String> badStatus = http("GET", "/things/1?raw=" + java.net.URLEncoder.encode("{\"statusCode\":\"x\"}", "UTF-8"), null);

        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo("{\"hello\":1}");
        assertThat(malformed.statusCode()).isEqualTo(502);
        assertThat(badStatus.statusCode()).isEqualTo(502);
    }

    @Test
    void restApi_shouldSendPayload1EventWithMultiValueMaps_and502OnNonProxyAnswer() throws Exception {
        HttpResponse<String> response = http("PUT", "/legacy/a/b/c?k=1&k=2", "text", "Content-Type", "text/plain");
        HttpResponse<String> notProxy = http("GET", "/legacy/x?raw=" + java.net.URLEncoder.encode("{\"hello\":1}", "UTF-8"), null);

        JsonNode event = JSON.readTree(response.body());
        assertThat(event.get("resource").asString()).isEqualTo("/legacy/{proxy+}");
        assertThat(event.get("httpMethod").asString()).isEqualTo("PUT");
        assertThat(event.at("/pathParameters/proxy").asString()).isEqualTo("a/b/c");
        assertThat(event.at("/queryStringParameters/k").asString()).isEqualTo("2");
        assertThat(event.at("/multiValueQueryStringParameters/k").valueStream().map(JsonNode::asString).toList()).containsExactly("1", "2");
        assertThat(event.get("body").asString()).isEqualTo("text");
        assertThat(notProxy.statusCode()).isEqualTo(502);
    }

    @Test
    void api_shouldAnswer404_forUnknownRoute() throws Exception {
        assertThat(http("DELETE", "/things/1", null).statusCode()).isEqualTo(404);
        assertThat(http("GET", "/nowhere", null).statusCode()).isEqualTo(404);
    }

    @Test
    void s3_shouldInvokeAsyncWithAwsEventShape_onlyForMatchingKeys() {
        try (software.amazon.awssdk.services.s3.S3Client s3 = aws.s3()) {
            // the embedded S3 matches notifications as it stores an object, and one instance at a time runs them:
            // the sentinel, stored last, runs last
            for (String key : List.of("other/x.txt", "in/x.csv", "in/ok file+1 é.txt", "in/deep/er/ok.txt", "in/sentinel.txt")) {
                s3.putObject(r -> r.bucket("t-uploadsbucket").key(key), software.amazon.awssdk.core.sync.RequestBody.fromString("hello"));
            }
        }

        await("every matching upload", () -> records("uploads.txt").stream().filter(r -> r.contains("ok") || r.contains("sentinel"))
                .count() >= 3);

        assertThat(records("uploads.txt").stream().filter(r -> !r.contains("fail"))).containsExactlyInAnyOrder(
                "ObjectCreated:Put in/ok+file%2B1+%C3%A9.txt", "ObjectCreated:Put in/deep/er/ok.txt",
                "ObjectCreated:Put in/sentinel.txt");
    }

    @Test
    void async_shouldRetryTwiceThenSendInvocationRecordToOnFailure_allWithOneRequestId() throws Exception {
        try (software.amazon.awssdk.services.s3.S3Client s3 = aws.s3()) {
            s3.putObject(r -> r.bucket("t-uploadsbucket").key("in/fail.txt"), software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
        }

        await("the invocation record", () -> !sqs.receiveMessage(r -> r.queueUrl(url("t-FailuresQueue")).visibilityTimeout(0)
                .waitTimeSeconds(1)).messages().isEmpty());

        assertThat(count(records("uploads.txt"), "ObjectCreated:Put in/fail.txt")).isEqualTo(3);
        JsonNode record = JSON.readTree(sqs.receiveMessage(r -> r.queueUrl(url("t-FailuresQueue")).waitTimeSeconds(1))
                .messages().getFirst().body());
        assertThat(record.get("version").asString()).isEqualTo("1.0");
        assertThat(record.at("/requestContext/condition").asString()).isEqualTo("RetriesExhausted");
        assertThat(record.at("/requestContext/approximateInvokeCount").asInt()).isEqualTo(3);
        assertThat(record.at("/requestContext/functionArn").asString()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:t-OnUpload:$LATEST");
        assertThat(record.at("/requestPayload/Records/0/s3/object/key").asString()).isEqualTo("in/fail.txt");
        assertThat(record.at("/requestPayload/Records/0/eventVersion").asString()).isEqualTo("2.1");
        assertThat(record.at("/responseContext/functionError").asString()).isEqualTo("Unhandled");
        assertThat(record.at("/responsePayload/errorMessage").asString()).isEqualTo("cannot process in/fail.txt");
        // a retried event keeps its request id, and the record names it
        String requestId = record.at("/requestContext/requestId").asString();
        assertThat(records("uploads.txt.requests").stream().filter(r -> r.startsWith("in/fail.txt ")))
                .containsExactly("in/fail.txt " + requestId, "in/fail.txt " + requestId, "in/fail.txt " + requestId);
    }

    @Test
    void async_shouldLogProblem_whenOnFailureDestinationIsNoFunctionOfTheTemplate() {
        runtime.invokeAsync("FailsToNowhere", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        await("the dropped record to be logged", () -> PROBLEMS.contains(
                "destination: arn:aws:lambda:us-east-1:000000000000:function:t-Nowhere is not a function of the template; record dropped"));
    }

    @Test
    void lambdaApi_shouldInvokeSyncAsyncAndDryRun_likeTheInvokeApi() {
        try (software.amazon.awssdk.services.lambda.LambdaClient lambda = software.amazon.awssdk.services.lambda.LambdaClient.builder()
                .endpointOverride(aws.endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                .build()) {
            var sync = lambda.invoke(r -> r.functionName("t-Echo").payload(software.amazon.awssdk.core.SdkBytes.fromUtf8String("{\"a\":1}")));
            var byArn = lambda.invoke(r -> r.functionName("arn:aws:lambda:us-east-1:000000000000:function:t-Echo:live")
                    .payload(software.amazon.awssdk.core.SdkBytes.fromUtf8String("{\"a\":2}")));
            var failed = lambda.invoke(r -> r.functionName("t-Fails").payload(software.amazon.awssdk.core.SdkBytes.fromUtf8String("{}")));
            var async = lambda.invoke(r -> r.functionName("t-Echo").invocationType("Event").payload(software.amazon.awssdk.core.SdkBytes.fromUtf8String("{}")));
            var dryRun = lambda.invoke(r -> r.functionName("t-Echo").invocationType("DryRun"));

            assertThat(sync.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(sync.payload().asUtf8String()).at("/input/a").asInt()).isEqualTo(1);
            assertThat(JSON.readTree(byArn.payload().asUtf8String()).at("/input/a").asInt()).isEqualTo(2);
            assertThat(failed.functionError()).isEqualTo("Unhandled");
            assertThat(failed.payload().asUtf8String()).contains("IllegalArgumentException");
            assertThat(async.statusCode()).isEqualTo(202);
            assertThat(dryRun.statusCode()).isEqualTo(204);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> lambda.invoke(r -> r.functionName("t-Nope")))
                    .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        }
    }
}
