package eventjobs.imports;

/** Where a part of an import that stops before the end of its file hands the rest over. */
public interface PartHandover {

    /**
     * Starts {@code next}, asynchronously; returns once it is accepted.
     *
     * @param functionArn the ARN this invocation was invoked by, alias included, so that the next
     *                    part runs the same version
     * @throws RuntimeException when it could not be handed over (the part then fails and is retried)
     */
    void handOver(ImportPart next, String functionArn);
}
