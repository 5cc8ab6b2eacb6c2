package eventjobs.core.events;

/**
 * One way a JSON document breaks its schema.
 *
 * @param field   where, as a JSON Pointer into the document ({@code ""} for the document itself)
 * @param message what is wrong, for a person
 */
public record Violation(String field, String message) {

    @Override
    public String toString() {
        return (field.isEmpty() ? "(document)" : field) + ": " + message;
    }
}
