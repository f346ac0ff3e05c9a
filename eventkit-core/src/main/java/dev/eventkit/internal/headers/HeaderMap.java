package dev.eventkit.internal.headers;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Request headers as an immutable map whose names are case-insensitive, in the order received. A request has a
 * dozen headers or so: a look-up compares lengths and then characters ignoring case, one name after another,
 * instead of sorting every request's names into a {@code TreeMap} and comparing along its branches.
 *
 * <p>Names differing only in case are one header: the first spelling is kept with the last one's values, as a
 * case-insensitive {@code TreeMap} would. Each value list is copied and immutable. Thread-safe.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public final class HeaderMap extends AbstractMap<String, List<String>> {

  private static final HeaderMap EMPTY = new HeaderMap(new String[0], new List<?>[0], 0);

  private final String[] names;
  private final List<?>[] values;
  private final int size;

  private HeaderMap(String[] names, List<?>[] values, int size) {
    this.names = names;
    this.values = values;
    this.size = size;
  }

  /** An immutable copy of {@code headers}; entries with a null name are left out. */
  public static HeaderMap copyOf(Map<String, ? extends List<String>> headers) {
    if (headers instanceof HeaderMap h) {
      return h;
    }
    if (headers.isEmpty()) {
      return EMPTY;
    }
    String[] names = new String[headers.size()];
    List<?>[] values = new List<?>[headers.size()];
    int n = 0;
    for (Map.Entry<String, ? extends List<String>> h : headers.entrySet()) {
      if (h.getKey() == null) {
        continue;
      }
      List<String> v = List.copyOf(h.getValue());
      int at = indexOf(names, n, h.getKey());
      if (at >= 0) {
        values[at] = v;
      } else {
        names[n] = h.getKey();
        values[n++] = v;
      }
    }
    return new HeaderMap(names, values, n);
  }

  private static int indexOf(String[] names, int n, Object name) {
    if (!(name instanceof String s)) {
      return -1;
    }
    for (int i = 0; i < n; i++) {
      if (names[i].equalsIgnoreCase(s)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  @SuppressWarnings("unchecked")
  public List<String> get(Object name) {
    int at = indexOf(names, size, name);
    return at < 0 ? null : (List<String>) values[at];
  }

  @Override
  public boolean containsKey(Object name) {
    return indexOf(names, size, name) >= 0;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Set<Map.Entry<String, List<String>>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, List<String>>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < size;
          }

          @Override
          @SuppressWarnings("unchecked")
          public Map.Entry<String, List<String>> next() {
            if (next >= size) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new AbstractMap.SimpleImmutableEntry<>(names[i], (List<String>) values[i]);
          }
        };
      }

      @Override
      public int size() {
        return size;
      }
    };
  }
}
