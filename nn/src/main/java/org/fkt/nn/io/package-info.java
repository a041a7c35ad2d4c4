/**
 * Checkpoint files: {@link org.fkt.nn.io.Safetensors} reads, writes (atomically) and loads safetensors
 * files into state dicts, interchangeable with PyTorch's (see python/safetensors_torch.py);
 * failures are {@link org.fkt.nn.io.CheckpointException}s naming the file.
 */
package org.fkt.nn.io;
