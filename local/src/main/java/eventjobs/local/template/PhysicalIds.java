package eventjobs.local.template;

import java.util.Map;
import java.util.Optional;

/**
 * What an endpoint named the resources it created, for the parts of a template that refer to
 * them ({@code !Ref Queue} and {@code !GetAtt Queue.QueueUrl} are the URL the endpoint gave the
 * queue). Immutable.
 *
 * @param queueUrls queue URL by logical id
 */
public record PhysicalIds(Map<String, String> queueUrls) {

    /** Where queues are before anything is provisioned: the default local endpoint's URLs. */
    static final String DEFAULT_SQS_ENDPOINT = "http://localhost:4566";

    public PhysicalIds {
        queueUrls = Map.copyOf(queueUrls);
    }

    /** Nothing provisioned yet. */
    public static PhysicalIds none() {
        return new PhysicalIds(Map.of());
    }

    Optional<String> queueUrl(String logicalId) {
        return Optional.ofNullable(queueUrls.get(logicalId));
    }
}
