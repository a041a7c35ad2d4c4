package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** APTOS 2019: labels from train.csv, the seeded stratified split, and saving and reusing that split. */
class AptosTest {
    private static final int[] COUNTS = {20, 5, 10, 3, 7};

    @TempDir
    Path tmp;

    @Test
    void rowsRoundTripAndTheSplitIsStratified() {
        Path root = tmp.resolve("aptos");
        var rows = Fixtures.aptos(root, COUNTS, 1);
        assertEquals(DataFormat.APTOS, DataSources.detect(root));
        DataSplits s = DataSources.open(Fixtures.options(root, 32, new Fixtures.Log()).withSplit(5, 0.2));
        assertEquals(AptosReader.CLASSES, s.train().classes());
        assertTrue(s.hasMadeSplit());
        assertEquals(45, s.train().size() + s.test().size());
        int[] test = Datasets.classCounts(s.test());
        for (int g = 0; g < 5; g++) {
            assertTrue(Math.abs(test[g] - 0.2 * COUNTS[g]) <= 0.5 + 1e-9 || (COUNTS[g] >= 2 && test[g] == 1),
                    "grade " + g + ": " + test[g] + " of " + COUNTS[g] + " in test");
        }
        assertArrayEquals(new int[] {4, 1, 2, 1, 1}, test);
        Map<String, Fixtures.Written> byId = new HashMap<>();
        rows.forEach(r -> byId.put(r.path(), r));
        for (Dataset d : List.of(s.train(), s.test())) {
            for (int i = 0; i < d.size(); i++) {
                String id = d.name(i).substring(d.name(i).lastIndexOf('/') + 1).replace(".png", "");
                Fixtures.Written w = byId.remove(id);
                assertEquals(Integer.parseInt(w.label()), d.label(i), id);
                assertArrayEquals(w.image().pixels(), d.image(i).pixels(), id);
            }
        }
        assertTrue(byId.isEmpty(), "rows in neither split: " + byId.keySet());
        List<String> testIds = s.split().testIds();
        assertEquals(s.test().size(), testIds.size());
        assertTrue(new HashSet<>(s.split().trainIds()).stream().noneMatch(testIds::contains));
    }

    @Test
    void theSplitIsSeeded() {
        Path root = tmp.resolve("aptos");
        Fixtures.aptos(root, COUNTS, 2);
        DataOptions o = Fixtures.options(root, 32, new Fixtures.Log());
        SplitRecord a = DataSources.open(o.withSplit(11, 0.2)).split();
        SplitRecord b = DataSources.open(o.withSplit(11, 0.2)).split();
        SplitRecord c = DataSources.open(o.withSplit(12, 0.2)).split();
        assertEquals(a, b);
        assertNotEquals(a.testIds(), c.testIds());
    }

    @Test
    void aSavedSplitIsReusedExactly() throws Exception {
        Path root = tmp.resolve("aptos");
        Fixtures.aptos(root, COUNTS, 3);
        Path file = tmp.resolve("run/split.csv");
        var log = new Fixtures.Log();
        DataSplits first = DataSources.open(Fixtures.options(root, 32, log).withSplit(1, 0.3).withSplitFile(file));
        assertTrue(Files.exists(file));
        assertEquals(first.split(), SplitRecord.read(file));
        assertTrue(Files.readAllLines(file).get(0).equals("id,label,subset"));

        // a resumed run with another seed still uses the saved split
        DataSplits resumed = DataSources.open(Fixtures.options(root, 32, log).withSplit(99, 0.5).withSplitFile(file));
        assertEquals(first.split(), resumed.split());
        assertEquals(first.test().size(), resumed.test().size());
        for (int i = 0; i < first.test().size(); i++) {
            assertEquals(first.test().name(i), resumed.test().name(i));
            assertArrayEquals(first.test().image(i).pixels(), resumed.test().image(i).pixels());
        }
        assertTrue(log.text().contains("using the saved split"), log.text());

        Path copy = tmp.resolve("copy.csv");
        first.writeSplit(copy);
        assertEquals(Files.readString(file), Files.readString(copy));
    }

    @Test
    void aSplitThatDoesNotMatchTheCsvIsAnError() throws Exception {
        Path root = tmp.resolve("aptos");
        var rows = Fixtures.aptos(root, COUNTS, 4);
        Path file = tmp.resolve("split.csv");
        DataSources.open(Fixtures.options(root, 32, new Fixtures.Log()).withSplitFile(file));
        List<String> lines = Files.readAllLines(file);
        Files.write(file, lines.subList(0, lines.size() - 1));
        var e = assertThrows(DataException.class,
                () -> DataSources.open(Fixtures.options(root, 32, new Fixtures.Log()).withSplitFile(file)));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(rows.get(rows.size() - 1).path())
                && e.getMessage().contains("not in the split"), e.getMessage());
    }

    @Test
    void aLabelledTestCsvIsTheTestSet() {
        Path root = tmp.resolve("aptos");
        Fixtures.aptos(root, COUNTS, 5);
        Image im = Fixtures.randomImage(16, 16, 5);
        Fixtures.write(root.resolve("test_images/t1.png"), Fixtures.png(im));
        Fixtures.writeText(root.resolve("test.csv"), "id_code,diagnosis\nt1,3\n");
        DataSplits s = DataSources.open(Fixtures.options(root, 32, new Fixtures.Log()));
        assertNull(s.split());
        assertEquals(45, s.train().size());
        assertEquals(1, s.test().size());
        assertEquals(3, s.test().label(0));
        assertArrayEquals(im.pixels(), s.test().image(0).pixels());
    }

    @Test
    void badRowsAreErrors() {
        Path root = tmp.resolve("aptos");
        Fixtures.aptos(root, new int[] {1, 1, 1, 1, 1}, 6);
        Fixtures.writeText(root.resolve("train.csv"), "id_code,diagnosis\nabc,7\n");
        var e = assertThrows(DataException.class, () -> DataSources.open(Fixtures.options(root, 32, new Fixtures.Log())));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("'7'"), e.getMessage());
        Fixtures.writeText(root.resolve("train.csv"), "id,grade\n");
        e = assertThrows(DataException.class, () -> DataSources.open(Fixtures.options(root, 32, new Fixtures.Log())));
        assertTrue(e.getMessage().contains("id_code and diagnosis"), e.getMessage());
    }
}
