package eventjobs.local.template;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What of a template the local runtime does not run, one line each (a resource type, an ignored
 * property, an API's authorization), so that nothing is dropped silently. Immutable.
 */
public record NotEmulated(List<String> lines) {

    private static final Pattern RESOURCE = Pattern.compile(".+ \\((.+)\\): not run locally");

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

    /**
     * One short line: resources not run, counted by type; how many properties have no local
     * effect; and, word for word, what changes behaviour (authorization not enforced).
     */
    public String brief() {
        Map<String, Integer> types = new TreeMap<>();
        int properties = 0;
        StringBuilder behaviour = new StringBuilder();
        for (String line : lines) {
            Matcher resource = RESOURCE.matcher(line);
            if (resource.matches()) {
                types.merge(resource.group(1), 1, Integer::sum);
            } else if (line.endsWith(": no local effect") || line.endsWith(": ignored locally")) {
                properties++;
            } else {
                behaviour.append("; ").append(line);
            }
        }
        StringBuilder brief = new StringBuilder();
        types.forEach((type, count) -> brief.append(brief.isEmpty() ? "" : ", ").append(type).append(" x").append(count));
        if (properties > 0) {
            brief.append(brief.isEmpty() ? "" : "; ").append(properties).append(properties == 1 ? " property" : " properties")
                    .append(" with no local effect");
        }
        return brief.append(behaviour).toString();
    }
}
