package org.fkt.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Image-folder trees, on disk or inside a .zip: {@code train/<class>/*.jpg|jpeg|png} and
 * {@code test/<class>/...}; Intel Image's {@code seg_train/seg_train/<class>} and {@code seg_test/seg_test/<class>}
 * (or without the doubled folder); or a root of class folders alone, which gets a seeded stratified split
 * ({@link MadeSplit}). Class names are the training folder names sorted alphabetically; files are taken in
 * name order. Other files in a class folder are listed on the log and ignored; a subfolder in a class folder,
 * loose images beside class folders, an empty class folder, or a test class missing from train is a
 * {@link DataException}.
 */
final class ImageFolderReader {
    private static final int SHOWN = 5;

    private ImageFolderReader() {}

    static boolean isImage(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    /** The folder of split "train" or "test" under {@code base} ("train", "seg_train", "seg_train/seg_train"). */
    static String splitDir(SourceTree t, String base, String split) {
        String plain = SourceTree.join(base, split);
        String seg = SourceTree.join(base, "seg_" + split);
        if (t.isDirectory(plain) && t.isDirectory(seg)) {
            throw new DataException("mixed layouts in " + t.show(base) + ": both " + split + "/ and seg_" + split
                    + "/ are there; keep one");
        }
        String d = t.isDirectory(plain) ? plain : t.isDirectory(seg) ? seg : null;
        if (d == null) {
            return null;
        }
        List<String> kids = t.list(d);
        String name = SourceTree.fileName(d);
        if (kids.size() == 1 && kids.get(0).equals(name) && t.isDirectory(SourceTree.join(d, name))) {
            return SourceTree.join(d, name);
        }
        return d;
    }

    static boolean hasSplitFolders(SourceTree t, String base) {
        for (String n : List.of("train", "test", "seg_train", "seg_test")) {
            if (t.isDirectory(SourceTree.join(base, n))) {
                return true;
            }
        }
        return false;
    }

    static DataIndex read(SourceTree t, String base, DataOptions o) {
        String source = t.location.getFileName().toString();
        String trainDir = splitDir(t, base, "train");
        String testDir = splitDir(t, base, "test");
        if (trainDir == null && testDir == null) {
            return classesOnly(t, base, o, source);
        }
        if (trainDir == null || testDir == null) {
            throw new DataException("image folders " + t.show(base) + " have " + (trainDir == null ? "test" : "train")
                    + "/ but no " + (trainDir == null ? "train" : "test") + "/ (or seg_ equivalent)");
        }
        List<String> loose = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (String k : t.list(base)) {
            String rel = SourceTree.join(base, k);
            if (t.isFile(rel) && isImage(k)) {
                loose.add(k);
            } else if (t.isDirectory(rel) && !rel.equals(trainDir) && !trainDir.startsWith(rel + "/")
                    && !rel.equals(testDir) && !testDir.startsWith(rel + "/")) {
                ignored.add(k + "/");
            }
        }
        if (!loose.isEmpty()) {
            throw new DataException("mixed layouts in " + t.show(base) + ": loose images (" + first(loose)
                    + ") beside the train/ and test/ folders");
        }
        if (!ignored.isEmpty()) {
            o.log().println("data: " + t.show(base) + ": ignoring " + String.join(", ", ignored));
        }
        Map<String, List<String>> train = classFolders(t, trainDir, o);
        Map<String, List<String>> test = classFolders(t, testDir, o);
        List<String> classes = new ArrayList<>(train.keySet());
        for (String c : test.keySet()) {
            if (!train.containsKey(c)) {
                throw new DataException("test class folder " + t.show(SourceTree.join(testDir, c))
                        + " has no training folder in " + t.show(trainDir));
            }
        }
        List<String> absent = classes.stream().filter(c -> !test.containsKey(c)).toList();
        if (!absent.isEmpty()) {
            o.log().println("data: warning: " + t.show(testDir) + " has no images of class " + absent);
        }
        String location = t.show(base);
        SplitIndex trainIdx = index(t, trainDir, train, classes, o, source, location, "train");
        SplitIndex testIdx = index(t, testDir, test, classes, o, source, location, "test");
        return new DataIndex(trainIdx, testIdx, null, "image folders " + location + " (" + classes.size()
                + " classes)", t);
    }

    private static DataIndex classesOnly(SourceTree t, String base, DataOptions o, String source) {
        Map<String, List<String>> all = classFolders(t, base, o);
        List<String> classes = new ArrayList<>(all.keySet());
        List<SplitIndex.Item> items = items(t, base, all, classes, o);
        String location = t.show(base);
        MadeSplit.Result r = MadeSplit.apply(items, classes.size(), o, location);
        List<String> rels = SplitIndex.files(items);
        SplitIndex train = new SplitIndex(source, location, "train", classes, r.train(), () -> t.fingerprint(rels),
                r.note());
        SplitIndex test = new SplitIndex(source, location, "test", classes, r.test(), () -> t.fingerprint(rels),
                r.note());
        return new DataIndex(train, test, r.record(), "image folders " + location + " (" + classes.size()
                + " classes, " + r.note() + ")", t);
    }

    private static SplitIndex index(SourceTree t, String dir, Map<String, List<String>> folders, List<String> classes,
            DataOptions o, String source, String location, String split) {
        List<SplitIndex.Item> items = items(t, dir, folders, classes, o);
        List<String> rels = SplitIndex.files(items);
        return new SplitIndex(source, location, split, classes, items, () -> t.fingerprint(rels), "");
    }

    private static List<SplitIndex.Item> items(SourceTree t, String dir, Map<String, List<String>> folders,
            List<String> classes, DataOptions o) {
        List<SplitIndex.Item> items = new ArrayList<>();
        for (var e : folders.entrySet()) {
            int label = classes.indexOf(e.getKey());
            for (String f : e.getValue()) {
                String id = e.getKey() + "/" + f;
                String rel = SourceTree.join(dir, id);
                items.add(new SplitIndex.Item(id, rel, t.show(rel), label,
                        () -> ImageDecoder.decode(t.read(rel), o.imageSize())));
            }
        }
        return items;
    }

    /** Class folder name to its image file names, both sorted, for the split folder {@code dir}. */
    private static Map<String, List<String>> classFolders(SourceTree t, String dir, DataOptions o) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> loose = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (String k : t.list(dir)) {
            String rel = SourceTree.join(dir, k);
            if (t.isDirectory(rel)) {
                out.put(k, null);
            } else if (isImage(k)) {
                loose.add(k);
            } else {
                ignored.add(k);
            }
        }
        if (!loose.isEmpty() && !out.isEmpty()) {
            throw new DataException("mixed layouts in " + t.show(dir) + ": class folders and loose images ("
                    + first(loose) + ")");
        }
        if (out.isEmpty()) {
            throw new DataException(t.show(dir) + " holds no class folders" + (loose.isEmpty() ? ""
                    : " (only loose images: " + first(loose) + "); put each class's images in a folder named after it"));
        }
        for (String c : out.keySet()) {
            String cdir = SourceTree.join(dir, c);
            List<String> images = new ArrayList<>();
            for (String f : t.list(cdir)) {
                String rel = SourceTree.join(cdir, f);
                if (t.isDirectory(rel)) {
                    throw new DataException("class folder " + t.show(cdir) + " holds a subfolder " + f
                            + "/; a class folder must hold only images");
                } else if (isImage(f)) {
                    images.add(f);
                } else {
                    ignored.add(c + "/" + f);
                }
            }
            if (images.isEmpty()) {
                throw new DataException("empty class folder: " + t.show(cdir) + " has no .jpg, .jpeg or .png files");
            }
            out.put(c, images);
        }
        if (!ignored.isEmpty()) {
            o.log().println("data: " + t.show(dir) + ": ignoring " + ignored.size() + " files that are not "
                    + ".jpg/.jpeg/.png: " + first(ignored));
        }
        return out;
    }

    static String first(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(SHOWN, names.size())))
                + (names.size() > SHOWN ? ", ... (" + names.size() + " in all)" : "");
    }
}
