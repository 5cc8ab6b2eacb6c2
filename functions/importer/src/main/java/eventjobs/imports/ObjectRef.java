package eventjobs.imports;

import java.util.Optional;

/** An S3 object as a notification names it, with its key decoded. */
public record ObjectRef(String bucket, String key, Optional<String> versionId, String eTag, long size) {

    /** Names this exact content: the version when the bucket keeps versions, else the eTag. */
    public String identity() {
        return bucket + "/" + key + "@" + versionId.orElse(eTag);
    }
}
