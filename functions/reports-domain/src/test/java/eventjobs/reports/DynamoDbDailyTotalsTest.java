package eventjobs.reports;

import eventjobs.core.JobFailure;
import eventjobs.local.aws.EmbeddedAws;
import eventjobs.local.aws.RequestCounter;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Daily totals and their per-order markers, against moto: each confirmation counts once. */
class DynamoDbDailyTotalsTest {

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
    private static final Currency EUR = Currency.getInstance("EUR");
    private static final Currency JPY = Currency.getInstance("JPY");

    private final EmbeddedAws aws = LocalAws.shared();
    private final RequestCounter requests = new RequestCounter();
    private DynamoDbClient dynamo;
    private DailyTotals totals;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        dynamo = aws.dynamoDb(requests);
        new Tables(dynamo).createWithStringKeys("DailyTotals", "month", "dayCurrency");
        new Tables(dynamo).createWithStringKey("Idempotency", "id");
        totals = new DynamoDbDailyTotals(dynamo, "DailyTotals", "Idempotency");
    }

    @AfterEach
    void tearDown() {
        dynamo.close();
    }

    private static Confirmation confirmation(String orderId, String day, Currency currency, long items, String revenue) {
        return new Confirmation(orderId, LocalDate.parse(day), currency, items, new BigDecimal(revenue));
    }

    @Test
    void add_shouldSumEachDayAndCurrency_inOneWrite() {
        requests.clear();

        DailyTotals.Added added = totals.add(List.of(
                confirmation("o-1", "2026-11-27", EUR, 2, "25.00"),
                confirmation("o-2", "2026-11-27", EUR, 1, "10.50"),
                confirmation("o-3", "2026-11-27", JPY, 3, "1500"),
                confirmation("o-4", "2026-11-28", EUR, 1, "1.00")), NOW);

        assertThat(added).isEqualTo(new DailyTotals.Added(4, 0));
        assertThat(requests.count(RequestCounter.DYNAMODB_WRITES)).isEqualTo(1);
        assertThat(totals.between(LocalDate.parse("2026-11-27"), LocalDate.parse("2026-11-28"), Optional.empty())).containsExactly(
                new DayTotal(LocalDate.parse("2026-11-27"), EUR, 2, 3, new BigDecimal("35.50")),
                new DayTotal(LocalDate.parse("2026-11-27"), JPY, 1, 3, new BigDecimal("1500")),
                new DayTotal(LocalDate.parse("2026-11-28"), EUR, 1, 1, new BigDecimal("1.00")));
    }

    @Test
    void add_shouldCountEachOrderOnce_whenABatchIsAddedAgain_inPartOrWhole() {
        List<Confirmation> first = List.of(confirmation("o-1", "2026-11-27", EUR, 2, "20.00"),
                confirmation("o-2", "2026-11-27", EUR, 1, "5.00"));
        totals.add(first, NOW);

        DailyTotals.Added again = totals.add(first, NOW.plusSeconds(5));
        DailyTotals.Added overlapping = totals.add(List.of(confirmation("o-2", "2026-11-27", EUR, 1, "5.00"),
                confirmation("o-3", "2026-11-27", EUR, 4, "4.00")), NOW.plusSeconds(9));

        assertThat(again).isEqualTo(new DailyTotals.Added(0, 2));
        assertThat(overlapping).isEqualTo(new DailyTotals.Added(1, 1));
        assertThat(totals.between(LocalDate.parse("2026-11-27"), LocalDate.parse("2026-11-27"), Optional.empty()))
                .containsExactly(new DayTotal(LocalDate.parse("2026-11-27"), EUR, 3, 7, new BigDecimal("29.00")));
    }

    @Test
    void between_shouldReadEveryMonthOfTheRange_onlyItsDays_andTheCurrencyAskedFor() {
        totals.add(List.of(confirmation("a", "2026-10-31", EUR, 1, "1.00"), confirmation("b", "2026-11-01", EUR, 1, "2.00"),
                confirmation("c", "2026-11-01", JPY, 1, "300"), confirmation("d", "2026-12-01", EUR, 1, "3.00"),
                confirmation("e", "2027-01-15", EUR, 1, "4.00"), confirmation("f", "2027-01-16", EUR, 1, "5.00")), NOW);

        List<DayTotal> range = totals.between(LocalDate.parse("2026-11-01"), LocalDate.parse("2027-01-15"), Optional.empty());
        List<DayTotal> euros = totals.between(LocalDate.parse("2026-10-01"), LocalDate.parse("2026-11-30"), Optional.of(EUR));

        assertThat(range).extracting(t -> t.day() + " " + t.currency()).containsExactly(
                "2026-11-01 EUR", "2026-11-01 JPY", "2026-12-01 EUR", "2027-01-15 EUR");
        assertThat(euros).extracting(t -> t.day() + " " + t.currency()).containsExactly("2026-10-31 EUR", "2026-11-01 EUR");
        assertThat(totals.between(LocalDate.parse("2001-01-01"), LocalDate.parse("2001-12-31"), Optional.empty())).isEmpty();
    }

    @Test
    void add_shouldAddNothing_whenTheWriteFails() {
        DailyTotals missing = new DynamoDbDailyTotals(dynamo, "NoSuchTable", "Idempotency");

        assertThatThrownBy(() -> missing.add(List.of(confirmation("o-9", "2026-11-27", EUR, 1, "1.00")), NOW))
                .isInstanceOf(JobFailure.Retryable.class)
                .hasMessageStartingWith("the daily totals could not be written");
        // the marker was not kept either: the order counts when the write succeeds later
        assertThat(totals.add(List.of(confirmation("o-9", "2026-11-27", EUR, 1, "1.00")), NOW)).isEqualTo(new DailyTotals.Added(1, 0));
    }

    @Test
    void add_shouldRefuseMoreThanOneTransactionHolds() {
        List<Confirmation> many = new ArrayList<>();
        for (int i = 0; i <= DailyTotals.MAX_ADD; i++) {
            many.add(confirmation("o-" + i, "2026-11-27", EUR, 1, "1.00"));
        }

        assertThatThrownBy(() -> totals.add(many, NOW)).isInstanceOf(IllegalArgumentException.class);
    }
}
