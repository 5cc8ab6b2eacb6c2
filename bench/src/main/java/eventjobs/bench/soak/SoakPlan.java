package eventjobs.bench.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Everything the soak sends, drawn from one seed so a run can be repeated, with what each input
 * must end as. Customer ids name the input an order came from ({@code soak-c-<n>} from the API,
 * {@code soak-f<file>-r<row>} from a CSV row), so the check can tell every item's origin.
 *
 * @param orders   orders placed through {@code POST /orders}
 * @param badPosts requests the API must refuse with a 400 (they place nothing)
 * @param files    CSV uploads under {@code imports/soak/}
 * @param images   image uploads under {@code images/soak/}
 * @param reports  report jobs requested through {@code POST /reports}
 * @param poison   messages sent straight to OrdersQueue that are not orders
 */
public record SoakPlan(List<ApiOrder> orders, List<String> badPosts, List<CsvFile> files, List<Image> images,
                       List<Report> reports, List<String> poison) {

    /** Currencies and the unit prices used with them (JPY has no minor unit). */
    private static final List<String> CURRENCIES = List.of("EUR", "USD", "GBP", "CHF", "JPY");

    /** How an order's {@code Idempotency-Key} is used again. */
    public enum Resend {
        /** Sent once (retried with the same key only when the answer is a 5xx or 429). */
        NONE,
        /** Sent again with the same key and body after its 202: answers the same 202. */
        AFTER,
        /** Sent twice at the same time with the same key and body: both answer the same 202. */
        CONCURRENT,
        /** Sent again with the same key and another body: 422, the order unchanged. */
        CHANGED
    }

    /** One order through the API, whether the worker must reject it, and how its key is reused. */
    public record ApiOrder(int index, String key, String customerId, String body, String changedBody,
                           boolean overLimit, Resend resend) {}

    /** One CSV upload; {@code times} is how often it is uploaded (the same bytes each time). */
    public record CsvFile(String key, String content, int validRows, int overLimitRows, int badRows, int times) {}

    /** One image upload; a corrupt one must be parked in UploadsDLQ with its reason. */
    public record Image(String key, byte[] content, boolean corrupt, int width) {}

    /** One report job request. */
    public record Report(String key, String body) {}

    /**
     * The inputs of one soak run. A tenth of the orders reuse their key (split between the three
     * ways), 3% are over the order limit, 1 in 200 requests is malformed; a tenth of the files carry
     * bad rows and one in twenty is uploaded twice; a tenth of the images are corrupt.
     */
    public static SoakPlan generate(long seed, int orderCount, int fileCount, int rowsPerFile, int imageCount,
                                    int reportCount) {
        Random random = new Random(seed);
        List<ApiOrder> orders = new ArrayList<>();
        Resend[] reuse = {Resend.AFTER, Resend.CONCURRENT, Resend.CHANGED};
        for (int i = 0; i < orderCount; i++) {
            String currency = CURRENCIES.get(random.nextInt(CURRENCIES.size()));
            boolean overLimit = random.nextInt(100) < 3;
            int quantity = overLimit ? OVER_LIMIT_QUANTITY : 1 + random.nextInt(5);
            String customer = "soak-c-" + i;
            String body = orderBody(customer, currency, "SKU-" + random.nextInt(50), quantity,
                    overLimit ? overLimitPrice(currency, random) : price(currency, random));
            String changed = body.replace("\"sku\":\"SKU-", "\"sku\":\"ALT-");
            Resend resend = i % 10 == 0 ? reuse[(i / 10) % reuse.length] : Resend.NONE;
            orders.add(new ApiOrder(i, "soak-o-" + seed + "-" + i, customer, body, changed, overLimit, resend));
        }
        List<String> badPosts = new ArrayList<>();
        for (int i = 0; i < Math.max(1, orderCount / 200); i++) {
            badPosts.add(switch (i % 5) {
                case 0 -> "{\"customerId\":\"soak-bad-" + i + "\",\"currency\":\"EUR\",\"lines\":[";
                case 1 -> orderBody("soak-bad-" + i, "XYZ", "SKU-1", 1, "1.00");
                case 2 -> orderBody("soak-bad-" + i, "EUR", "SKU-1", 0, "1.00");
                case 3 -> orderBody("soak-bad-" + i, "JPY", "SKU-1", 1, "1.50");
                default -> "{\"customerId\":\"soak-bad-" + i + "\",\"currency\":\"EUR\",\"currency\":\"USD\",\"lines\":[]}";
            });
        }
        List<CsvFile> files = new ArrayList<>();
        for (int f = 0; f < fileCount; f++) {
            files.add(csv(f, rowsPerFile, f % 10 == 3, random, f % 20 == 7 ? 2 : 1));
        }
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < imageCount; i++) {
            boolean corrupt = i % 10 == 4;
            String format = i % 2 == 0 ? "png" : "jpg";
            int width = 200 + random.nextInt(900);
            byte[] content = corrupt ? corrupt(format, random) : image(format, width, 150 + random.nextInt(600));
            images.add(new Image("images/soak/img-" + i + "." + format, content, corrupt, width));
        }
        List<Report> reports = new ArrayList<>();
        LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
        for (int i = 0; i < reportCount; i++) {
            LocalDate from = today.minusDays(random.nextInt(31));
            String currency = i % 3 == 0 ? "" : ",\"currency\":\"" + CURRENCIES.get(random.nextInt(CURRENCIES.size())) + "\"";
            reports.add(new Report("soak-r-" + seed + "-" + i, "{\"from\":\"" + from + "\",\"to\":\"" + today + "\"" + currency + "}"));
        }
        List<String> poison = new ArrayList<>();
        for (int i = 0; i < Math.max(1, orderCount / 500); i++) {
            poison.add(i % 2 == 0 ? "{\"soak-poison\":" + i + "}" : "soak-poison " + i + ": not JSON at all");
        }
        return new SoakPlan(List.copyOf(orders), List.copyOf(badPosts), List.copyOf(files), List.copyOf(images),
                List.copyOf(reports), List.copyOf(poison));
    }

    /** Orders the system must have in the end: one per API order and one per valid CSV row (each file counted once). */
    public int expectedOrders() {
        return orders.size() + files.stream().mapToInt(f -> f.validRows() + f.overLimitRows()).sum();
    }

    static String orderBody(String customer, String currency, String sku, int quantity, String unitPrice) {
        return "{\"customerId\":\"" + customer + "\",\"currency\":\"" + currency + "\",\"lines\":[{\"sku\":\"" + sku
                + "\",\"quantity\":" + quantity + ",\"unitPrice\":\"" + unitPrice + "\"}]}";
    }

    /**
     * The largest quantity a line may have: with {@link #overLimitPrice} the total is over every
     * default order limit (10,000 in EUR/USD/GBP/CHF, 1,500,000 JPY), so the worker rejects it.
     */
    static final int OVER_LIMIT_QUANTITY = 10_000;

    private static String overLimitPrice(String currency, Random random) {
        return currency.equals("JPY") ? Integer.toString(200 + random.nextInt(800))
                : new BigDecimal(200 + random.nextInt(800)).movePointLeft(2).toPlainString();
    }

    private static String price(String currency, Random random) {
        return currency.equals("JPY") ? Integer.toString(100 + random.nextInt(900))
                : new BigDecimal(100 + random.nextInt(900)).movePointLeft(2).toPlainString();
    }

    private static CsvFile csv(int f, int rows, boolean withBadRows, Random random, int times) {
        StringBuilder csv = new StringBuilder("customer_id,currency,sku,quantity,unit_price\n");
        int valid = 0;
        int overLimit = 0;
        int bad = 0;
        for (int r = 1; r <= rows; r++) {
            String currency = CURRENCIES.get(random.nextInt(CURRENCIES.size()));
            String customer = "soak-f" + f + "-r" + r;
            if (withBadRows && r % 7 == 2) {
                csv.append(customer).append(r % 2 == 0 ? ",XYZ,SKU-1,1,1.00\n" : "," + currency + ",SKU-1,0,1.00\n");
                bad++;
            } else if (r % 40 == 5) {
                csv.append(customer).append(',').append(currency).append(",SKU-2,").append(OVER_LIMIT_QUANTITY).append(',')
                        .append(overLimitPrice(currency, random)).append('\n');
                overLimit++;
            } else {
                csv.append(customer).append(',').append(currency).append(",SKU-").append(random.nextInt(50)).append(',')
                        .append(1 + random.nextInt(5)).append(',').append(price(currency, random)).append('\n');
                valid++;
            }
        }
        return new CsvFile("imports/soak/file-" + f + ".csv", csv.toString(), valid, overLimit, bad, times);
    }

    private static byte[] image(String format, int width, int height) {
        try {
            return eventjobs.bench.FileBenchmarks.image(format.equals("jpg") ? "jpeg" : format, width, height);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Text named as an image, or a real image cut short: both must be refused, not half-made. */
    private static byte[] corrupt(String format, Random random) {
        if (random.nextBoolean()) {
            return ("soak: this is not an " + format.toUpperCase(Locale.ROOT) + " image").getBytes(StandardCharsets.UTF_8);
        }
        byte[] whole = image(format, 400, 300);
        return Arrays.copyOf(whole, whole.length / 3);
    }

    /** The report key a file's import writes. */
    static String importReportKey(CsvFile file) {
        return "import-reports/" + file.key() + ".json";
    }
}
