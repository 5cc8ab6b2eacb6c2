package eventjobs.local.stack;

import eventjobs.local.template.PhysicalIds;
import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetRandomPasswordRequest;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Creates a template's queues, tables, buckets and secrets on an endpoint. Running it again is
 * harmless: existing queues get their attributes set again, existing tables, buckets and secrets
 * are left as they are (a secret keeps its value), except that a table the template streams gets
 * its stream if it has none.
 */
public final class Provisioner {

    private static final String CONTENT_DEDUPLICATION = "ContentBasedDeduplication";

    private final SqsClient sqs;
    private final DynamoDbClient dynamo;
    private final S3Client s3;
    private final SecretsManagerClient secrets;

    public Provisioner(SqsClient sqs, DynamoDbClient dynamo, S3Client s3, SecretsManagerClient secrets) {
        this.sqs = sqs;
        this.dynamo = dynamo;
        this.s3 = s3;
        this.secrets = secrets;
    }

    /** Creates everything; returns the URLs the endpoint gave the queues, for {@link SamTemplate#provisioned}. */
    public PhysicalIds provision(SamTemplate template) {
        List<Specs.Queue> queues = template.queues();
        Map<String, String> queueUrls = new HashMap<>();
        // every queue first, then the attributes: a RedrivePolicy names a queue that must exist
        for (Specs.Queue queue : queues) {
            // FIFO settings can only be given at creation (ElasticMQ refuses them later)
            Map<String, String> creation = new HashMap<>();
            if (queue.fifo()) {
                creation.put("FifoQueue", "true");
                Optional.ofNullable(queue.attributes().get(CONTENT_DEDUPLICATION)).ifPresent(v -> creation.put(CONTENT_DEDUPLICATION, v));
            }
            String url = sqs.createQueue(r -> r.queueName(queue.name()).attributesWithStrings(creation)).queueUrl();
            queueUrls.put(queue.logicalId(), url);
        }
        for (Specs.Queue queue : queues) {
            Map<String, String> later = new HashMap<>(queue.attributes());
            later.remove(CONTENT_DEDUPLICATION);
            if (!later.isEmpty()) {
                sqs.setQueueAttributes(r -> r.queueUrl(queueUrls.get(queue.logicalId())).attributesWithStrings(later));
            }
        }
        template.tables().forEach(this::table);
        for (Specs.Bucket bucket : template.buckets()) {
            try {
                s3.createBucket(r -> r.bucket(bucket.name()));
            } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException exists) {
                // created by an earlier run
            }
        }
        template.secrets().forEach(this::secret);
        return new PhysicalIds(queueUrls);
    }

    /**
     * Creates a secret with its {@code SecretString}, or with a value generated as CloudFormation
     * generates it: Secrets Manager's {@code GetRandomPassword} with the {@code GenerateSecretString}
     * options, put under {@code GenerateStringKey} in the {@code SecretStringTemplate} object when
     * the template gives one.
     */
    private void secret(Specs.Secret secret) {
        String value = secret.secretString().orElseGet(() -> generated(secret.generate()));
        try {
            secrets.createSecret(r -> r.name(secret.name()).secretString(value));
        } catch (ResourceExistsException exists) {
            // created by an earlier run: its value stays, as a stack update leaves it
        }
    }

    private String generated(Map<String, Object> options) {
        GetRandomPasswordRequest.Builder request = GetRandomPasswordRequest.builder();
        Optional.ofNullable(options.get("PasswordLength")).ifPresent(v -> request.passwordLength(Long.parseLong(String.valueOf(v))));
        Optional.ofNullable(options.get("ExcludeCharacters")).ifPresent(v -> request.excludeCharacters(String.valueOf(v)));
        flag(options, "ExcludeNumbers").ifPresent(request::excludeNumbers);
        flag(options, "ExcludePunctuation").ifPresent(request::excludePunctuation);
        flag(options, "ExcludeUppercase").ifPresent(request::excludeUppercase);
        flag(options, "ExcludeLowercase").ifPresent(request::excludeLowercase);
        flag(options, "IncludeSpace").ifPresent(request::includeSpace);
        flag(options, "RequireEachIncludedType").ifPresent(request::requireEachIncludedType);
        String password = secrets.getRandomPassword(request.build()).randomPassword();
        Object template = options.get("SecretStringTemplate");
        if (template == null) {
            return password;
        }
        JsonMapper json = JsonMapper.shared();
        JsonNode object = json.readTree(String.valueOf(template));
        if (!(object instanceof ObjectNode fields) || options.get("GenerateStringKey") == null) {
            throw new IllegalStateException("GenerateSecretString: SecretStringTemplate must be a JSON object and"
                    + " GenerateStringKey must name the key to generate, as CloudFormation requires");
        }
        fields.put(String.valueOf(options.get("GenerateStringKey")), password);
        return json.writeValueAsString(fields);
    }

    private static Optional<Boolean> flag(Map<String, Object> options, String name) {
        return Optional.ofNullable(options.get(name)).map(v -> Boolean.parseBoolean(String.valueOf(v)));
    }

    private void table(Specs.Table table) {
        try {
            dynamo.createTable(r -> {
                r.tableName(table.name())
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(table.attributeDefinitions().stream()
                                .map(a -> AttributeDefinition.builder().attributeName(str(a, "AttributeName"))
                                        .attributeType(str(a, "AttributeType")).build()).toList())
                        .keySchema(keys(table.keySchema()));
                if (!table.globalSecondaryIndexes().isEmpty()) {
                    r.globalSecondaryIndexes(table.globalSecondaryIndexes().stream().map(Provisioner::index).toList());
                }
                table.streamViewType().ifPresent(view -> r.streamSpecification(StreamSpecification.builder()
                        .streamEnabled(true).streamViewType(view).build()));
            });
            dynamo.waiter().waitUntilTableExists(r -> r.tableName(table.name()));
        } catch (ResourceInUseException exists) {
            table.streamViewType().ifPresent(view -> enableStream(table, view));
            return;
        }
        table.ttlAttribute().ifPresent(attribute -> dynamo.updateTimeToLive(r -> r.tableName(table.name())
                .timeToLiveSpecification(t -> t.attributeName(attribute).enabled(true))));
    }

    /**
     * A table made before the template gave it a stream (by an earlier run, on an endpoint that
     * keeps tables) gets it now: the event sources reading it need one.
     */
    private void enableStream(Specs.Table table, String view) {
        StreamSpecification current = dynamo.describeTable(r -> r.tableName(table.name())).table().streamSpecification();
        if (current == null || !Boolean.TRUE.equals(current.streamEnabled())) {
            dynamo.updateTable(r -> r.tableName(table.name())
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType(view)));
        }
    }

    @SuppressWarnings("unchecked")
    private static GlobalSecondaryIndex index(Map<String, Object> spec) {
        Map<String, Object> projection = (Map<String, Object>) spec.getOrDefault("Projection", Map.of("ProjectionType", "ALL"));
        Projection.Builder builder = Projection.builder().projectionType(str(projection, "ProjectionType"));
        if (projection.get("NonKeyAttributes") instanceof List<?> attributes) {
            builder.nonKeyAttributes(attributes.stream().map(String::valueOf).toList());
        }
        return GlobalSecondaryIndex.builder()
                .indexName(str(spec, "IndexName"))
                .keySchema(keys((List<Map<String, Object>>) spec.get("KeySchema")))
                .projection(builder.build())
                .build();
    }

    private static List<KeySchemaElement> keys(List<Map<String, Object>> keys) {
        return keys.stream().map(k -> KeySchemaElement.builder().attributeName(str(k, "AttributeName"))
                .keyType(str(k, "KeyType")).build()).toList();
    }

    private static String str(Map<String, Object> map, String key) {
        return String.valueOf(map.get(key));
    }

    /**
     * Depth of each queue of the template: visible, in flight, delayed.
     *
     * @throws IllegalStateException naming the queue and the stack when a queue does not exist
     */
    public Map<String, Map<String, String>> depths(SamTemplate template) {
        Map<String, Map<String, String>> depths = new HashMap<>();
        for (Specs.Queue queue : template.queues()) {
            String url;
            try {
                url = sqs.getQueueUrl(r -> r.queueName(queue.name())).queueUrl();
            } catch (QueueDoesNotExistException e) {
                throw new IllegalStateException("queue " + queue.name() + " (" + queue.logicalId() + ") does not exist on the"
                        + " endpoint: stack " + template.stackName() + " may not be provisioned (local/run provision --stack-name "
                        + template.stackName() + ")", e);
            }
            depths.put(queue.logicalId(), sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributesAsStrings());
        }
        return depths;
    }
}
