package org.fkt.engine.backend;

/** Hyper-parameters of one SGD step, with torch.optim.SGD's meanings. */
public record SgdHyper(double lr, double momentum, double dampening, boolean nesterov, double weightDecay) {
    public SgdHyper {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("sgd: nesterov needs momentum > 0 and dampening 0, got momentum "
                    + momentum + ", dampening " + dampening);
        }
    }
}
