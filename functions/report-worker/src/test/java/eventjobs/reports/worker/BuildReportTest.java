package eventjobs.reports.worker;

import eventjobs.core.JobFailure;
import eventjobs.reports.Confirmation;
import eventjobs.reports.DailyTotals;
import eventjobs.reports.DayTotal;
import eventjobs.reports.Job;
import eventjobs.reports.JobStatus;
import eventjobs.reports.JobStore;
import eventjobs.reports.ReportRequest;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The report's CSV and job moves, with in-memory stores. */
class BuildReportTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    private final List<DayTotal> kept = new ArrayList<>();
    private final Map<String, JobStatus> statuses = new HashMap<>();
    private final Map<String, String> written = new HashMap<>();

    /** Daily totals as TotalsFunction keeps them, by day and then currency. */
    private final DailyTotals totals = new DailyTotals() {
        @Override
        public Added add(List<Confirmation> confirmations, Instant now) {
            throw new AssertionError("a report never writes totals");
        }

        @Override
        public List<DayTotal> between(LocalDate from, LocalDate to, Optional<Currency> currency) {
            return kept.stream().filter(t -> !t.day().isBefore(from) && !t.day().isAfter(to))
                    .filter(t -> currency.map(t.currency()::equals).orElse(true)).toList();
        }
    };

    private final JobStore jobs = new JobStore() {
        @Override
        public Creation create(ReportRequest request, String requestHash, Instant now, Instant deadline) {
            statuses.put(request.jobId(), JobStatus.PENDING);
            return new Creation.Created();
        }

        @Override
        public boolean reopen(String jobId, Instant now, Instant deadline) {
            throw new AssertionError("the worker never reopens a job");
        }

        @Override
        public java.util.stream.Stream<Job> overdue(Instant now) {
            throw new AssertionError("the worker never sweeps jobs");
        }

        @Override
        public boolean expire(Job job, Instant now) {
            throw new AssertionError("the worker never sweeps jobs");
        }

        @Override
        public Optional<Job> find(String jobId) {
            return Optional.ofNullable(statuses.get(jobId)).map(status -> new Job(new ReportRequest(jobId,
                    LocalDate.EPOCH, LocalDate.EPOCH, Optional.empty()), status, Instant.EPOCH, Instant.EPOCH,
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        }

        @Override
        public boolean move(String jobId, JobStatus status, Optional<String> reason, Instant now) {
            if (!statuses.containsKey(jobId) || statuses.get(jobId) == JobStatus.DONE) {
                return false;
            }
            statuses.put(jobId, status);
            return true;
        }

        @Override
        public void done(String jobId, String reportKey, long rows, Instant now) {
            statuses.put(jobId, JobStatus.DONE);
        }
    };

    private void total(String day, String currency, long orders, long items, String revenue) {
        kept.add(new DayTotal(LocalDate.parse(day), Currency.getInstance(currency), orders, items, new BigDecimal(revenue)));
    }

    private BuildReport build() {
        return new BuildReport(totals, jobs, (key, csv) -> written.put(key, new String(csv, StandardCharsets.UTF_8)), CLOCK);
    }

    @Test
    void apply_shouldWriteTheDailyTotalsOfTheRange_asCsv_andMarkTheJobDone() {
        total("2026-10-31", "EUR", 9, 9, "9.00");
        total("2026-11-01", "EUR", 2, 3, "20.50");
        total("2026-11-01", "USD", 1, 3, "3.00");
        total("2026-11-02", "EUR", 1, 1, "5.00");
        total("2026-11-02", "JPY", 1, 2, "3000");
        total("2026-11-03", "EUR", 1, 1, "7.00");
        ReportRequest request = new ReportRequest("j-1", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-02"), Optional.empty());
        jobs.create(request, "h", CLOCK.instant(), CLOCK.instant().plusSeconds(3900));

        Optional<String> key = build().apply(request);

        assertThat(key).contains("reports/j-1.csv");
        assertThat(written.get("reports/j-1.csv")).isEqualTo("""
                day,currency,orders,items,revenue
                2026-11-01,EUR,2,3,20.50
                2026-11-01,USD,1,3,3.00
                2026-11-02,EUR,1,1,5.00
                2026-11-02,JPY,1,2,3000
                """);
        assertThat(statuses.get("j-1")).isEqualTo(JobStatus.DONE);
    }

    @Test
    void apply_shouldKeepOneCurrency_andWriteHeaderOnlyWhenNothingMatches() {
        total("2026-11-01", "EUR", 1, 1, "1.00");
        ReportRequest usd = new ReportRequest("j-2", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-01"),
                Optional.of(Currency.getInstance("USD")));
        jobs.create(usd, "h", CLOCK.instant(), CLOCK.instant().plusSeconds(3900));

        build().apply(usd);

        assertThat(written.get("reports/j-2.csv")).isEqualTo("day,currency,orders,items,revenue\n");
    }

    @Test
    void apply_shouldLeaveADoneJobAlone() {
        ReportRequest request = new ReportRequest("j-3", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-01"), Optional.empty());
        statuses.put("j-3", JobStatus.DONE);

        assertThat(build().apply(request)).isEmpty();
        assertThat(written).isEmpty();
    }

    @Test
    void apply_shouldFailPermanently_forAJobThatDoesNotExist() {
        ReportRequest request = new ReportRequest("j-none", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-01"), Optional.empty());

        assertThatThrownBy(() -> build().apply(request)).isInstanceOf(JobFailure.Permanent.class)
                .hasMessageStartingWith("there is no report job j-none");
        assertThat(written).isEmpty();
    }
}
