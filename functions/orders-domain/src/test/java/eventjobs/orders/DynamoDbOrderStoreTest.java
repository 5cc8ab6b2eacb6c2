package eventjobs.orders;

import eventjobs.local.aws.EmbeddedAws;
import eventjobs.testkit.LocalAws;
import eventjobs.testkit.Tables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Fused idempotency: the order record's own conditional writes, against moto. */
class DynamoDbOrderStoreTest {

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
    private static final OrderPlaced ORDER = new OrderPlaced("o-1", "cust-1", Currency.getInstance("EUR"),
            List.of(new OrderLine("SKU-1", 3, new BigDecimal("2.50"))));

    private final EmbeddedAws aws = LocalAws.shared();
    private DynamoDbClient dynamo;
    private DynamoDbOrderStore store;

    @BeforeEach
    void setUp() {
        LocalAws.reset(aws);
        dynamo = aws.dynamoDb();
        new Tables(dynamo).createWithStringKey("Orders", "orderId");
        store = new DynamoDbOrderStore(dynamo, "Orders");
    }

    @AfterEach
    void tearDown() {
        dynamo.close();
    }

    @Test
    void accept_shouldReturnExistingOrder_whenIdIsTaken() {
        assertThat(store.accept(ORDER, "hash-1", NOW)).isInstanceOf(OrderStore.Acceptance.Accepted.class);

        OrderStore.Acceptance again = store.accept(ORDER, "hash-2", NOW.plusSeconds(1));

        assertThat(again).isInstanceOfSatisfying(OrderStore.Acceptance.AlreadyAccepted.class, existing -> {
            assertThat(existing.requestHash()).isEqualTo("hash-1");
            assertThat(existing.existing().acceptedAt()).contains(NOW);
            assertThat(existing.existing().lines()).isEqualTo(ORDER.lines());
        });
    }

    @Test
    void decide_shouldApplyOnce_whenCalledTwice() {
        store.accept(ORDER, "hash-1", NOW);

        OrderStore.Decision first = store.decide(ORDER, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);
        OrderStore.Decision second = store.decide(ORDER, OrderStatus.REJECTED, new BigDecimal("7.50"), Optional.of("late"), NOW.plusSeconds(9));

        assertThat(first).isInstanceOf(OrderStore.Decision.Decided.class);
        assertThat(second).isInstanceOf(OrderStore.Decision.AlreadyDecided.class);
        Order order = store.find("o-1").orElseThrow();
        assertThat(order.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(order.reason()).isEmpty();
        assertThat(order.decidedAt()).contains(NOW);
    }

    @Test
    void decide_shouldCountOneDecision_whenDeliveredTwice_andTwoWithoutTheCondition() {
        store.accept(ORDER, "hash-1", NOW);
        store.decide(ORDER, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);
        store.decide(ORDER, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);
        assertThat(decisions("o-1")).isEqualTo("1");

        OrderPlaced other = new OrderPlaced("o-2", "cust-1", Currency.getInstance("EUR"), ORDER.lines());
        DynamoDbOrderStore unconditional = store.withoutDecisionCondition();
        unconditional.decide(other, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);
        unconditional.decide(other, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);
        assertThat(decisions("o-2")).isEqualTo("2");
    }

    private String decisions(String orderId) {
        return dynamo.getItem(r -> r.tableName("Orders").key(java.util.Map.of("orderId",
                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(orderId)))).item().get(DynamoDbOrderStore.DECISIONS).n();
    }

    @Test
    void decide_shouldRecordOrderNeverSeenByTheApi() {
        OrderStore.Decision decided = store.decide(ORDER, OrderStatus.REJECTED, new BigDecimal("7.50"), Optional.of("too big"), NOW);

        assertThat(decided).isInstanceOf(OrderStore.Decision.Decided.class);
        Order order = store.find("o-1").orElseThrow();
        assertThat(order.status()).isEqualTo(OrderStatus.REJECTED);
        assertThat(order.reason()).contains("too big");
        assertThat(order.acceptedAt()).isEmpty();
        assertThat(order.total()).contains(new BigDecimal("7.50"));
    }

    @Test
    void decide_shouldHaveOneEffect_whenDuplicatesRaceEachOther() throws Exception {
        store.accept(ORDER, "hash-1", NOW);
        List<OrderStore.Decision> outcomes = race(8, () -> store.decide(ORDER, OrderStatus.CONFIRMED, new BigDecimal("7.50"),
                Optional.empty(), NOW));

        assertThat(outcomes).filteredOn(OrderStore.Decision.Decided.class::isInstance).hasSize(1);
        assertThat(outcomes).filteredOn(OrderStore.Decision.AlreadyDecided.class::isInstance).hasSize(7);
    }

    @Test
    void decide_shouldChangeNothingAndGiveBothHashes_whenOrderIdIsReusedForOtherContent() {
        store.decide(ORDER, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);
        OrderPlaced other = new OrderPlaced(ORDER.orderId(), ORDER.customerId(), ORDER.currency(),
                List.of(new OrderLine("OTHER-SKU", 9, new BigDecimal("1.00"))));

        OrderStore.Decision decision = store.decide(other, OrderStatus.CONFIRMED, new BigDecimal("9.00"), Optional.empty(), NOW);

        assertThat(decision).isEqualTo(new OrderStore.Decision.ContentDiffers(ORDER.contentHash(), other.contentHash()));
        assertThat(store.find("o-1").orElseThrow().lines()).isEqualTo(ORDER.lines());
    }

    @Test
    void decide_shouldRefuseOtherContent_whenTheOrderIsStillAccepted() {
        store.accept(ORDER, "hash-1", NOW);
        OrderPlaced other = new OrderPlaced(ORDER.orderId(), "someone-else", ORDER.currency(), ORDER.lines());

        assertThat(store.decide(other, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW))
                .isInstanceOf(OrderStore.Decision.ContentDiffers.class);
        assertThat(store.find("o-1").orElseThrow().status()).isEqualTo(OrderStatus.ACCEPTED);
    }

    @Test
    void accept_shouldHaveOneEffect_whenDuplicatesRaceEachOther() throws Exception {
        List<OrderStore.Acceptance> outcomes = race(8, () -> store.accept(ORDER, "hash-1", NOW));

        assertThat(outcomes).filteredOn(OrderStore.Acceptance.Accepted.class::isInstance).hasSize(1);
        assertThat(outcomes).filteredOn(OrderStore.Acceptance.AlreadyAccepted.class::isInstance).hasSize(7);
    }

    @Test
    void capture_shouldShowPaid_whileTheStoredStatusKeepsTheDecision_forReportsAndTotals() {
        store.decide(ORDER, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);

        OrderPayments.Capture capture = store.capture("o-1", "pay-1", new BigDecimal("7.5"), "EUR", NOW.plusSeconds(5));

        assertThat(capture).isInstanceOf(OrderPayments.Capture.Captured.class);
        Order order = store.find("o-1").orElseThrow();
        assertThat(order.status()).isEqualTo(OrderStatus.PAID);
        assertThat(order.payment()).contains(new Payment("pay-1", new BigDecimal("7.50"), NOW.plusSeconds(5)));
        assertThat(dynamo.getItem(r -> r.tableName("Orders").key(Map.of("orderId", AttributeValue.fromS("o-1")))).item()
                .get("status").s()).as("the decision the ByStatusDecidedAt index and reports read").isEqualTo("CONFIRMED");
    }

    @Test
    void capture_shouldHaveOneEffect_whenDeliveriesRaceEachOther() throws Exception {
        store.decide(ORDER, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);

        List<OrderPayments.Capture> outcomes = race(8, () -> store.capture("o-1", "pay-1", new BigDecimal("7.50"), "EUR", NOW));

        assertThat(outcomes).filteredOn(OrderPayments.Capture.Captured.class::isInstance).hasSize(1);
        assertThat(outcomes).filteredOn(OrderPayments.Capture.AlreadyCaptured.class::isInstance).hasSize(7);
    }

    @Test
    void capture_shouldRefuseAndReturnTheOrder_whenItIsNotConfirmedOrTheAmountDiffers() {
        assertThat(store.capture("o-1", "pay-1", new BigDecimal("7.50"), "EUR", NOW))
                .isEqualTo(new OrderPayments.Capture.Refused(Optional.empty()));
        store.accept(ORDER, "hash-1", NOW);
        assertThat(store.capture("o-1", "pay-1", new BigDecimal("7.50"), "EUR", NOW))
                .isInstanceOfSatisfying(OrderPayments.Capture.Refused.class,
                        refused -> assertThat(refused.existing().orElseThrow().status()).isEqualTo(OrderStatus.ACCEPTED));
        store.decide(ORDER, OrderStatus.CONFIRMED, new BigDecimal("7.50"), Optional.empty(), NOW);

        assertThat(store.capture("o-1", "pay-1", new BigDecimal("7.49"), "EUR", NOW)).isInstanceOf(OrderPayments.Capture.Refused.class);
        assertThat(store.capture("o-1", "pay-1", new BigDecimal("7.50"), "USD", NOW)).isInstanceOf(OrderPayments.Capture.Refused.class);
        assertThat(store.find("o-1").orElseThrow().status()).isEqualTo(OrderStatus.CONFIRMED);
    }

    @Test
    void find_shouldBeEmpty_forUnknownOrder() {
        assertThat(store.find("nope")).isEmpty();
    }

    private static <T> List<T> race(int callers, Callable<T> call) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            for (int i = 0; i < callers; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        }
    }
}
