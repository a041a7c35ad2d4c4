/** Test support: the PyTorch oracle runner. */
package org.fkt.nn.testing;
