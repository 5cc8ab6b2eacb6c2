package eventjobs.core.aws;

import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The one place AWS clients are built. Call it from a handler's no-argument constructor so
 * each client is built once per execution environment and reused by every invocation.
 *
 * <p>Region and credentials come from the environment Lambda sets. Endpoints are left to the
 * SDK, which reads {@code AWS_ENDPOINT_URL} and {@code AWS_ENDPOINT_URL_<SERVICE>} itself; when
 * one is set for S3, path-style addressing is used, which local emulators need.
 *
 * <p>{@value #ENDPOINT_VARIABLE} is the one variable the template declares for this (empty:
 * AWS), so that {@code sam local invoke --env-vars} can point a function at LocalStack; the
 * SDK's own variables cannot be declared empty, since the SDK refuses an empty endpoint. Clients
 * are thread-safe.
 *
 * <p>The clients it builds share one credentials provider, which {@link #refreshCredentials()}
 * replaces: after a SnapStart restore, credentials cached before the snapshot must not be reused
 * (see {@code Priming}).
 */
public final class AwsClients {

    /** Declared in template.yaml, empty in the cloud: when set, every client uses this endpoint. */
    public static final String ENDPOINT_VARIABLE = "EVENTJOBS_ENDPOINT_URL";

    private final Map<String, String> env;
    private final Supplier<AwsCredentialsProvider> newCredentials;
    private volatile AwsCredentialsProvider credentials;

    AwsClients(Map<String, String> env) {
        this(env, () -> credentialsFor(env));
    }

    AwsClients(Map<String, String> env, Supplier<AwsCredentialsProvider> newCredentials) {
        this.env = Map.copyOf(env);
        this.newCredentials = newCredentials;
        this.credentials = newCredentials.get();
    }

    /** Clients configured from this process's environment. */
    public static AwsClients fromEnvironment() {
        return new AwsClients(System.getenv());
    }

    public SqsClient sqs() {
        return configure(SqsClient.builder()).build();
    }

    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder()).build();
    }

    public S3Client s3() {
        return configure(S3Client.builder()).forcePathStyle(endpointOverridden("S3")).build();
    }

    /** Presigns S3 URLs with the same region, credentials and endpoint as {@link #s3()}. */
    public S3Presigner presigner() {
        S3Presigner.Builder builder = S3Presigner.builder()
                .credentialsProvider(this::resolveCredentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(endpointOverridden("S3")).build());
        if (isSet(env.get("AWS_REGION"))) {
            builder.region(Region.of(env.get("AWS_REGION")));
        }
        String endpoint = isSet(env.get(ENDPOINT_VARIABLE)) ? env.get(ENDPOINT_VARIABLE)
                : isSet(env.get("AWS_ENDPOINT_URL_S3")) ? env.get("AWS_ENDPOINT_URL_S3") : env.get("AWS_ENDPOINT_URL");
        if (isSet(endpoint)) {
            builder.endpointOverride(URI.create(endpoint.trim()));
        }
        return builder.build();
    }

    public LambdaClient lambda() {
        return configure(LambdaClient.builder()).build();
    }

    public SecretsManagerClient secretsManager() {
        return configure(SecretsManagerClient.builder()).build();
    }

    /**
     * Whether requests to {@code service} (the SDK's service id, e.g. "S3") go to an endpoint
     * other than AWS's, through the variables or system properties the SDK itself reads.
     */
    boolean endpointOverridden(String service) {
        String id = service.toUpperCase(java.util.Locale.ROOT);
        String property = "aws.endpointUrl" + id.charAt(0) + id.substring(1).toLowerCase(java.util.Locale.ROOT);
        return isSet(env.get(ENDPOINT_VARIABLE)) || isSet(env.get("AWS_ENDPOINT_URL_" + id)) || isSet(env.get("AWS_ENDPOINT_URL"))
                || isSet(System.getProperty(property)) || isSet(System.getProperty("aws.endpointUrl"));
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> B configure(B builder) {
        builder.httpClientBuilder(UrlConnectionHttpClient.builder())
                .credentialsProvider(this::resolveCredentials);
        String region = env.get("AWS_REGION");
        if (isSet(region)) {
            // set by Lambda: reading it here skips the SDK's region provider chain at cold start
            builder.region(Region.of(region));
        }
        String endpoint = env.get(ENDPOINT_VARIABLE);
        if (isSet(endpoint)) {
            builder.endpointOverride(URI.create(endpoint.trim()));
        }
        return builder;
    }

    /**
     * Drops the credentials provider the clients share, and whatever it cached, for a new one that
     * looks them up again on the next request. Safe to call while clients are in use.
     */
    public void refreshCredentials() {
        AwsCredentialsProvider old = credentials;
        credentials = newCredentials.get();
        if (old instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // the old provider only held cached credentials; the new one is in place
            }
        }
    }

    private AwsCredentials resolveCredentials() {
        return credentials.resolveCredentials();
    }

    private static AwsCredentialsProvider credentialsFor(Map<String, String> env) {
        // Lambda puts the execution role's credentials in the environment: reading them there
        // skips the default chain's probing of files and metadata endpoints at cold start.
        if (env.containsKey("AWS_ACCESS_KEY_ID") && env.containsKey("AWS_SECRET_ACCESS_KEY")) {
            return EnvironmentVariableCredentialsProvider.create();
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
