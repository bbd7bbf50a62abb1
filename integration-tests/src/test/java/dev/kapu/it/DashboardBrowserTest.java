package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.client.Kapu;
import dev.kapu.client.TaskFuture;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's headless Chromium, driven through its chromedriver):
 * with {@code kapu serve --dashboard} on two daemons and an analyst's long DuckDB query running
 * through the Flight SQL JDBC driver, it logs in, sees both daemons and the running statement,
 * cancels that statement with its button and sees it gone, while the analyst's JDBC call fails
 * with a cancel; then kills the analyst's session with its button, and the session's next call is
 * refused. The page as it showed the running statement is kept as target/dashboard.png.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {
  /** Hours of DuckDB work before its one row. */
  private static final String SLOW = "SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b";
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void logInSeeTheDaemonsCancelAStatementAndKillASession(@TempDir Path profile) throws Exception {
    assertThat(CHROMIUM).as("Debian's chromium (.ci/apt-install.sh chromium chromium-driver)").isExecutable();
    assertThat(CHROMEDRIVER).as("Debian's chromium-driver (.ci/apt-install.sh chromium chromium-driver)").isExecutable();
    ServeProcess serve = ServeProcess.start("--port", "0", "--daemons", "2", "--dashboard=0");
    ExecutorService analyst = Executors.newSingleThreadExecutor();
    AtomicBoolean loading = new AtomicBoolean(true);
    Thread load = new Thread(() -> submitTasksWhile(serve, loading), "task load");
    WebDriver browser = null;
    // closed by hand: the test ends its session, after which closing it fails with that news
    Connection jdbc = DriverManager.getConnection(serve.jdbcUrl());
    Statement statement = jdbc.createStatement();
    try {
      Future<ResultSet> query = analyst.submit(() -> statement.executeQuery(SLOW));
      load.start(); // tasks for the charts to show
      browser = chromium(profile);
      WebDriverWait wait = new WebDriverWait(browser, WAIT);
      String dashboard = serve.printed.get("dashboard_url");

      // not logged in: the login form; a wrong password is refused in the server's words
      browser.get(dashboard);
      assertThat(browser.getCurrentUrl()).endsWith("/login");
      logIn(browser, serve.printed.get("user"), "wrong");
      wait.until(b -> b.findElement(By.id("login-error")).isDisplayed());
      assertThat(browser.findElement(By.id("login-error")).getText()).contains("wrong user name or password");

      logIn(browser, serve.printed.get("user"), serve.printed.get("password"));
      wait.until(b -> b.findElements(By.cssSelector("#daemons tbody tr[data-daemon-id]")).size() == 2);
      WebElement running = wait.until(b -> {
        List<WebElement> rows = b.findElements(By.cssSelector("#statements tbody tr[data-statement-id]"));
        return rows.size() == 1 && rows.get(0).getText().contains("range(1000000)") ? rows.get(0) : null;
      });
      String statementId = running.getAttribute("data-statement-id");
      String sessionId = running.getAttribute("data-session-id");
      System.out.println("dashboard: running statement " + statementId + ": " + running.getText());
      // the charts have drawn the task rate and queue depth over the last minutes
      wait.until(b -> !b.findElements(By.cssSelector("#chart-rate polyline.line")).isEmpty()
          && !b.findElements(By.cssSelector("#chart-queue polyline.line")).isEmpty());
      // and the tasks the load thread submits show as a rate
      wait.until(b -> !List.of("0", "–").contains(b.findElement(By.id("tasks-rate")).getText()));
      Path screenshot = Path.of("target", "dashboard.png");
      Files.createDirectories(screenshot.getParent());
      Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(), screenshot,
          StandardCopyOption.REPLACE_EXISTING);
      System.out.println("dashboard: screenshot " + screenshot.toAbsolutePath());

      // Cancel: the statement leaves the page, and the analyst's query fails as cancelled
      long cancelled = System.nanoTime();
      wait.ignoring(StaleElementReferenceException.class).until(b -> {
        b.findElement(By.cssSelector("#statements button[data-id='" + statementId + "']")).click();
        return true;
      });
      wait.until(b -> b.findElements(By.cssSelector("#statements tbody tr[data-statement-id]")).isEmpty());
      assertThatThrownBy(() -> query.get(60, TimeUnit.SECONDS)).cause().isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(e.toString() + e.getCause()).containsIgnoringCase("cancel"));
      System.out.println("dashboard: cancelled to the JDBC error in "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelled) + " ms");
      assertThat(browser.findElement(By.id("message")).isDisplayed()).as("no error shown").isFalse();
      assertThat(browser.findElements(By.cssSelector("#daemons tbody tr[data-daemon-id]"))).hasSize(2);

      // the analyst's connection still works
      try (ResultSet rs = statement.executeQuery("SELECT 42")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }

      // Kill, once confirmed, ends the analyst's session: it leaves the page, and its next call is refused
      wait.ignoring(StaleElementReferenceException.class).until(b -> {
        b.findElement(By.cssSelector("#sessions button[data-id='" + sessionId + "']")).click();
        return true;
      });
      Alert confirm = wait.until(ExpectedConditions.alertIsPresent());
      assertThat(confirm.getText()).contains("End kapu's session " + sessionId);
      confirm.accept();
      wait.until(b -> b.findElements(By.cssSelector("#sessions tbody tr[data-session-id='" + sessionId + "']")).isEmpty());
      assertThatThrownBy(() -> statement.executeQuery("SELECT 1")).isInstanceOf(SQLException.class)
          .hasMessageContaining("ended by administrator");
    } catch (Throwable e) {
      if (browser != null) {
        keepFailedPage(browser);
      }
      throw e;
    } finally {
      loading.set(false);
      load.join(30_000);
      closeQuietly(statement, jdbc);
      if (browser != null) {
        browser.quit();
      }
      analyst.shutdownNow();
      serve.stop();
    }
  }

  private static void closeQuietly(AutoCloseable... closeables) {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // its session was ended: nothing left to close on the server
      }
    }
  }

  /** Keeps the page as it was when the test failed (target/dashboard-failed.png), and prints what it said. */
  private static void keepFailedPage(WebDriver browser) {
    try {
      Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "dashboard-failed.png"),
          StandardCopyOption.REPLACE_EXISTING);
      System.out.println("dashboard: failed at " + browser.getCurrentUrl() + "; the page said: "
          + browser.findElement(By.tagName("body")).getText());
    } catch (RuntimeException | java.io.IOException e) {
      System.out.println("dashboard: could not keep the failed page: " + e);
    }
  }

  /**
   * Small tasks, a few at a time, until {@code loading} is cleared: a steady rate for the charts.
   * Tasks go through the Kapu token (kapu serve prints SQL credentials, not this).
   */
  private static void submitTasksWhile(ServeProcess serve, AtomicBoolean loading) {
    try (Kapu kapu = Kapu.builder()
        .token(Files.readString(serve.sessionFolder().resolve("token"), StandardCharsets.UTF_8).strip())
        .connect(serve.printed.get("flight_url"))) {
      while (loading.get()) {
        List<TaskFuture<Integer>> batch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          int n = i;
          batch.add(kapu.submit(ctx -> {
            Thread.sleep(20);
            return n;
          }));
        }
        for (TaskFuture<Integer> task : batch) {
          task.get(60, TimeUnit.SECONDS);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("the task load failed", e);
    }
  }

  private static void logIn(WebDriver browser, String user, String password) {
    browser.findElement(By.id("user")).clear();
    browser.findElement(By.id("user")).sendKeys(user);
    browser.findElement(By.id("password")).sendKeys(password);
    browser.findElement(By.id("login-submit")).click();
  }

  /**
   * Headless Chromium with a fresh profile, kept off the network it would otherwise call on its
   * own (updates, sync, safe browsing): the machine has none, and retries would only add load.
   */
  private static WebDriver chromium(Path profile) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1440,1500", "--user-data-dir=" + profile.toAbsolutePath());
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .build();
    return new ChromeDriver(service, options);
  }
}
