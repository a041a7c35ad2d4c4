package org.fkt.cam;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import org.fkt.data.Image;
import org.fkt.engine.tensor.Tensor;

/**
 * The minimal image input of {@code fkt cam}: decode a file with javax.imageio (PNG, JPEG, BMP, GIF),
 * resize it to the model's square input (bilinear, aspect not kept, as the training resize), and turn
 * it into a normalised (1, 3, S, S) float32 tensor.
 */
public final class CamImages {
    /** File name endings taken as images when a folder is given. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    /** ImageNet's channel means and deviations, the default normalisation. */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private CamImages() {
    }

    /** Whether {@code file}'s name ends with one of {@link #EXTENSIONS}. */
    public static boolean isImageFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1)) && Files.isRegularFile(file);
    }

    /** Decodes {@code file} and resizes it to {@code size} x {@code size}; unreadable files are an error naming them. */
    public static Image read(Path file, int size) {
        BufferedImage decoded;
        try {
            decoded = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException(file + ": cannot decode the image: " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
        if (decoded == null) {
            throw new UncheckedIOException(file + ": not an image javax.imageio can decode", new IOException("no reader"));
        }
        return resize(decoded, size);
    }

    /** {@code source} drawn into a size x size RGB image with bilinear interpolation. */
    public static Image resize(BufferedImage source, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("image size must be >= 1, got " + size);
        }
        var scaled = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(source, 0, 0, size, size, null);
        } finally {
            g.dispose();
        }
        byte[] pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = scaled.getRGB(x, y);
                int i = (y * size + x) * 3;
                pixels[i] = (byte) (rgb >> 16);
                pixels[i + 1] = (byte) (rgb >> 8);
                pixels[i + 2] = (byte) rgb;
            }
        }
        return new Image(size, size, pixels);
    }

    /** (pixel / 255 - mean[c]) / std[c] as a float32 tensor (1, 3, H, W). */
    public static Tensor toTensor(Image image, float[] mean, float[] std) {
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("normalisation needs 3 means and 3 deviations, got " + mean.length + " and "
                    + std.length);
        }
        int h = image.height();
        int w = image.width();
        float[] data = new float[3 * h * w];   // (3, H, W)
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    data[(c * h + y) * w + x] = (image.get(y, x, c) / 255f - mean[c]) / std[c];
                }
            }
        }
        return Tensor.of(data, 1, 3, h, w);
    }
}
