/**
 * The {@code fkt} command line: today the smoke training run; the paper's commands (pretrain, finetune,
 * joint, evaluate, paper, dump, cam) build on the models and regimes.
 */
package org.fkt.cli;
