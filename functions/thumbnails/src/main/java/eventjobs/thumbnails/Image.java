package eventjobs.thumbnails;

import java.util.Optional;

/** An uploaded image as its S3 notification names it, with the key decoded. */
public record Image(String bucket, String key, Optional<String> versionId, String eTag, long size) {

    public String identity() {
        return bucket + "/" + key + "@" + versionId.orElse(eTag);
    }
}
