package org.fkt.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Writes the CIFAR-10 sample that ships in the jar ({@code cifar10-sample.zip}) from the full image-folder
 * zip: per class the first 200 training and the first 50 test JPEGs in file-name order, their bytes copied
 * unchanged, entries in name order with a fixed time, so the output is the same byte for byte on every run.
 * Run by scripts/make-cifar10-sample.sh ({@code java MakeCifar10Sample.java <cifar10-jpg.zip> <out.zip>}).
 */
public final class MakeCifar10Sample {
    static final int TRAIN_PER_CLASS = 200;
    static final int TEST_PER_CLASS = 50;
    private static final LocalDateTime TIME = LocalDateTime.of(2019, 3, 31, 6, 35);

    private MakeCifar10Sample() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: MakeCifar10Sample <cifar10-jpg.zip> <out.zip>");
            System.exit(2);
        }
        write(Path.of(args[0]), Path.of(args[1]));
        System.out.println("wrote " + args[1] + " (" + Files.size(Path.of(args[1])) + " bytes)");
    }

    /** Writes the sample drawn from {@code source} to {@code out} (through a temporary file and a rename). */
    static void write(Path source, Path out) throws IOException {
        try (ZipFile zip = new ZipFile(source.toFile())) {
            List<String> chosen = new ArrayList<>();
            chosen.addAll(pick(zip, "train/", TRAIN_PER_CLASS));
            chosen.addAll(pick(zip, "test/", TEST_PER_CLASS));
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "cifar10-sample", ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zos = new ZipOutputStream(os)) {
                zos.setLevel(9);
                for (String name : chosen) {
                    ZipEntry e = new ZipEntry(name);
                    e.setTimeLocal(TIME);
                    zos.putNextEntry(e);
                    try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
                        in.transferTo(zos);
                    }
                    zos.closeEntry();
                }
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The first {@code perClass} .jpg entries of each class folder under {@code prefix}, in name order. */
    private static List<String> pick(ZipFile zip, String prefix, int perClass) {
        Map<String, List<String>> byClass = new TreeMap<>();
        zip.stream().map(ZipEntry::getName)
                .filter(n -> n.startsWith(prefix) && n.toLowerCase().endsWith(".jpg"))
                .sorted()
                .forEach(n -> {
                    String rest = n.substring(prefix.length());
                    int slash = rest.indexOf('/');
                    if (slash > 0 && rest.indexOf('/', slash + 1) < 0) {
                        byClass.computeIfAbsent(rest.substring(0, slash), k -> new ArrayList<>()).add(n);
                    }
                });
        List<String> out = new ArrayList<>();
        for (var e : byClass.entrySet()) {
            if (e.getValue().size() < perClass) {
                throw new IllegalStateException(prefix + e.getKey() + " has " + e.getValue().size()
                        + " images, fewer than " + perClass);
            }
            out.addAll(e.getValue().subList(0, perClass));
        }
        return out;
    }
}
