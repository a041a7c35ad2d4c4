package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every dataset fault is a DataException naming the path, raised by open() before any training. */
class DataFaultsTest {
    private static final List<String> CLASSES = List.of("a", "b");

    @TempDir
    Path tmp;

    private String fails(Path path) {
        var e = assertThrows(DataException.class, () -> DataSources.open(Fixtures.options(path, 32, new Fixtures.Log())));
        return e.getMessage();
    }

    private Path tree() {
        Path root = tmp.resolve("data");
        Fixtures.imageFolder(root, "train", CLASSES, 2, 8, "png", 1);
        Fixtures.imageFolder(root, "test", CLASSES, 1, 8, "png", 2);
        return root;
    }

    @Test
    void missingPath() {
        Path p = tmp.resolve("nowhere");
        String m = fails(p);
        assertTrue(m.contains("does not exist") && m.contains(p.toString()), m);
    }

    @Test
    void emptyClassFolder() throws Exception {
        Path root = tree();
        Files.createDirectories(root.resolve("test/c"));
        String m = fails(root);
        assertTrue(m.contains("empty class folder") && m.contains(root.resolve("test/c").toString()), m);
    }

    @Test
    void csvRowNamingAMissingImage() throws Exception {
        Path root = tmp.resolve("aptos");
        var rows = Fixtures.aptos(root, new int[] {2, 2, 2, 2, 2}, 1);
        Files.delete(root.resolve("train_images/" + rows.get(3).path() + ".png"));
        String m = fails(root);
        assertTrue(m.contains("train.csv line 5") && m.contains(rows.get(3).path() + ".png") && m.contains("does not exist"), m);
    }

    @Test
    void classFoldersBesideLooseImages() {
        Path root = tmp.resolve("flat");
        Fixtures.imageFolder(root, "", CLASSES, 2, 8, "png", 3);
        Fixtures.write(root.resolve("stray.png"), Fixtures.png(Fixtures.randomImage(8, 8, 1)));
        String m = fails(root);
        assertTrue(m.contains("mixed layouts") && m.contains("stray.png") && m.contains(root.toString()), m);

        Path split = tree();
        Fixtures.write(split.resolve("train/stray.jpg"), Fixtures.jpeg(Fixtures.randomImage(8, 8, 1)));
        m = fails(split);
        assertTrue(m.contains("mixed layouts") && m.contains("stray.jpg"), m);
    }

    @Test
    void imageFoldersBesideCifarBatches() {
        Path root = tree();
        Fixtures.cifarBinary(root.resolve("cifar-10-batches-bin"), 1, 10, 1);
        String m = fails(root);
        assertTrue(m.contains("mixed layouts") && m.contains("CIFAR-10 binary") && m.contains("image folders"), m);
    }

    @Test
    void imageFoldersBesideAnAptosCsv() {
        Path root = tree();
        Fixtures.writeText(root.resolve("train.csv"), "id_code,diagnosis\n");
        String m = fails(root);
        assertTrue(m.contains("mixed layouts") && m.contains("APTOS"), m);
    }

    @Test
    void unknownFormats() throws Exception {
        Path txt = tmp.resolve("notes.txt");
        Files.writeString(txt, "hi");
        String m = fails(txt);
        assertTrue(m.contains("unknown data format") && m.contains(txt.toString()), m);

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        m = fails(empty);
        assertTrue(m.contains("unknown data format") && m.contains("is empty"), m);

        Path loose = tmp.resolve("loose");
        Fixtures.write(loose.resolve("1.png"), Fixtures.png(Fixtures.randomImage(8, 8, 1)));
        Fixtures.write(loose.resolve("2.png"), Fixtures.png(Fixtures.randomImage(8, 8, 2)));
        m = fails(loose);
        assertTrue(m.contains("holds images but no class folders"), m);

        Path fakeZip = tmp.resolve("fake.zip");
        Files.writeString(fakeZip, "not a zip");
        m = fails(fakeZip);
        assertTrue(m.contains("not a readable zip") && m.contains(fakeZip.toString()), m);
    }

    @Test
    void trainWithoutTestAndNestedClassFolders() throws Exception {
        Path root = tmp.resolve("only");
        Fixtures.imageFolder(root, "train", CLASSES, 2, 8, "png", 4);
        String m = fails(root);
        assertTrue(m.contains("no test/"), m);

        Path nested = tree();
        Fixtures.write(nested.resolve("train/a/deeper/x.png"), Fixtures.png(Fixtures.randomImage(8, 8, 1)));
        m = fails(nested);
        assertTrue(m.contains("holds a subfolder deeper/"), m);
    }

    @Test
    void corruptImagesAreSkippedAndReported() throws Exception {
        Path root = tree();
        Fixtures.imageFolder(root, "train", List.of("a"), 5, 8, "png", 5);
        byte[] good = Files.readAllBytes(root.resolve("train/a/003.png"));
        Files.write(root.resolve("train/a/003.png"), Arrays.copyOf(good, good.length / 2));
        Files.writeString(root.resolve("train/b/001.png"), "garbage");
        var log = new Fixtures.Log();
        DataSplits s = DataSources.open(Fixtures.options(root, 32, log));
        assertEquals(5, s.train().size());
        assertArrayEquals(new int[] {4, 1}, Datasets.classCounts(s.train()));
        String text = log.text();
        assertTrue(text.contains("2 of 7 images are unreadable and are skipped"), text);
        assertTrue(text.contains("train/a/003.png") && text.contains("train/b/001.png"), text);
    }

    @Test
    void aClassWithOnlyCorruptImagesIsAnError() throws Exception {
        Path root = tree();
        Files.writeString(root.resolve("test/b/000.png"), "garbage");
        String m = fails(root);
        assertTrue(m.contains("every image of class 'b'") && m.contains("000.png"), m);
    }
}
