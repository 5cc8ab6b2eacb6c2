package eventjobs.local.sources;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import eventjobs.local.template.EventProperties;
import eventjobs.local.template.SamTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Schedules as EventBridge runs them: {@code Type: Schedule} (an EventBridge rule; the function
 * gets the rule's {@code Input}, or the "Scheduled Event" EventBridge sends) and
 * {@code Type: ScheduleV2} (EventBridge Scheduler; the target's {@code Input}, or {@code {}}).
 * {@code rate(...)} and {@code cron(...)} expressions
 * (<a href="https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html">AWS docs</a>),
 * in UTC or the schedule's {@code ScheduleExpressionTimezone}. Each firing invokes the function
 * asynchronously, with its retries and destinations. A rate schedule first fires one period
 * after start. Thread-safe.
 */
final class ScheduleSource implements EventSource {

    /** Schedule and ScheduleV2 events: one timer thread for all of them. */
    static final EventSource.Kind<Schedule> KIND = new EventSource.Kind<>(Schedule::read, ScheduleSource::new);

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final Pattern RATE = Pattern.compile("rate\\((\\d+) (minute|minutes|hour|hours|day|days)\\)");
    private static final Pattern CRON = Pattern.compile("cron\\((.+)\\)");
    private static final CronParser QUARTZ = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    /** When a schedule fires next, after a given time. */
    interface Timing {
        Instant next(Instant after);
    }

    /**
     * A schedule of a function.
     *
     * @param scheduler true for ScheduleV2 (EventBridge Scheduler), false for an EventBridge rule
     * @param input     the payload the template gives, if any
     */
    record Schedule(String name, String expression, Timing timing, boolean scheduler, Optional<String> input,
                    boolean enabled) implements EventSource.Event {

        static Schedule read(EventProperties properties) {
            boolean scheduler = properties.type().equals("ScheduleV2");
            String property = scheduler ? "ScheduleExpression" : "Schedule";
            String expression = properties.string(property, "").trim();
            ZoneId zone;
            try {
                zone = ZoneId.of(properties.string("ScheduleExpressionTimezone", "UTC"));
            } catch (DateTimeException e) {
                throw properties.error("ScheduleExpressionTimezone", "is not a time zone: " + e.getMessage());
            }
            Timing timing = ScheduleSource.timing(expression, zone).orElseThrow(() -> properties.error(property,
                    "must be rate(<n> minute[s]|hour[s]|day[s]) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>),"
                            + " was '" + expression + "'"));
            boolean enabled = properties.flag("Enabled", true)
                    && !properties.string("State", "ENABLED").equalsIgnoreCase("DISABLED");
            String input = properties.string("Input", null);
            if (input != null) {
                try {
                    JSON.readTree(input);
                } catch (RuntimeException e) {
                    throw properties.error("Input", "must be JSON text, was " + input);
                }
            }
            return new Schedule(properties.name(), expression, timing, scheduler, Optional.ofNullable(input), enabled);
        }
    }

    /** The timing of an expression, or empty when it is neither a valid rate nor a valid cron. */
    static Optional<Timing> timing(String expression, ZoneId zone) {
        Matcher rate = RATE.matcher(expression);
        if (rate.matches()) {
            long value = Long.parseLong(rate.group(1));
            String unit = rate.group(2);
            // AWS wants the singular for 1 and the plural otherwise
            if (value == 0 || (value == 1) != !unit.endsWith("s")) {
                return Optional.empty();
            }
            Duration period = switch (unit.charAt(0)) {
                case 'm' -> Duration.ofMinutes(value);
                case 'h' -> Duration.ofHours(value);
                default -> Duration.ofDays(value);
            };
            return Optional.of(after -> after.plus(period));
        }
        Matcher cron = CRON.matcher(expression);
        if (cron.matches() && cron.group(1).trim().split("\\s+").length == 6) {
            try {
                // AWS's six fields are Quartz's without the seconds
                ExecutionTime execution = ExecutionTime.forCron(QUARTZ.parse("0 " + cron.group(1).trim().toUpperCase(Locale.ROOT)));
                return Optional.of(after -> execution.nextExecution(after.atZone(zone)).map(ZonedDateTime::toInstant)
                        .orElse(Instant.MAX));
            } catch (IllegalArgumentException invalid) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private final List<Subscription<Schedule>> schedules;
    private final Context context;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("schedules").daemon().factory());

    private ScheduleSource(List<Subscription<Schedule>> schedules, Context context) {
        this.schedules = List.copyOf(schedules);
        this.context = context;
    }

    @Override
    public void start() {
        Instant now = context.clock().instant();
        schedules.stream().filter(s -> s.event().enabled()).forEach(s -> arm(s, s.event().timing().next(now)));
    }

    private void arm(Subscription<Schedule> schedule, Instant at) {
        if (at.equals(Instant.MAX) || timer.isShutdown()) {
            return;
        }
        long delay = Math.max(0, Duration.between(context.clock().instant(), at).toMillis());
        timer.schedule(() -> {
            try {
                fire(schedule, at);
            } catch (RuntimeException e) {
                context.log().problem(schedule.function().name(), "schedule " + schedule.event().name() + " could not fire: " + e.getMessage());
            }
            arm(schedule, schedule.event().timing().next(at));
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void fire(Subscription<Schedule> schedule, Instant at) {
        schedule.function().async().submit(event(schedule, at, context.template()), "schedule:" + schedule.event().name());
    }

    /** What the function receives when {@code schedule} fires at {@code at}. */
    static byte[] event(Subscription<Schedule> schedule, Instant at, SamTemplate template) {
        Schedule event = schedule.event();
        if (event.input().isPresent() || event.scheduler()) {
            return event.input().orElse("{}").getBytes(StandardCharsets.UTF_8);
        }
        ObjectNode scheduled = JSON.createObjectNode();
        scheduled.put("version", "0");
        scheduled.put("id", UUID.randomUUID().toString());
        scheduled.put("detail-type", "Scheduled Event");
        scheduled.put("source", "aws.events");
        scheduled.put("account", SamTemplate.ACCOUNT);
        scheduled.put("time", at.truncatedTo(ChronoUnit.SECONDS).toString());
        scheduled.put("region", SamTemplate.REGION);
        scheduled.putArray("resources").add("arn:aws:events:" + SamTemplate.REGION + ":" + SamTemplate.ACCOUNT + ":rule/"
                + template.stackName() + "-" + schedule.function().logicalId() + event.name());
        scheduled.putObject("detail");
        return JSON.writeValueAsBytes(scheduled);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
