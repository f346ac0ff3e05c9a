package dev.eventkit.sink;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Makes files really unwritable for the current user: by permissions for an ordinary user, and by the immutable
 * attribute ({@code chattr +i}) for root, whom permissions do not stop. Skips the calling test where neither works.
 */
final class ReadOnlyFiles {

  private final List<Path> files;
  private final boolean immutable;

  private ReadOnlyFiles(List<Path> files, boolean immutable) {
    this.files = files;
    this.immutable = immutable;
  }

  static ReadOnlyFiles make(Path... files) throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    List<Path> done = new ArrayList<>();
    for (Path f : files) {
      boolean ok = root ? chattr("+i", f) : f.toFile().setWritable(false, false);
      if (!ok) {
        new ReadOnlyFiles(done, root).undo();
        Assumptions.abort("cannot make " + f + " unwritable here");
      }
      done.add(f);
    }
    return new ReadOnlyFiles(done, root);
  }

  void undo() throws Exception {
    for (Path f : files) {
      if (immutable) {
        chattr("-i", f);
      } else {
        f.toFile().setWritable(true, true);
      }
    }
  }

  private static boolean chattr(String flag, Path file) throws IOException, InterruptedException {
    try {
      Process p = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException noChattr) {
      return false;
    }
  }
}
