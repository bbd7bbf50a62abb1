package dev.kapu.client.cli;

import org.slf4j.LoggerFactory;

/**
 * How the command line logs, through logback (the distribution's logger): text lines
 * ({@code logback.xml}) or, for {@code kapu serve --log-format json}, one JSON object a line from
 * logback's own {@code JsonEncoder} ({@code logback-json.xml}). Where another SLF4J provider logs
 * (an application's class path, the tests'), the text format is whatever it writes and JSON is
 * refused. Logback's classes are touched only in {@link Logback}, loaded only where logback logs.
 */
enum LogFormat {
  text("logback.xml"),
  json("logback-json.xml");

  private static final String LOGBACK = "ch.qos.logback.classic.LoggerContext";

  private final String configuration;

  LogFormat(String configuration) {
    this.configuration = configuration;
  }

  /** Logs from now on in this format; text changes nothing. */
  void apply() throws ServeRefusal {
    if (this == text) {
      return;
    }
    if (!logback()) {
      throw new ServeRefusal("--log-format " + name() + " needs the distribution's logger (logback); this class path"
          + " logs through " + LoggerFactory.getILoggerFactory().getClass().getName());
    }
    String broken = Logback.configure(configuration);
    if (broken != null) {
      throw new ServeRefusal("the logging configuration " + configuration + " is broken: " + broken);
    }
  }

  /** Silences {@code logger}, for messages the command line says better itself. */
  static void silence(String logger) {
    if (logback()) {
      Logback.silence(logger);
    } else {
      System.setProperty("org.slf4j.simpleLogger.log." + logger, "off"); // slf4j-simple, on the tests' class path
    }
  }

  private static boolean logback() {
    return LoggerFactory.getILoggerFactory().getClass().getName().equals(LOGBACK);
  }
}
