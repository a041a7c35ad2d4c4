package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The real CIFAR-10 image-folder zip (../shared/data/cifar10-jpg.zip): the full index (50,000 train, 10,000
 * test, 10 classes), and a stratified few hundred decoded (decoding all 60,000 JPEGs takes minutes on two cores).
 * Skips, saying why, where the zip is absent.
 */
class Cifar10ZipTest {
    @Test
    void indexesTheFullZipAndDecodesAStratifiedSubset() {
        Path zip = SharedData.cifar10Zip();
        if (zip == null) {
            System.out.println("Cifar10ZipTest: " + SharedData.missingReason());
        }
        assumeTrue(zip != null, SharedData::missingReason);
        var log = new Fixtures.Log();
        DataOptions o = Fixtures.options(zip, 32, log);
        assertEquals(DataFormat.IMAGE_FOLDER, DataSources.detect(zip));
        try (DataIndex idx = DataSources.index(o)) {
            assertEquals(50_000, idx.train().items().size());
            assertEquals(10_000, idx.test().items().size());
            assertEquals(CifarBinaryReader.CLASSES, idx.train().classes());
            int[] perClass = new int[10];
            Arrays.stream(idx.train().labels()).forEach(l -> perClass[l]++);
            int[] expect = new int[10];
            Arrays.fill(expect, 5000);
            assertArrayEquals(expect, perClass);
        }
        DataSplits s = DataSources.open(o.withLimits(300, 100));
        assertEquals(300, s.train().size());
        assertEquals(100, s.test().size());
        int[] thirty = new int[10];
        Arrays.fill(thirty, 30);
        assertArrayEquals(thirty, Datasets.classCounts(s.train()));
        for (int i = 0; i < s.train().size(); i++) {
            Image im = s.train().image(i);
            assertEquals(32, im.height());
            assertEquals(32, im.width());
        }
        assertFalse(log.text().contains("unreadable"), log.text());
    }
}
