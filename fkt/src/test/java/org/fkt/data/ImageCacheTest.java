package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory-mapped decode cache: built once, reused, rebuilt when the source changes or the file is damaged. */
class ImageCacheTest {
    private static final List<String> CLASSES = List.of("a", "b");

    @TempDir
    Path tmp;

    private static void assertSame(Dataset expect, Dataset actual) {
        assertEquals(expect.size(), actual.size());
        assertEquals(expect.classes(), actual.classes());
        for (int i = 0; i < expect.size(); i++) {
            assertEquals(expect.label(i), actual.label(i), "label " + i);
            assertEquals(expect.name(i), actual.name(i));
            Image a = expect.image(i);
            Image b = actual.image(i);
            assertEquals(a.height(), b.height(), "height " + i);
            assertEquals(a.width(), b.width(), "width " + i);
            assertArrayEquals(a.pixels(), b.pixels(), "pixels " + i);
        }
    }

    private static CachedDataset cached(Dataset d) {
        return (CachedDataset) d;
    }

    /** A tree whose images are of mixed sizes: 20x20 (000, 001) stay, 40x40 (100, 101) become 32x32. */
    private Path mixedTree() {
        Path root = tmp.resolve("data");
        Fixtures.imageFolder(root, "train", CLASSES, 2, 20, "png", 1);
        for (String c : CLASSES) {
            for (int i = 0; i < 2; i++) {
                Image big = Fixtures.randomImage(40, 40, c.hashCode() + i);
                Fixtures.write(root.resolve("train/" + c + "/10" + i + ".png"), Fixtures.png(big));
            }
        }
        Fixtures.imageFolder(root, "test", CLASSES, 1, 8, "png", 3);
        return root;
    }

    @Test
    void cacheFileHoldsMixedSizesAndIsReused() throws IOException {
        Path root = mixedTree();
        Path cache = tmp.resolve("cache");
        var log = new Fixtures.Log();
        DataSplits memory = DataSources.open(Fixtures.options(root, 32, log));
        DataSplits first = DataSources.open(Fixtures.options(root, 32, log).withCacheDir(cache));
        assertFalse(cached(first.train()).reusedCache());
        assertNotNull(cached(first.train()).cacheFile());
        assertNull(cached(memory.train()).cacheFile());
        assertSame(memory.train(), first.train());
        assertSame(memory.test(), first.test());
        int[] heights = new int[first.train().size()];
        for (int i = 0; i < heights.length; i++) {
            heights[i] = first.train().image(i).height();
        }
        assertArrayEquals(new int[] {20, 20, 32, 32, 20, 20, 32, 32}, heights);

        DataSplits second = DataSources.open(Fixtures.options(root, 32, log).withCacheDir(cache));
        assertTrue(cached(second.train()).reusedCache());
        assertTrue(cached(second.test()).reusedCache());
        assertEquals(cached(first.train()).cacheFile(), cached(second.train()).cacheFile());
        assertSame(memory.train(), second.train());
        try (Stream<Path> files = Files.list(cache)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(2, names.size(), names.toString());
            assertTrue(names.stream().allMatch(n -> n.endsWith(".fktcache")), names.toString());
        }
    }

    @Test
    void aChangedSourceRebuildsTheCache() throws IOException {
        Path root = mixedTree();
        Path cache = tmp.resolve("cache");
        var log = new Fixtures.Log();
        DataOptions o = Fixtures.options(root, 32, log).withCacheDir(cache);
        DataSources.open(o);
        Path changed = root.resolve("train/b/001.png");
        Image replacement = Fixtures.randomImage(20, 20, 99);
        Files.write(changed, Fixtures.png(replacement));
        Files.setLastModifiedTime(changed, FileTime.fromMillis(Files.getLastModifiedTime(changed).toMillis() + 5000));
        DataSplits again = DataSources.open(o);
        assertFalse(cached(again.train()).reusedCache());
        assertTrue(cached(again.test()).reusedCache());
        assertTrue(log.text().contains("is stale"), log.text());
        assertArrayEquals(replacement.pixels(), again.train().image(5).pixels());

        DataSplits other = DataSources.open(o.withImageSize(16));
        assertFalse(cached(other.train()).reusedCache());
        assertEquals(16, other.train().image(2).height());
    }

    @Test
    void aDamagedCacheIsRebuilt() throws IOException {
        Path root = mixedTree();
        Path cache = tmp.resolve("cache");
        var log = new Fixtures.Log();
        DataOptions o = Fixtures.options(root, 32, log).withCacheDir(cache);
        DataSplits first = DataSources.open(o);
        Path file = cached(first.train()).cacheFile();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));
        DataSplits again = DataSources.open(o);
        assertFalse(cached(again.train()).reusedCache());
        assertTrue(log.text().contains("is unreadable"), log.text());
        assertSame(first.train(), again.train());
    }

    @Test
    void skippedImagesAreReportedAgainWhenTheCacheIsReused() throws IOException {
        Path root = mixedTree();
        Files.writeString(root.resolve("train/a/000.png"), "garbage");
        Path cache = tmp.resolve("cache");
        DataSources.open(Fixtures.options(root, 32, new Fixtures.Log()).withCacheDir(cache));
        var log = new Fixtures.Log();
        DataSplits again = DataSources.open(Fixtures.options(root, 32, log).withCacheDir(cache));
        assertTrue(cached(again.train()).reusedCache());
        assertEquals(7, again.train().size());
        assertTrue(log.text().contains("1 of 8 images are unreadable and were skipped when the cache was built")
                && log.text().contains("train/a/000.png"), log.text());
    }

    @Test
    void imagesAreFreshCopies() {
        Path root = mixedTree();
        DataSplits s = DataSources.open(Fixtures.options(root, 32, new Fixtures.Log()).withCacheDir(tmp.resolve("c")));
        Image a = s.train().image(0);
        byte before = s.train().image(0).pixels()[0];
        a.pixels()[0] = (byte) (before + 1);
        assertEquals(before, s.train().image(0).pixels()[0]);
    }
}
