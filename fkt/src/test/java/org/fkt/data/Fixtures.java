package org.fkt.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/** Small generated datasets for the data tests: images, PNG/JPEG files, CIFAR binary batches, trees, zips. */
final class Fixtures {
    private Fixtures() {}

    /** A log that keeps what it was given. */
    static final class Log {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** Uniformly random pixels. */
    static Image randomImage(int h, int w, long seed) {
        byte[] px = new byte[h * w * 3];   // (H, W, 3)
        new Random(seed).nextBytes(px);
        return new Image(h, w, px);
    }

    /** One colour everywhere. */
    static Image solid(int h, int w, int r, int g, int b) {
        byte[] px = new byte[h * w * 3];
        for (int i = 0; i < h * w; i++) {
            px[i * 3] = (byte) r;
            px[i * 3 + 1] = (byte) g;
            px[i * 3 + 2] = (byte) b;
        }
        return new Image(h, w, px);
    }

    static BufferedImage toBuffered(Image im) {
        BufferedImage b = new BufferedImage(im.width(), im.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < im.height(); y++) {
            for (int x = 0; x < im.width(); x++) {
                b.setRGB(x, y, (im.get(y, x, 0) << 16) | (im.get(y, x, 1) << 8) | im.get(y, x, 2));
            }
        }
        return b;
    }

    static byte[] encode(BufferedImage b, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(b, format, out)) {
                throw new IllegalStateException("no " + format + " writer");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] png(Image im) {
        return encode(toBuffered(im), "png");
    }

    static byte[] jpeg(Image im) {
        return encode(toBuffered(im), "jpeg");
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeText(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A sample written into a fixture: its relative path, class and pixels. */
    record Written(String path, String label, Image image) {}

    /**
     * Writes {@code split/<class>/<i>.<ext>} images with random pixels (size {@code side} x {@code side}) under
     * {@code root} for each class, {@code perClass} per class; returns what was written, in file order.
     */
    static List<Written> imageFolder(Path root, String split, List<String> classes, int perClass, int side,
            String ext, long seed) {
        List<Written> out = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            for (int i = 0; i < perClass; i++) {
                Image im = randomImage(side, side, seed * 1000 + c * 100 + i);
                String rel = (split.isEmpty() ? "" : split + "/") + classes.get(c) + "/" + String.format("%03d.%s", i, ext);
                write(root.resolve(rel), ext.equals("png") ? png(im) : jpeg(im));
                out.add(new Written(rel, classes.get(c), im));
            }
        }
        return out;
    }

    /** CIFAR-10 binary batches: {@code perFile} random records in each of the six files; returns the records. */
    static List<byte[]> cifarBinary(Path dir, int perFile, int classes, long seed) {
        Random rnd = new Random(seed);
        List<byte[]> records = new ArrayList<>();
        List<String> files = new ArrayList<>(CifarBinaryReader.TRAIN_FILES);
        files.add(CifarBinaryReader.TEST_FILE);
        for (String f : files) {
            byte[] data = new byte[perFile * 3073];
            for (int r = 0; r < perFile; r++) {
                byte[] rec = new byte[3073];
                rnd.nextBytes(rec);
                rec[0] = (byte) rnd.nextInt(classes);
                System.arraycopy(rec, 0, data, r * 3073, 3073);
                records.add(rec);
            }
            write(dir.resolve(f), data);
        }
        return records;
    }

    /** Zips the tree under {@code dir} into {@code zip} (entry names relative to {@code dir}, with folder entries). */
    static Path zip(Path dir, Path zip) {
        try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream zos = new ZipOutputStream(os);
                Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                if (p.equals(dir)) {
                    continue;
                }
                String name = dir.relativize(p).toString().replace('\\', '/');
                if (Files.isDirectory(p)) {
                    zos.putNextEntry(new ZipEntry(name + "/"));
                } else {
                    zos.putNextEntry(new ZipEntry(name));
                    zos.write(Files.readAllBytes(p));
                }
                zos.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip;
    }

    /**
     * An APTOS 2019 folder: {@code counts[g]} images of grade g as train_images/<id>.png (16x16, random) and
     * train.csv; returns id to image, in CSV order.
     */
    static List<Written> aptos(Path root, int[] counts, long seed) {
        List<Written> out = new ArrayList<>();
        StringBuilder csv = new StringBuilder("id_code,diagnosis\n");
        int n = 0;
        for (int g = 0; g < counts.length; g++) {
            for (int i = 0; i < counts[g]; i++) {
                String id = String.format("%08x", (seed * 7919 + n * 104729) & 0xffffffffL);
                Image im = randomImage(16, 16, seed + n);
                write(root.resolve("train_images/" + id + ".png"), png(im));
                csv.append(id).append(',').append(g).append('\n');
                out.add(new Written(id, Integer.toString(g), im));
                n++;
            }
        }
        writeText(root.resolve("train.csv"), csv.toString());
        writeText(root.resolve("test.csv"), "id_code\nabc\n");
        return out;
    }

    /** Options for tests: in memory, two threads, log kept in {@code log}. */
    static DataOptions options(Path path, int size, Log log) {
        return DataOptions.of(path, size).withLog(log.out).withThreads(2);
    }
}
