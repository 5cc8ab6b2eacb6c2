package eventjobs.thumbnails;

import eventjobs.core.JobFailure;
import eventjobs.core.s3.S3ObjectRef;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MakeThumbnailsTest {

    private final MakeThumbnails thumbnails = new MakeThumbnails(20L * 1024 * 1024, 40_000_000L, List.of(128, 512));

    static byte[] image(String format, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, format.equals("png") ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLUE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    private static S3ObjectRef named(String key) {
        return new S3ObjectRef("uploads", key, 0, "e", Optional.empty(), Instant.EPOCH);
    }

    @Test
    void apply_shouldMakeEachWidthKeepingAspectRatio_forPngAndJpeg() throws IOException {
        List<MakeThumbnails.Thumbnail> png = thumbnails.apply(named("images/a.png"), image("png", 1600, 900));
        List<MakeThumbnails.Thumbnail> jpeg = thumbnails.apply(named("images/b.jpg"), image("jpg", 1000, 2000));

        assertThat(png).extracting(MakeThumbnails.Thumbnail::width, MakeThumbnails.Thumbnail::height, MakeThumbnails.Thumbnail::contentType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(128, 72, "image/png"),
                        org.assertj.core.groups.Tuple.tuple(512, 288, "image/png"));
        assertThat(jpeg).extracting(MakeThumbnails.Thumbnail::width, MakeThumbnails.Thumbnail::height, MakeThumbnails.Thumbnail::contentType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(128, 256, "image/jpeg"),
                        org.assertj.core.groups.Tuple.tuple(512, 1024, "image/jpeg"));
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(jpeg.get(1).bytes()));
        assertThat(decoded.getWidth()).isEqualTo(512);
        assertThat(new Color(decoded.getRGB(256, 512)).getBlue()).isGreaterThan(200);
    }

    @Test
    void apply_shouldNotEnlarge_smallImages() throws IOException {
        List<MakeThumbnails.Thumbnail> made = thumbnails.apply(named("images/tiny.png"), image("png", 200, 100));

        assertThat(made).extracting(MakeThumbnails.Thumbnail::forWidth, MakeThumbnails.Thumbnail::width)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(128, 128), org.assertj.core.groups.Tuple.tuple(512, 200));
    }

    @Test
    void apply_shouldKeepEachWidthsFolder_forImagesNarrowerThanEveryWidth() throws IOException {
        List<MakeThumbnails.Thumbnail> made = thumbnails.apply(named("images/icon.png"), image("png", 64, 32));

        assertThat(made).extracting(MakeThumbnails.Thumbnail::forWidth, MakeThumbnails.Thumbnail::width, MakeThumbnails.Thumbnail::height)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(128, 64, 32), org.assertj.core.groups.Tuple.tuple(512, 64, 32));
    }

    @Test
    void apply_shouldFailPermanently_forTruncatedJpeg_insteadOfGrayThumbnails() throws IOException {
        byte[] jpeg = image("jpg", 800, 600);
        byte[] truncated = java.util.Arrays.copyOf(jpeg, jpeg.length / 2);

        assertThatThrownBy(() -> thumbnails.apply(named("images/cut.jpg"), truncated))
                .isInstanceOf(JobFailure.Permanent.class).hasMessageStartingWith("images/cut.jpg is a corrupt image: ");
    }

    @Test
    void apply_shouldFailPermanently_forTextCorruptOrHugeImages() throws IOException {
        byte[] truncated = java.util.Arrays.copyOf(image("png", 400, 400), 120);

        assertThatThrownBy(() -> thumbnails.apply(named("images/note.png"), "just text".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JobFailure.Permanent.class).hasMessage("images/note.png is not a JPEG or PNG image");
        assertThatThrownBy(() -> thumbnails.apply(named("images/broken.png"), truncated))
                .isInstanceOf(JobFailure.Permanent.class).hasMessageStartingWith("images/broken.png is a corrupt image");
        assertThatThrownBy(() -> thumbnails.apply(named("images/bomb.png"), pngHeader(30_000, 30_000)))
                .isInstanceOf(JobFailure.Permanent.class)
                .hasMessage("images/bomb.png is 30000x30000 = 900000000 pixels, over the limit of 40000000");
        assertThatThrownBy(() -> new MakeThumbnails(100, 40_000_000L, List.of(128)).apply(named("images/big.png"), image("png", 50, 50)))
                .isInstanceOf(JobFailure.Permanent.class).hasMessageContaining("over the limit of 100");
    }

    /** A PNG signature and header chunk claiming a size, with no image data: a decompression bomb's calling card. */
    static byte[] pngHeader(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(8 + 4 + 17 + 4).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
                .putInt(13).put(ihdr.array()).putInt((int) crc.getValue()).array();
    }
}
