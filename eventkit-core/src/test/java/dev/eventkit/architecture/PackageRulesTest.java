package dev.eventkit.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The core's package rules, checked on its compiled classes: packages (features) depend on each other in one
 * direction only, and the pipeline — log, delivery, sinks, schemas, the model — never reaches HTTP or a tracking
 * protocol (it may be an HTTP client, as the Iglu schema source is, but never serves HTTP). A package {@code dev.eventkit.internal.X} is the implementation of feature {@code X} and belongs to its
 * slice; {@code internal.json} and {@code internal.text} are leaves of their own.
 */
class PackageRulesTest {

  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.eventkit");
  }

  /** One slice per feature; {@code dev.eventkit.internal.X} counts as feature X. */
  private static final SliceAssignment FEATURES = new SliceAssignment() {
    @Override
    public SliceIdentifier getIdentifierOf(JavaClass c) {
      String p = c.getPackageName();
      if (!p.startsWith("dev.eventkit")) {
        return SliceIdentifier.ignore();
      }
      String rest = p.equals("dev.eventkit") ? "pipeline" : p.substring("dev.eventkit.".length());
      if (rest.startsWith("internal.")) {
        rest = rest.substring("internal.".length());
      }
      return SliceIdentifier.of(rest);
    }

    @Override
    public String getDescription() {
      return "eventkit features";
    }
  };

  @Test
  void featuresDependOnEachOtherWithoutCycles() {
    slices().assignedFrom(FEATURES).should().beFreeOfCycles().check(core);
  }

  @Test
  void thePipelineNeverReachesHttpOrProtocols() {
    noClasses().that().resideInAnyPackage("dev.eventkit", "dev.eventkit.event..", "dev.eventkit.buffer..",
        "dev.eventkit.delivery..", "dev.eventkit.sink..", "dev.eventkit.schema..", "dev.eventkit.metrics..",
        "dev.eventkit.health..", "dev.eventkit.internal.delivery..", "dev.eventkit.internal.json..",
        "dev.eventkit.internal.text..", "dev.eventkit.internal.metrics..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.eventkit.http..", "dev.eventkit.input..",
            "dev.eventkit.internal.http..", "com.sun.net.httpserver..")
        .check(core);
  }

  @Test
  void theCollectorKnowsNoParticularProtocol() {
    noClasses().that().resideInAnyPackage("dev.eventkit.http..", "dev.eventkit.internal.http..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.eventkit.input..")
        .check(core);
  }

  @Test
  void internalHelpersAreLeaves() {
    noClasses().that().resideInAnyPackage("dev.eventkit.internal.json..", "dev.eventkit.internal.text..",
        "dev.eventkit.internal.id..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.eventkit")
        .orShould().dependOnClassesThat().resideInAnyPackage("dev.eventkit.(*)..")
        .check(core);
  }
}
