package eventjobs.local.aws;

import java.time.Instant;
import java.util.Optional;

/**
 * An object S3 stored: what a bucket notification reports.
 *
 * @param eventName {@code ObjectCreated:Put}, {@code ObjectCreated:Copy} or {@code ObjectCreated:CompleteMultipartUpload}
 * @param key       the key as stored (not encoded)
 * @param eTag      without quotes
 */
public record ObjectCreated(String eventName, String bucket, String key, long size, String eTag,
                            Optional<String> versionId, Instant time, String sourceIp) {}
