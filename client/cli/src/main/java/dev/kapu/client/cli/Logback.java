package dev.kapu.client.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

/** What {@link LogFormat} asks of logback; loaded only when logback is SLF4J's provider. */
final class Logback {
  private Logback() {}

  /** Configures logback from the resource {@code configuration}; null, or what is wrong with it. */
  static String configure(String configuration) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(Logback.class.getClassLoader().getResource(configuration));
      return null;
    } catch (JoranException e) {
      return e.getMessage();
    }
  }

  static void silence(String logger) {
    ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(logger).setLevel(Level.OFF);
  }
}
