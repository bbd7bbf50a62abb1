package dev.kapu.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionDirectoriesTest {
  private static final SessionDirectories.Owner OWNER = new SessionDirectories.Owner(4242, 1_000L, "here");

  @Test
  void aFolderGoesOnlyWhenItsOwnerIsGoneFromThisHost() {
    assertThat(OWNER.abandoned("here", Optional.empty())).as("no process has the pid").isTrue();
    assertThat(OWNER.abandoned("here", Optional.of(1_000L))).as("the owner lives").isFalse();
    assertThat(OWNER.abandoned("here", Optional.of(2_000L))).as("the pid names a later process").isTrue();
    assertThat(OWNER.abandoned("here", Optional.of(0L))).as("a live process of unknown start").isFalse();
    assertThat(OWNER.abandoned("elsewhere", Optional.empty())).as("another host's, on a shared folder").isFalse();
    assertThat(new SessionDirectories.Owner(4242, 0, "here").abandoned("here", Optional.of(2_000L)))
        .as("an owner whose start was unknown, and a live process with its pid").isFalse();
  }

  @Test
  void theOwnerRecordReadsBackAndAnUnreadableOneIsNoOwner() {
    assertThat(SessionDirectories.Owner.parse(OWNER.text())).contains(OWNER);
    assertThat(SessionDirectories.Owner.parse("pid=12\n")).isEmpty();
    assertThat(SessionDirectories.Owner.parse("")).isEmpty();
  }

  @Test
  void aFolderThisProcessMakesRecordsItAsOwnerAndIsRemovedWithItsContent(@TempDir Path parent) throws Exception {
    Path dir = SessionDirectories.create(parent, "kapu-test-");
    Files.writeString(dir.resolve("daemon.log"), "a line");
    Optional<SessionDirectories.Owner> owner = SessionDirectories.Owner.parse(
        Files.readString(dir.resolve(SessionDirectories.OWNER_FILE)));
    assertThat(owner).map(SessionDirectories.Owner::pid).contains(ProcessHandle.current().pid());
    assertThat(SessionDirectories.removeAbandoned(parent)).as("a live process's folder stays").isZero();

    SessionDirectories.delete(dir);
    assertThat(dir).doesNotExist();
  }
}
