package org.fkt.loader;

import java.util.List;
import java.util.Random;
import org.fkt.data.Dataset;
import org.fkt.data.Image;

/** A tiny in-memory dataset of random images for the loader tests; sample {@code failAt} throws when read. */
final class MemoryDataset implements Dataset {
    private final Image[] images;
    private final int[] labels;
    private final int failAt;

    MemoryDataset(int n, int height, int width, int classes, long seed, int failAt) {
        var random = new Random(seed);
        images = new Image[n];
        labels = new int[n];
        for (int i = 0; i < n; i++) {
            byte[] px = new byte[height * width * 3];
            random.nextBytes(px);
            images[i] = new Image(height, width, px);
            labels[i] = random.nextInt(classes);
        }
        this.failAt = failAt;
    }

    MemoryDataset(int n, int side) {
        this(n, side, side, 3, 99, -1);
    }

    @Override
    public int size() {
        return images.length;
    }

    @Override
    public List<String> classes() {
        return List.of("a", "b", "c");
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public Image image(int index) {
        if (index == failAt) {
            throw new IllegalStateException("test dataset: sample " + index + " is unreadable");
        }
        return images[index];
    }

    @Override
    public String describe() {
        return "memory dataset, " + images.length + " images";
    }
}
