package org.fkt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.io.Safetensors;
import org.fkt.nn.models.Architecture;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.models.ResNetConfig;
import org.fkt.nn.models.Stem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fkt dump} end to end on weights and a batch written here (PyTorch parity lives in nn's tests). */
class DumpCommandTest {
    @Test
    void jointDumpWritesEveryOutput(@TempDir Path dir) {
        Path weights = dir.resolve("w.safetensors");
        Path batch = dir.resolve("b.safetensors");
        Path out = dir.resolve("o.safetensors");
        var config = new ResNetConfig(Architecture.RESNET18, Stem.CIFAR, 3, 16, 8);
        try (ResNet model = new ResNet(config, 5); var scope = MemoryScope.open()) {
            Safetensors.write(weights, model.stateDict());
            var random = new Random(1);
            Map<String, Tensor> b = new LinkedHashMap<>();
            for (String name : new String[] {"images", "view1", "view2"}) {
                float[] px = new float[2 * 3 * 8 * 8];
                for (int i = 0; i < px.length; i++) {
                    px[i] = (float) random.nextGaussian();
                }
                b.put(name, Tensor.of(px, 2, 3, 8, 8));
            }
            b.put("labels", Tensor.of(new long[] {0, 2}, 2));
            Safetensors.write(batch, b);

            int code = Main.run(new String[] {"dump", "--arch", "resnet18", "--stem", "cifar", "--classes", "3",
                "--objective", "joint", "--weights", weights.toString(), "--batch", batch.toString(),
                "--out", out.toString(), "--proj-hidden", "16", "--proj-out", "8"});
            assertEquals(0, code);
            Map<String, Tensor> o = Safetensors.read(out);
            double total = o.get("loss").item();
            assertEquals(o.get("loss_contrastive").item() + o.get("loss_supervised").item(), total, 1e-5);
            assertEquals(2, o.get("logits").dim(0));
            assertEquals(4, o.get("projections").dim(0));
            for (String name : model.namedParameters().keySet()) {
                assertTrue(o.containsKey("grad." + name), "missing grad." + name);
            }
            assertTrue(o.containsKey("running.layer4.1.bn2.running_var"));
        }
    }

    @Test
    void missingWeightsFileIsAClearError(@TempDir Path dir) {
        int code = Main.run(new String[] {"dump", "--arch", "resnet18", "--stem", "cifar", "--classes", "3",
            "--objective", "supervised", "--weights", dir.resolve("none.safetensors").toString(),
            "--batch", dir.resolve("b").toString(), "--out", dir.resolve("o").toString()});
        assertEquals(1, code);
    }
}
