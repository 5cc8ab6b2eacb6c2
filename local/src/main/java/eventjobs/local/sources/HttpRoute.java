package eventjobs.local.sources;

import eventjobs.local.runtime.FunctionPool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route of an API: a method (or ANY) and a path template with {@code {name}} and
 * {@code {name+}} (greedy) parameters, bound to a function.
 *
 * @param binaryMediaTypes of a REST API: request bodies of these content types reach the function base64-encoded
 */
record HttpRoute(String method, String pathTemplate, boolean httpApi, List<String> binaryMediaTypes, FunctionPool function,
                 Pattern pattern, List<String> parameters) {

    static HttpRoute of(String method, String pathTemplate, boolean httpApi, List<String> binaryMediaTypes,
                        FunctionPool function) {
        List<String> parameters = new ArrayList<>();
        StringBuilder regex = new StringBuilder("^");
        Matcher m = Pattern.compile("\\{([^}+]+)(\\+)?}").matcher(pathTemplate);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(pathTemplate.substring(last, m.start())));
            regex.append(m.group(2) != null ? "(.+)" : "([^/]+)");
            parameters.add(m.group(1));
            last = m.end();
        }
        regex.append(Pattern.quote(pathTemplate.substring(last))).append("$");
        return new HttpRoute(method, pathTemplate, httpApi, List.copyOf(binaryMediaTypes), function,
                Pattern.compile(regex.toString()), parameters);
    }

    /** The path parameters when {@code method path} is this route, else empty. */
    Optional<Map<String, String>> match(String requestMethod, String path) {
        if (!method.equals("ANY") && !method.equalsIgnoreCase(requestMethod)) {
            return Optional.empty();
        }
        Matcher matcher = pattern.matcher(path);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < parameters.size(); i++) {
            values.put(parameters.get(i), java.net.URLDecoder.decode(matcher.group(i + 1).replace("+", "%2B"),
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        return Optional.of(values);
    }

    /** More literal characters and fewer greedy parameters win, as API Gateway prefers the most specific route. */
    int specificity() {
        int literal = pathTemplate.replaceAll("\\{[^}]*}", "").length();
        return literal * 10 - (pathTemplate.contains("+}") ? 5 : 0) + (method.equals("ANY") ? 0 : 1);
    }

    /**
     * Whether a request body of this content type reaches the function base64-encoded. A REST API
     * encodes only the types in its BinaryMediaTypes
     * (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html">AWS docs</a>);
     * an HTTP API every type that is not text
     * (<a href="https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html">AWS docs</a>).
     */
    boolean base64(String contentType) {
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!httpApi) {
            return binaryMediaTypes.stream().anyMatch(pattern -> mediaTypeMatches(pattern.toLowerCase(Locale.ROOT), type));
        }
        boolean text = type.startsWith("text/") || type.contains("json") || type.contains("xml")
                || type.contains("x-www-form-urlencoded") || type.contains("javascript");
        return !text;
    }

    private static boolean mediaTypeMatches(String pattern, String type) {
        String[] wanted = pattern.split("/", 2);
        String[] actual = type.split("/", 2);
        return wanted.length == 2 && actual.length == 2
                && (wanted[0].equals("*") || wanted[0].equals(actual[0]))
                && (wanted[1].equals("*") || wanted[1].equals(actual[1]));
    }

    String routeKey() {
        return method + " " + pathTemplate;
    }
}
