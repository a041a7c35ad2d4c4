package org.fkt.data;

/**
 * A dataset listed but not decoded: both splits, the made split when there is one, a description, and the
 * open source tree the loaders read from (closed with this index).
 */
record DataIndex(SplitIndex train, SplitIndex test, SplitRecord split, String description, SourceTree tree)
        implements AutoCloseable {
    @Override
    public void close() {
        tree.close();
    }

    DataIndex with(SplitIndex newTrain, SplitIndex newTest) {
        return new DataIndex(newTrain, newTest, split, description, tree);
    }
}
