package org.fkt.data;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * A decoded split: labels, sample names and the uint8 pixels, held either in memory or in a memory-mapped
 * cache file ({@link CacheFile}). {@link #image} returns a fresh copy, so callers may modify it freely and
 * several threads may read at once.
 */
final class CachedDataset implements Dataset {
    /** Where the pixels live. */
    sealed interface Store permits Heap, Mapped {
        Image image(int i);
    }

    /** Decoded images on the Java heap. */
    record Heap(Image[] images) implements Store {
        @Override
        public Image image(int i) {
            Image im = images[i];
            return new Image(im.height(), im.width(), im.pixels().clone());
        }
    }

    /** Images in a mapped cache file: image i is heights[i] x widths[i] x 3 bytes at offsets[i]. */
    record Mapped(MemorySegment file, long[] offsets, int[] heights, int[] widths) implements Store {
        @Override
        public Image image(int i) {
            byte[] px = new byte[heights[i] * widths[i] * 3];   // (H, W, 3)
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, offsets[i], px, 0, px.length);
            return new Image(heights[i], widths[i], px);
        }
    }

    private final String description;
    private final List<String> classes;
    private final int[] labels;
    private final String[] names;
    private final Store store;
    private final Path cacheFile;
    private final boolean reused;

    CachedDataset(String description, List<String> classes, int[] labels, String[] names, Store store,
            Path cacheFile, boolean reused) {
        this.description = description;
        this.classes = List.copyOf(classes);
        this.labels = labels;
        this.names = names;
        this.store = store;
        this.cacheFile = cacheFile;
        this.reused = reused;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public Image image(int index) {
        return store.image(index);
    }

    @Override
    public String name(int index) {
        return names[index];
    }

    @Override
    public String describe() {
        return description;
    }

    /** The cache file holding the pixels, or null when they are in memory. */
    Path cacheFile() {
        return cacheFile;
    }

    /** True when an existing cache file was reused rather than built by this run. */
    boolean reusedCache() {
        return reused;
    }
}
