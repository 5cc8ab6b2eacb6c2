package eventjobs.local.cli;

import eventjobs.local.template.SamTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** The banner's suggestions come from the template: its routes, queues and buckets, nothing it lacks. */
class TryItTest {

    private static final URI ENDPOINT = URI.create("http://localhost:4566");
    /** A function's Type and Properties up to its Events, at the indentation of a resource's body. */
    private static final String FUNCTION = """
              Type: AWS::Serverless::Function
              Properties:
                Handler: a.B::handleRequest
                Runtime: java25
                CodeUri: fn.zip
            """;

    @TempDir
    Path dir;

    private SamTemplate template(String resources) throws IOException {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, "Resources:\n" + resources.indent(2));
        return SamTemplate.load(file, "st", Map.of());
    }

    @Test
    void lines_shouldSuggestTheTemplatesOwnRoutesQueuesAndBuckets() throws IOException {
        Files.createDirectories(dir.resolve("events"));
        Files.writeString(dir.resolve("events/place.json"), """
                {"version": "2.0", "routeKey": "POST /widgets", "body": "{\\n  \\"name\\": \\"it's\\"\\n}", "isBase64Encoded": false}
                """);
        SamTemplate template = template("""
                Jobs: { Type: AWS::SQS::Queue }
                JobsDLQ: { Type: AWS::SQS::Queue }
                Inbox: { Type: AWS::S3::Bucket }
                Api:
                %s    Events:
                        Place: { Type: HttpApi, Properties: { Method: POST, Path: /widgets } }
                        Get: { Type: HttpApi, Properties: { Method: GET, Path: "/widgets/{widgetId}" } }
                Worker:
                %s    Events:
                        Q: { Type: SQS, Properties: { Queue: !GetAtt Jobs.Arn } }
                        Up:
                          Type: S3
                          Properties:
                            Bucket: !Ref Inbox
                            Events: s3:ObjectCreated:*
                            Filter: { S3Key: { Rules: [ { Name: prefix, Value: in/ }, { Name: suffix, Value: .csv } ] } }
                """.formatted(FUNCTION, FUNCTION));

        assertThat(TryIt.lines(template, ENDPOINT, OptionalInt.of(3000))).containsExactly(
                "curl -s -X POST 'http://localhost:3000/widgets' -H 'content-type: application/json' -d '{\"name\":\"it'\\''s\"}'",
                "curl -s 'http://localhost:3000/widgets/<widgetId>'",
                "aws --endpoint-url http://localhost:4566 sqs send-message --queue-url " + template.queueUrl("Jobs")
                        + " --message-body '{}'",
                "aws --endpoint-url http://localhost:4566 s3 cp ./example.csv s3://st-inbox/in/example.csv",
                "local/run queues      # depth of every queue and DLQ");
    }

    @Test
    void lines_shouldSuggestAnItem_forATableWhoseStreamAFunctionReads() throws IOException {
        SamTemplate template = template("""
                Changes:
                  Type: AWS::DynamoDB::Table
                  Properties:
                    AttributeDefinitions: [ { AttributeName: id, AttributeType: S }, { AttributeName: at, AttributeType: N } ]
                    KeySchema: [ { AttributeName: id, KeyType: HASH }, { AttributeName: at, KeyType: RANGE } ]
                    StreamSpecification: { StreamViewType: NEW_IMAGE }
                Reader:
                %s    Events:
                        S: { Type: DynamoDB, Properties: { Stream: !GetAtt Changes.StreamArn, StartingPosition: LATEST } }
                """.formatted(FUNCTION));

        assertThat(TryIt.lines(template, ENDPOINT, OptionalInt.empty())).containsExactly(
                "aws --endpoint-url http://localhost:4566 dynamodb put-item --table-name st-Changes"
                        + " --item '{\"id\":{\"S\":\"example\"},\"at\":{\"N\":\"1\"}}'");
    }

    @Test
    void lines_shouldSuggestNothing_whenTheTemplateHasNoTriggersNorQueues() throws IOException {
        SamTemplate template = template("Plain:\n" + FUNCTION);

        assertThat(TryIt.lines(template, ENDPOINT, OptionalInt.empty())).isEmpty();
    }
}
