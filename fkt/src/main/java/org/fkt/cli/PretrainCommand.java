package org.fkt.cli;

import org.fkt.train.Stage;
import picocli.CommandLine.Command;

/** {@code fkt pretrain}: SimCLR pretraining of encoder and projection head (NT-Xent, LARS). */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "SimCLR pretraining: encoder + projection head, NT-Xent on two augmented views, LARS.")
final class PretrainCommand extends StageCommand {
    @Override
    Stage stage() {
        return Stage.PRETRAIN;
    }
}
