package io.inkv.store.memory;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/*
 * The Mapper of JDK 17 to 21 (see Mapper): FileChannel.map, and sun.misc.Unsafe.invokeCleaner to
 * unmap, the only way JDK 17 has to unmap a buffer before it is garbage collected. It is found by
 * reflection so that a runtime without the jdk.unsupported module still works: its mappings are
 * then released when the garbage collector finds their buffers unreachable.
 */
final class CleanerMapper implements Mapper {
  private final Object unsafe;
  private final Method invokeCleaner;

  private CleanerMapper(Object unsafe, Method invokeCleaner) {
    this.unsafe = unsafe;
    this.invokeCleaner = invokeCleaner;
  }

  static CleanerMapper find() {
    try {
      Class<?> type = Class.forName("sun.misc.Unsafe");
      Field field = type.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      return new CleanerMapper(field.get(null), type.getMethod("invokeCleaner", ByteBuffer.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return new CleanerMapper(null, null);
    }
  }

  @Override
  public Mapping map(FileChannel channel, FileChannel.MapMode mode, int size) throws IOException {
    MappedByteBuffer buffer = channel.map(mode, 0, size);
    return new Mapping(buffer) {
      @Override
      void unmap() {
        if (invokeCleaner == null) {
          return; // the garbage collector unmaps it when the buffer becomes unreachable
        }
        try {
          invokeCleaner.invoke(unsafe, buffer);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("cannot unmap " + buffer, e);
        }
      }
    };
  }
}
