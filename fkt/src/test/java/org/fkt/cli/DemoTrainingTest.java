package org.fkt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class DemoTrainingTest {
    @Test
    void lossFalls() {
        var text = new ByteArrayOutputStream();
        double[] losses = new DemoTraining(3).train(60, 16, 0.05, 20, new PrintStream(text));
        double head = (losses[0] + losses[1] + losses[2]) / 3;
        double tail = (losses[57] + losses[58] + losses[59]) / 3;
        assertTrue(tail < 0.5 * head, "loss should fall: first steps " + head + ", last steps " + tail);
        assertTrue(text.toString().contains("step   20"), text.toString());
    }

    @Test
    void badFlagsExitWithUsage() {
        assertEquals(2, Main.run(new String[] {"demo", "--steps"}));
        assertEquals(2, Main.run(new String[] {"demo", "--steps", "0"}));
        assertEquals(2, Main.run(new String[] {"train"}));
        assertEquals(2, Main.run(new String[] {"dump", "--arch", "resnet18"}));
        assertEquals(0, Main.run(new String[] {"--help"}));
        assertEquals(0, Main.run(new String[] {"dump", "--help"}));
    }
}
