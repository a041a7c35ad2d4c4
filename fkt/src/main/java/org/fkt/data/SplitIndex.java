package org.fkt.data;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * One split (train or test) listed but not yet decoded: its samples with their labels and loaders, and
 * what a decode cache of it must match.
 *
 * @param source      short name of the dataset for descriptions and cache names ("cifar10-jpg.zip")
 * @param location    the dataset's absolute path, part of the cache file's name
 * @param split       "train" or "test"
 * @param classes     class names in label order
 * @param items       the samples, in a fixed order (sorted paths, CSV order, batch order)
 * @param fingerprint text that changes when any source file of the split changes (computed on demand)
 * @param selection   how the items were chosen beyond the split itself ("" for all; a limit or a made split)
 */
record SplitIndex(String source, String location, String split, List<String> classes, List<Item> items,
        Supplier<String> fingerprint, String selection) {

    /** Decodes one sample; throws for an unreadable or corrupt image. */
    @FunctionalInterface
    interface Loader {
        Image load() throws IOException;
    }

    /**
     * One sample.
     *
     * @param id    stable id within the dataset ("cat/0001.jpg", an APTOS id_code, "data_batch_1.bin#17")
     * @param file  the file it is read from, relative to the source tree (for the cache fingerprint)
     * @param name  the sample as the user would recognise it in a message
     * @param label class index
     */
    record Item(String id, String file, String name, int label, Loader loader) {}

    /** The distinct files the items are read from, in first-use order. */
    static List<String> files(List<Item> items) {
        return items.stream().map(Item::file).distinct().toList();
    }

    int[] labels() {
        int[] out = new int[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = items.get(i).label();
        }
        return out;
    }

    /** The items at {@code indices}, with {@code note} added to the selection. */
    SplitIndex select(int[] indices, String note) {
        Item[] chosen = new Item[indices.length];
        for (int i = 0; i < indices.length; i++) {
            chosen[i] = items.get(indices[i]);
        }
        String sel = selection.isEmpty() ? note : selection + ", " + note;
        return new SplitIndex(source, location, split, classes, List.of(chosen), fingerprint, sel);
    }
}
