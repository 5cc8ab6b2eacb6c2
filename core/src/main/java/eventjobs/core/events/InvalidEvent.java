package eventjobs.core.events;

import java.util.List;
import java.util.stream.Collectors;

/** An event, or the data for one, that breaks its type's schema. */
public final class InvalidEvent extends IllegalArgumentException {

    private final transient List<Violation> violations;

    public InvalidEvent(EventType type, List<Violation> violations) {
        super("not a valid " + type.type() + " (" + type.schema() + "): "
                + violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
