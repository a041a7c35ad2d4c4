package org.fkt.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10's binary release ({@code cifar-10-batches-bin/}): data_batch_1..5.bin are the training set and
 * test_batch.bin the test set; each record is one label byte then 3072 pixel bytes, the 32x32 red plane,
 * then green, then blue, rows top to bottom. Class names come from batches.meta.txt (one per line) when it
 * is there, else the standard ten. The batch files are read whole when listed (30 MB each).
 */
final class CifarBinaryReader {
    static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    static final String FOLDER = "cifar-10-batches-bin";
    static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");
    static final String TEST_FILE = "test_batch.bin";
    private static final int SIDE = 32;
    private static final int RECORD = 1 + 3 * SIDE * SIDE;

    private CifarBinaryReader() {}

    /** True when {@code dir} looks like the binary release (or holds its folder). */
    static boolean looksLike(SourceTree tree, String dir) {
        return tree.isFile(SourceTree.join(dir, TEST_FILE)) || tree.isFile(SourceTree.join(dir, TRAIN_FILES.get(0)))
                || tree.isDirectory(SourceTree.join(dir, FOLDER));
    }

    static DataIndex read(SourceTree tree, String base, DataOptions o) {
        String dir = tree.isDirectory(SourceTree.join(base, FOLDER)) ? SourceTree.join(base, FOLDER) : base;
        List<String> missing = new ArrayList<>();
        for (String f : concat(TRAIN_FILES, TEST_FILE)) {
            if (!tree.isFile(SourceTree.join(dir, f))) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new DataException("CIFAR-10 binary folder " + tree.show(dir) + " lacks " + String.join(", ", missing));
        }
        List<String> classes = classes(tree, dir);
        String source = tree.location.getFileName().toString();
        String location = tree.show(dir);
        SplitIndex train = split(tree, dir, TRAIN_FILES, classes, o, source, location, "train");
        SplitIndex test = split(tree, dir, List.of(TEST_FILE), classes, o, source, location, "test");
        return new DataIndex(train, test, null, "CIFAR-10 binary " + location, tree);
    }

    private static List<String> classes(SourceTree tree, String dir) {
        String meta = SourceTree.join(dir, "batches.meta.txt");
        if (!tree.isFile(meta)) {
            return CLASSES;
        }
        try {
            List<String> names = new String(tree.read(meta), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
            if (names.size() < 2) {
                throw new DataException("CIFAR-10 class list " + tree.show(meta) + " names fewer than two classes");
            }
            return names;
        } catch (IOException e) {
            throw new DataException("cannot read " + tree.show(meta) + ": " + e, e);
        }
    }

    private static SplitIndex split(SourceTree tree, String dir, List<String> files, List<String> classes,
            DataOptions o, String source, String location, String split) {
        List<SplitIndex.Item> items = new ArrayList<>();
        List<String> rels = new ArrayList<>();
        for (String f : files) {
            String rel = SourceTree.join(dir, f);
            rels.add(rel);
            byte[] data;
            try {
                data = tree.read(rel);
            } catch (IOException e) {
                throw new DataException("cannot read " + tree.show(rel) + ": " + e, e);
            }
            if (data.length == 0 || data.length % RECORD != 0) {
                throw new DataException("CIFAR-10 batch " + tree.show(rel) + " has " + data.length
                        + " bytes, not a whole number of " + RECORD + "-byte records");
            }
            for (int r = 0; r < data.length / RECORD; r++) {
                int label = data[r * RECORD] & 0xff;
                if (label >= classes.size()) {
                    throw new DataException("CIFAR-10 batch " + tree.show(rel) + " record " + r + " has label " + label
                            + " but there are " + classes.size() + " classes");
                }
                int offset = r * RECORD + 1;
                items.add(new SplitIndex.Item(f + "#" + r, rel, tree.show(rel) + "#" + r, label,
                        () -> ImageDecoder.fit(planarToImage(data, offset), o.imageSize())));
            }
        }
        return new SplitIndex(source, location, split, classes, items, () -> tree.fingerprint(rels), "");
    }

    /** The 32x32 record at {@code offset} (R plane, G plane, B plane) as an (H, W, 3) image. */
    static Image planarToImage(byte[] data, int offset) {
        int plane = SIDE * SIDE;
        byte[] px = new byte[plane * 3];   // (32, 32, 3)
        for (int p = 0; p < plane; p++) {
            px[p * 3] = data[offset + p];
            px[p * 3 + 1] = data[offset + plane + p];
            px[p * 3 + 2] = data[offset + 2 * plane + p];
        }
        return new Image(SIDE, SIDE, px);
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new ArrayList<>(a);
        out.add(b);
        return out;
    }
}
