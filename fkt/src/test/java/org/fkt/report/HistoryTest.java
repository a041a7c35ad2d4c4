package org.fkt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** history.csv: layout, exact round trip, atomic rewrite, resume truncation and clear errors. */
class HistoryTest {
    private static EpochRow pretrain(int epoch) {
        return EpochRow.builder("pretrain", epoch).steps(10L * epoch).loss(5.0 / epoch, 5.0 / epoch, null)
                .learningRate("lars", 0.001 * epoch).timing(12.5, 410.25).build();
    }

    private static EpochRow finetune(int epoch) {
        return EpochRow.builder("finetune", epoch).steps(4L * epoch).loss(1.0 / (epoch + 1), null, 1.0 / (epoch + 1))
                .accuracy(0.5 + 0.01 * epoch, 0.45 + 0.01 * epoch).learningRate("sgd, head", 0.025).timing(3, 1234.5)
                .build();
    }

    @Test
    void csvLayoutHasOneLearningRateColumnPerGroupAndEmptyAbsentCells() {
        var h = new History();
        h.add(pretrain(1));
        h.add(finetune(1));
        List<String> lines = h.toCsv().lines().toList();
        assertEquals("stage,epoch,steps,loss,loss_contrastive,loss_supervised,train_accuracy,test_accuracy,lr_lars,"
                + "\"lr_sgd, head\",epoch_seconds,images_per_second", lines.get(0));
        assertEquals("pretrain,1,10,5.0,5.0,,,,0.001,,12.5,410.25", lines.get(1));
        assertEquals("finetune,1,4,0.5,,0.5," + (0.5 + 0.01) + "," + (0.45 + 0.01) + ",,0.025,3.0,1234.5", lines.get(2));
    }

    @Test
    void saveAndLoadRoundTripExactlyIncludingNaN(@TempDir Path dir) throws IOException {
        var h = new History();
        for (int e = 1; e <= 3; e++) {
            h.add(pretrain(e));
        }
        h.add(EpochRow.builder("finetune", 1).steps(7).loss(Double.NaN, null, Double.POSITIVE_INFINITY)
                .accuracy(1.0 / 3, null).learningRate("sgd, head", 0.1 / 3).timing(0.1 + 0.2, 1e-7).build());
        Path file = dir.resolve("history.csv");
        h.save(file);
        History back = History.load(file);
        assertEquals(h.rows(), back.rows());
        assertTrue(Double.isNaN(back.rows().get(3).loss()));
        assertNull(back.rows().get(3).lossContrastive());
        assertNull(back.rows().get(3).testAccuracy());
        assertEquals(List.of("lars", "sgd, head"), back.learningRateGroups());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left");
        }
    }

    @Test
    void appendRewritesTheFileEachEpoch(@TempDir Path dir) {
        Path file = dir.resolve("run/history.csv");
        var h = new History();
        h.append(file, pretrain(1));
        assertEquals(1, History.load(file).rows().size());
        h.append(file, pretrain(2));
        assertEquals(List.of(pretrain(1), pretrain(2)), History.load(file).rows());
    }

    @Test
    void resumeTruncatesRowsAfterTheCheckpoint(@TempDir Path dir) {
        var h = new History();
        for (int e = 1; e <= 3; e++) {
            h.add(pretrain(e));
        }
        h.add(finetune(1));
        h.add(finetune(2));
        History resumed = History.parse(h.toCsv(), "history.csv");
        resumed.truncateAfter("finetune", 1);
        assertEquals(List.of(pretrain(1), pretrain(2), pretrain(3), finetune(1)), resumed.rows());
        assertEquals(finetune(1), resumed.last("finetune").orElseThrow());
        resumed.truncateAfter("pretrain", 2);
        assertEquals(List.of(pretrain(1), pretrain(2)), resumed.rows());
        resumed.truncateAfter("finetune", 0);
        assertEquals(2, resumed.rows().size(), "a stage not yet started keeps everything");
        resumed.truncateAfter("pretrain", 0);
        assertTrue(resumed.isEmpty());
        var e = assertThrows(IllegalStateException.class, () -> h.truncateAfter("finetune", 7));
        assertTrue(e.getMessage().contains("finetune epoch 7"), e.getMessage());
        assertTrue(History.loadIfExists(dir.resolve("absent.csv")).isEmpty());
    }

    @Test
    void malformedFilesNameTheProblem(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("history.csv");
        Files.writeString(file, "stage,epoch,loss\npretrain,1,2\n");
        var e = assertThrows(IllegalArgumentException.class, () -> History.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("not a history header"),
                e.getMessage());

        var h = new History();
        h.add(pretrain(1));
        Files.writeString(file, h.toCsv().replace("410.25", "fast"));
        e = assertThrows(IllegalArgumentException.class, () -> History.load(file));
        assertTrue(e.getMessage().contains("line 2, column images_per_second: 'fast' is not a number"), e.getMessage());

        Files.writeString(file, h.toCsv().replace(",12.5,", ","));
        e = assertThrows(IllegalArgumentException.class, () -> History.load(file));
        assertTrue(e.getMessage().contains("line 2 has 10 fields, the header 11"), e.getMessage());

        Files.writeString(file, h.toCsv().replace("pretrain,1,", "pretrain,-1,"));
        e = assertThrows(IllegalArgumentException.class, () -> History.load(file));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("epoch -1"), e.getMessage());

        Files.writeString(file, "");
        assertThrows(IllegalArgumentException.class, () -> History.load(file));
    }
}
