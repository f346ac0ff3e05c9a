package dev.eventkit.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for tests: a new cluster ({@code initdb}) in a temporary directory, run with
 * {@code pg_ctl} on 127.0.0.1 and a free port, trusting local connections as user {@code eventkit}. It uses the
 * server binaries of Debian's {@code postgresql} package ({@code apt-get install postgresql}); PostgreSQL refuses
 * to run as root, so under root the cluster belongs to the {@code postgres} user and commands run through
 * {@code runuser}. {@link #stop()} and {@link #start()} make an outage (same port, same data); {@link #close()}
 * stops the server and deletes the cluster, and a shutdown hook does so if a test run is cut short.
 */
final class LocalPostgres implements AutoCloseable {

  static final String USER = "eventkit";

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final int port;
  private final boolean asRoot;
  private final boolean fsync;
  private final Thread cleanup;

  /** A server without fsync: tests need no crash safety from it, and the shared disk is slow. */
  LocalPostgres() throws IOException, InterruptedException {
    this(false);
  }

  /** A server that forces commits to disk when {@code fsync} is true (for throughput figures). */
  LocalPostgres(boolean fsync) throws IOException, InterruptedException {
    this.fsync = fsync;
    this.bin = findBin();
    this.asRoot = "root".equals(System.getProperty("user.name"));
    // Not under JUnit's temp directory: the postgres user must be able to reach it.
    this.dir = Files.createTempDirectory(Path.of("/tmp"), "eventkit-pg-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    this.data = dir.resolve("data");
    if (asRoot) {
      UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
      Files.setOwner(dir, postgres);
    }
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    run(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "-A", "trust", "-E", "UTF8",
        "--no-sync");
    cleanup = new Thread(this::closeQuietly, "local-postgres-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    start();
  }

  private static Path findBin() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        // The newest installed major version.
        Path found = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
            .max(Comparator.comparing(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", "0"))))
            .orElse(null);
        if (found != null) {
          return found.resolve("bin");
        }
      }
    }
    throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql; "
        + "install Debian's postgresql package (apt-get install postgresql)");
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), USER, "");
  }

  /** The {@code event_id} of every row of {@code table}, one per row; empty while the table does not exist. */
  List<String> eventIds(String table) {
    List<String> out = new ArrayList<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT event_id FROM \"" + table + "\"")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return out; // not created yet
      }
      throw new AssertionError(e);
    }
    return out;
  }

  /** Starts the server and waits until it accepts connections. */
  void start() throws IOException, InterruptedException {
    run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w",
        "-t", "60", "-o", "-p " + port + " -k " + dir + " -h 127.0.0.1" + (fsync ? "" : " -c fsync=off"),
        "start");
  }

  /** Stops the server at once, as an administrator would for an outage ({@code -m fast}: sessions are cut). */
  void stop() throws IOException, InterruptedException {
    run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop");
  }

  private void run(String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (asRoot) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(List.of(command));
    Path log = Files.createTempFile("eventkit-pg-cmd-", ".log");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(command[0] + " did not finish in 90 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(Path.of(command[0]).getFileName() + " failed (" + p.exitValue() + "): "
            + Files.readString(log));
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private void closeQuietly() {
    try {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        stop();
      }
    } catch (IOException | RuntimeException e) {
      // Best effort while shutting down; the directory is removed below either way.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    closeQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // Called from the hook itself.
    }
  }
}
