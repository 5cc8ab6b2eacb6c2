package eventjobs.local.stack;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.template.SamTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Secrets of a template, created on the embedded endpoint (moto serves Secrets Manager behind the gateway). */
class ProvisionerTest {

    private static EmbeddedAws aws;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start(0);
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    private SamTemplate template() throws IOException {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, """
                Resources:
                  Given:
                    Type: AWS::SecretsManager::Secret
                    Properties: { Name: !Sub "${AWS::StackName}/given", SecretString: s3cret }
                  Generated:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true }
                  Credentials:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString:
                        SecretStringTemplate: '{"username":"app"}'
                        GenerateStringKey: password
                        PasswordLength: 16
                        ExcludeNumbers: true
                """);
        return SamTemplate.load(file, "prov", Map.of());
    }

    private static PhysicalSecrets provision(SamTemplate template) {
        try (var sqs = aws.sqs(); var dynamo = aws.dynamoDb(); var s3 = aws.s3(); var secrets = aws.secretsManager()) {
            new Provisioner(sqs, dynamo, s3, secrets).provision(template);
        }
        return new PhysicalSecrets();
    }

    @Test
    void provision_shouldCreateEachSecret_withItsValueOrOneGeneratedAsCloudFormationWould() throws IOException {
        SamTemplate template = template();

        PhysicalSecrets secrets = provision(template);

        assertThat(secrets.value("prov/given")).isEqualTo("s3cret");
        assertThat(secrets.value("prov-Generated")).matches("[A-Za-z0-9]{48}");
        JsonNode credentials = JsonMapper.shared().readTree(secrets.value("prov-Credentials"));
        assertThat(credentials.get("username").asString()).isEqualTo("app");
        assertThat(credentials.get("password").asString()).hasSize(16).doesNotContainPattern("[0-9]");
        // what !Ref gives a function finds the secret
        assertThat(secrets.value(template.secrets().getFirst().arn())).isEqualTo("s3cret");
    }

    @Test
    void provision_shouldKeepAGeneratedValue_whenRunAgain() throws IOException {
        SamTemplate template = template();
        String first = provision(template).value("prov-Generated");

        String second = provision(template).value("prov-Generated");

        assertThat(second).isEqualTo(first);
    }

    /** Reads secrets by name or ARN. */
    private static final class PhysicalSecrets {
        String value(String id) {
            try (SecretsManagerClient secrets = aws.secretsManager()) {
                return secrets.getSecretValue(r -> r.secretId(id)).secretString();
            }
        }
    }
}
