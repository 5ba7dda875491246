package io.inkv.store.codec;

import io.inkv.store.memory.ByteOutput;

/*
 * A codec of inkv's own formats (the generated layout, the Object codec's tags and tagged format)
 * that writes a value where an output buffer stands. A value nested in another (a record in a
 * list, a list in a record's field, a map of lists) is written in place into the one buffer of the
 * outermost value, and encode() copies that buffer once, at its exact length, into the array it
 * returns (EncodeBuffer). Codecs that are not in-place (built-in, Java serialization) are called
 * through encode() and their array copied in.
 */
interface InPlaceCodec<T> extends RegionCodec<T> {
  /**
   * Writes the bytes {@link #encode} returns at the position of {@code out}.
   *
   * @throws ClassCastException if {@code value} is not of {@link #type()}
   * @throws IllegalArgumentException if the value cannot be encoded
   */
  void encodeInto(ByteOutput out, T value);

  @Override
  default byte[] encode(T value) {
    return EncodeBuffer.encode(this, value);
  }

  /** Writes {@code value} with {@code codec} at the position of {@code out}: in place if it can. */
  @SuppressWarnings("unchecked")
  static void encodeInto(Codec<?> codec, ByteOutput out, Object value) {
    if (codec instanceof InPlaceCodec<?> inPlace) {
      ((InPlaceCodec<Object>) inPlace).encodeInto(out, value);
    } else {
      byte[] b = ((Codec<Object>) codec).encode(value);
      out.writeBytes(b, 0, b.length);
    }
  }
}
