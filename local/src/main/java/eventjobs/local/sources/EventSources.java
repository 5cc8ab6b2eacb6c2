package eventjobs.local.sources;

import eventjobs.local.template.SamTemplate;
import eventjobs.local.template.Specs;
import eventjobs.local.template.TemplateException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The event sources the local runtime runs, by the SAM event {@code Type} each one serves. To run
 * another type, write its source (with its {@link EventSource.Kind}) and add it here.
 */
public final class EventSources {

    private static final Map<String, EventSource.Kind<?>> BY_TYPE = Map.of(
            "SQS", SqsPoller.KIND,
            "S3", S3Notifications.KIND,
            "HttpApi", HttpApiServer.KIND,
            "Api", HttpApiServer.KIND,
            "Schedule", ScheduleSource.KIND,
            "ScheduleV2", ScheduleSource.KIND,
            "DynamoDB", DynamoDbStreamSource.KIND,
            "SelfManagedKafka", KafkaSource.KIND,
            "MSK", KafkaSource.KIND,
            "MQ", RabbitMqSource.KIND);

    private EventSources() {}

    /** A function's event, read by the kind of source that runs it. */
    public record Trigger(String functionId, EventSource.Kind<?> kind, EventSource.Event event) {}

    /**
     * Every event of every function of the template, read.
     *
     * @throws TemplateException naming the event when its Type is not run locally or a property is wrong
     */
    public static List<Trigger> read(SamTemplate template) {
        List<Trigger> triggers = new ArrayList<>();
        for (Specs.Function function : template.functions()) {
            for (Specs.Event event : function.events()) {
                EventSource.Kind<?> kind = BY_TYPE.get(event.type());
                if (kind == null) {
                    throw new TemplateException(template.file() + ": " + event.path() + ".Type " + event.type()
                            + " is not supported by the local runtime (" + String.join(", ", new TreeSet<>(BY_TYPE.keySet()))
                            + " are)");
                }
                triggers.add(new Trigger(function.logicalId(), kind, kind.read().apply(template.read(event))));
            }
        }
        return triggers;
    }

    /**
     * One source per kind of trigger, for all of that kind's triggers; none is started yet. When
     * one cannot be created (its port is taken), those already created are closed.
     *
     * @param functions the function with a logical id
     */
    public static List<EventSource> create(List<Trigger> triggers, Function<String, FunctionTarget> functions,
                                           EventSource.Context context) {
        Map<EventSource.Kind<?>, List<EventSource.Subscription<?>>> byKind = new LinkedHashMap<>();
        for (Trigger trigger : triggers) {
            byKind.computeIfAbsent(trigger.kind(), k -> new ArrayList<>())
                    .add(new EventSource.Subscription<>(trigger.event(), functions.apply(trigger.functionId())));
        }
        List<EventSource> sources = new ArrayList<>();
        try {
            byKind.forEach((kind, subscriptions) -> sources.add(create(kind, subscriptions, context)));
        } catch (RuntimeException e) {
            sources.forEach(EventSource::close);
            throw e;
        }
        return List.copyOf(sources);
    }

    @SuppressWarnings("unchecked")
    private static <E extends EventSource.Event> EventSource create(EventSource.Kind<E> kind,
                                                                  List<EventSource.Subscription<?>> subscriptions,
                                                                  EventSource.Context context) {
        // read() gave each of these events from this kind, so they are E
        return kind.create().apply((List<EventSource.Subscription<E>>) (List<?>) subscriptions, context);
    }
}
