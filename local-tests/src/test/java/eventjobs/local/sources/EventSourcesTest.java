package eventjobs.local.sources;

import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.TemplateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each SAM event Type read by the source that runs it. */
class EventSourcesTest {

    private static final Path PROJECT_TEMPLATE = Path.of(System.getProperty("eventjobs.root"), "template.yaml");

    @TempDir
    Path dir;

    private static List<EventSource.Event> events(List<EventSources.Trigger> triggers, String functionId) {
        return triggers.stream().filter(t -> t.functionId().equals(functionId)).map(EventSources.Trigger::event).toList();
    }

    @Test
    void read_shouldGiveEachEventOfProjectTemplate_toItsSource() {
        List<EventSources.Trigger> triggers = EventSources.read(SamTemplate.load(PROJECT_TEMPLATE, "eventjobs", Map.of()));

        assertThat(events(triggers, "OrderWorkerFunction")).singleElement().isInstanceOfSatisfying(SqsPoller.Mapping.class, sqs -> {
            assertThat(sqs.queueLogicalId()).isEqualTo("OrdersQueue");
            assertThat(sqs.batchSize()).isEqualTo(10);
            assertThat(sqs.batchingWindow()).isEqualTo(Duration.ofSeconds(1));
            assertThat(sqs.reportBatchItemFailures()).isTrue();
            assertThat(sqs.maximumConcurrency()).hasValue(10);
            assertThat(sqs.enabled()).isTrue();
        });
        assertThat(events(triggers, "OrdersApiFunction").getFirst())
                .isEqualTo(new HttpApiServer.Route("PlaceOrder", true, "POST", "/orders", List.of()));
        assertThat(events(triggers, "ImportFunction")).containsExactly(
                new S3Notifications.Filter("UploadsBucketNotification1", "UploadsBucket", List.of("s3:ObjectCreated:*"), "imports/", ".csv"),
                new S3Notifications.Filter("UploadsBucketNotification2", "UploadsBucket", List.of("s3:ObjectCreated:*"), "imports/", ".CSV"));
        assertThat(triggers).filteredOn(t -> t.event() instanceof HttpApiServer.Route)
                .extracting(EventSources.Trigger::kind).containsOnly(HttpApiServer.KIND);
    }

    private SamTemplate template(String events) throws IOException {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, """
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Runtime: java25
                      CodeUri: fn.zip
                      Events:
                %s""".formatted(events.indent(8)));
        return SamTemplate.load(file, "st", Map.of());
    }

    @Test
    void read_shouldRefuse_sqsEventOnQueueNotInTemplate() throws IOException {
        SamTemplate template = template("Q: { Type: SQS, Properties: { Queue: \"arn:aws:sqs:us-east-1:1:elsewhere\" } }");

        assertThatThrownBy(() -> EventSources.read(template))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("Resources.Fn.Properties.Events.Q.Properties.Queue must be the Arn of a AWS::SQS::Queue");
    }

    @Test
    void read_shouldRefuse_typeNoSourceRuns_namingTheOnesThatRun() throws IOException {
        SamTemplate template = template("Stream: { Type: Kinesis, Properties: { Stream: arn, StartingPosition: LATEST } }");

        assertThatThrownBy(() -> EventSources.read(template))
                .isInstanceOf(TemplateException.class)
                .hasMessage(template.file() + ": Resources.Fn.Properties.Events.Stream.Type Kinesis is not supported by the"
                        + " local runtime (Api, DynamoDB, HttpApi, MQ, MSK, S3, SQS, Schedule, ScheduleV2, SelfManagedKafka are)");
    }

    @Test
    void read_shouldGiveRestRoutesTheBinaryMediaTypesOfTheirApi_andOfGlobals() throws IOException {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, """
                Globals:
                  Api:
                    BinaryMediaTypes: [application~1pdf]
                Resources:
                  Images:
                    Type: AWS::Serverless::Api
                    Properties: { StageName: Prod, BinaryMediaTypes: ["image~1*"] }
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Runtime: java25
                      CodeUri: fn.zip
                      Events:
                        Upload: { Type: Api, Properties: { RestApiId: !Ref Images, Method: POST, Path: /images } }
                        Implicit: { Type: Api, Properties: { Method: POST, Path: /docs } }
                        Http: { Type: HttpApi, Properties: { Method: POST, Path: /h } }
                """);

        List<EventSources.Trigger> triggers = EventSources.read(SamTemplate.load(file, "st", Map.of()));

        assertThat(events(triggers, "Fn")).containsExactly(
                new HttpApiServer.Route("Upload", false, "POST", "/images", List.of("application/pdf", "image/*")),
                new HttpApiServer.Route("Implicit", false, "POST", "/docs", List.of("application/pdf")),
                new HttpApiServer.Route("Http", true, "POST", "/h", List.of()));
    }

    @Test
    void read_shouldRefuse_restApiIdThatIsNoServerlessApi() throws IOException {
        SamTemplate template = template("R: { Type: Api, Properties: { RestApiId: Elsewhere, Path: /r, Method: GET } }");

        assertThatThrownBy(() -> EventSources.read(template))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("Resources.Fn.Properties.Events.R.Properties.RestApiId must be a !Ref to a AWS::Serverless::Api");
    }

    @Test
    void read_shouldGiveKafkaMappingsLambdasDefaults_andRefuseMoreThanOneTopic() throws IOException {
        SamTemplate template = template("""
                Self: { Type: SelfManagedKafka, Properties: { KafkaBootstrapServers: ["b:9092"], Topics: [t] } }
                Managed:
                  Type: MSK
                  Properties:
                    Stream: arn:aws:kafka:us-east-1:1:cluster/c/x
                    Topics: [t]
                    StartingPosition: LATEST
                    DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:1:q" } }
                """);

        List<EventSource.Event> events = events(EventSources.read(template), "Fn");

        assertThat(events.getFirst()).isInstanceOfSatisfying(KafkaSource.Mapping.class, kafka -> {
            assertThat(kafka.clusterArn()).isEmpty();
            assertThat(kafka.startingPosition()).isEqualTo(KafkaSource.StartingPosition.TRIM_HORIZON);
            assertThat(kafka.batchSize()).isEqualTo(100);
            assertThat(kafka.batchingWindow()).isEqualTo(Duration.ofMillis(500));
            assertThat(kafka.maximumRetryAttempts()).isEmpty();
        });
        assertThat(events.get(1)).isInstanceOfSatisfying(KafkaSource.Mapping.class, kafka -> {
            assertThat(kafka.clusterArn()).hasValue("arn:aws:kafka:us-east-1:1:cluster/c/x");
            assertThat(kafka.startingPosition()).isEqualTo(KafkaSource.StartingPosition.LATEST);
            assertThat(kafka.maximumRetryAttempts()).hasValue(KafkaSource.RETRIES_WITH_DESTINATION);
        });
        SamTemplate twoTopics = template("K: { Type: SelfManagedKafka, Properties: { KafkaBootstrapServers: [\"b:9092\"], Topics: [a, b] } }");
        assertThatThrownBy(() -> EventSources.read(twoTopics)).isInstanceOf(TemplateException.class)
                .hasMessageContaining("Events.K.Properties.Topics must name exactly one topic, was [a, b]");
    }
}
