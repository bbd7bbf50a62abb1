package dev.kapu.daemon;

import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.api.spi.DaemonRuntime;

/** This module as the {@link DaemonRuntime} a client finds on its class path. */
public final class LocalDaemonRuntime implements DaemonRuntime {

  @Override
  public String mainClass() {
    return DaemonCommand.class.getName();
  }

  @Override
  public RunningDaemon start(DaemonOptions options) {
    return Daemon.start(options)::close;
  }
}
