package eventjobs.local.template;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads CloudFormation YAML into plain maps, lists and scalars, turning the short intrinsic
 * tags ({@code !Ref x}, {@code !GetAtt a.b}, {@code !Sub ...}) into their long form
 * ({@code {"Ref": "x"}}, {@code {"Fn::GetAtt": ["a", "b"]}}), as CloudFormation does.
 */
final class CfnYaml {

    private CfnYaml() {}

    /** @throws TemplateException naming the file, line and problem */
    static Object parse(String text, String file) {
        LoadSettings settings = LoadSettings.builder().setLabel(file).build();
        try {
            Composer composer = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
            Node root = composer.getSingleNode().orElseThrow(() -> new TemplateException(file + ": the file is empty"));
            return convert(root, file);
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark().map(m -> " (line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ")").orElse("");
            throw new TemplateException(file + ": not valid YAML" + where + ": " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new TemplateException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static Object convert(Node node, String file) {
        String tag = node.getTag().getValue();
        if (tag.startsWith("!")) {
            return intrinsic(tag.substring(1), node, file);
        }
        return plain(node, file);
    }

    private static Object plain(Node node, String file) {
        return switch (node) {
            case MappingNode mapping -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (NodeTuple tuple : mapping.getValue()) {
                    map.put(String.valueOf(plain(tuple.getKeyNode(), file)), convert(tuple.getValueNode(), file));
                }
                yield map;
            }
            case SequenceNode sequence -> {
                List<Object> list = new ArrayList<>();
                for (Node item : sequence.getValue()) {
                    list.add(convert(item, file));
                }
                yield list;
            }
            case ScalarNode scalar -> scalar(scalar);
            default -> throw new TemplateException(file + ": unsupported YAML node at line "
                    + node.getStartMark().map(m -> m.getLine() + 1).orElse(0));
        };
    }

    private static Object scalar(ScalarNode scalar) {
        Tag tag = scalar.getTag();
        String value = scalar.getValue();
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        if (Tag.BOOL.equals(tag)) {
            return Boolean.parseBoolean(value);
        }
        if (Tag.INT.equals(tag)) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                return value;
            }
        }
        if (Tag.FLOAT.equals(tag)) {
            return Double.parseDouble(value);
        }
        return value;
    }

    private static Object intrinsic(String name, Node node, String file) {
        Object value = plain(node, file);
        return switch (name) {
            case "Ref" -> Map.of("Ref", value);
            case "Condition" -> Map.of("Condition", value);
            case "GetAtt" -> Map.of("Fn::GetAtt", value instanceof String s ? List.of(s.split("\\.", 2)) : value);
            default -> Map.of("Fn::" + name, value);
        };
    }
}
