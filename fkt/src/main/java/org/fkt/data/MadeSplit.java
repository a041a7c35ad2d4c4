package org.fkt.data;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The train/test split of a dataset that has no labelled test set: read from the options' split file when
 * it exists (and checked against the data), else made per class with the options' seed and test fraction
 * ({@link Datasets#stratifiedIndices}) and written to the split file when one is named.
 */
final class MadeSplit {
    record Result(List<SplitIndex.Item> train, List<SplitIndex.Item> test, SplitRecord record, String note) {}

    private MadeSplit() {}

    static Result apply(List<SplitIndex.Item> all, int classes, DataOptions o, String where) {
        if (o.splitFile() != null && Files.exists(o.splitFile())) {
            SplitRecord rec = SplitRecord.read(o.splitFile());
            Result r = follow(all, rec, o, where);
            o.log().println("data: using the saved split " + o.splitFile() + ": " + r.train().size() + " train, "
                    + r.test().size() + " test");
            return r;
        }
        int[] labels = new int[all.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = all.get(i).label();
        }
        int[][] parts = Datasets.stratifiedIndices(labels, classes, o.testFraction(), o.splitSeed());
        boolean[] test = new boolean[all.size()];
        for (int i : parts[1]) {
            test[i] = true;
        }
        List<SplitIndex.Item> train = new ArrayList<>();
        List<SplitIndex.Item> held = new ArrayList<>();
        List<SplitRecord.Entry> entries = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            SplitIndex.Item it = all.get(i);
            (test[i] ? held : train).add(it);
            entries.add(new SplitRecord.Entry(it.id(), it.label(), test[i]));
        }
        SplitRecord rec = new SplitRecord(entries);
        String note = "stratified split, seed " + o.splitSeed() + ", test fraction " + o.testFraction();
        if (o.splitFile() != null) {
            rec.write(o.splitFile());
        }
        o.log().println("data: " + where + " has no labelled test set: " + note + ": " + train.size() + " train, "
                + held.size() + " test" + (o.splitFile() != null ? ", saved to " + o.splitFile() : ""));
        return new Result(train, held, rec, note);
    }

    private static Result follow(List<SplitIndex.Item> all, SplitRecord rec, DataOptions o, String where) {
        Map<String, SplitRecord.Entry> byId = new HashMap<>();
        for (SplitRecord.Entry e : rec.entries()) {
            byId.put(e.id(), e);
        }
        Set<String> seen = new HashSet<>();
        List<SplitIndex.Item> train = new ArrayList<>();
        List<SplitIndex.Item> test = new ArrayList<>();
        for (SplitIndex.Item it : all) {
            SplitRecord.Entry e = byId.get(it.id());
            if (e == null) {
                throw new DataException("split file " + o.splitFile() + " does not match " + where + ": '" + it.id()
                        + "' is in the data but not in the split");
            }
            if (e.label() != it.label()) {
                throw new DataException("split file " + o.splitFile() + " does not match " + where + ": '" + it.id()
                        + "' has label " + e.label() + " in the split but " + it.label() + " in the data");
            }
            seen.add(it.id());
            (e.test() ? test : train).add(it);
        }
        for (SplitRecord.Entry e : rec.entries()) {
            if (!seen.contains(e.id())) {
                throw new DataException("split file " + o.splitFile() + " does not match " + where + ": '" + e.id()
                        + "' is in the split but not in the data");
            }
        }
        return new Result(train, test, rec, "split from " + o.splitFile().getFileName());
    }
}
