// The cost of reserving a segment's blocks at creation (MappedFile.create writes zeros through the
// file channel) against a sparse file of the same size, mapped. Single-file program; run with
//   java -cp store/target/classes benchmarks/scripts/RollCost.java <directory> <bytes> <repetitions>
// (RELIABILITY.md, disk full). Not part of the build.
import io.inkv.store.memory.MappedFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.util.Arrays;

public class RollCost {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory(Paths.get(args[0]), "rollcost");
    int size = Integer.parseInt(args[1]);
    int reps = Integer.parseInt(args[2]);
    double[] alloc = new double[reps], sparse = new double[reps];
    for (int i = 0; i < reps; i++) {
      Path p = dir.resolve("a" + i);
      long t = System.nanoTime();
      MappedFile f = MappedFile.create(p, size);
      alloc[i] = (System.nanoTime() - t) / 1e6;
      f.close();
      Files.delete(p);
      Path q = dir.resolve("s" + i);
      t = System.nanoTime();
      try (FileChannel ch = FileChannel.open(q, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.allocate(1), size - 1); // a sparse file of the same size
        ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
      }
      sparse[i] = (System.nanoTime() - t) / 1e6;
      Files.delete(q);
    }
    Arrays.sort(alloc); Arrays.sort(sparse);
    System.out.printf("%s size=%d reps=%d: allocated (zeros written) median %.2f ms p90 %.2f ms; sparse median %.3f ms%n",
        args[0], size, reps, alloc[reps / 2], alloc[reps * 9 / 10], sparse[reps / 2]);
    Files.delete(dir);
  }
}
