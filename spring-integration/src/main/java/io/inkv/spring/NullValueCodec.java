package io.inkv.spring;

import io.inkv.store.codec.Codec;
import io.inkv.store.memory.Region;
import javax.cache.configuration.Factory;
import org.springframework.cache.support.NullValue;

/*
 * The value codec of a Spring cache: Spring's NullValue marker (a cached null) is stored as a
 * value of no bytes, and every other value by the delegate, normally the any-type codec (one tag
 * byte, then the built-in encoding or Java serialization), which never produces an empty value.
 *
 * Storing the marker as zero bytes rather than letting the any-type codec serialize
 * org.springframework.cache.support.NullValue costs nothing to decode, takes no space beyond the
 * record header, and keeps the stored bytes independent of Spring's class (a cache written by one
 * Spring version reads in another). A custom delegate that encodes some value to no bytes would
 * make that value read back as null, so such an encoding is refused when it happens.
 */
final class NullValueCodec implements Codec<Object> {
  private final Codec<Object> delegate;

  NullValueCodec(Codec<Object> delegate) {
    this.delegate = delegate;
  }

  @Override
  public Class<Object> type() {
    return Object.class;
  }

  @Override
  public byte[] encode(Object value) {
    if (value == NullValue.INSTANCE) {
      return new byte[0];
    }
    byte[] bytes = delegate.encode(value);
    if (bytes.length == 0) {
      throw new IllegalArgumentException("the value codec " + delegate.getClass().getName() + " encoded " + value
          + " to no bytes, which a Spring cache reserves for a cached null");
    }
    return bytes;
  }

  @Override
  public Object decode(Region region, int offset, int length) {
    return length == 0 ? NullValue.INSTANCE : delegate.decode(region, offset, length);
  }

  @Override
  public Object decode(byte[] bytes, int offset, int length) {
    return length == 0 ? NullValue.INSTANCE : delegate.decode(bytes, offset, length);
  }

  /**
   * Makes the codec of one cache: over the configuration's own value codec if it has one, else
   * over the any-type codec with the cache manager's class loader.
   */
  static final class CodecFactory implements Factory<Codec<Object>> {
    private static final long serialVersionUID = 1L;

    private final Factory<? extends Codec<Object>> delegate;
    // a configuration is copied by reference, never serialized; the class loader cannot be
    private final transient ClassLoader classLoader;

    CodecFactory(Factory<? extends Codec<Object>> delegate, ClassLoader classLoader) {
      this.delegate = delegate;
      this.classLoader = classLoader;
    }

    @Override
    public Codec<Object> create() {
      return new NullValueCodec(delegate != null ? delegate.create() : Codec.anyType(classLoader));
    }
  }
}
