package org.fkt.data;

import java.nio.file.Path;

/**
 * What {@link DataSources#open} returns: the decoded train and test sets over the same class list, a one-line
 * description for logs and the run record, and the made train/test split (null when the dataset has its own
 * labelled test set, as CIFAR-10 and image-folder trees with train/ and test/ do).
 */
public record DataSplits(Dataset train, Dataset test, String description, SplitRecord split) {
    public DataSplits {
        if (!train.classes().equals(test.classes())) {
            throw new IllegalArgumentException("data splits: train classes " + train.classes()
                    + " differ from test classes " + test.classes());
        }
    }

    /** True when the train/test split was made here (seeded, stratified) rather than given by the dataset. */
    public boolean hasMadeSplit() {
        return split != null;
    }

    /** Writes the made split as id,label,subset CSV to {@code file} (atomically); does nothing when there is none. */
    public void writeSplit(Path file) {
        if (split != null) {
            split.write(file);
        }
    }
}
