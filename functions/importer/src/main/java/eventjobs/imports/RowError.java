package eventjobs.imports;

/** Why a row of a file was not imported; row 1 is the first row after the header. */
public record RowError(long row, String column, String reason) {}
