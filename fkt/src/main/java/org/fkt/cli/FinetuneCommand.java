package org.fkt.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fkt.train.Stage;
import org.fkt.train.TrainSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fkt finetune}: supervised fine-tuning (cross-entropy, SGD) from a pretrained encoder. */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Supervised fine-tuning from a pretrained encoder: fresh classifier, cross-entropy, SGD.",
            "--freeze-encoder trains the classifier alone (the linear-evaluation protocol)."})
final class FinetuneCommand extends StageCommand {
    @Option(names = "--from", description = "the pretraining run folder, or a model .safetensors (encoder weights;"
            + " torchvision names are accepted); without it the encoder starts from random weights")
    Path from;

    @Option(names = "--freeze-encoder", description = "train only the classifier on frozen encoder features")
    boolean freezeEncoder;

    @Override
    Stage stage() {
        return Stage.FINETUNE;
    }

    @Override
    Path initEncoder() {
        if (from == null) {
            return null;
        }
        Path file = Files.isDirectory(from) ? from.resolve("model.safetensors") : from;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--from " + from + ": no model weights at " + file
                    + (Files.isDirectory(from) ? " (has the pretraining finished?)" : ""));
        }
        return file;
    }

    @Override
    TrainSettings adjust(TrainSettings s) {
        return freezeEncoder ? s.withFreezeEncoder(true) : s;
    }
}
