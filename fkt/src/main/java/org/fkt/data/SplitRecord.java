package org.fkt.data;

import org.fkt.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A train/test split made from a dataset without a labelled test set: for every sample its id (APTOS's
 * id_code, or "class/file" for a root of class folders), its label and its subset. Saved with a run as
 * {@code split.csv} (header {@code id,label,subset}, subset "train" or "test") and read back by a resumed run,
 * which then uses exactly the same split.
 */
public final class SplitRecord {
    /** One sample of the split. */
    public record Entry(String id, int label, boolean test) {}

    private final List<Entry> entries;

    public SplitRecord(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        Set<String> seen = new HashSet<>();
        for (Entry e : this.entries) {
            if (!seen.add(e.id())) {
                throw new IllegalArgumentException("split: id '" + e.id() + "' appears twice");
            }
        }
    }

    /** Every sample, in the order it was recorded. */
    public List<Entry> entries() {
        return entries;
    }

    /** Ids of the training subset, in recorded order. */
    public List<String> trainIds() {
        return entries.stream().filter(e -> !e.test()).map(Entry::id).toList();
    }

    /** Ids of the test subset, in recorded order. */
    public List<String> testIds() {
        return entries.stream().filter(Entry::test).map(Entry::id).toList();
    }

    /** Writes the split as CSV to {@code file} through a temporary file and a rename. */
    public void write(Path file) {
        StringBuilder text = new StringBuilder("id,label,subset\n");
        for (Entry e : entries) {
            text.append(e.id()).append(',').append(e.label()).append(',').append(e.test() ? "test" : "train")
                    .append('\n');
        }
        Path tmp = null;
        try {
            tmp = AtomicFiles.temp(file);
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            AtomicFiles.commit(tmp, file);
        } catch (IOException e) {
            throw new DataException("cannot write the split file " + file + ": " + e, e);
        } finally {
            AtomicFiles.discard(tmp);
        }
    }

    /** Reads a split written by {@link #write}. */
    public static SplitRecord read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DataException("split file does not exist: " + file);
        } catch (IOException e) {
            throw new DataException("cannot read the split file " + file + ": " + e, e);
        }
        if (lines.isEmpty() || !lines.get(0).strip().replace("\uFEFF", "").startsWith("id,")) {
            throw new DataException("split file " + file + " does not start with the header id,label,subset");
        }
        List<Entry> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 3 || !(f[2].equals("train") || f[2].equals("test"))) {
                throw new DataException("split file " + file + " line " + (i + 1) + ": expected id,label,train|test, got '"
                        + line + "'");
            }
            int label;
            try {
                label = Integer.parseInt(f[1].strip());
            } catch (NumberFormatException e) {
                throw new DataException("split file " + file + " line " + (i + 1) + ": label '" + f[1] + "' is not a number");
            }
            out.add(new Entry(f[0].strip(), label, f[2].equals("test")));
        }
        try {
            return new SplitRecord(out);
        } catch (IllegalArgumentException e) {
            throw new DataException("split file " + file + ": " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SplitRecord s && s.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return "split of " + entries.size() + " (" + testIds().size() + " test)";
    }
}
