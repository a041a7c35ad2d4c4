package org.fkt.data;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * How {@link DataSources#open} reads a dataset.
 *
 * @param path         the dataset: a folder, or a .zip holding the folder tree
 * @param format       the layout, or {@link DataFormat#AUTO} to detect it
 * @param imageSize    the run's input side S: images with a side larger than S are resized to S x S when
 *                     decoded; smaller ones are kept as they are (see {@link ImageDecoder})
 * @param cacheDir     folder for the memory-mapped decode caches (one file per split), or null to decode
 *                     into memory on every run
 * @param splitSeed    seed of the stratified train/test split made when a dataset has no labelled test set
 *                     (APTOS, a root of class folders without train/ and test/), and of the --limit subsets
 * @param testFraction fraction of each class put into that test split, in (0, 1)
 * @param log          where progress and warnings (skipped corrupt images, ignored files) are printed
 * @param threads      decoder threads; 0 picks min(4, available processors)
 * @param limitTrain   keep a stratified, seeded subset of this many training images (0 keeps all); applied
 *                     before decoding, and the same subset as {@link Datasets#limit} would pick
 * @param limitTest    the same for the test split (0 keeps all)
 * @param splitFile    where a made split is kept (id,label,subset CSV): when the file exists the split is read
 *                     from it (a resumed run reuses exactly the same split), otherwise it is written there;
 *                     null to neither read nor write one
 */
public record DataOptions(Path path, DataFormat format, int imageSize, Path cacheDir, long splitSeed,
        double testFraction, PrintStream log, int threads, int limitTrain, int limitTest, Path splitFile) {

    /** The default test fraction of a made split. */
    public static final double DEFAULT_TEST_FRACTION = 0.2;

    public DataOptions {
        if (format == null) {
            format = DataFormat.AUTO;
        }
        if (log == null) {
            log = System.err;
        }
        if (imageSize <= 0) {
            throw new IllegalArgumentException("data options: image size must be positive, got " + imageSize);
        }
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("data options: test fraction must be in (0, 1), got " + testFraction);
        }
        if (threads < 0 || limitTrain < 0 || limitTest < 0) {
            throw new IllegalArgumentException("data options: threads and limits must be >= 0, got threads "
                    + threads + ", limit train " + limitTrain + ", limit test " + limitTest);
        }
    }

    /** Defaults: detect the format, decode into memory, split seed 0, test fraction 0.2, log to stderr. */
    public static DataOptions of(Path path, int imageSize) {
        return new DataOptions(path, DataFormat.AUTO, imageSize, null, 0L, DEFAULT_TEST_FRACTION, System.err,
                0, 0, 0, null);
    }

    public DataOptions withPath(Path p) {
        return new DataOptions(p, format, imageSize, cacheDir, splitSeed, testFraction, log, threads,
                limitTrain, limitTest, splitFile);
    }

    public DataOptions withFormat(DataFormat f) {
        return new DataOptions(path, f, imageSize, cacheDir, splitSeed, testFraction, log, threads,
                limitTrain, limitTest, splitFile);
    }

    public DataOptions withImageSize(int s) {
        return new DataOptions(path, format, s, cacheDir, splitSeed, testFraction, log, threads,
                limitTrain, limitTest, splitFile);
    }

    public DataOptions withCacheDir(Path dir) {
        return new DataOptions(path, format, imageSize, dir, splitSeed, testFraction, log, threads,
                limitTrain, limitTest, splitFile);
    }

    public DataOptions withSplit(long seed, double fraction) {
        return new DataOptions(path, format, imageSize, cacheDir, seed, fraction, log, threads,
                limitTrain, limitTest, splitFile);
    }

    public DataOptions withLog(PrintStream out) {
        return new DataOptions(path, format, imageSize, cacheDir, splitSeed, testFraction, out, threads,
                limitTrain, limitTest, splitFile);
    }

    public DataOptions withThreads(int n) {
        return new DataOptions(path, format, imageSize, cacheDir, splitSeed, testFraction, log, n,
                limitTrain, limitTest, splitFile);
    }

    public DataOptions withLimits(int train, int test) {
        return new DataOptions(path, format, imageSize, cacheDir, splitSeed, testFraction, log, threads,
                train, test, splitFile);
    }

    public DataOptions withSplitFile(Path file) {
        return new DataOptions(path, format, imageSize, cacheDir, splitSeed, testFraction, log, threads,
                limitTrain, limitTest, file);
    }

    /** The decoder thread count actually used. */
    int decodeThreads() {
        return threads > 0 ? threads : Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }
}
