package io.inkv.store.codec;

import io.inkv.store.memory.ByteOutput;

/*
 * The output buffer each thread encodes its values into. An encode writes the whole value, its
 * nested records, collections and maps included, into this one buffer and returns a copy of the
 * exact length: one array per value. (Encoding each nested value into an array of its own and
 * copying it in, with the growth copies of every array, took about 5 KB for a List of ten
 * six-field objects whose encoding is 622 bytes.)
 *
 * An encode that begins while its thread's buffer is in use (a class's own writeObject that
 * encodes with inkv, an application codec that calls back into inkv's) gets a buffer of its own.
 * A buffer grown past MAX_KEPT by one large value is dropped after it, so an idle thread keeps at
 * most MAX_KEPT bytes.
 */
final class EncodeBuffer {
  private static final int INITIAL = 256;
  private static final int MAX_KEPT = 64 * 1024;
  private static final ThreadLocal<EncodeBuffer> BUFFERS = ThreadLocal.withInitial(EncodeBuffer::new);

  private ByteOutput out = new ByteOutput(INITIAL);
  private boolean inUse;

  private EncodeBuffer() {}

  static <T> byte[] encode(InPlaceCodec<T> codec, T value) {
    EncodeBuffer buffer = BUFFERS.get();
    if (buffer.inUse) {
      ByteOutput own = new ByteOutput(INITIAL);
      codec.encodeInto(own, value);
      return own.toByteArray();
    }
    ByteOutput out = buffer.out;
    buffer.inUse = true;
    try {
      out.position(0);
      codec.encodeInto(out, value);
      return out.toByteArray();
    } finally {
      buffer.inUse = false;
      if (out.buffer().length > MAX_KEPT) {
        buffer.out = new ByteOutput(INITIAL);
      }
    }
  }
}
