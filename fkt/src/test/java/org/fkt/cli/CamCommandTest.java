package org.fkt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.fkt.cam.CamOverlay;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fkt cam} end to end on a checkpoint and images written here (not yet registered in Main). */
class CamCommandTest {
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        var cli = new CommandLine(new CamCommand());
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            command.getErr().println("fkt " + command.getCommandName() + ": " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    private static Path checkpoint(Path dir, Map<String, String> metadata) {
        Path file = dir.resolve("model.safetensors");
        try (var model = new ResNet(new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, 3, 16, 8), 5)) {
            Safetensors.write(file, model.stateDict(), metadata);
        }
        return file;
    }

    private static Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("arch", "resnet18");
        m.put("stem", "cifar");
        m.put("classes", "3");
        m.put("proj-hidden", "16");
        m.put("proj-out", "8");
        m.put("image-size", "32");
        m.put("class-names", "cat,dog,ship");
        return m;
    }

    private static void writeImage(Path file, int w, int h, long seed) throws Exception {
        var image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        var random = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, file.toString().endsWith(".png") ? "png" : "jpg", file.toFile());
    }

    @Test
    void writesOneOverlayPerReadableImageAndReportsTheRest(@TempDir Path dir) throws Exception {
        Path weights = checkpoint(dir, metadata());
        Path data = dir.resolve("test");
        writeImage(data.resolve("cat/a.png"), 40, 30, 1);
        writeImage(data.resolve("ship/b.jpg"), 32, 32, 2);
        Files.writeString(data.resolve("ship/broken.png"), "not a png");
        Path out = dir.resolve("cams");
        assertEquals(0, run("--checkpoint", weights.toString(), "--data", data.toString(), "--out", out.toString()),
                err.toString());
        for (String name : new String[] {"cat_a.cam.png", "ship_b.cam.png"}) {
            BufferedImage png = ImageIO.read(out.resolve(name).toFile());
            assertNotNull(png, name);
            int scale = 224 / 32;
            assertEquals((2 * 32 + CamOverlay.GAP) * scale, png.getWidth(), name);
            assertEquals(32 * scale, png.getHeight(), name);
        }
        assertFalse(Files.exists(out.resolve("ship_broken.cam.png")));

        Path single = dir.resolve("single");
        assertEquals(0, run("--checkpoint", weights.toString(), "--data", data.resolve("cat/a.png").toString(),
                "--out", single.toString(), "--class", "dog"), err.toString());
        assertTrue(Files.exists(single.resolve("a.cam.png")));
    }

    @Test
    void badInputIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        Map<String, String> noSize = metadata();
        noSize.remove("image-size");
        Path weights = checkpoint(dir, noSize);
        Path image = dir.resolve("x.png");
        writeImage(image, 8, 8, 3);
        assertEquals(1, run("--checkpoint", weights.toString(), "--data", image.toString(), "--out", dir.toString()));
        assertTrue(err.toString().contains("lacks [image-size]"), err.toString());

        weights = checkpoint(dir, metadata());
        assertEquals(1, run("--checkpoint", weights.toString(), "--data", image.toString(), "--out", dir.toString(),
                "--class", "7"));
        assertTrue(err.toString().contains("--class 7 is outside [0, 3)"), err.toString());

        assertEquals(1, run("--checkpoint", weights.toString(), "--data", dir.resolve("none").toString(), "--out",
                dir.toString()));
        assertTrue(err.toString().contains("does not exist"), err.toString());

        assertEquals(2, run("--checkpoint", weights.toString(), "--bogus"));
    }
}
