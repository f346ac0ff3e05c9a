package dev.eventkit.architecture;

import java.io.IOException;
import java.util.List;

/** A type with members of each kind of access, for the test of the API listing itself ({@link PublicApiTest}). */
public abstract class ApiListingFixture implements Comparable<String> {
  public static final int LIMIT = 1;
  protected String label;
  int packagePrivate;
  private int hidden;

  public ApiListingFixture(int limit) {
    this.hidden = limit;
  }

  ApiListingFixture() {
    this(0);
  }

  protected <T> T produce(List<? extends T> from) throws IOException {
    return from.get(hidden);
  }

  void packagePrivate() {}

  /** Public members of a public nested type are listed. */
  public static final class Nested {
    public void run(String... args) {}

    private void hidden() {}
  }

  /** A package-private type is not listed, whatever its members are. */
  static final class Hidden {
    public void notListed() {}
  }
}
