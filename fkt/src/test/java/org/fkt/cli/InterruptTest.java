package org.fkt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fkt.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C: a real SIGINT to a training process writes a checkpoint at the exact step and exits 130; the
 * run then resumes to completion.
 */
class InterruptTest {
    @Test
    void sigintWritesACheckpointAndTheRunResumes(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/kill")) || Files.isExecutable(Path.of("/usr/bin/kill")),
                "no kill command to send SIGINT with");
        Path data = ImageFolderFixture.write(tmp.resolve("colours"), 40, 4, 20);
        Path run = tmp.resolve("run");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.fkt.cli.Main", "joint",
                "--data", data.toString(), "--out", run.toString(), "--arch", "resnet18", "--image-size", "16",
                "--batch-size", "4", "--epochs", "3", "--workers", "1", "--proj-hidden", "16", "--proj-out", "8"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        var lines = new ArrayList<String>();
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean sent = false;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (!sent && line.contains("joint epoch 1")) {   // a progress line: training is under way
                    new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
                    sent = true;
                }
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process did not exit after SIGINT");
        String log = String.join("\n", lines);
        assertEquals(130, p.exitValue(), log);
        assertTrue(log.contains("resume with --resume"), log);
        var index = Json.parseObject(Files.readString(run.resolve("checkpoints/checkpoint.json")));
        assertEquals(Boolean.FALSE, index.get("complete"), log);

        TrainingCommandsTest.Run resumed = TrainingCommandsTest.fkt("joint", "--data", data.toString(), "--resume", run.toString());
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertFalse(resumed.out().contains("already holds a run"));
        assertEquals(4, Files.readAllLines(run.resolve("history.csv")).size(), "header + 3 epochs");
        assertTrue(Files.exists(run.resolve("metrics.json")));
    }
}
