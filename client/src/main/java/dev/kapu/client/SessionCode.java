package dev.kapu.client;

import dev.kapu.api.KapuException;
import dev.kapu.client.code.CodeShipment;
import dev.kapu.flight.CodeCalls;
import dev.kapu.flight.CodeSink;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ships a session's code to its dispatcher, when the session ships code at all. */
final class SessionCode {
  private static final Logger log = LoggerFactory.getLogger(SessionCode.class);

  private SessionCode() {}

  /** This JVM's class path as a new session's code; null if {@code ship} is false. */
  static CodeShipment prepare(boolean ship) {
    if (!ship) {
      return null;
    }
    try {
      return CodeShipment.ofThisJvm();
    } catch (IOException e) {
      throw new KapuException("could not read this JVM's class path to ship it to the daemons: " + e.getMessage()
          + " (or turn shipping off: Kapu.builder().shipCode(false))", e);
    }
  }

  /**
   * Puts what the dispatcher lacks of {@code code} there and returns the code id tasks name; empty
   * if the dispatcher refuses shipped code, whose daemons then run only what their class path holds.
   */
  static String ship(CodeShipment code, CodeSink sink) {
    if (code == null) {
      return "";
    }
    try {
      int sent = code.shipTo(sink);
      log.debug("shipped {} class path entries for code {}", sent, code.codeId());
      return code.codeId();
    } catch (CodeCalls.CodeCallException e) {
      if (e.status().equals("PERMISSION_DENIED")) {
        log.warn("the dispatcher refuses shipped code; tasks run only what its daemons' class path holds: {}",
            e.getMessage());
        return "";
      }
      throw new KapuException("could not ship this session's code to the dispatcher: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new KapuException("could not ship this session's code to the dispatcher: " + e.getMessage(), e);
    }
  }
}
