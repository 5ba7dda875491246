package io.inkv.store.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/*
 * The Mapper of JDK 22 and later (see Mapper), compiled only into META-INF/versions/22: each file is
 * mapped into a MemorySegment of its own shared Arena (a mapping is read by many threads and closed
 * by whichever thread closes the store), MappedRegion reads the segment's asByteBuffer() view, and
 * unmap closes the arena, which unmaps at once.
 *
 * A shared arena that is never closed never frees its memory, unlike a MappedByteBuffer, whose
 * cleaner unmaps it once unreachable. The store leaves retired segments to the garbage collector
 * (a ValueView may still point into one), so each mapping holds a phantom reference to its buffer
 * view: every read or write goes through that buffer (MappedRegion holds it), so once it is
 * unreachable nothing can touch the memory, and the reference, which holds the arena only, never
 * the buffer, closes it. The references are taken off their queue by the next mapping or unmapping
 * of any file, not by a thread of their own (a java.lang.ref.Cleaner's thread would outlive every
 * store, and a launcher that waits for a program's threads would wait for it): a store maps and
 * unmaps as it rolls and compacts, so retired mappings go back while stores work, and those still
 * unreachable-but-uncollected when the last store closes go at the next store's first mapping, or
 * with the process. An explicit unmap closes the arena at most once, whichever comes first.
 *
 * Advice: madvise(2) through a downcall handle of Linker.nativeLinker(), on the segment's own
 * address and length (a mapping from offset 0 is page-aligned). MADV_RANDOM makes a fault read the
 * one page it needs instead of the read-ahead window around it (128 KiB to megabytes, the device's
 * setting): MappedFile.Access and docs/store.md say when the store asks for which. The downcall is
 * a restricted method: without --enable-native-access for inkv's module the JDK prints a warning
 * at the first call, so enableAdvice looks the handle up only when that access is enabled, unless
 * told otherwise (inkv.store.readAdvice=random).
 */
final class ArenaMapper implements Mapper {
  private static final ReferenceQueue<MappedByteBuffer> UNREACHABLE = new ReferenceQueue<>();
  /** The references of mappings not yet unmapped: a phantom reference must stay reachable to be enqueued. */
  private static final Set<Unmapping> OUTSTANDING = ConcurrentHashMap.newKeySet();

  /** Linux's values (asm-generic/mman-common.h). */
  private static final int MADV_NORMAL = 0;
  private static final int MADV_RANDOM = 1;
  private static final int MADV_SEQUENTIAL = 2;

  /** int madvise(void *addr, size_t length, int advice), or null while advice is off. */
  private volatile MethodHandle madvise;

  ArenaMapper() {}

  @Override
  @SuppressWarnings("restricted") // a downcall to madvise with the arguments its signature takes; see the top
  public boolean enableAdvice(boolean evenWithoutNativeAccess) {
    if (!System.getProperty("os.name", "").startsWith("Linux")) {
      return false;
    }
    if (!evenWithoutNativeAccess && !ArenaMapper.class.getModule().isNativeAccessEnabled()) {
      return false;
    }
    Linker linker = Linker.nativeLinker();
    madvise = linker.defaultLookup().find("madvise")
        .map(address -> linker.downcallHandle(address,
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
        .orElse(null);
    return madvise != null;
  }

  private boolean advise(MemorySegment segment, MappedFile.Access access) {
    MethodHandle handle = madvise;
    if (handle == null) {
      return false;
    }
    int advice = switch (access) {
      case NORMAL -> MADV_NORMAL;
      case RANDOM -> MADV_RANDOM;
      case SEQUENTIAL -> MADV_SEQUENTIAL;
    };
    try {
      return (int) handle.invokeExact(segment, segment.byteSize(), advice) == 0;
    } catch (IllegalStateException closed) {
      return false; // unmapped meanwhile: nothing left to advise
    } catch (Throwable e) {
      throw new IllegalStateException("madvise failed", e);
    }
  }

  /** Closes a mapping's arena once: when it is unmapped, or when its buffer was found unreachable. */
  private static final class Unmapping extends PhantomReference<MappedByteBuffer> {
    private final Arena arena;
    private final AtomicBoolean done = new AtomicBoolean();

    Unmapping(MappedByteBuffer buffer, Arena arena) {
      super(buffer, UNREACHABLE);
      this.arena = arena;
    }

    void run() {
      if (done.compareAndSet(false, true)) {
        OUTSTANDING.remove(this);
        arena.close();
      }
    }
  }

  /** Unmaps every mapping whose buffer the collector found unreachable since the last call. */
  private static void unmapUnreachable() {
    Reference<? extends MappedByteBuffer> r;
    while ((r = UNREACHABLE.poll()) != null) {
      ((Unmapping) r).run();
    }
  }

  @Override
  public Mapping map(FileChannel channel, FileChannel.MapMode mode, int size) throws IOException {
    unmapUnreachable();
    Arena arena = Arena.ofShared();
    MappedByteBuffer buffer;
    MemorySegment segment;
    try {
      segment = channel.map(mode, 0, size, arena);
      buffer = (MappedByteBuffer) segment.asByteBuffer();
    } catch (IOException | RuntimeException | Error e) {
      arena.close();
      throw e;
    }
    Unmapping unmapping = new Unmapping(buffer, arena);
    OUTSTANDING.add(unmapping);
    return new Mapping(buffer) {
      @Override
      void unmap() {
        unmapping.run();
        unmapUnreachable();
      }

      @Override
      boolean advise(MappedFile.Access access) {
        return ArenaMapper.this.advise(segment, access);
      }
    };
  }
}
