package eventjobs.local.template;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamTemplateTest {

    private static final Path PROJECT_TEMPLATE = Path.of(System.getProperty("eventjobs.root"), "template.yaml");

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void load_shouldReadProjectTemplate() {
        SamTemplate template = SamTemplate.load(PROJECT_TEMPLATE, "eventjobs", Map.of());

        Specs.Function worker = template.function("OrderWorkerFunction").orElseThrow();
        assertThat(worker.name()).isEqualTo("eventjobs-OrderWorkerFunction");
        assertThat(worker.handler()).isEqualTo("eventjobs.orders.worker.OrderWorkerHandler::handleRequest");
        assertThat(worker.runtime()).isEqualTo("java25");
        assertThat(worker.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(worker.memoryMb()).isEqualTo(1024);
        assertThat(worker.codeUri()).isEqualTo(PROJECT_TEMPLATE.getParent().resolve("functions/order-worker/target/order-worker.zip"));
        // SnapStart from the Globals: its JVM keeps the JVM's own JIT settings (see FunctionInstanceTest)
        assertThat(worker.snapStart()).isTrue();
        assertThat(worker.environment()).containsEntry("ORDERS_TABLE", "eventjobs-OrdersTable")
                .containsEntry("AWS_LAMBDA_LOG_FORMAT", "JSON")
                .containsEntry("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
        assertThat(worker.events()).singleElement().satisfies(sqs -> {
            assertThat(sqs.type()).isEqualTo("SQS");
            assertThat(sqs.path()).isEqualTo("Resources.OrderWorkerFunction.Properties.Events.Orders");
            assertThat(sqs.properties()).containsEntry("Queue", "arn:aws:sqs:us-east-1:000000000000:eventjobs-OrdersQueue");
        });
        Specs.Function api = template.function("OrdersApiFunction").orElseThrow();
        assertThat(api.environment()).containsEntry("ORDERS_QUEUE_URL", "http://localhost:4566/000000000000/eventjobs-OrdersQueue");
        assertThat(api.events()).extracting(Specs.Event::name).containsExactly("PlaceOrder", "GetOrder");
        assertThat(api.events().getFirst().type()).isEqualTo("HttpApi");

        assertThat(template.queues()).extracting(Specs.Queue::name)
                .containsExactly("eventjobs-OrdersQueue", "eventjobs-OrdersDLQ", "eventjobs-PaymentsQueue", "eventjobs-PaymentsDLQ",
                        "eventjobs-UploadsDLQ", "eventjobs-JobsDLQ", "eventjobs-SweeperDLQ", "eventjobs-TotalsDLQ");
        assertThat(template.secrets()).singleElement().satisfies(secret -> {
            assertThat(secret.name()).isEqualTo("eventjobs/payments/webhook");
            assertThat(secret.generate()).containsEntry("PasswordLength", 48L).containsEntry("ExcludePunctuation", true);
        });
        assertThat(template.function("PaymentsWebhookFunction").orElseThrow().environment())
                .containsEntry("PAYMENTS_WEBHOOK_SECRET", "arn:aws:secretsmanager:us-east-1:000000000000:secret:eventjobs/payments/webhook");
        assertThat(template.tables()).filteredOn(t -> t.logicalId().equals("OrdersTable")).singleElement()
                .satisfies(orders -> assertThat(orders.streamViewType()).contains("NEW_AND_OLD_IMAGES"));
        assertThat(template.function("TotalsFunction").orElseThrow().events()).singleElement().satisfies(stream -> {
            assertThat(stream.type()).isEqualTo("DynamoDB");
            assertThat(stream.properties()).containsEntry("Stream",
                    "arn:aws:dynamodb:us-east-1:000000000000:table/eventjobs-OrdersTable/stream/local");
        });
        assertThat(template.function("ReportsApiFunction").orElseThrow().environment())
                .containsEntry("REPORT_WORKER_FUNCTION", "arn:aws:lambda:us-east-1:000000000000:function:eventjobs-ReportWorkerFunction:live");
        assertThat(template.buckets()).extracting(Specs.Bucket::name)
                .containsExactly("eventjobs-uploads-000000000000-us-east-1", "eventjobs-resultsbucket");
        Specs.Function importer = template.function("ImportFunction").orElseThrow();
        assertThat(importer.async()).hasValueSatisfying(async -> {
            assertThat(async.maximumRetryAttempts()).isEqualTo(2);
            assertThat(async.maximumEventAge()).isEqualTo(Duration.ofHours(1));
            assertThat(async.onFailureArn()).contains("arn:aws:sqs:us-east-1:000000000000:eventjobs-UploadsDLQ");
        });
        assertThat(template.queues().getFirst().attributes()).containsEntry("VisibilityTimeout", "180")
                .containsEntry("RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:eventjobs-OrdersDLQ\",\"maxReceiveCount\":5}");
        assertThat(template.tables()).extracting(Specs.Table::name)
                .containsExactly("eventjobs-OrdersTable", "eventjobs-IdempotencyTable", "eventjobs-JobsTable",
                        "eventjobs-DailyTotalsTable");
        assertThat(template.tables().get(1).ttlAttribute()).contains("expiresAt");
        assertThat(template.tables().getFirst().globalSecondaryIndexes()).extracting(index -> index.get("IndexName"))
                .containsExactly("ByStatusDecidedAt", "ByStatusPendingSince");
        assertThat(template.notEmulated().lines()).anyMatch(line -> line.startsWith("Policies of ImportFunction, OrderWorkerFunction, OrdersApiFunction"))
                .anyMatch(line -> line.equals("LifecycleConfiguration of ResultsBucket, UploadsBucket: no local effect"))
                .anyMatch(line -> line.equals("PointInTimeRecoverySpecification of DailyTotalsTable, IdempotencyTable, JobsTable, OrdersTable: no local effect"))
                .anyMatch(line -> line.startsWith("OrdersDLQNotEmptyAlarm (AWS::CloudWatch::Alarm)"))
                .anyMatch(line -> line.startsWith("OrdersApi: authorization is not enforced locally"));
    }

    @Test
    void load_shouldReadABucketsLambdaConfigurations_asS3EventsOfTheFunctionTheyName() throws IOException {
        Path file = write("""
                Resources:
                  Drop:
                    Type: AWS::S3::Bucket
                    Properties:
                      BucketName: !Sub "${AWS::StackName}-drop"
                      NotificationConfiguration:
                        LambdaConfigurations:
                          - Event: s3:ObjectCreated:*
                            Filter: { S3Key: { Rules: [ { Name: prefix, Value: in/ }, { Name: suffix, Value: .csv } ] } }
                            Function: !Ref Fn.Alias
                          - Event: s3:ObjectCreated:Put
                            Function: !GetAtt Other.Arn
                          - Event: s3:ObjectCreated:*
                            Function: arn:aws:lambda:us-east-1:000000000000:function:elsewhere
                        QueueConfigurations:
                          - Event: s3:ObjectCreated:*
                            Queue: arn:aws:sqs:us-east-1:000000000000:elsewhere
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Runtime: java25
                      CodeUri: build/fn.zip
                      AutoPublishAlias: live
                  Other:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.C::handleRequest
                      Runtime: java25
                      CodeUri: build/other.zip
                """);

        SamTemplate template = SamTemplate.load(file, "st", Map.of());

        assertThat(template.function("Fn").orElseThrow().events()).singleElement().satisfies(event -> {
            assertThat(event.type()).isEqualTo("S3");
            assertThat(event.name()).isEqualTo("DropNotification1");
            assertThat(event.properties()).containsEntry("Bucket", "st-drop")
                    .containsEntry("Events", "s3:ObjectCreated:*").containsKey("Filter");
        });
        assertThat(template.function("Other").orElseThrow().events()).singleElement().satisfies(event ->
                assertThat(event.properties()).containsEntry("Events", "s3:ObjectCreated:Put").doesNotContainKey("Filter"));
        assertThat(template.notEmulated().lines())
                .contains("Drop: NotificationConfiguration.QueueConfigurations is not run locally (LambdaConfigurations are)",
                        "Resources.Drop.Properties.NotificationConfiguration.LambdaConfigurations[2] invokes"
                                + " arn:aws:lambda:us-east-1:000000000000:function:elsewhere, which is no function of this template:"
                                + " not run locally");
    }

    @Test
    void load_shouldReadSecrets_namedOrNot_withTheirValueOrHowToGenerateIt() throws IOException {
        Path file = write("""
                Resources:
                  Named:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      Name: !Sub "${AWS::StackName}/named"
                      SecretString: s3cret
                      KmsKeyId: alias/mine
                  Generated:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString: { PasswordLength: 20, ExcludeCharacters: "/@" }
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Runtime: java25
                      CodeUri: build/fn.zip
                      Environment:
                        Variables:
                          BY_REF: !Ref Named
                          BY_ID: !GetAtt Generated.Id
                """);

        SamTemplate template = SamTemplate.load(file, "st", Map.of());

        assertThat(template.secrets()).containsExactly(
                new Specs.Secret("Named", "st/named", java.util.Optional.of("s3cret"), Map.of()),
                new Specs.Secret("Generated", "st-Generated", java.util.Optional.empty(),
                        Map.of("PasswordLength", 20L, "ExcludeCharacters", "/@")));
        assertThat(template.function("Fn").orElseThrow().environment())
                .containsEntry("BY_REF", "arn:aws:secretsmanager:us-east-1:000000000000:secret:st/named")
                .containsEntry("BY_ID", "arn:aws:secretsmanager:us-east-1:000000000000:secret:st-Generated");
        assertThat(template.notEmulated().lines()).containsExactly("KmsKeyId of Named: no local effect");
    }

    @Test
    void load_shouldRefuseASecretWithBothAValueAndAGenerator() throws IOException {
        Path file = write("""
                Resources:
                  Both:
                    Type: AWS::SecretsManager::Secret
                    Properties: { SecretString: a, GenerateSecretString: { PasswordLength: 8 } }
                """);

        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of())).isInstanceOf(TemplateException.class)
                .hasMessage(file + ": Resources.Both.Properties has both SecretString and GenerateSecretString; give one");
    }

    @Test
    void load_shouldResolveIntrinsicsParametersAndConditions() throws IOException {
        Path file = write("""
                Parameters:
                  Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }
                Conditions:
                  IsProd: !Equals [!Ref Stage, prod]
                  NotProd: !Not [!Condition IsProd]
                Mappings:
                  Sizes: { dev: { memory: 256 }, prod: { memory: 2048 } }
                Globals:
                  Function:
                    Runtime: java25
                    Timeout: 5
                    Environment: { Variables: { SHARED: from-globals, OVERRIDDEN: global } }
                Resources:
                  Jobs:
                    Type: AWS::SQS::Queue
                    Properties:
                      QueueName: !Sub "${AWS::StackName}-jobs-${Stage}.fifo"
                      FifoQueue: true
                  ProdOnly:
                    Type: AWS::SQS::Queue
                    Condition: IsProd
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      CodeUri: build/fn.zip
                      MemorySize: !FindInMap [Sizes, !Ref Stage, memory]
                      Environment:
                        Variables:
                          OVERRIDDEN: local
                          JOINED: !Join ["/", [a, !Ref Stage, !GetAtt Jobs.QueueName]]
                          PICKED: !Select [1, !Split [",", "x,y,z"]]
                          CHOSEN: !If [IsProd, big, small]
                          ESCAPED: !Sub "${!Literal}-${Jobs.Arn}"
                          GONE: !If [NotProd, !Ref AWS::NoValue, here]
                """);

        SamTemplate dev = SamTemplate.load(file, "st", Map.of());
        Specs.Function fn = dev.function("Fn").orElseThrow();

        assertThat(fn.memoryMb()).isEqualTo(256);
        assertThat(fn.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(fn.environment()).containsEntry("SHARED", "from-globals").containsEntry("OVERRIDDEN", "local")
                .containsEntry("JOINED", "a/dev/st-jobs-dev.fifo").containsEntry("PICKED", "y")
                .containsEntry("CHOSEN", "small")
                .containsEntry("ESCAPED", "${Literal}-arn:aws:sqs:us-east-1:000000000000:st-jobs-dev.fifo")
                .doesNotContainKey("GONE");
        assertThat(dev.queues()).extracting(Specs.Queue::name).containsExactly("st-jobs-dev.fifo");
        assertThat(dev.queues().getFirst().fifo()).isTrue();

        SamTemplate prod = SamTemplate.load(file, "st", Map.of("Stage", "prod"));
        assertThat(prod.function("Fn").orElseThrow().environment()).containsEntry("CHOSEN", "big").containsEntry("GONE", "here");
        assertThat(prod.queues()).hasSize(2);
    }

    @Test
    void load_shouldNameLine_whenYamlIsBroken() throws IOException {
        Path file = write("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n   Properties: [\n");

        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not valid YAML (line 4");
    }

    @Test
    void load_shouldNameResourceAndProperty_whenRefIsUnknown() throws IOException {
        Path file = write("""
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Runtime: java25
                      CodeUri: fn.zip
                      Environment: { Variables: { QUEUE: !Ref NoSuchQueue } }
                """);

        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of()))
                .isInstanceOf(TemplateException.class)
                .hasMessage(file + ": Resources.Fn.Properties.Environment.Variables.QUEUE: Ref to unknown parameter or resource 'NoSuchQueue'");
    }

    @Test
    void load_shouldNameProperty_whenCodeUriIsMissing() throws IOException {
        Path file = write("""
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties: { Handler: a.B::handleRequest, Runtime: java25 }
                """);

        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of()))
                .hasMessage(file + ": Resources.Fn.Properties.CodeUri is missing");
    }

    @Test
    void load_shouldRefuse_unknownOrDisallowedParameter() throws IOException {
        Path file = write("""
                Parameters:
                  Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }
                Resources:
                  Q: { Type: AWS::SQS::Queue }
                """);

        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of("Stag", "prod")))
                .hasMessageContaining("parameter override 'Stag' names no parameter; declared: Stage");
        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of("Stage", "qa")))
                .hasMessageContaining("parameter Stage is 'qa' but must be one of [dev, prod]");
    }

    @Test
    void provisioned_shouldResolveQueueRefs_toTheUrlsTheEndpointGave() {
        SamTemplate declared = SamTemplate.load(PROJECT_TEMPLATE, "eventjobs", Map.of());

        SamTemplate provisioned = declared.provisioned(new PhysicalIds(Map.of("OrdersQueue", "http://elsewhere:1/q/orders")));

        assertThat(provisioned.queueUrl("OrdersQueue")).isEqualTo("http://elsewhere:1/q/orders");
        assertThat(provisioned.function("OrdersApiFunction").orElseThrow().environment())
                .containsEntry("ORDERS_QUEUE_URL", "http://elsewhere:1/q/orders");
        assertThat(declared.function("OrdersApiFunction").orElseThrow().environment())
                .containsEntry("ORDERS_QUEUE_URL", "http://localhost:4566/000000000000/eventjobs-OrdersQueue");
    }

    @Test
    void load_shouldCheckParameterConstraints_onDefaultsAndOverrides_asCloudFormationDoes() throws IOException {
        Path file = write("""
                Parameters:
                  ReportMaxDays: { Type: Number, Default: 366, MinValue: 1, MaxValue: 3660 }
                  Prefix: { Type: String, Default: ab, MinLength: 2, MaxLength: 4, AllowedPattern: "[a-z]+",
                            ConstraintDescription: lower-case letters }
                Resources:
                  Q: { Type: AWS::SQS::Queue }
                """);

        assertThat(SamTemplate.load(file, "st", Map.of("ReportMaxDays", "1.5e1")).queues()).hasSize(1);
        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of("ReportMaxDays", "0")))
                .isInstanceOf(TemplateException.class)
                .hasMessage(file + ": parameter ReportMaxDays is '0' but its MinValue is 1");
        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of("ReportMaxDays", "lots")))
                .hasMessage(file + ": parameter ReportMaxDays is 'lots' but its Type is Number");
        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of("ReportMaxDays", "4000")))
                .hasMessage(file + ": parameter ReportMaxDays is '4000' but its MaxValue is 3660");
        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of("Prefix", "a")))
                .hasMessage(file + ": parameter Prefix is 'a' but its MinLength is 2 (lower-case letters)");
        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of("Prefix", "abcde")))
                .hasMessage(file + ": parameter Prefix is 'abcde' but its MaxLength is 4 (lower-case letters)");
        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of("Prefix", "AB")))
                .hasMessage(file + ": parameter Prefix is 'AB' but must match its AllowedPattern [a-z]+ (lower-case letters)");
    }

    @Test
    void load_shouldCheckTheDefault_whenNoOverrideGivesAValue() throws IOException {
        Path file = write("""
                Parameters:
                  Days: { Type: Number, Default: 0, MinValue: 1 }
                Resources:
                  Q: { Type: AWS::SQS::Queue }
                """);

        assertThatThrownBy(() -> SamTemplate.load(file, "st", Map.of()))
                .hasMessage(file + ": parameter Days is '0' but its MinValue is 1");
    }

    @Test
    void load_shouldRefuseRefToNothing_evenInPropertiesTheRuntimeDoesNotUse() throws IOException {
        assertThat(refused("""
                Resources:
                  Q:
                    Type: AWS::SQS::Queue
                    Properties: { Tags: [ { Key: owner, Value: !Ref NoSuchParameter } ] }
                """)).isEqualTo("Resources.Q.Properties.Tags[0].Value: Ref to unknown parameter or resource 'NoSuchParameter'");
        assertThat(refused("""
                Resources:
                  Alarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties: { Dimensions: [ { Name: QueueName, Value: !GetAtt Gone.QueueName } ] }
                """)).isEqualTo("Resources.Alarm.Properties.Dimensions[0].Value: Fn::GetAtt names an unknown resource 'Gone'");
        assertThat(refused("""
                Resources:
                  Alarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties: { AlarmName: !Sub "${AWS::StackName}-${Missing}-${!Literal}" }
                """)).isEqualTo("Resources.Alarm.Properties.AlarmName: Fn::Sub variable ${Missing} names no parameter or resource");
    }

    /** The message a template is refused with, without the file name that starts it. */
    private String refused(String yaml) throws IOException {
        Path file = write(yaml);
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> SamTemplate.load(file, "st", Map.of()));
        assertThat(thrown).isInstanceOf(TemplateException.class).hasMessageStartingWith(file + ": ");
        return thrown.getMessage().substring((file + ": ").length());
    }
}
