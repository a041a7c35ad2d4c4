package org.fkt.data;

import org.fkt.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one entry point for datasets: {@link #open} lists a dataset (detecting its layout when asked), checks
 * it, and decodes both splits into uint8 caches, so that every data problem surfaces before training starts
 * as a {@link DataException} naming the path. {@link #openBundledSample} opens the small CIFAR-10 sample that
 * ships inside the jar.
 *
 * <p>Detection looks at the given folder (or the root of the given .zip), first stepping into a lone
 * wrapping folder: {@code data_batch_1.bin}/{@code test_batch.bin} or a {@code cifar-10-batches-bin/} folder
 * mean CIFAR-10 binary; {@code train.csv} means APTOS 2019; {@code train/}, {@code test/},
 * {@code seg_train/} or {@code seg_test/} mean image folders; a folder holding only subfolders is a root of
 * class folders (split here, as APTOS is). Two of these at once is a mixed layout and an error.
 */
public final class DataSources {
    /** Classpath location of the bundled CIFAR-10 sample (train/ 200 and test/ 50 JPEGs per class). */
    public static final String SAMPLE_RESOURCE = "/org/fkt/data/cifar10-sample.zip";
    /** File name the bundled sample gets when copied out of the jar. */
    public static final String SAMPLE_NAME = "cifar10-sample.zip";

    private DataSources() {}

    /** Lists, checks and decodes the dataset at {@code o.path()}. */
    public static DataSplits open(DataOptions o) {
        try (DataIndex idx = index(o)) {
            o.log().println("data: " + idx.description());
            Dataset train = ImageCache.load(idx.train(), o);
            Dataset test = ImageCache.load(idx.test(), o);
            String description = idx.description() + ": " + train.describe() + "; " + test.describe();
            return new DataSplits(train, test, description, idx.split());
        }
    }

    /**
     * Opens the CIFAR-10 sample bundled in the jar ({@link #SAMPLE_RESOURCE}); {@code o.path()} and
     * {@code o.format()} are ignored. With a cache folder the zip is copied there once (so the decode cache
     * is reused across runs); without one it is copied to a temporary folder and deleted after decoding.
     */
    public static DataSplits openBundledSample(DataOptions o) {
        byte[] zip;
        try (InputStream in = DataSources.class.getResourceAsStream(SAMPLE_RESOURCE)) {
            if (in == null) {
                throw new DataException("the bundled sample " + SAMPLE_RESOURCE + " is not on the classpath; "
                        + "regenerate it with scripts/make-cifar10-sample.sh");
            }
            zip = in.readAllBytes();
        } catch (IOException e) {
            throw new DataException("cannot read the bundled sample " + SAMPLE_RESOURCE + ": " + e, e);
        }
        Path dir = null;
        Path file;
        try {
            if (o.cacheDir() != null) {
                Files.createDirectories(o.cacheDir());
                file = o.cacheDir().resolve(SAMPLE_NAME);
                if (!Files.isRegularFile(file) || !Arrays.equals(Files.readAllBytes(file), zip)) {
                    Path tmp = AtomicFiles.temp(file);
                    try {
                        Files.write(tmp, zip);
                        AtomicFiles.commit(tmp, file);
                    } finally {
                        AtomicFiles.discard(tmp);
                    }
                }
            } else {
                dir = Files.createTempDirectory("fkt-sample");
                file = dir.resolve(SAMPLE_NAME);
                Files.write(file, zip);
            }
        } catch (IOException e) {
            throw new DataException("cannot copy the bundled sample to " + (o.cacheDir() != null ? o.cacheDir()
                    : "a temporary folder") + ": " + e, e);
        }
        try {
            DataSplits s = open(o.withPath(file).withFormat(DataFormat.IMAGE_FOLDER));
            return new DataSplits(s.train(), s.test(), "bundled CIFAR-10 sample " + SAMPLE_NAME + ": "
                    + s.train().describe() + "; " + s.test().describe(), null);
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(file);
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary copy left behind is harmless
                }
            }
        }
    }

    /** The layout {@link DataFormat#AUTO} finds at {@code path}. */
    public static DataFormat detect(Path path) {
        try (SourceTree t = SourceTree.open(path)) {
            return detect(t, unwrap(t, ""));
        }
    }

    /** Lists and checks the dataset without decoding it; the caller closes the index. */
    static DataIndex index(DataOptions o) {
        if (o.path() == null) {
            throw new DataException("no data path given");
        }
        SourceTree t = SourceTree.open(o.path());
        try {
            String base = unwrap(t, "");
            DataFormat f = o.format() == DataFormat.AUTO ? detect(t, base) : o.format();
            DataIndex idx = switch (f) {
                case CIFAR_BINARY -> CifarBinaryReader.read(t, base, o);
                case IMAGE_FOLDER -> ImageFolderReader.read(t, base, o);
                case APTOS -> AptosReader.read(t, base, o);
                case AUTO -> throw new IllegalStateException("detect returned AUTO");
            };
            return idx.with(limit(idx.train(), o.limitTrain(), o), limit(idx.test(), o.limitTest(), o));
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private static SplitIndex limit(SplitIndex s, int n, DataOptions o) {
        int all = s.items().size();
        if (n <= 0 || n >= all) {
            return s;
        }
        int[] keep = Datasets.limitIndices(s.labels(), s.classes().size(), n, o.splitSeed());
        return s.select(keep, "limited to " + n + " of " + all + ", stratified, seed " + o.splitSeed());
    }

    /** Steps into lone wrapping folders (at most three) until a layout is recognisable. */
    private static String unwrap(SourceTree t, String base) {
        for (int depth = 0; depth < 3 && !recognised(t, base); depth++) {
            List<String> kids = t.list(base);
            if (kids.size() != 1 || !t.isDirectory(SourceTree.join(base, kids.get(0)))) {
                break;
            }
            base = SourceTree.join(base, kids.get(0));
        }
        return base;
    }

    private static boolean recognised(SourceTree t, String base) {
        return CifarBinaryReader.looksLike(t, base) || AptosReader.looksLike(t, base)
                || ImageFolderReader.hasSplitFolders(t, base);
    }

    private static DataFormat detect(SourceTree t, String base) {
        List<String> found = new ArrayList<>();
        if (CifarBinaryReader.looksLike(t, base)) {
            found.add("CIFAR-10 binary batches");
        }
        if (AptosReader.looksLike(t, base)) {
            found.add("an APTOS train.csv");
        }
        if (ImageFolderReader.hasSplitFolders(t, base)) {
            found.add("train/test image folders");
        }
        if (found.size() > 1) {
            throw new DataException("mixed layouts in " + t.show(base) + ": found " + String.join(" and ", found)
                    + "; point the data path at one dataset");
        }
        if (!found.isEmpty()) {
            return found.get(0).startsWith("CIFAR") ? DataFormat.CIFAR_BINARY
                    : found.get(0).contains("APTOS") ? DataFormat.APTOS : DataFormat.IMAGE_FOLDER;
        }
        List<String> kids = t.list(base);
        boolean dirs = kids.stream().anyMatch(k -> t.isDirectory(SourceTree.join(base, k)));
        if (dirs) {
            return DataFormat.IMAGE_FOLDER;
        }
        boolean images = kids.stream().anyMatch(ImageFolderReader::isImage);
        throw new DataException("unknown data format: " + t.show(base) + (kids.isEmpty() ? " is empty"
                : images ? " holds images but no class folders" : " is not a dataset")
                + "; expected CIFAR-10 binary (data_batch_1..5.bin, test_batch.bin), image folders "
                + "(train/<class>/*.jpg|png and test/<class>/..., or <class>/*.jpg|png) or APTOS 2019 "
                + "(train.csv and train_images/)");
    }
}
