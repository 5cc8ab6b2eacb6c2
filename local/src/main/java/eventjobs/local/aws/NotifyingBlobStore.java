package eventjobs.local.aws;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * S3Proxy's blob store, wrapped so that every object it creates is reported, as S3 raises
 * ObjectCreated notifications: by a put, a copy or a completed multipart upload. S3Proxy's own
 * internal multipart stub objects are not reported.
 */
final class NotifyingBlobStore extends ForwardingBlobStore {

    private static final String MULTIPART_STUB = ".s3proxy-mpu-stub-";

    private volatile Consumer<ObjectCreated> listener = created -> { };

    NotifyingBlobStore(BlobStore delegate) {
        super(delegate);
    }

    void listener(Consumer<ObjectCreated> listener) {
        this.listener = listener;
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
        PutObjectResponse response = super.putBlob(request, content);
        report("ObjectCreated:Put", request.bucket(), request.key(), response.eTag(), response.versionId());
        return response;
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        CopyObjectResponse response = super.copyBlob(request);
        String eTag = response.copyObjectResult() == null ? null : response.copyObjectResult().eTag();
        report("ObjectCreated:Copy", request.destinationBucket(), request.destinationKey(), eTag, response.versionId());
        return response;
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload upload,
                                                                   CompleteMultipartUploadRequest request) {
        CompleteMultipartUploadResponse response = super.completeMultipartUpload(upload, request);
        report("ObjectCreated:CompleteMultipartUpload", request.bucket(), request.key(), response.eTag(),
                response.versionId());
        return response;
    }

    private void report(String eventName, String bucket, String key, String eTag, String versionId) {
        if (key == null || key.contains(MULTIPART_STUB)) {
            return;
        }
        long size = 0;
        String tag = eTag;
        try {
            HeadObjectResponse head = delegate().blobMetadataIfPresent(bucket, key);
            if (head != null) {
                size = head.contentLength() == null ? 0 : head.contentLength();
                tag = tag == null ? head.eTag() : tag;
            }
        } catch (RuntimeException unknown) {
            // size stays 0 rather than losing the notification
        }
        listener.accept(new ObjectCreated(eventName, bucket, key, size, tag == null ? "" : tag.replace("\"", ""),
                Optional.ofNullable(versionId).filter(v -> !v.isBlank() && !v.equals("null")), Instant.now(), "127.0.0.1"));
    }
}
