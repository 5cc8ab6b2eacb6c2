package eventjobs.thumbnails;

import eventjobs.core.JobFailure;
import eventjobs.core.s3.S3ObjectRef;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Makes thumbnails of a JPEG or PNG image at the configured widths, keeping its aspect ratio
 * and never enlarging it: an image narrower than a width gets, for that width, a copy at its own
 * size. A truncated file (the decoder warns and fills the rest with gray) is corrupt. Guards against decompression bombs: the file size and the pixel count
 * (read from the header, before decoding) are limited. An image that is corrupt, of another
 * format, or over a limit is a {@link JobFailure.Permanent}.
 */
public final class MakeThumbnails {

    /**
     * A finished thumbnail for one configured width: {@code width} x {@code height} is its real
     * size, at most {@code forWidth} wide, narrower when the image itself is (never enlarged).
     */
    public record Thumbnail(int forWidth, int width, int height, String contentType, byte[] bytes) {}

    private final long maxBytes;
    private final long maxPixels;
    private final List<Integer> widths;

    public MakeThumbnails(long maxBytes, long maxPixels, List<Integer> widths) {
        this.maxBytes = maxBytes;
        this.maxPixels = maxPixels;
        this.widths = List.copyOf(widths);
    }

    public List<Thumbnail> apply(S3ObjectRef image, byte[] content) {
        if (content.length > maxBytes) {
            throw JobFailure.permanent(image.key() + " is " + content.length + " bytes, over the limit of " + maxBytes);
        }
        try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(content))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                throw JobFailure.permanent(image.key() + " is not a JPEG or PNG image");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!format.equals("jpeg") && !format.equals("png")) {
                    throw JobFailure.permanent(image.key() + " is a " + format + " image; only JPEG and PNG are supported");
                }
                reader.setInput(input, true, true);
                long width = reader.getWidth(0);
                long height = reader.getHeight(0);
                if (width * height > maxPixels) {
                    throw JobFailure.permanent(image.key() + " is " + width + "x" + height + " = " + width * height
                            + " pixels, over the limit of " + maxPixels);
                }
                // a truncated file decodes "successfully" as a gray lower part: the reader only warns
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage original = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw JobFailure.permanent(image.key() + " is a corrupt image: " + String.join("; ", warnings));
                }
                List<Thumbnail> thumbnails = new ArrayList<>();
                for (int target : widths) {
                    thumbnails.add(encode(target, scale(original, target, format.equals("png")), format));
                }
                return thumbnails;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof JobFailure failure) {
                throw failure;
            }
            throw JobFailure.permanent(image.key() + " is a corrupt image: " + e.getMessage(), e);
        }
    }

    private static BufferedImage scale(BufferedImage original, int targetWidth, boolean alpha) {
        int width = Math.min(targetWidth, original.getWidth());
        int height = Math.max(1, (int) Math.round(original.getHeight() * (double) width / original.getWidth()));
        BufferedImage current = original;
        // halve step by step, then the last step: much better than one bilinear jump from a large image
        while (current.getWidth() / 2 >= width) {
            current = draw(current, current.getWidth() / 2, Math.max(1, current.getHeight() / 2), alpha);
        }
        return current.getWidth() == width && current.getHeight() == height && current != original
                ? current : draw(current, width, height, alpha);
    }

    private static BufferedImage draw(BufferedImage source, int width, int height, boolean alpha) {
        BufferedImage target = new BufferedImage(width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = target.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.drawImage(source, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return target;
    }

    private static Thumbnail encode(int forWidth, BufferedImage image, String format) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam params = writer.getDefaultWriteParam();
            if (format.equals("jpeg")) {
                params.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                params.setCompressionQuality(0.85f);
            }
            writer.write(null, new IIOImage(image, null, null), params);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding a thumbnail failed", e);
        } finally {
            writer.dispose();
        }
        return new Thumbnail(forWidth, image.getWidth(), image.getHeight(), format.equals("png") ? "image/png" : "image/jpeg",
                bytes.toByteArray());
    }
}
