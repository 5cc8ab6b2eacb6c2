package eventjobs.imports;

import eventjobs.orders.OrderLine;
import eventjobs.orders.OrderPlaced;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConcurrentSendsTest {

    private static List<OrderPlaced> batch(int size) {
        return IntStream.range(0, size).mapToObj(i -> new OrderPlaced("o-" + i, "c-" + i, Currency.getInstance("EUR"),
                List.of(new OrderLine("S", 1, BigDecimal.ONE)))).toList();
    }

    @Test
    void submit_shouldKeepAtMostInFlightSendsUnderWay_andCountThemAll() throws Exception {
        AtomicInteger underWay = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch fourStarted = new CountDownLatch(4);
        CountDownLatch release = new CountDownLatch(1);
        OrderBatches slowQueue = orders -> {
            most.accumulateAndGet(underWay.incrementAndGet(), Math::max);
            fourStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            underWay.decrementAndGet();
            return orders.subList(0, 1); // the queue refuses one order of each batch
        };

        try (ConcurrentSends sends = new ConcurrentSends(slowQueue, 4)) {
            Thread reader = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 20; i++) {
                    sends.submit(batch(10));
                }
            });
            assertThat(fourStarted.await(10, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(200); // a fifth send, were it let through, would start now
            assertThat(underWay.get()).isEqualTo(4);
            assertThat(reader.isAlive()).as("the reader waits for a free slot").isTrue();
            release.countDown();
            reader.join();

            ConcurrentSends.Sent sent = sends.finish();

            assertThat(sent.accepted()).isEqualTo(20 * 9);
            assertThat(sent.unsent()).isEqualTo(20);
            assertThat(most.get()).isEqualTo(4);
        }
    }

    @Test
    void finish_shouldThrowTheFirstFailure_andSubmitNothingAfterIt() {
        AtomicInteger calls = new AtomicInteger();
        OrderBatches failingFirst = orders -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("SQS is down");
            }
            return List.of();
        };

        try (ConcurrentSends sends = new ConcurrentSends(failingFirst, 1)) {
            sends.submit(batch(10));

            assertThatThrownBy(sends::finish).isInstanceOf(IllegalStateException.class).hasMessage("SQS is down");
            assertThatThrownBy(() -> sends.submit(batch(10))).hasMessage("SQS is down");
            assertThat(calls.get()).isEqualTo(1);
        }
    }

    @Test
    void submit_shouldSendNothing_forAnEmptyBatch() {
        AtomicInteger calls = new AtomicInteger();
        try (ConcurrentSends sends = new ConcurrentSends(orders -> {
            calls.incrementAndGet();
            return List.of();
        }, 2)) {
            sends.submit(List.of());

            assertThat(sends.finish()).isEqualTo(new ConcurrentSends.Sent(0, 0));
            assertThat(calls.get()).isZero();
        }
    }
}
