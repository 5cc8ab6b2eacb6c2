package eventjobs.imports;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvReadFeature;

import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Rows of a CSV file, read as a stream: UTF-8 with or without a byte order mark, CRLF or LF,
 * quoted fields with commas, quotes and line breaks. Invalid UTF-8, a row longer than the limit
 * and broken quoting end the rows with {@link Unreadable}, naming why. Not thread-safe.
 */
final class CsvRows implements AutoCloseable {

    /** The file cannot be read on from here. */
    static final class Unreadable extends RuntimeException {
        Unreadable(String reason) {
            super(reason);
        }
    }

    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvReadFeature.WRAP_AS_ARRAY).build();

    private final MappingIterator<List<String>> rows;
    private final Reader reader;

    CsvRows(InputStream content, int maxRowChars) throws IOException {
        PushbackInputStream in = new PushbackInputStream(content, 3);
        byte[] start = in.readNBytes(3);
        boolean bom = start.length == 3 && (start[0] & 0xff) == 0xEF && (start[1] & 0xff) == 0xBB && (start[2] & 0xff) == 0xBF;
        if (!bom && start.length > 0) {
            in.unread(start);
        }
        this.reader = new BoundedRows(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), maxRowChars);
        try {
            this.rows = CSV.readerForListOf(String.class).readValues(reader);
        } catch (JacksonException e) {
            throw new Unreadable(reason(e));
        }
    }

    /** The next row's fields, or empty at the end of the file. */
    Optional<List<String>> next() {
        try {
            return rows.hasNextValue() ? Optional.of(rows.nextValue()) : Optional.empty();
        } catch (JacksonException e) {
            throw new Unreadable(reason(e));
        }
    }

    private static String reason(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CharacterCodingException) {
                return "the file is not valid UTF-8";
            }
            if (cause instanceof Unreadable unreadable) {
                return unreadable.getMessage();
            }
        }
        String message = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
        return "the file is not valid CSV: " + message;
    }

    @Override
    public void close() throws IOException {
        rows.close();
        reader.close();
    }

    /** Stops a row that goes on past the limit, so that a file without line breaks cannot fill memory. */
    private static final class BoundedRows extends FilterReader {
        private final int maxRowChars;
        private int sinceBreak;

        BoundedRows(Reader in, int maxRowChars) {
            super(in);
            this.maxRowChars = maxRowChars;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            count(c);
            return c;
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            for (int i = 0; i < n; i++) {
                count(buffer[offset + i]);
            }
            return n;
        }

        private void count(int c) {
            if (c == '\n') {
                sinceBreak = 0;
            } else if (c >= 0 && ++sinceBreak > maxRowChars) {
                throw new Unreadable("a row is longer than " + maxRowChars + " characters");
            }
        }
    }
}
