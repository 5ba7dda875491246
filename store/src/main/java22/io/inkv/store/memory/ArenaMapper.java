package io.inkv.store.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/*
 * The Mapper of JDK 22 and later (see Mapper), compiled only into META-INF/versions/22: each file is
 * mapped into a MemorySegment of its own shared Arena (a mapping is read by many threads and closed
 * by whichever thread closes the store), MappedRegion reads the segment's asByteBuffer() view, and
 * unmap closes the arena, which unmaps at once.
 *
 * A shared arena that is never closed never frees its memory, unlike a MappedByteBuffer, whose
 * cleaner unmaps it once unreachable. The store leaves retired segments to the garbage collector
 * (a ValueView may still point into one), so each mapping registers its arena's close with a Cleaner
 * against the buffer view: every read or write goes through that buffer (MappedRegion holds it), so
 * once it is unreachable nothing can touch the memory. The cleaning action holds the arena only,
 * never the buffer, or the buffer would never become unreachable. An explicit unmap runs the same
 * action through Cleanable.clean, which runs it at most once.
 */
final class ArenaMapper implements Mapper {
  private static final Cleaner UNMAPPER = Cleaner.create(task -> new Thread(task, "inkv-unmapper"));

  ArenaMapper() {}

  @Override
  public Mapping map(FileChannel channel, FileChannel.MapMode mode, int size) throws IOException {
    Arena arena = Arena.ofShared();
    MappedByteBuffer buffer;
    try {
      MemorySegment segment = channel.map(mode, 0, size, arena);
      buffer = (MappedByteBuffer) segment.asByteBuffer();
    } catch (IOException | RuntimeException | Error e) {
      arena.close();
      throw e;
    }
    Cleaner.Cleanable unmap = UNMAPPER.register(buffer, arena::close);
    return new Mapping() {
      @Override
      public MappedByteBuffer buffer() {
        return buffer;
      }

      @Override
      public void unmap() {
        unmap.clean();
      }
    };
  }
}
