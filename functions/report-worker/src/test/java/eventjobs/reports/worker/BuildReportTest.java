package eventjobs.reports.worker;

import eventjobs.core.JobFailure;
import eventjobs.orders.Order;
import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import eventjobs.orders.OrderStatus;
import eventjobs.orders.OrderStore;
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
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The report's arithmetic and job moves, with in-memory stores. */
class BuildReportTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    private final List<Order> orders = new ArrayList<>();
    private final Map<String, JobStatus> statuses = new HashMap<>();
    private final Map<String, String> written = new HashMap<>();

    private final OrderStore orderStore = new OrderStore() {
        @Override
        public Acceptance accept(OrderPlaced order, String requestHash, Instant now) {
            throw new AssertionError("a report never writes orders");
        }

        @Override
        public Decision decide(OrderPlaced order, OrderStatus decision, BigDecimal total, Optional<String> reason, Instant now) {
            throw new AssertionError("a report never writes orders");
        }

        @Override
        public Optional<Order> find(String orderId) {
            return Optional.empty();
        }

        @Override
        public Stream<Undecided> undecidedSince(Instant before) {
            throw new AssertionError("a report never sweeps orders");
        }

        @Override
        public boolean resent(String orderId, Instant now) {
            throw new AssertionError("a report never writes orders");
        }

        @Override
        public boolean fail(String orderId, String reason, Instant now) {
            throw new AssertionError("a report never writes orders");
        }

        @Override
        public Stream<Order> decidedOn(OrderStatus status, LocalDate from, LocalDate to) {
            return orders.stream().filter(o -> o.status() == status).filter(o -> {
                LocalDate day = o.decidedAt().orElseThrow().atZone(ZoneOffset.UTC).toLocalDate();
                return !day.isBefore(from) && !day.isAfter(to);
            });
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
        public Stream<Job> overdue(Instant now) {
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

    private void order(String decidedAt, String currency, OrderStatus status, int quantity, String unitPrice) {
        orders.add(new Order("o-" + orders.size(), status, "c", Currency.getInstance(currency),
                List.of(new OrderLine("S", quantity, new BigDecimal(unitPrice))),
                Optional.of(new BigDecimal(unitPrice).multiply(BigDecimal.valueOf(quantity))), Optional.empty(),
                Optional.empty(), Optional.of(Instant.parse(decidedAt))));
    }

    private BuildReport build() {
        return new BuildReport(orderStore, jobs, (key, csv) -> written.put(key, new String(csv, StandardCharsets.UTF_8)), CLOCK);
    }

    @Test
    void apply_shouldTotalConfirmedOrdersPerDayAndCurrency_withinTheRange() {
        order("2026-11-01T00:00:00Z", "EUR", OrderStatus.CONFIRMED, 2, "10.00");
        order("2026-11-01T23:59:59.999Z", "EUR", OrderStatus.CONFIRMED, 1, "0.50");
        order("2026-11-01T12:00:00Z", "USD", OrderStatus.CONFIRMED, 3, "1.00");
        order("2026-11-02T08:00:00Z", "EUR", OrderStatus.CONFIRMED, 1, "5.00");
        order("2026-11-02T09:00:00Z", "EUR", OrderStatus.REJECTED, 9, "99.00");
        order("2026-11-03T00:00:00Z", "EUR", OrderStatus.CONFIRMED, 1, "7.00");
        ReportRequest request = new ReportRequest("j-1", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-02"), Optional.empty());
        jobs.create(request, "h", CLOCK.instant(), CLOCK.instant().plusSeconds(3900));

        Optional<String> key = build().apply(request);

        assertThat(key).contains("reports/j-1.csv");
        assertThat(written.get("reports/j-1.csv")).isEqualTo("""
                day,currency,orders,items,revenue
                2026-11-01,EUR,2,3,20.50
                2026-11-01,USD,1,3,3.00
                2026-11-02,EUR,1,1,5.00
                """);
        assertThat(statuses.get("j-1")).isEqualTo(JobStatus.DONE);
    }

    @Test
    void apply_shouldKeepOneCurrency_andWriteHeaderOnlyWhenNothingMatches() {
        order("2026-11-01T10:00:00Z", "EUR", OrderStatus.CONFIRMED, 1, "1.00");
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
