package eventjobs.orders.worker;

import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.Currency;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PricingTest {

    private static OrderPlaced order(String currency, OrderLine... lines) {
        return new OrderPlaced("o-1", "c-1", Currency.getInstance(currency), List.of(lines));
    }

    /** The currencies of events/schemas/currency.json, the one list every schema refers to. */
    private static List<String> schemaCurrencies() throws IOException {
        try (InputStream schema = PricingTest.class.getClassLoader().getResourceAsStream("eventjobs/schemas/currency.json")) {
            return JsonMapper.shared().readTree(schema).get("enum").valueStream().map(JsonNode::asString).toList();
        }
    }

    @Test
    void withDefaultLimits_shouldAcceptExactlyTheCurrenciesOfTheSchema() throws IOException {
        List<String> currencies = schemaCurrencies();

        assertThat(currencies).isNotEmpty();
        for (String currency : currencies) {
            assertThat(Pricing.withDefaultLimits().price(order(currency, new OrderLine("A", 1, BigDecimal.ONE))).rejection())
                    .as(currency).isEmpty();
        }
        Currency.getAvailableCurrencies().stream().map(Currency::getCurrencyCode).filter(code -> !currencies.contains(code))
                .forEach(code -> assertThat(Pricing.withDefaultLimits().price(order(code, new OrderLine("A", 1, BigDecimal.ONE)))
                        .rejection()).as(code).contains("orders in " + code + " are not accepted"));
    }

    @Test
    void price_shouldSumLinesAtCurrencyScale() {
        Pricing.Quote quote = Pricing.withDefaultLimits().price(order("EUR",
                new OrderLine("A", 2, new BigDecimal("12.50")), new OrderLine("B", 10, new BigDecimal("1.2"))));

        assertThat(quote.total()).isEqualByComparingTo("37.00");
        assertThat(quote.total().scale()).isEqualTo(2);
        assertThat(quote.rejection()).isEmpty();
    }

    @Test
    void price_shouldUseNoDecimals_forYen() {
        Pricing.Quote quote = Pricing.withDefaultLimits().price(order("JPY", new OrderLine("A", 3, new BigDecimal("500"))));

        assertThat(quote.total()).isEqualByComparingTo("1500");
        assertThat(quote.total().scale()).isZero();
    }

    @Test
    void price_shouldReject_whenTotalExceedsCurrencyLimit() {
        Pricing.Quote quote = Pricing.parse("EUR=100").price(order("EUR", new OrderLine("A", 2, new BigDecimal("50.01"))));

        assertThat(quote.rejection()).contains("order total 100.02 EUR exceeds the limit of 100 EUR");
    }

    @Test
    void price_shouldReject_whenCurrencyHasNoLimit() {
        Pricing.Quote quote = Pricing.parse("EUR=100").price(order("USD", new OrderLine("A", 1, BigDecimal.ONE)));

        assertThat(quote.rejection()).contains("orders in USD are not accepted");
    }

    @Test
    void parse_shouldNameTheBadEntry() {
        assertThatThrownBy(() -> Pricing.parse("EUR=100,dollars"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'dollars'");
    }
}
