package eventjobs.reports.worker;

import eventjobs.core.JobFailure;
import eventjobs.orders.Order;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.OrderStore;
import eventjobs.reports.JobStatus;
import eventjobs.reports.JobStore;
import eventjobs.reports.ReportRequest;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds a sales report: the confirmed orders of the requested days (read page by page through
 * the orders table's status/decidedAt index), totalled per day and currency (orders, items,
 * revenue), written as CSV. Memory grows with days × currencies, never with orders.
 */
public final class BuildReport {

    /** Where a finished report goes. */
    public interface ReportSink {
        void put(String key, byte[] csv);
    }

    static final String HEADER = "day,currency,orders,items,revenue\n";

    private record Day(LocalDate day, String currency) implements Comparable<Day> {
        @Override
        public int compareTo(Day other) {
            int byDay = day.compareTo(other.day);
            return byDay != 0 ? byDay : currency.compareTo(other.currency);
        }
    }

    private static final class Totals {
        long orders;
        long items;
        BigDecimal revenue = BigDecimal.ZERO;
    }

    private final OrderStore orders;
    private final JobStore jobs;
    private final ReportSink sink;
    private final Clock clock;

    public BuildReport(OrderStore orders, JobStore jobs, ReportSink sink, Clock clock) {
        this.orders = orders;
        this.jobs = jobs;
        this.sink = sink;
        this.clock = clock;
    }

    /**
     * @return the report's key, or empty when the job was DONE already
     * @throws JobFailure.Permanent when there is no such job (POST /reports records it before it starts the worker)
     */
    public Optional<String> apply(ReportRequest request) {
        if (!jobs.move(request.jobId(), JobStatus.RUNNING, Optional.empty(), clock.instant())) {
            if (jobs.find(request.jobId()).isEmpty()) {
                throw JobFailure.permanent("there is no report job " + request.jobId()
                        + ": a report is requested with POST /reports, which records the job before it starts this worker");
            }
            return Optional.empty();
        }
        Map<Day, Totals> totals = new TreeMap<>();
        try (var decided = orders.decidedOn(OrderStatus.CONFIRMED, request.from(), request.to())) {
            decided.filter(order -> request.currency().map(order.currency()::equals).orElse(true))
                    .forEach(order -> add(totals, order));
        }
        StringBuilder csv = new StringBuilder(HEADER);
        totals.forEach((day, sum) -> csv.append(day.day()).append(',').append(day.currency()).append(',')
                .append(sum.orders).append(',').append(sum.items).append(',').append(sum.revenue.toPlainString()).append('\n'));
        String key = "reports/" + request.jobId() + ".csv";
        sink.put(key, csv.toString().getBytes(StandardCharsets.UTF_8));
        jobs.done(request.jobId(), key, totals.size(), clock.instant());
        return Optional.of(key);
    }

    private static void add(Map<Day, Totals> totals, Order order) {
        LocalDate day = order.decidedAt().orElseThrow().atZone(ZoneOffset.UTC).toLocalDate();
        Totals sum = totals.computeIfAbsent(new Day(day, order.currency().getCurrencyCode()), d -> new Totals());
        sum.orders++;
        sum.items += order.lines().stream().mapToLong(OrderLine::quantity).sum();
        sum.revenue = sum.revenue.add(order.total().orElseGet(() -> order.lines().stream()
                .map(OrderLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add)));
    }
}
