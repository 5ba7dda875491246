package io.inkv.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint file is read in one place, with its checks, for replicas and for the server alike. */
class CheckpointTest {
  @TempDir
  Path dir;

  @Test
  void theCheckpointedOffsetsAreTheOnesWritten() throws Exception {
    new Checkpoint("inkv.users", 4, Map.of(0, 12L, 3, 7L), List.of("ab:1")).write(dir);
    assertEquals(Map.of(0, 12L, 3, 7L), Replication.checkpointedOffsets(dir));
    Checkpoint read = Checkpoint.read(dir);
    assertEquals("inkv.users", read.topic());
    assertEquals(4, read.partitions());
    assertEquals(List.of("ab:1"), read.appliedWholeStore());
  }

  @Test
  void aDirectoryWithoutCheckpointHasNoOffsets() {
    assertTrue(Replication.checkpointedOffsets(dir).isEmpty());
  }

  @Test
  void aDamagedCheckpointIsRefusedNotParsed() throws Exception {
    new Checkpoint("inkv.users", 1, Map.of(0, 12L), List.of()).write(dir);
    Path file = dir.resolve(Checkpoint.FILE);
    Files.writeString(file, Files.readString(file, StandardCharsets.UTF_8).replace("offset.0=12", "offset.0=99"));
    ReplicationException e = assertThrows(ReplicationException.class, () -> Replication.checkpointedOffsets(dir));
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
  }
}
