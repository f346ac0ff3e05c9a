import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads an async-profiler wall-clock recording (JFR format) and reports the event log writer thread's busy
 * stretches: runs of consecutive samples in which the writer is not waiting for work. An append waits at most
 * one such stretch plus its own commit, so the longest stretches bound the commit stalls requests see.
 *
 * <p>Usage: {@code java docs/profiles/WriterStalls.java wall.jfr [intervalMillis]}.
 */
public class WriterStalls {

  record Sample(Instant at, String kind) {}

  record Stretch(Instant start, Duration length, long fsync, long prune, long cursor, long other) {}

  public static void main(String[] args) throws Exception {
    long interval = args.length > 1 ? Long.parseLong(args[1]) : 5;
    List<Sample> samples = new ArrayList<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      if (!e.getEventType().getName().equals("profiler.WallClockSample")) {
        continue;
      }
      var thread = e.getThread("sampledThread");
      if (thread == null || !"eventkit-log-writer".equals(thread.getJavaName())) {
        continue;
      }
      samples.add(new Sample(e.getStartTime(), kind(e)));
    }
    samples.sort(Comparator.comparing(Sample::at));
    List<Stretch> stretches = new ArrayList<>();
    Instant start = null;
    Instant last = null;
    long fsync = 0;
    long prune = 0;
    long cursor = 0;
    long other = 0;
    for (Sample s : samples) {
      boolean idle = s.kind.equals("idle");
      boolean gap = last != null && Duration.between(last, s.at).toMillis() > 3 * interval;
      if (start != null && (idle || gap)) {
        stretches.add(new Stretch(start, Duration.between(start, last).plusMillis(interval), fsync, prune, cursor,
            other));
        start = null;
      }
      if (!idle) {
        if (start == null) {
          start = s.at;
          fsync = prune = cursor = other = 0;
        }
        switch (s.kind) {
          case "fsync" -> fsync++;
          case "prune" -> prune++;
          case "cursor" -> cursor++;
          default -> other++;
        }
      }
      last = s.at;
    }
    long busy = samples.stream().filter(s -> !s.kind.equals("idle")).count();
    System.out.printf("writer samples: %d (%d ms apart), busy %d (%.1f%%): fsync %d, prune %d, cursor sums %d%n",
        samples.size(), interval, busy, 100.0 * busy / Math.max(1, samples.size()),
        samples.stream().filter(s -> s.kind.equals("fsync")).count(),
        samples.stream().filter(s -> s.kind.equals("prune")).count(),
        samples.stream().filter(s -> s.kind.equals("cursor")).count());
    int[] bounds = {10, 25, 50, 100, 250, 500, 1000, Integer.MAX_VALUE};
    int[] counts = new int[bounds.length];
    for (Stretch s : stretches) {
      for (int i = 0; i < bounds.length; i++) {
        if (s.length.toMillis() <= bounds[i]) {
          counts[i]++;
          break;
        }
      }
    }
    System.out.println("busy stretches by length:");
    for (int i = 0; i < bounds.length; i++) {
      System.out.printf("  <= %s ms: %d%n", bounds[i] == Integer.MAX_VALUE ? "inf" : bounds[i], counts[i]);
    }
    System.out.println("longest busy stretches (samples: fsync / prune / cursor sums / other):");
    stretches.stream().sorted(Comparator.comparing(Stretch::length).reversed()).limit(12).forEach(s ->
        System.out.printf("  %s  %5d ms  %d / %d / %d / %d%n", s.start, s.length.toMillis(), s.fsync, s.prune,
            s.cursor, s.other));
  }

  private static String kind(RecordedEvent e) {
    var trace = e.getStackTrace();
    if (trace == null) {
      return "other";
    }
    boolean fsync = false;
    for (RecordedFrame f : trace.getFrames()) {
      String name = f.getMethod() == null ? "" : f.getMethod().getType().getName() + "." + f.getMethod().getName();
      if (name.contains("LinkedBlockingQueue.poll") || name.contains("SqliteRingBuffer.awaitWork")) {
        return "idle";
      }
      if (name.contains("runPrune") || name.contains("startPrune") || name.contains("continuePrune")) {
        return "prune";
      }
      if (name.contains("recomputeMinCursor") || name.contains("updateMinCursor")) {
        return "cursor";
      }
      if (name.endsWith("fsync") || name.endsWith("fdatasync")) {
        fsync = true;
      }
    }
    return fsync ? "fsync" : "other";
  }
}
