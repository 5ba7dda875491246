package io.inkv.store;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asserts after each test that no memory mapping of, and no open file descriptor to, any file
 * under the test's temporary directories remains (Chronicle's {@code afterChecks}): a store that
 * was closed, or failed to open, must have released every mapping and file handle.
 *
 * <p>The temporary directories are the test instance's {@code @TempDir} fields of type
 * {@link Path}; without one, every JUnit temporary directory ({@code java.io.tmpdir/junit*}) is
 * checked. Mappings and descriptors that already existed before the test started are not blamed on
 * it. It reads {@code /proc/self/maps} and {@code /proc/self/fd}, so it runs only on Linux; where
 * {@code /proc} is absent it prints why it skipped the check.
 */
public final class StoreResourceCheck implements BeforeEachCallback, AfterEachCallback {
  private static final Path MAPS = Paths.get("/proc/self/maps");
  private static final Path FDS = Paths.get("/proc/self/fd");
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StoreResourceCheck.class);

  /** Returns the paths of every mapped file and every open descriptor of this process. */
  static Set<String> openResources() {
    Set<String> out = new LinkedHashSet<>();
    try {
      for (String line : Files.readAllLines(MAPS)) {
        int slash = line.indexOf('/');
        if (slash >= 0) {
          out.add("mapping " + strip(line.substring(slash)));
        }
      }
      try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
        for (Path fd : fds) {
          try {
            out.add("descriptor " + strip(Files.readSymbolicLink(fd).toString()));
          } catch (IOException e) {
            // closed between listing and reading (the listing's own descriptor, for one)
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self: " + e, e);
    }
    return out;
  }

  private static String strip(String path) {
    return path.endsWith(" (deleted)") ? path.substring(0, path.length() - " (deleted)".length()) : path;
  }

  static boolean supported() {
    return Files.isReadable(MAPS) && Files.isDirectory(FDS);
  }

  /** Returns the resources that refer to a file under any of {@code roots}. */
  static List<String> resourcesUnder(List<Path> roots) {
    List<String> out = new ArrayList<>();
    for (String r : openResources()) {
      String path = r.substring(r.indexOf(' ') + 1);
      for (Path root : roots) {
        if (path.startsWith(root.toString())) {
          out.add(r);
          break;
        }
      }
    }
    return out;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (supported()) {
      context.getStore(NAMESPACE).put("before", openResources());
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!supported()) {
      System.out.println("StoreResourceCheck: skipped for " + context.getDisplayName()
          + ": /proc/self/maps or /proc/self/fd is not available on this system");
      return;
    }
    List<Path> roots = tempDirectories(context);
    @SuppressWarnings("unchecked")
    Set<String> before = (Set<String>) context.getStore(NAMESPACE).get("before");
    List<String> leaked = new ArrayList<>();
    // A retired segment whose MappedFile the garbage collector already reclaimed is unmapped by
    // its cleaner thread, which may lag the collection by a moment: give it one second. This never
    // triggers a collection, so a store that forgot to close something still fails here.
    for (int attempt = 0; attempt < 20; attempt++) {
      leaked = resourcesUnder(roots);
      leaked.removeAll(before);
      if (leaked.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    }
    fail("after " + context.getDisplayName() + ", still open under " + roots + ":\n  " + String.join("\n  ", leaked));
  }

  private static List<Path> tempDirectories(ExtensionContext context) throws IllegalAccessException {
    List<Path> roots = new ArrayList<>();
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      for (Class<?> c = instance.getClass(); c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          if (f.isAnnotationPresent(TempDir.class) && f.getType() == Path.class) {
            f.setAccessible(true);
            Path p = (Path) f.get(instance);
            if (p != null) {
              roots.add(p.toAbsolutePath());
            }
          }
        }
      }
    }
    if (roots.isEmpty()) {
      roots.add(Paths.get(System.getProperty("java.io.tmpdir"), "junit").toAbsolutePath());
    }
    return roots;
  }
}
