package dev.kapu.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kapu.yaml's {@code users:} section: what it reads, and every mistake named at startup. */
class KapuConfigUsersTest {
  private static final String RESOURCES = String.join("\n",
      "resources:",
      "  warehouse: { kind: duckdb }",
      "  scratch: { kind: duckdb, placement: pinned }",
      "");

  @TempDir Path dir;

  private Path config(String... lines) throws Exception {
    Path file = dir.resolve("kapu.yaml");
    Files.writeString(file, RESOURCES + String.join("\n", lines) + "\n");
    return file;
  }

  @Test
  void readsUsersInFileOrderAndResourcesStillRead() throws Exception {
    Path file = config(
        "users:",
        "  analyst: { password: \"${ANALYST_PASSWORD}\", access: { warehouse: read-only, scratch: read-write } }",
        "  etl: { password: \"${ETL_PASSWORD}\", access: { \"*\": read-write } }");
    List<KapuConfig.User> users = KapuConfig.readUsers(file);
    assertThat(users).extracting(KapuConfig.User::name).containsExactly("analyst", "etl");
    assertThat(users.get(0).access()).containsExactly(
        Map.entry("warehouse", AccessRight.READ), Map.entry("scratch", AccessRight.WRITE));
    assertThat(users.get(1).access()).containsExactly(Map.entry("*", AccessRight.WRITE));
    assertThat(users.get(0).passwordInFile()).isFalse();
    // daemons read the same file for its resources and leave the users alone
    assertThat(KapuConfig.readResources(file)).extracting(ResourceSpec::name).containsExactly("warehouse", "scratch");
  }

  @Test
  void withoutUsersThereAreNone() throws Exception {
    assertThat(KapuConfig.readUsers(config())).isEmpty();
  }

  @Test
  void unknownResourcesAndRightsAreAllNamedInOneError() throws Exception {
    Path file = config(
        "users:",
        "  analyst: { password: \"${A}\", access: { warehose: read-only, scratch: write } }",
        "  etl: { password: \"${E}\", access: { \"*\": admin } }");
    assertThatThrownBy(() -> KapuConfig.readUsers(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("user 'analyst' has access to unknown resource 'warehose' (resources: warehouse, scratch)")
        .hasMessageContaining("user 'analyst' has unknown right 'write' on 'scratch' (expected: read-only, read-write)")
        .hasMessageContaining("user 'etl' has unknown right 'admin' on '*'");
  }

  @Test
  void aUserNeedsAPasswordAndAnAccessListAndNoOtherKeys() throws Exception {
    Path file = config(
        "users:",
        "  nopass: { access: { warehouse: read-only } }",
        "  noaccess: { password: \"${P}\" }",
        "  typo: { password: \"${P}\", acess: { warehouse: read-only }, access: { warehouse: read-only } }",
        "  \"bad:name\": { password: \"${P}\", access: { warehouse: read-only } }");
    assertThatThrownBy(() -> KapuConfig.readUsers(file))
        .hasMessageContaining("user 'nopass' needs a password")
        .hasMessageContaining("user 'noaccess' needs an access list")
        .hasMessageContaining("user 'typo' has unknown key 'acess' (expected: password, access, admin)")
        .hasMessageContaining("user name 'bad:name' must be letters, digits");
  }

  @Test
  void theAdminRightIsTrueOrFalse() throws Exception {
    List<KapuConfig.User> users = KapuConfig.readUsers(config(
        "users:",
        "  ops: { password: \"${P}\", access: { warehouse: read-only }, admin: true }",
        "  analyst: { password: \"${P}\", access: { warehouse: read-only } }"));
    assertThat(users).extracting(KapuConfig.User::name, KapuConfig.User::admin)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("ops", true), org.assertj.core.groups.Tuple.tuple("analyst", false));
    assertThatThrownBy(() -> KapuConfig.readUsers(config(
        "users:",
        "  ops: { password: \"${P}\", access: { warehouse: read-only }, admin: yes-please }")))
        .hasMessageContaining("user 'ops' has admin: yes-please (expected: true or false)");
  }

  @Test
  void usersMustBeAMappingAndTopLevelKeysAreChecked() throws Exception {
    assertThatThrownBy(() -> KapuConfig.readUsers(config("users: [analyst]")))
        .hasMessageContaining("'users' must map user names to { password, access }");
    assertThatThrownBy(() -> KapuConfig.readResources(config("user: {}")))
        .hasMessageContaining("unknown top-level key 'user' (expected: resources, users, controller, dashboard)");
  }

  @Test
  void passwordsComeFromTheEnvironmentAndAnUnsetVariableIsNamed() throws Exception {
    String variable = System.getenv().keySet().stream().filter(k -> !System.getenv(k).isEmpty()).findFirst().orElseThrow();
    Path file = config(
        "users:",
        "  env: { password: \"${" + variable + "}\", access: { warehouse: read-only } }",
        "  unset: { password: \"${KAPU_TEST_SURELY_UNSET_VARIABLE}\", access: { warehouse: read-only } }",
        "  literal: { password: hunter2, access: { warehouse: read-only } }");
    List<KapuConfig.User> users = KapuConfig.readUsers(file);
    assertThat(users.get(0).resolvedPassword()).isEqualTo(System.getenv(variable));
    assertThatThrownBy(() -> users.get(1).resolvedPassword())
        .hasMessage("user 'unset' password names environment variable KAPU_TEST_SURELY_UNSET_VARIABLE,"
            + " which is not set on the server");
    assertThat(users.get(2).passwordInFile()).isTrue();
    assertThat(users.get(2).resolvedPassword()).isEqualTo("hunter2");
  }
}
