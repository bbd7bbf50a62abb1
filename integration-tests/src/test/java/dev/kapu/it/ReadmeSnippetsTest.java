package dev.kapu.it;

import static dev.kapu.it.OutsideApplications.classPathWithDaemonRuntime;
import static dev.kapu.it.OutsideApplications.compile;
import static dev.kapu.it.OutsideApplications.javaCommand;
import static dev.kapu.it.OutsideApplications.slimClassPath;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.it.OutsideApplications.App;
import dev.kapu.it.OutsideApplications.Ended;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java quick start, taken from README.md itself, compiled in a package outside
 * {@code dev.kapu} ({@code acme.readme}) and run in a JVM of its own: what a new user copies must
 * work as written, with no {@code allow} call and no class of Kapu's own package.
 *
 * <p>How the snippets are found. A block to run is marked by an HTML comment on the line before
 * its fence, {@code <!-- ReadmeSnippetsTest: ... -->}, which a rendered README does not show; the
 * block up to its closing fence is the body of a {@code main} that may throw {@code Exception}.
 * Headings and the order of blocks may change freely; the test fails if no block is marked, if the
 * first {@code java} block of the Tasks section (the quick start in Java) is not marked, or if a
 * marked block prints nothing the README states. The imports are what the README tells the reader
 * to import: every {@code dev.kapu...} package named on the Tasks section's "Classes are in" line,
 * plus {@code java.util.*}; a package named there that does not exist fails the compilation.
 * The expected output is the README's own: a {@code System.out.println(...)} line of the block
 * ends with {@code // what it prints}.
 *
 * <p>The block compiles against kapu-client's runtime class path alone (as its build wrote it), and
 * runs on that plus the daemon runtime ({@code kapu-daemon-host}), which {@code Kapu.local} needs.
 */
class ReadmeSnippetsTest {
  private static final String MARKER = "<!-- ReadmeSnippetsTest:";
  private static final Pattern PRINTS = Pattern.compile("System\\.out\\.println\\(.*\\);\\s*//\\s*(.+)$");
  private static final Pattern PACKAGE = Pattern.compile("`(dev\\.kapu(?:\\.[a-z]+)+)`");

  @TempDir Path dir;

  @Test
  void theReadmesJavaQuickStartRunsVerbatimFromAnotherPackage() throws Exception {
    List<String> readme = Files.readAllLines(readme(), StandardCharsets.UTF_8);
    List<Snippet> snippets = markedSnippets(readme);
    assertThat(snippets).as("README blocks marked with %s", MARKER).isNotEmpty();
    assertThat(snippets).extracting(Snippet::firstLine).as("the Tasks section's first java block is marked")
        .contains(firstJavaBlockOf(readme, "## Tasks"));
    Set<String> imports = new LinkedHashSet<>(packagesNamedIn(readme, "## Tasks", "Classes are in"));
    assertThat(imports).as("packages the Tasks section tells the reader to import").isNotEmpty();
    imports.add("java.util");

    List<String> slim = slimClassPath();
    for (int i = 0; i < snippets.size(); i++) {
      Snippet snippet = snippets.get(i);
      String className = "ReadmeSnippet" + (i + 1);
      Path source = Files.createDirectories(dir.resolve("src/acme/readme")).resolve(className + ".java");
      Files.writeString(source, program(className, imports, snippet.body()), StandardCharsets.UTF_8);
      Path classes = compile(List.of(source), dir.resolve("classes-" + className), slim);

      List<String> expected = snippet.body().stream().map(PRINTS::matcher).filter(Matcher::find)
          .map(m -> m.group(1).strip()).toList();
      assertThat(expected).as("what the README says block %d (line %d) prints", i + 1, snippet.firstLine())
          .isNotEmpty();
      String printed = run(classes, "acme.readme." + className);
      assertThat(printed.lines().map(String::strip)).as("block %d (README line %d) printed:\n%s", i + 1,
          snippet.firstLine(), printed).containsAll(expected);
    }
  }

  /** A marked block: its first line's number in the README (1-based, the fence) and its body. */
  private record Snippet(int firstLine, List<String> body) {}

  private static List<Snippet> markedSnippets(List<String> readme) {
    List<Snippet> snippets = new ArrayList<>();
    for (int i = 0; i < readme.size(); i++) {
      if (!readme.get(i).strip().startsWith(MARKER)) {
        continue;
      }
      assertThat(readme.get(i + 1).strip()).as("README line %d: a marked block starts with ```java", i + 2)
          .isEqualTo("```java");
      int end = i + 2;
      while (!readme.get(end).strip().equals("```")) {
        end++;
      }
      snippets.add(new Snippet(i + 2, readme.subList(i + 2, end)));
    }
    return snippets;
  }

  /** The line number (1-based) of the first ```java fence under {@code heading}, before the next heading. */
  private static int firstJavaBlockOf(List<String> readme, String heading) {
    int start = readme.indexOf(heading);
    assertThat(start).as("the README has the heading %s", heading).isNotNegative();
    for (int i = start + 1; i < readme.size() && !readme.get(i).startsWith("#"); i++) {
      if (readme.get(i).strip().equals("```java")) {
        return i + 1;
      }
    }
    throw new AssertionError("no java block under " + heading);
  }

  /** The {@code dev.kapu} packages named on the paragraph starting with {@code opening} under {@code heading}. */
  private static List<String> packagesNamedIn(List<String> readme, String heading, String opening) {
    int i = readme.indexOf(heading);
    while (!readme.get(i).startsWith(opening)) {
      i++;
    }
    StringBuilder paragraph = new StringBuilder();
    for (; i < readme.size() && !readme.get(i).isBlank(); i++) {
      paragraph.append(readme.get(i)).append(' ');
    }
    List<String> packages = new ArrayList<>();
    Matcher m = PACKAGE.matcher(paragraph);
    while (m.find()) {
      packages.add(m.group(1));
    }
    return packages;
  }

  private static String program(String className, Set<String> imports, List<String> body) {
    StringBuilder s = new StringBuilder("package acme.readme;\n\n");
    imports.forEach(p -> s.append("import ").append(p).append(".*;\n"));
    s.append("\npublic final class ").append(className).append(" {\n")
        .append("  public static void main(String[] args) throws Exception {\n");
    body.forEach(line -> s.append("    ").append(line).append('\n'));
    return s.append("  }\n}\n").toString();
  }

  private String run(Path classes, String mainClass) throws Exception {
    List<String> classPath = new ArrayList<>(classPathWithDaemonRuntime());
    classPath.add(classes.toString());
    List<String> command = List.of(javaCommand(), "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp", String.join(File.pathSeparator, classPath), mainClass);
    Ended ended = App.start(command, dir.resolve(mainClass + ".out"), Map.of()).awaitEnd(300, mainClass);
    assertThat(ended.exited()).as("%s exits; it printed:\n%s", mainClass, ended.printed()).isTrue();
    assertThat(ended.exitValue()).as("%s's exit code; it printed:\n%s", mainClass, ended.printed()).isZero();
    return ended.printed();
  }

  private static Path readme() throws IOException {
    Path readme = Path.of("").toAbsolutePath().getParent().resolve("README.md");
    assertThat(readme).as("the project's README").exists();
    return readme;
  }
}
