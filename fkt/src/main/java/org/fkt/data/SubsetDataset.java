package org.fkt.data;

import java.util.List;

/** A view of another {@link Dataset} through an index list; see {@link Datasets#subset}. */
final class SubsetDataset implements Dataset {
    private final Dataset base;
    private final int[] indices;

    SubsetDataset(Dataset base, int[] indices) {
        this.base = base;
        this.indices = indices.clone();
        for (int i : this.indices) {
            if (i < 0 || i >= base.size()) {
                throw new IndexOutOfBoundsException("subset: index " + i + " outside [0, " + base.size() + ") of "
                        + base.describe());
            }
        }
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public List<String> classes() {
        return base.classes();
    }

    @Override
    public int label(int index) {
        return base.label(indices[index]);
    }

    @Override
    public Image image(int index) {
        return base.image(indices[index]);
    }

    @Override
    public String name(int index) {
        return base.name(indices[index]);
    }

    @Override
    public String describe() {
        return base.describe() + " (subset of " + indices.length + ")";
    }
}
