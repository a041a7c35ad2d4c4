package org.fkt.cli;

import org.fkt.train.Stage;
import picocli.CommandLine.Command;

/** {@code fkt joint}: functional transfer, L = L_NT-Xent + lambda * L_CE on a shared encoder. */
@Command(name = "joint", mixinStandardHelpOptions = true,
        description = {"Functional transfer: one joint training of L = L_NT-Xent + lambda * L_CE on a shared encoder.",
            "By default LARS steps the encoder and projector and SGD the classifier (--optimizers)."})
final class JointCommand extends StageCommand {
    @Override
    Stage stage() {
        return Stage.JOINT;
    }
}
