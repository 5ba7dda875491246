package io.inkv.store.codec;

/*
 * A codec of inkv's own formats (the built-in codecs, the generated layout, the Object codec's
 * tagged format), which reads a value where it stands in a Region. It reads an array through a
 * HeapRegion over it, so that a value is decoded by the one same code whether it is in a mapped
 * segment or in a copy on the heap. Codecs of other formats (Java serialization, an
 * application's own) read arrays instead.
 */
interface RegionCodec<T> extends Codec<T> {
  @Override
  default T decode(byte[] bytes, int offset, int length) {
    return decode(new HeapRegion(bytes), offset, length);
  }
}
