package io.inkv.store.document;

import io.inkv.store.codec.Codec;
import io.inkv.store.memory.Region;
import java.util.Arrays;

/*
 * Documents as whole values, for caches typed Document: encoding resolves (and, for new names,
 * adds) fields in the store's schema and writes the document format; decoding reads every live
 * field. A put of a Document through such a cache replaces the whole document, as any cache put
 * replaces a value; DocumentStore.upsert merges.
 */
final class DocumentCodec implements Codec<Document> {
  private final LocalDocumentStore store;

  DocumentCodec(LocalDocumentStore store) {
    this.store = store;
  }

  @Override
  public Class<Document> type() {
    return Document.class;
  }

  @Override
  public byte[] encode(Document value) {
    return store.encodeWhole(value);
  }

  @Override
  public Document decode(Region region, int offset, int length) {
    byte[] bytes = new byte[length];
    region.getBytes(offset, bytes, 0, length);
    return decode(bytes, 0, length);
  }

  @Override
  public Document decode(byte[] bytes, int offset, int length) {
    byte[] doc = offset == 0 && length == bytes.length ? bytes : Arrays.copyOfRange(bytes, offset, offset + length);
    try {
      return store.decode(doc);
    } catch (IllegalStateException e) {
      throw new DecodeException("not a document: " + e.getMessage(), e);
    }
  }
}
