package org.fkt.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CIFAR-10 binary batches: record layout, labels, class names and malformed batches. */
class CifarBinaryTest {
    @TempDir
    Path tmp;

    @Test
    void recordsRoundTripExactly() {
        Path dir = tmp.resolve("cifar-10-batches-bin");
        List<byte[]> records = Fixtures.cifarBinary(dir, 3, 10, 7);
        var log = new Fixtures.Log();
        assertEquals(DataFormat.CIFAR_BINARY, DataSources.detect(tmp));
        DataSplits s = DataSources.open(Fixtures.options(tmp, 32, log));
        assertEquals(15, s.train().size());
        assertEquals(3, s.test().size());
        assertEquals(CifarBinaryReader.CLASSES, s.train().classes());
        assertNull(s.split());
        for (int i = 0; i < 18; i++) {
            Dataset d = i < 15 ? s.train() : s.test();
            int k = i < 15 ? i : i - 15;
            byte[] rec = records.get(i);
            assertEquals(rec[0], d.label(k), "label of record " + i);
            Image im = d.image(k);
            assertEquals(32, im.height());
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(rec[1 + c * 1024 + y * 32 + x] & 0xff, im.get(y, x, c),
                                "record " + i + " pixel " + y + "," + x + " channel " + c);
                    }
                }
            }
        }
        assertTrue(s.train().name(4).endsWith("data_batch_2.bin#1"), s.train().name(4));
    }

    @Test
    void classNamesComeFromTheMetaFile() {
        Fixtures.cifarBinary(tmp, 2, 3, 8);
        Fixtures.writeText(tmp.resolve("batches.meta.txt"), "cat\ndog\nfox\n\n");
        DataSplits s = DataSources.open(Fixtures.options(tmp, 32, new Fixtures.Log()));
        assertEquals(List.of("cat", "dog", "fox"), s.test().classes());
    }

    @Test
    void aSmallerImageSizeShrinksTheImages() {
        Fixtures.cifarBinary(tmp, 1, 10, 9);
        DataSplits s = DataSources.open(Fixtures.options(tmp, 16, new Fixtures.Log()));
        assertEquals(16, s.train().image(0).height());
        assertEquals(16, s.train().image(0).width());
    }

    @Test
    void malformedBatchesAreErrors() throws IOException {
        Fixtures.cifarBinary(tmp, 2, 10, 10);
        Path bad = tmp.resolve("data_batch_3.bin");
        Files.write(bad, new byte[3073 * 2 - 5]);
        var e = assertThrows(DataException.class, () -> DataSources.open(Fixtures.options(tmp, 32, new Fixtures.Log())));
        assertTrue(e.getMessage().contains("data_batch_3.bin") && e.getMessage().contains("3073"), e.getMessage());

        Files.delete(bad);
        e = assertThrows(DataException.class, () -> DataSources.open(Fixtures.options(tmp, 32, new Fixtures.Log())));
        assertTrue(e.getMessage().contains("lacks data_batch_3.bin"), e.getMessage());

        byte[] rec = new byte[3073];
        rec[0] = 12;
        Files.write(bad, rec);
        e = assertThrows(DataException.class, () -> DataSources.open(Fixtures.options(tmp, 32, new Fixtures.Log())));
        assertTrue(e.getMessage().contains("label 12"), e.getMessage());
    }
}
