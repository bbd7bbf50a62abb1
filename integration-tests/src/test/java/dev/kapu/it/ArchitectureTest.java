package dev.kapu.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The module structure, checked on the production classes of every module and of the examples
 * (this module's benchmarks and all test classes are left out): no module reaches into another's
 * {@code internal} package, no two packages depend on each other, and the modules depend on each
 * other only as docs/DESIGN.md draws them; an example uses only the client library and the API. A failure names every offending dependency with its source line.
 */
class ArchitectureTest {
  private static final JavaClasses PRODUCTION = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.kapu.serial", "dev.kapu.api", "dev.kapu.flight", "dev.kapu.daemon", "dev.kapu.client",
          "dev.kapu.examples");

  /** Kapu's modules by their package roots; kapu-cli's root sits inside kapu-client's, so it comes first. */
  enum Module {
    EXAMPLES("dev.kapu.examples"),
    CLI("dev.kapu.client.cli"),
    CLIENT("dev.kapu.client"),
    DAEMON("dev.kapu.daemon"),
    FLIGHT("dev.kapu.flight"),
    API("dev.kapu.api"),
    SERIAL("dev.kapu.serial");

    final String root;

    Module(String root) {
      this.root = root;
    }

    static Optional<Module> of(JavaClass javaClass) {
      String pkg = javaClass.getBaseComponentType().getPackageName();
      for (Module module : values()) {
        if (pkg.equals(module.root) || pkg.startsWith(module.root + ".")) {
          return Optional.of(module);
        }
      }
      return Optional.empty();
    }

    boolean isInternal(JavaClass javaClass) {
      String pkg = javaClass.getBaseComponentType().getPackageName();
      String internal = root + ".internal";
      return pkg.equals(internal) || pkg.startsWith(internal + ".");
    }

    DescribedPredicate<JavaClass> classes() {
      return DescribedPredicate.describe("in " + root + " (" + name().toLowerCase() + ")",
          c -> Module.of(c).orElse(null) == this);
    }
  }

  @Test
  void noModuleUsesAnotherModulesInternals() {
    classes()
        .should(notDependOnAnotherModulesInternals())
        .because("a module's internal package is its own: other modules go through its public types")
        .check(PRODUCTION);
  }

  @Test
  void noPackageCycles() {
    slices()
        .matching("dev.kapu.(**)")
        .should().beFreeOfCycles()
        .because("two packages that need each other are one package, or a missing interface")
        .check(PRODUCTION);
  }

  @Test
  void modulesDependAsDesigned() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("serial").definedBy(Module.SERIAL.classes())
        .layer("api").definedBy(Module.API.classes())
        .layer("flight").definedBy(Module.FLIGHT.classes())
        .layer("daemon").definedBy(Module.DAEMON.classes())
        .layer("client").definedBy(Module.CLIENT.classes())
        .layer("cli").definedBy(Module.CLI.classes())
        .layer("examples").definedBy(Module.EXAMPLES.classes())
        .whereLayer("serial").mayNotAccessAnyLayer()
        .whereLayer("api").mayOnlyAccessLayers("serial")
        .whereLayer("flight").mayOnlyAccessLayers("api", "serial")
        .whereLayer("daemon").mayOnlyAccessLayers("flight", "api", "serial")
        // The client finds the daemon runtime at run time (DaemonRuntime), never by a class reference.
        .whereLayer("client").mayOnlyAccessLayers("flight", "api", "serial")
        // An example is what an application may write: Kapu's client library and API, nothing below.
        .whereLayer("examples").mayOnlyAccessLayers("client", "api")
        .whereLayer("examples").mayNotBeAccessedByAnyLayer()
        .because("the modules depend on each other as docs/DESIGN.md draws them")
        .check(PRODUCTION);
  }

  private static ArchCondition<JavaClass> notDependOnAnotherModulesInternals() {
    return new ArchCondition<>("not depend on another module's internal package") {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        Optional<Module> from = Module.of(origin);
        for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
          Optional<Module> to = Module.of(dependency.getTargetClass());
          if (to.isPresent() && !to.equals(from) && to.get().isInternal(dependency.getTargetClass())) {
            events.add(SimpleConditionEvent.violated(dependency,
                from.map(Module::name).orElse("?").toLowerCase() + " uses " + to.get().name().toLowerCase()
                    + "'s internal " + dependency.getTargetClass().getBaseComponentType().getName()
                    + ": " + dependency.getDescription()));
          }
        }
      }
    };
  }
}
