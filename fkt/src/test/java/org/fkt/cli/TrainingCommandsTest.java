package org.fkt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fkt.io.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training commands end to end on a tiny generated image-folder dataset: the run folder's files,
 * RT then FT through {@code fkt paper}, resuming a finished run without retraining, fine-tuning from a
 * pretraining folder, evaluation, and usage errors (exit 2).
 */
class TrainingCommandsTest {
    @TempDir
    static Path tmp;

    static Path data;

    private static final String[] SMALL = {"--arch", "resnet18", "--image-size", "16", "--batch-size", "8",
        "--epochs", "2", "--workers", "2", "--proj-hidden", "32", "--proj-out", "16"};

    @BeforeAll
    static void fixture() throws Exception {
        data = ImageFolderFixture.write(tmp.resolve("colours"), 16, 6, 20);
    }

    record Run(int code, String out, String err) {
    }

    static Run fkt(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static String[] with(String[] head, String... tail) {
        String[] all = new String[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @Test
    void paperRunsBothRegimesWritesEveryFileAndResumesWithoutRetraining() throws Exception {
        Path dir = tmp.resolve("paper");
        Run run = fkt(with(new String[] {"paper", "--dataset", "cifar10", "--data", data.toString(), "--seeds", "1",
            "--out", dir.toString(), "--device", "cpu"}, SMALL));
        assertEquals(0, run.code(), run.out() + run.err());
        assertTrue(run.out().contains("Table II"), run.out());
        assertTrue(run.out().contains("shortened run: 2 epochs per stage instead of 100"), run.out());
        assertFalse(run.out().contains("shortened run (shortened run"), run.out());
        for (String stage : List.of("seed-0/rt/pretrain", "seed-0/rt/finetune", "seed-0/ft/joint")) {
            Path s = dir.resolve(stage);
            for (String f : List.of("config.json", "history.csv", "loss.png", "model.safetensors", "checkpoints/checkpoint.json")) {
                assertTrue(Files.exists(s.resolve(f)), s.resolve(f) + " missing");
            }
            assertEquals(3, Files.readAllLines(s.resolve("history.csv")).size(), "header + 2 epochs in " + stage);
        }
        for (String stage : List.of("seed-0/rt/finetune", "seed-0/ft/joint")) {
            assertTrue(Files.exists(dir.resolve(stage).resolve("metrics.json")));
            assertTrue(Files.exists(dir.resolve(stage).resolve("confusion.csv")));
            assertTrue(Files.exists(dir.resolve(stage).resolve("accuracy.png")));
        }
        var config = Json.parseObject(Files.readString(dir.resolve("seed-0/ft/joint/config.json")));
        assertEquals(java.util.Map.of("lars", "encoder + projector", "sgd", "classifier"), config.get("optimizer_groups"));
        assertTrue(Files.readString(dir.resolve("seed-0/rt/finetune/config.json")).contains("pretrain/model.safetensors"));
        String table = Files.readString(dir.resolve("table.txt"));
        assertTrue(Files.readString(dir.resolve("results.json")).contains("\"rt\""));

        Run again = fkt("paper", "--dataset", "cifar10", "--data", data.toString(), "--seeds", "1",
                "--resume", dir.toString(), "--device", "cpu");
        assertEquals(0, again.code(), again.out() + again.err());
        assertFalse(again.out().contains("epoch 1/"), "a finished run must not train again:\n" + again.out());
        assertEquals(table, Files.readString(dir.resolve("table.txt")));
    }

    @Test
    void finetuneFromPretrainFolderThenEvaluate() {
        Path pre = tmp.resolve("pre");
        Path fine = tmp.resolve("fine");
        assertEquals(0, fkt(with(new String[] {"pretrain", "--data", data.toString(), "--out", pre.toString()}, SMALL)).code());
        Run f = fkt(with(new String[] {"finetune", "--data", data.toString(), "--from", pre.toString(), "--out",
            fine.toString(), "--freeze-encoder"}, SMALL));
        assertEquals(0, f.code(), f.out() + f.err());
        assertTrue(f.out().contains("finetune test: accuracy"), f.out());
        Run e = fkt("evaluate", "--checkpoint", fine.toString(), "--data", data.toString(), "--out", tmp.resolve("eval").toString());
        assertEquals(0, e.code(), e.out() + e.err());
        assertTrue(e.out().contains("test: 18 images"), e.out());
        assertTrue(Files.exists(tmp.resolve("eval/metrics.json")));
    }

    @Test
    void aFolderHoldingARunIsNotOverwritten() {
        Path dir = tmp.resolve("twice");
        assertEquals(0, fkt(with(new String[] {"joint", "--data", data.toString(), "--out", dir.toString()}, SMALL)).code());
        Run second = fkt(with(new String[] {"joint", "--data", data.toString(), "--out", dir.toString()}, SMALL));
        assertEquals(1, second.code());
        assertTrue(second.err().contains("already holds a run"), second.err());
    }

    @Test
    void invalidFlagsPrintUsageAndExitTwo() {
        for (String[] args : List.of(
                new String[] {"joint", "--data", "x", "--arch", "resnet99"},
                new String[] {"joint", "--data", "x", "--epochs", "0"},
                new String[] {"joint", "--no-such-flag"},
                new String[] {"paper", "--dataset", "mnist"},
                new String[] {"paper", "--dataset", "intel"},
                new String[] {"paper", "--dataset", "cifar10-sample", "--regime", "xy"})) {
            Run r = fkt(args);
            assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.err());
            assertTrue(r.err().contains("Usage:"), String.join(" ", args) + "\n" + r.err());
        }
    }

    @Test
    void missingDataIsAClearErrorBeforeTraining() {
        Run r = fkt(with(new String[] {"joint", "--data", tmp.resolve("nowhere").toString(), "--out",
            tmp.resolve("nodata").toString()}, SMALL));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nowhere"), r.err());
    }
}
