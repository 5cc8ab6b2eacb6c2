package eventjobs.local.template;

import java.util.List;

/**
 * What of a template the local runtime does not run, one line each (a resource type, an ignored
 * property, an API's authorization), so that nothing is dropped silently. Immutable.
 */
public record NotEmulated(List<String> lines) {

    public NotEmulated {
        lines = List.copyOf(lines);
    }

    /** Whether the runtime runs all of the template. */
    public boolean isEmpty() {
        return lines.isEmpty();
    }

    /** The lines in one, separated by "; ". */
    public String summary() {
        return String.join("; ", lines);
    }
}
