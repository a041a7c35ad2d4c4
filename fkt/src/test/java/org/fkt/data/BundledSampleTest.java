package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CIFAR-10 sample shipped in the jar: its size and balance, and that the generator reproduces it. */
class BundledSampleTest {
    @TempDir
    Path tmp;

    @Test
    void opensWith2000TrainAnd500TestImagesOverTenClasses() {
        var log = new Fixtures.Log();
        DataSplits s = DataSources.openBundledSample(Fixtures.options(null, 32, log));
        assertEquals(2000, s.train().size());
        assertEquals(500, s.test().size());
        assertEquals(CifarBinaryReader.CLASSES, s.train().classes());
        int[] train = new int[10];
        int[] test = new int[10];
        Arrays.fill(train, 200);
        Arrays.fill(test, 50);
        assertArrayEquals(train, Datasets.classCounts(s.train()));
        assertArrayEquals(test, Datasets.classCounts(s.test()));
        assertEquals(32, s.test().image(499).height());
        assertTrue(s.train().describe().startsWith("cifar10-sample.zip:train, 2000 images"), s.train().describe());
        assertTrue(s.description().startsWith("bundled CIFAR-10 sample"), s.description());
        assertFalse(log.text().contains("unreadable"), log.text());
    }

    @Test
    void withACacheFolderTheSecondOpenReusesTheCache() {
        DataOptions o = Fixtures.options(null, 32, new Fixtures.Log()).withCacheDir(tmp);
        DataSplits first = DataSources.openBundledSample(o);
        DataSplits second = DataSources.openBundledSample(o);
        assertFalse(((CachedDataset) first.train()).reusedCache());
        assertTrue(((CachedDataset) second.train()).reusedCache());
        assertArrayEquals(first.train().image(1234).pixels(), second.train().image(1234).pixels());
    }

    @Test
    void theGeneratorReproducesTheBundledEntries() throws IOException {
        Path zip = SharedData.cifar10Zip();
        if (zip == null) {
            System.out.println("BundledSampleTest: " + SharedData.missingReason());
        }
        assumeTrue(zip != null, SharedData::missingReason);
        Path out = tmp.resolve("sample.zip");
        MakeCifar10Sample.write(zip, out);
        Map<String, byte[]> made;
        try (InputStream in = Files.newInputStream(out)) {
            made = entries(in);
        }
        Map<String, byte[]> bundled;
        try (InputStream in = DataSources.class.getResourceAsStream(DataSources.SAMPLE_RESOURCE)) {
            bundled = entries(in);
        }
        assertEquals(2500, made.size());
        assertEquals(made.keySet().stream().toList(), bundled.keySet().stream().toList());
        for (var e : made.entrySet()) {
            assertArrayEquals(e.getValue(), bundled.get(e.getKey()), e.getKey());
        }
    }

    private static Map<String, byte[]> entries(InputStream in) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                out.put(e.getName(), z.readAllBytes());
            }
        }
        return out;
    }
}
