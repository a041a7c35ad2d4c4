package org.fkt.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * APTOS 2019 blindness detection: {@code train.csv} (header with id_code and diagnosis, grade 0..4) and
 * {@code train_images/<id_code>.png} (.jpg/.jpeg accepted too). The Kaggle test.csv has no diagnosis column;
 * when a test.csv with one and a test_images/ folder are present they are the test set, otherwise the
 * training rows get a seeded stratified train/test split ({@link MadeSplit}) whose ids the run saves.
 * A row naming a missing image, a bad grade or a repeated id is a {@link DataException}.
 */
final class AptosReader {
    /** The five grades in label order. */
    static final List<String> CLASSES = List.of("0_no_dr", "1_mild", "2_moderate", "3_severe", "4_proliferative");
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    private AptosReader() {}

    static boolean looksLike(SourceTree t, String base) {
        return t.isFile(SourceTree.join(base, "train.csv"));
    }

    static DataIndex read(SourceTree t, String base, DataOptions o) {
        String source = t.location.getFileName().toString();
        String location = t.show(base);
        String csv = SourceTree.join(base, "train.csv");
        if (!t.isFile(csv)) {
            throw new DataException("APTOS 2019 folder " + location + " has no train.csv");
        }
        List<SplitIndex.Item> train = rows(t, base, "train", o, true);
        String testCsv = SourceTree.join(base, "test.csv");
        if (t.isFile(testCsv) && t.isDirectory(SourceTree.join(base, "test_images"))) {
            List<SplitIndex.Item> test = rows(t, base, "test", o, false);
            if (test != null) {
                return new DataIndex(index(t, csv, source, location, "train", train, ""),
                        index(t, testCsv, source, location, "test", test, ""), null,
                        "APTOS 2019 " + location + " (labelled test.csv)", t);
            }
        }
        MadeSplit.Result r = MadeSplit.apply(train, CLASSES.size(), o, t.show(csv));
        return new DataIndex(index(t, csv, source, location, "train", r.train(), r.note()),
                index(t, csv, source, location, "test", r.test(), r.note()), r.record(),
                "APTOS 2019 " + location + " (" + r.note() + ")", t);
    }

    private static SplitIndex index(SourceTree t, String csv, String source, String location, String split,
            List<SplitIndex.Item> items, String note) {
        List<String> rels = new ArrayList<>();
        rels.add(csv);
        rels.addAll(SplitIndex.files(items));
        return new SplitIndex(source, location, split, CLASSES, items, () -> t.fingerprint(rels), note);
    }

    /**
     * The rows of {@code <split>.csv} with their images in {@code <split>_images/}; for an optional test.csv
     * without a diagnosis column ({@code required} false) returns null.
     */
    private static List<SplitIndex.Item> rows(SourceTree t, String base, String split, DataOptions o,
            boolean required) {
        String csv = SourceTree.join(base, split + ".csv");
        String images = SourceTree.join(base, split + "_images");
        List<String> lines;
        try {
            lines = new String(t.read(csv), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new DataException("cannot read " + t.show(csv) + ": " + e, e);
        }
        if (lines.isEmpty()) {
            throw new DataException("APTOS csv " + t.show(csv) + " is empty");
        }
        List<String> header = fields(lines.get(0).replace("\uFEFF", ""));
        int idCol = header.indexOf("id_code");
        int gradeCol = header.indexOf("diagnosis");
        if (idCol < 0 || gradeCol < 0) {
            if (!required && idCol >= 0) {
                return null;
            }
            throw new DataException("APTOS csv " + t.show(csv) + " needs the columns id_code and diagnosis, its header is '"
                    + lines.get(0) + "'");
        }
        if (!t.isDirectory(images)) {
            throw new DataException("APTOS 2019 folder " + t.show(base) + " has " + split + ".csv but no " + split
                    + "_images/ folder");
        }
        List<SplitIndex.Item> items = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            List<String> f = fields(lines.get(i));
            String where = t.show(csv) + " line " + (i + 1);
            if (f.size() <= Math.max(idCol, gradeCol)) {
                throw new DataException(where + ": expected id_code and diagnosis, got '" + lines.get(i) + "'");
            }
            String id = f.get(idCol);
            int grade;
            try {
                grade = Integer.parseInt(f.get(gradeCol));
            } catch (NumberFormatException e) {
                grade = -1;
            }
            if (grade < 0 || grade >= CLASSES.size()) {
                throw new DataException(where + ": diagnosis '" + f.get(gradeCol) + "' is not a grade 0..4");
            }
            if (id.isEmpty() || !ids.add(id)) {
                throw new DataException(where + ": id_code '" + id + "' is " + (id.isEmpty() ? "empty" : "repeated"));
            }
            String rel = null;
            for (String ext : EXTENSIONS) {
                if (t.isFile(SourceTree.join(images, id + ext))) {
                    rel = SourceTree.join(images, id + ext);
                    break;
                }
            }
            if (rel == null) {
                throw new DataException(where + " names image " + id + ", but " + t.show(SourceTree.join(images, id + ".png"))
                        + " does not exist");
            }
            String file = rel;
            items.add(new SplitIndex.Item(id, rel, t.show(rel), grade, () -> ImageDecoder.decode(t.read(file), o.imageSize())));
        }
        if (items.isEmpty()) {
            throw new DataException("APTOS csv " + t.show(csv) + " has no rows");
        }
        return items;
    }

    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        for (String f : line.split(",", -1)) {
            String s = f.strip();
            if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
                s = s.substring(1, s.length() - 1);
            }
            out.add(s);
        }
        return out;
    }
}
