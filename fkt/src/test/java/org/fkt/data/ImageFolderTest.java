package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image-folder trees: train/test, Intel Image's nesting, zipped trees, JPEG, and a root of class folders. */
class ImageFolderTest {
    private static final List<String> CLASSES = List.of("zebra", "ant", "moth");
    private static final List<String> SORTED = List.of("ant", "moth", "zebra");

    @TempDir
    Path tmp;

    /** Checks {@code d} holds exactly {@code written} (sorted by class then file) with exact pixels. */
    private static void assertHolds(List<Fixtures.Written> written, Dataset d) {
        List<Fixtures.Written> expect = written.stream()
                .sorted((a, b) -> a.path().compareTo(b.path())).toList();
        assertEquals(expect.size(), d.size());
        for (int i = 0; i < d.size(); i++) {
            Fixtures.Written w = expect.get(i);
            assertEquals(w.label(), d.classes().get(d.label(i)), "label of " + w.path());
            assertArrayEquals(w.image().pixels(), d.image(i).pixels(), "pixels of " + w.path());
            assertTrue(d.name(i).endsWith(w.path()), d.name(i) + " vs " + w.path());
        }
    }

    @Test
    void pngTreeRoundTripsWithSortedClasses() {
        Path root = tmp.resolve("data");
        var train = Fixtures.imageFolder(root, "train", CLASSES, 3, 8, "png", 1);
        var test = Fixtures.imageFolder(root, "test", CLASSES, 2, 8, "png", 2);
        var log = new Fixtures.Log();
        DataSplits s = DataSources.open(Fixtures.options(root, 32, log));
        assertEquals(SORTED, s.train().classes());
        assertHolds(train, s.train());
        assertHolds(test, s.test());
        assertNull(s.split());
        assertTrue(s.description().contains("3 classes"), s.description());
    }

    @Test
    void zippedTreeEqualsTheFolder() {
        Path root = tmp.resolve("src/data");
        var train = Fixtures.imageFolder(root, "train", CLASSES, 3, 8, "png", 3);
        var test = Fixtures.imageFolder(root, "test", CLASSES, 2, 8, "png", 4);
        Path zip = Fixtures.zip(tmp.resolve("src"), tmp.resolve("data.zip"));
        // the zip wraps everything in data/: detection steps into the lone folder
        assertEquals(DataFormat.IMAGE_FOLDER, DataSources.detect(zip));
        DataSplits s = DataSources.open(Fixtures.options(zip, 32, new Fixtures.Log()));
        assertHolds(train, s.train());
        assertHolds(test, s.test());
        assertTrue(s.train().describe().startsWith("data.zip:train"), s.train().describe());
    }

    @Test
    void jpegTreeDecodesWithLabels() {
        Path root = tmp.resolve("data");
        Fixtures.imageFolder(root, "train", CLASSES, 2, 12, "jpg", 5);
        Fixtures.imageFolder(root, "test", CLASSES, 1, 12, "jpeg", 6);
        DataSplits s = DataSources.open(Fixtures.options(root, 32, new Fixtures.Log()));
        assertEquals(6, s.train().size());
        assertEquals(3, s.test().size());
        assertEquals(12, s.test().image(2).height());
        assertEquals("zebra", s.test().classes().get(s.test().label(2)));
    }

    @Test
    void intelImageNestingIsAccepted() {
        Path root = tmp.resolve("intel");
        var train = Fixtures.imageFolder(root.resolve("seg_train"), "seg_train", CLASSES, 2, 40, "png", 7);
        var test = Fixtures.imageFolder(root, "seg_test", CLASSES, 1, 40, "png", 8);
        Fixtures.imageFolder(root.resolve("seg_pred"), "seg_pred", List.of(), 0, 40, "png", 9);
        Fixtures.write(root.resolve("seg_pred/seg_pred/1.jpg"), Fixtures.jpeg(Fixtures.randomImage(8, 8, 1)));
        var log = new Fixtures.Log();
        DataSplits s = DataSources.open(Fixtures.options(root, 32, log));
        assertEquals(6, s.train().size());
        assertEquals(3, s.test().size());
        assertEquals(SORTED, s.train().classes());
        // 40x40 images are larger than the run's 32: resized to 32x32
        assertEquals(32, s.train().image(0).width());
        assertArrayEquals(ImageDecoder.fit(train.get(2).image(), 32).pixels(), s.train().image(0).pixels());
        assertEquals("ant", s.test().classes().get(s.test().label(0)));
        assertArrayEquals(ImageDecoder.fit(test.get(1).image(), 32).pixels(), s.test().image(0).pixels());
        assertTrue(log.text().contains("ignoring seg_pred/"), log.text());
    }

    @Test
    void rootOfClassFoldersGetsASeededStratifiedSplit() {
        Path root = tmp.resolve("flat");
        Fixtures.imageFolder(root, "", CLASSES, 10, 6, "png", 10);
        DataSplits s = DataSources.open(Fixtures.options(root, 32, new Fixtures.Log()).withSplit(3, 0.2));
        assertNotNull(s.split());
        assertEquals(24, s.train().size());
        assertEquals(6, s.test().size());
        assertArrayEquals(new int[] {2, 2, 2}, Datasets.classCounts(s.test()));
        assertTrue(s.split().testIds().stream().allMatch(id -> id.matches("(ant|moth|zebra)/\\d{3}\\.png")),
                s.split().testIds().toString());
    }

    @Test
    void otherFilesInClassFoldersAreReportedAndIgnored() {
        Path root = tmp.resolve("data");
        Fixtures.imageFolder(root, "train", CLASSES, 2, 8, "png", 11);
        Fixtures.imageFolder(root, "test", CLASSES, 1, 8, "png", 12);
        Fixtures.writeText(root.resolve("train/ant/notes.txt"), "hello");
        Fixtures.writeText(root.resolve("train/ant/.DS_Store"), "x");
        var log = new Fixtures.Log();
        DataSplits s = DataSources.open(Fixtures.options(root, 32, log));
        assertEquals(6, s.train().size());
        assertTrue(log.text().contains("ignoring 1 files") && log.text().contains("ant/notes.txt"), log.text());
    }
}
