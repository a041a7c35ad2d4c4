package org.fkt.data;

import org.fkt.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Decodes a {@link SplitIndex} once, on a small thread pool, into a {@link CachedDataset}: in memory, or in a
 * cache file under the options' cache folder that later runs map again while its fingerprint (source paths,
 * sizes and modification times, the item list, the image size, the decoder version) still matches. A stale
 * or damaged cache is rebuilt; a new one is written to a temporary file and renamed into place.
 *
 * <p>Unreadable images are skipped and reported on the log (how many, the first few names and reasons),
 * again each time a cache built with skips is reused; a class whose every image is unreadable is a
 * {@link DataException}.
 */
final class ImageCache {
    /** Changes whenever decoding or resizing changes what a cache holds. */
    static final int DECODER_VERSION = 1;
    private static final int CHUNK = 512;
    private static final int SHOWN = 5;
    private static final long PROGRESS_NANOS = 20_000_000_000L;

    private ImageCache() {}

    /** Receives decoded images in item order. */
    private interface Sink {
        void accept(int source, Image image) throws IOException;
    }

    static CachedDataset load(SplitIndex s, DataOptions o) {
        if (o.cacheDir() == null) {
            return inMemory(s, o);
        }
        byte[] fp = fingerprint(s, o);
        Path file = o.cacheDir().resolve(fileName(s, o)).toAbsolutePath();
        if (Files.exists(file)) {
            try {
                CacheFile.Contents c = CacheFile.open(file, fp, s.classes().size());
                if (c != null) {
                    o.log().println("data: " + label(s) + ": reusing the decode cache " + file);
                    reportSkipped(s, o, c.skipped(), c.labels().length + c.skipped().size(), true);
                    return mapped(s, c, file, true);
                }
                o.log().println("data: " + label(s) + ": the cache " + file
                        + " is stale (source or options changed); rebuilding it");
            } catch (IOException | RuntimeException e) {
                o.log().println("data: " + label(s) + ": the cache " + file + " is unreadable (" + e.getMessage()
                        + "); rebuilding it");
            }
        }
        return build(s, o, file, fp);
    }

    private static CachedDataset inMemory(SplitIndex s, DataOptions o) {
        List<Image> images = new ArrayList<>();
        List<Integer> sources = new ArrayList<>();
        decode(s, o, (source, image) -> {
            images.add(image);
            sources.add(source);
        });
        int n = images.size();
        int[] labels = new int[n];
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            SplitIndex.Item it = s.items().get(sources.get(i));
            labels[i] = it.label();
            names[i] = it.name();
        }
        return new CachedDataset(describe(s, n), s.classes(), labels, names,
                new CachedDataset.Heap(images.toArray(Image[]::new)), null, false);
    }

    private static CachedDataset build(SplitIndex s, DataOptions o, Path file, byte[] fp) {
        Path tmp = null;
        try {
            tmp = AtomicFiles.temp(file);
            try (CacheFile.Writer w = new CacheFile.Writer(tmp, fp, o.imageSize(), s.classes().size())) {
                List<String> skipped = decode(s, o, (source, image) -> w.add(image, s.items().get(source).label(), source));
                w.finish(skipped);
            }
            AtomicFiles.commit(tmp, file);
            CacheFile.Contents c = CacheFile.open(file, fp, s.classes().size());
            if (c == null) {
                throw new IOException("the new cache does not carry its fingerprint");
            }
            o.log().println("data: " + label(s) + ": wrote the decode cache " + file);
            return mapped(s, c, file, false);
        } catch (IOException e) {
            throw new DataException("cannot write the decode cache " + file + ": " + e, e);
        } finally {
            AtomicFiles.discard(tmp);
        }
    }

    private static CachedDataset mapped(SplitIndex s, CacheFile.Contents c, Path file, boolean reused) {
        int n = c.labels().length;
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            int src = c.sources()[i];
            names[i] = src < s.items().size() ? s.items().get(src).name() : "#" + i;
        }
        return new CachedDataset(describe(s, n), s.classes(), c.labels(), names,
                new CachedDataset.Mapped(c.file(), c.offsets(), c.heights(), c.widths()), file, reused);
    }

    /** Decodes every item in order into {@code sink}; returns "name: reason" of each skipped one. */
    private static List<String> decode(SplitIndex s, DataOptions o, Sink sink) {
        int n = s.items().size();
        int threads = o.decodeThreads();
        long t0 = System.nanoTime();
        List<String> skipped = new ArrayList<>();
        int[] kept = new int[s.classes().size()];
        int[] total = new int[s.classes().size()];
        String[] firstFailure = new String[s.classes().size()];
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "fkt-decode");
            t.setDaemon(true);
            return t;
        });
        o.log().println("data: " + label(s) + ": decoding " + n + " images with " + threads + " threads");
        long lastReport = t0;
        try {
            for (int from = 0; from < n; from += CHUNK) {
                long now = System.nanoTime();
                if (now - lastReport > PROGRESS_NANOS) {
                    o.log().printf("data: %s: %d of %d decoded (%.0f s)%n", label(s), from, n, (now - t0) / 1e9);
                    lastReport = now;
                }
                int to = Math.min(n, from + CHUNK);
                List<Future<Object>> results = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    SplitIndex.Loader loader = s.items().get(i).loader();
                    results.add(pool.submit(() -> {
                        try {
                            return loader.load();
                        } catch (IOException | RuntimeException e) {
                            return e.getMessage() == null ? e.toString() : e.getMessage();
                        }
                    }));
                }
                for (int i = from; i < to; i++) {
                    SplitIndex.Item it = s.items().get(i);
                    Object r = results.get(i - from).get();
                    total[it.label()]++;
                    if (r instanceof Image image) {
                        sink.accept(i, image);
                        kept[it.label()]++;
                    } else {
                        String why = it.name() + ": " + r;
                        skipped.add(why);
                        if (firstFailure[it.label()] == null) {
                            firstFailure[it.label()] = why;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("decoding " + label(s) + " was interrupted");
        } catch (ExecutionException e) {
            throw new DataException("decoding " + label(s) + " failed: " + e.getCause(), e.getCause());
        } catch (IOException e) {
            throw new DataException("cannot write the decode cache of " + label(s) + ": " + e, e);
        } finally {
            pool.shutdownNow();
        }
        for (int c = 0; c < kept.length; c++) {
            if (total[c] > 0 && kept[c] == 0) {
                throw new DataException("every image of class '" + s.classes().get(c) + "' in " + s.location() + " ("
                        + s.split() + ") is unreadable (" + total[c] + " of " + total[c] + "), e.g. " + firstFailure[c]);
            }
        }
        o.log().printf("data: %s: decoded %d images in %.1f s%n", label(s), n - skipped.size(),
                (System.nanoTime() - t0) / 1e9);
        reportSkipped(s, o, skipped, n, false);
        return skipped;
    }

    private static void reportSkipped(SplitIndex s, DataOptions o, List<String> skipped, int n, boolean earlier) {
        if (skipped.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("data: warning: " + label(s) + ": " + skipped.size() + " of " + n
                + " images are unreadable and " + (earlier ? "were skipped when the cache was built" : "are skipped")
                + ":");
        for (int i = 0; i < Math.min(SHOWN, skipped.size()); i++) {
            sb.append("\n  ").append(skipped.get(i));
        }
        if (skipped.size() > SHOWN) {
            sb.append("\n  ... and ").append(skipped.size() - SHOWN).append(" more");
        }
        o.log().println(sb);
    }

    private static String label(SplitIndex s) {
        return s.source() + ":" + s.split();
    }

    static String describe(SplitIndex s, int n) {
        return label(s) + ", " + n + " images" + (s.selection().isEmpty() ? "" : " (" + s.selection() + ")");
    }

    /** Stable per source, split, selection and size; the fingerprint inside decides reuse. */
    static String fileName(SplitIndex s, DataOptions o) {
        String base = s.source().replaceAll("\\.zip$", "").replaceAll("[^A-Za-z0-9._-]", "_");
        String key = s.location() + "\n" + s.split() + "\n" + s.selection() + "\n" + o.imageSize();
        String hash = HexFormat.of().formatHex(sha256(key.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
        return base + "-" + s.split() + "-s" + o.imageSize() + "-" + hash + ".fktcache";
    }

    static byte[] fingerprint(SplitIndex s, DataOptions o) {
        StringBuilder sb = new StringBuilder();
        sb.append("fkt image cache ").append(CacheFile.VERSION).append(" decoder ").append(DECODER_VERSION).append('\n');
        sb.append(s.location()).append('\n').append(s.split()).append('\n').append(o.imageSize()).append('\n');
        sb.append(s.classes()).append('\n');
        for (SplitIndex.Item it : s.items()) {
            sb.append(it.id()).append('\t').append(it.label()).append('\n');
        }
        sb.append(s.fingerprint().get());
        return sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
