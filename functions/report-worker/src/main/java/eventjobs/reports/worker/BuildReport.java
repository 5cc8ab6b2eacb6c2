package eventjobs.reports.worker;

import eventjobs.core.JobFailure;
import eventjobs.reports.DailyTotals;
import eventjobs.reports.DayTotal;
import eventjobs.reports.JobStatus;
import eventjobs.reports.JobStore;
import eventjobs.reports.ReportRequest;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Builds a sales report: the totals of confirmed orders per day and currency (orders, items,
 * revenue) of the requested days, as TotalsFunction keeps them in the daily totals table, written
 * as CSV. It reads one short partition per month of the range, whatever the number of orders.
 */
public final class BuildReport {

    /** Where a finished report goes. */
    public interface ReportSink {
        void put(String key, byte[] csv);
    }

    static final String HEADER = "day,currency,orders,items,revenue\n";

    private final DailyTotals totals;
    private final JobStore jobs;
    private final ReportSink sink;
    private final Clock clock;

    public BuildReport(DailyTotals totals, JobStore jobs, ReportSink sink, Clock clock) {
        this.totals = totals;
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
        List<DayTotal> days = totals.between(request.from(), request.to(), request.currency());
        String key = "reports/" + request.jobId() + ".csv";
        sink.put(key, csv(days));
        jobs.done(request.jobId(), key, days.size(), clock.instant());
        return Optional.of(key);
    }

    /** The report's CSV: a header, then one line per day and currency, in that order. */
    public static byte[] csv(List<DayTotal> days) {
        StringBuilder csv = new StringBuilder(HEADER);
        days.forEach(day -> csv.append(day.day()).append(',').append(day.currency().getCurrencyCode()).append(',')
                .append(day.orders()).append(',').append(day.items()).append(',').append(day.revenue().toPlainString()).append('\n'));
        return csv.toString().getBytes(StandardCharsets.UTF_8);
    }
}
