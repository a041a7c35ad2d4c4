package org.fkt.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** A tiny image-folder dataset (train/ and test/, one folder per class) whose class is the dominant colour. */
final class ImageFolderFixture {
    static final String[] CLASSES = {"blue", "green", "red"};

    private ImageFolderFixture() {
    }

    static Path write(Path root, int trainPerClass, int testPerClass, int size) throws IOException {
        var random = new Random(3);
        for (String split : new String[] {"train", "test"}) {
            int n = split.equals("train") ? trainPerClass : testPerClass;
            for (int c = 0; c < CLASSES.length; c++) {
                Path dir = Files.createDirectories(root.resolve(split).resolve(CLASSES[c]));
                for (int i = 0; i < n; i++) {
                    var img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < size; y++) {
                        for (int x = 0; x < size; x++) {
                            int[] rgb = {random.nextInt(90), random.nextInt(90), random.nextInt(90)};
                            rgb[2 - c] += 120 + random.nextInt(40);   // blue, green, red dominate in turn
                            img.setRGB(x, y, rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
                        }
                    }
                    ImageIO.write(img, "png", dir.resolve(i + ".png").toFile());
                }
            }
        }
        return root;
    }
}
