package dev.eventkit.gcp.pubsub;

import java.util.regex.Pattern;

/** Checks topic and subscription ids the way Pub/Sub does, so that a bad name fails at build time. */
final class PubSubNames {

  // 3-255 characters, starting with a letter, from letters, digits and - _ . ~ + %.
  private static final Pattern RESOURCE_ID = Pattern.compile("[A-Za-z][A-Za-z0-9\\-_.~+%]{2,254}");

  private PubSubNames() {}

  static String check(String kind, String id) {
    if (id == null || !RESOURCE_ID.matcher(id).matches() || id.startsWith("goog")) {
      throw new IllegalArgumentException("invalid Pub/Sub " + kind + " id '" + id + "': 3-255 characters, starting "
          + "with a letter, from letters, digits and - _ . ~ + %, not starting with 'goog'");
    }
    return id;
  }

  static String checkProject(String projectId) {
    if (projectId == null || projectId.isBlank()) {
      throw new IllegalArgumentException("a Google Cloud project id is required");
    }
    return projectId;
  }
}
