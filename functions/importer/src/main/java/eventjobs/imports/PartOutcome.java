package eventjobs.imports;

/** How one part of an import ended: the file is done, or the next part reads on. */
sealed interface PartOutcome {

    /** The file is done (read to its end, or stopped for a reason the report gives). */
    record Finished(ImportReport report) implements PartOutcome {}

    /** The part used up its budget before the end of the file: {@code next} reads on. */
    record Continued(ImportPart next) implements PartOutcome {}
}
