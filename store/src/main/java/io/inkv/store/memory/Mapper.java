package io.inkv.store.memory;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/*
 * How a file becomes a MappedByteBuffer, and how that mapping is given back at once rather than
 * whenever the garbage collector gets to the buffer. MappedFile holds the one instance, chosen when
 * the class loads:
 *
 *   ArenaMapper    JDK 22 and later. FileChannel.map(mode, 0, size, Arena) maps the file into a
 *                  MemorySegment of its own shared Arena; the region reads and writes the segment's
 *                  asByteBuffer() view; unmapping closes the arena. The foreign memory API is final
 *                  from JDK 22 (JEP 454), so this is the JDK's supported way to unmap.
 *   CleanerMapper  JDK 17 to 21, and a JDK 22+ whose inkv-store jar lacks ArenaMapper (one built on
 *                  JDK 17 to 21, see below). FileChannel.map, and sun.misc.Unsafe.invokeCleaner to
 *                  unmap: JDK 17 has no public way to unmap a buffer. The method is deprecated for
 *                  removal, and from JDK 24 the JDK prints a four-line warning the first time it is
 *                  called; on 17 to 23 it is silent.
 *
 * ArenaMapper is compiled from src/main/java22 with --release 22 into META-INF/versions/22 of the
 * multi-release inkv-store jar, and only when the build itself runs on JDK 22 or later (the store
 * pom's java22 profile): a JDK 17 javac cannot compile against the foreign memory API. It has a name
 * of its own rather than replacing a base class, and is looked up by that name only when
 * Runtime.version() is 22 or later, the way Lucene's MMapDirectory picks its provider. So the same
 * lookup works from the jar (the JDK reads META-INF/versions/22 of a multi-release jar on 22+) and
 * from target/classes, which the tests run from (a directory has no versions; the store's surefire
 * configuration puts target/classes/META-INF/versions/22 on the test class path instead).
 *
 * MappedRegion stays the one Region implementation on every JDK and reads the buffer through the
 * same byte-buffer view VarHandles: the JIT sees a single receiver type, and the record and codec
 * code is untouched. A segment's buffer view checks on each access that its arena is still open (a
 * load and a compare, no fence); docs/store.md ("Mapping and unmapping") has the get and put
 * figures of both paths.
 *
 * The store never touches a region after unmapping it: its ReadGate drains every operation before
 * close unmaps, and a ValueView checks MappedFile.isClosed before each read. That guard is what keeps
 * the JDK 17 path from reading unmapped memory (a crash). On the arena path the same mistake would
 * be an IllegalStateException instead, because the view checks its arena on every access and a
 * shared arena's close waits (a handshake with every thread) until no thread is inside an access.
 *
 * A mapping nobody closes (a retired segment a ValueView may still point into; StoreFiles) is
 * unmapped when its buffer becomes unreachable: by the buffer's own cleaner on the JDK 17 path, and
 * on the arena path by the next mapping or unmapping, which closes the arenas of the buffers the
 * collector found unreachable (a shared arena is otherwise never freed; ArenaMapper says why no
 * thread of its own does it).
 */
interface Mapper {

  /** Maps {@code size} bytes of {@code channel} from its start. */
  Mapping map(FileChannel channel, FileChannel.MapMode mode, int size) throws IOException;

  /**
   * Makes {@link Mapping#advise} tell the kernel, if this mapper can: returns whether it will.
   * Only ArenaMapper can (madvise through the foreign function API, on Linux); it does when
   * native access is enabled for inkv's module, or always if {@code evenWithoutNativeAccess}, when
   * the JDK prints its one warning about a restricted method.
   */
  default boolean enableAdvice(boolean evenWithoutNativeAccess) {
    return false;
  }

  /**
   * One file's mapping: the buffer over its bytes, which every mapper keeps here the same way, and
   * the mapper's own way to unmap them at once.
   */
  abstract class Mapping {
    private final MappedByteBuffer buffer;

    Mapping(MappedByteBuffer buffer) {
      this.buffer = buffer;
    }

    final MappedByteBuffer buffer() {
      return buffer;
    }

    /** Unmaps the buffer; called at most once, and no access through the buffer may follow. */
    abstract void unmap();

    /** Tells the kernel how the mapping will be read; false if it was not told. */
    boolean advise(MappedFile.Access access) {
      return false;
    }
  }

  /** Returns the mapper of this JDK and this jar (see the comment at the top). */
  static Mapper forThisJdk() {
    if (Runtime.version().feature() >= 22) {
      Class<?> type;
      try {
        type = Class.forName("io.inkv.store.memory.ArenaMapper");
      } catch (ClassNotFoundException e) {
        return CleanerMapper.find(); // a jar built on JDK 17 to 21: no META-INF/versions/22
      }
      try {
        return (Mapper) type.getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot create " + type.getName() + " of inkv-store", e);
      }
    }
    return CleanerMapper.find();
  }
}
