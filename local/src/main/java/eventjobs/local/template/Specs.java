package eventjobs.local.template;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The parts of a template the local runtime runs, with every intrinsic resolved. */
public final class Specs {

    private Specs() {}

    /** An SQS queue: its physical name and the SQS attributes to create it with. */
    public record Queue(String logicalId, String name, Map<String, String> attributes) {
        public boolean fifo() {
            return name.endsWith(".fifo");
        }

        public String arn() {
            return "arn:aws:sqs:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":" + name;
        }
    }

    /** A DynamoDB table, described in CloudFormation's own property shapes. */
    public record Table(String logicalId, String name, List<Map<String, Object>> attributeDefinitions,
                        List<Map<String, Object>> keySchema, List<Map<String, Object>> globalSecondaryIndexes,
                        Optional<String> ttlAttribute, Optional<String> streamViewType) {

        /**
         * What {@code !GetAtt Table.StreamArn} gives in the template. The endpoint names the stream
         * itself (its ARN ends with the time it was enabled): event sources ask it with DescribeTable.
         */
        public String templateStreamArn() {
            return templateStreamArn(name);
        }

        static String templateStreamArn(String tableName) {
            return "arn:aws:dynamodb:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":table/" + tableName + "/stream/local";
        }
    }

    public record Bucket(String logicalId, String name) {}

    /** A function and how it is triggered. */
    public record Function(String logicalId, String name, String handler, String runtime, Path codeUri,
                           Duration timeout, int memoryMb, Map<String, String> environment,
                           OptionalInt reservedConcurrency, List<Event> events, Optional<AsyncConfig> async,
                           Optional<String> deadLetterTargetArn, boolean snapStart) {}

    /**
     * A trigger of a function as the template writes it: its name, its SAM {@code Type} and its
     * properties with every intrinsic resolved. The event source that runs the type reads them
     * (see {@link SamTemplate#read(Event)}).
     *
     * @param path where the event is in the template, for messages ({@code Resources.Fn.Properties.Events.Q})
     */
    public record Event(String name, String type, Map<String, Object> properties, String path) {
        public Event {
            // YAML allows null values, which Map.copyOf refuses
            properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        }
    }

    /** EventInvokeConfig: retries and destinations of asynchronous invocations. */
    public record AsyncConfig(int maximumRetryAttempts, Duration maximumEventAge, Optional<String> onSuccessArn,
                              Optional<String> onFailureArn) {}

    /**
     * A Secrets Manager secret: its name, and its value as the template gives it
     * ({@code SecretString}) or the {@code GenerateSecretString} properties to generate it with.
     */
    public record Secret(String logicalId, String name, Optional<String> secretString, Map<String, Object> generate) {
        public Secret {
            generate = Collections.unmodifiableMap(new LinkedHashMap<>(generate));
        }

        /**
         * The ARN a template's {@code !Ref} gives locally, without the six random characters AWS
         * appends: Secrets Manager (and moto) find a secret by such a partial ARN.
         */
        public String arn() {
            return "arn:aws:secretsmanager:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":secret:" + name;
        }
    }
}
