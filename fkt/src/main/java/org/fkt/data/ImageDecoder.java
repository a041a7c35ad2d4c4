package org.fkt.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DirectColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns encoded PNG/JPEG bytes into an RGB {@link Image} with javax.imageio, and applies the size rule.
 *
 * <p>Colour: 8-bit sRGB pixels are taken exactly (a PNG round-trips bit for bit); grayscale is replicated into
 * R, G and B (as PIL's convert("RGB")), alpha is dropped without compositing (also as PIL), 16-bit samples are
 * scaled to 8 bits, palettes and other colour spaces go through {@link BufferedImage#getRGB}. An image the
 * reader cannot decode, or decodes only with a warning (a truncated JPEG), is an {@link IOException}: the
 * caller reports and skips it.
 *
 * <p>Size rule for a run of input side S: an image whose height or width exceeds S is resized to exactly
 * S x S (aspect ratio not kept, as the augmentation's random resized crop ends at S x S anyway); an image with
 * both sides at most S is kept as it is (never enlarged). Each axis is resampled on its own: by area
 * averaging (exact box coverage) when it shrinks and by bilinear interpolation (half-pixel centres, PyTorch's
 * align_corners=False) when it grows.
 */
final class ImageDecoder {
    private ImageDecoder() {}

    /** Decodes {@code bytes} and applies the size rule for side {@code size}. */
    static Image decode(byte[] bytes, int size) throws IOException {
        return fit(decode(bytes), size);
    }

    /** Decodes {@code bytes} to RGB at the image's own size. */
    static Image decode(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            throw new IOException("empty file");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not a PNG or JPEG image (no decoder recognises its first bytes)");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                reader.setInput(in, true, true);
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new IOException("corrupt " + reader.getFormatName() + " data: " + warnings.get(0));
                }
                return toRgb(img);
            } catch (RuntimeException e) {
                // the image readers throw unchecked exceptions on some malformed streams
                throw new IOException(reader.getFormatName() + " decoder failed: " + e, e);
            } finally {
                reader.dispose();
            }
        }
    }

    /** The pixels of {@code img} as (H, W, 3) RGB bytes. */
    static Image toRgb(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] out = new byte[h * w * 3];   // (H, W, 3)
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        boolean plain = (cm instanceof ComponentColorModel || cm instanceof DirectColorModel)
                && !cm.isAlphaPremultiplied();
        if (plain && cm.getNumColorComponents() == 1) {
            int max = (1 << cm.getComponentSize(0)) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) scale(row[x], max);
                    int o = (y * w + x) * 3;
                    out[o] = v;
                    out[o + 1] = v;
                    out[o + 2] = v;
                }
            }
        } else if (plain && cm.getNumColorComponents() == 3 && cm.getColorSpace().isCS_sRGB()) {
            int bands = r.getNumBands();
            int[] max = {(1 << cm.getComponentSize(0)) - 1, (1 << cm.getComponentSize(1)) - 1,
                (1 << cm.getComponentSize(2)) - 1};
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                r.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    for (int c = 0; c < 3; c++) {
                        out[o + c] = (byte) scale(row[x * bands + c], max[c]);
                    }
                }
            }
        } else {
            // palettes, premultiplied alpha and other colour spaces: let Java2D convert to sRGB
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (row[x] >> 16);
                    out[o + 1] = (byte) (row[x] >> 8);
                    out[o + 2] = (byte) row[x];
                }
            }
        }
        return new Image(h, w, out);
    }

    private static int scale(int v, int max) {
        return max == 255 ? v : (int) ((v * 255L + max / 2) / max);
    }

    /** The size rule: resize to {@code size} x {@code size} when a side exceeds {@code size}, else keep. */
    static Image fit(Image im, int size) {
        if (im.height() <= size && im.width() <= size) {
            return im;
        }
        return resize(im, size, size);
    }

    /** Resizes to {@code oh} x {@code ow}: area averaging on a shrinking axis, bilinear on a growing one. */
    static Image resize(Image im, int oh, int ow) {
        int h = im.height();
        int w = im.width();
        byte[] src = im.pixels();                 // (H, W, 3)
        Axis ax = Axis.of(w, ow);
        Axis ay = Axis.of(h, oh);
        float[] mid = new float[h * ow * 3];      // (H, OW, 3)
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < ow; x++) {
                float r = 0;
                float g = 0;
                float b = 0;
                for (int k = ax.start[x]; k < ax.start[x + 1]; k++) {
                    int s = (y * w + ax.index[k]) * 3;
                    float wt = ax.weight[k];
                    r += wt * (src[s] & 0xff);
                    g += wt * (src[s + 1] & 0xff);
                    b += wt * (src[s + 2] & 0xff);
                }
                int o = (y * ow + x) * 3;
                mid[o] = r;
                mid[o + 1] = g;
                mid[o + 2] = b;
            }
        }
        byte[] out = new byte[oh * ow * 3];       // (OH, OW, 3)
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow * 3; x++) {
                float v = 0;
                for (int k = ay.start[y]; k < ay.start[y + 1]; k++) {
                    v += ay.weight[k] * mid[ay.index[k] * ow * 3 + x];
                }
                out[y * ow * 3 + x] = (byte) Math.max(0, Math.min(255, Math.round(v)));
            }
        }
        return new Image(oh, ow, out);
    }

    /** Resampling weights along one axis: output o reads index[start[o]..start[o+1]) with weight[...]. */
    private record Axis(int[] start, int[] index, float[] weight) {
        static Axis of(int in, int out) {
            List<int[]> idx = new ArrayList<>();
            List<float[]> wts = new ArrayList<>();
            int[] start = new int[out + 1];
            int total = 0;
            double scale = (double) in / out;
            for (int o = 0; o < out; o++) {
                int[] i;
                float[] wt;
                if (in > out) {
                    double lo = o * scale;
                    double hi = (o + 1) * scale;
                    int first = (int) Math.floor(lo);
                    int last = Math.min(in - 1, (int) Math.ceil(hi) - 1);
                    i = new int[last - first + 1];
                    wt = new float[i.length];
                    for (int s = first; s <= last; s++) {
                        double cover = Math.min(hi, s + 1) - Math.max(lo, s);
                        i[s - first] = s;
                        wt[s - first] = (float) (cover / scale);
                    }
                } else {
                    double c = Math.max(0, (o + 0.5) * scale - 0.5);
                    int i0 = Math.min(in - 1, (int) Math.floor(c));
                    int i1 = Math.min(in - 1, i0 + 1);
                    float f = (float) (c - i0);
                    i = new int[] {i0, i1};
                    wt = new float[] {1 - f, f};
                }
                idx.add(i);
                wts.add(wt);
                start[o] = total;
                total += i.length;
            }
            start[out] = total;
            int[] index = new int[total];
            float[] weight = new float[total];
            for (int o = 0; o < out; o++) {
                System.arraycopy(idx.get(o), 0, index, start[o], idx.get(o).length);
                System.arraycopy(wts.get(o), 0, weight, start[o], wts.get(o).length);
            }
            return new Axis(start, index, weight);
        }
    }
}
