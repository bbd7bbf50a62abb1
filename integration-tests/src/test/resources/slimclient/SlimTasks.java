package dev.kapu.slim;

import dev.kapu.api.MapFunction;
import dev.kapu.api.Task;

/**
 * SlimClientTest's tasks: compiled against kapu-client's runtime class path alone and put on the
 * class paths of both the client and kapu serve, as an application's task classes must be (a daemon
 * runs only code it was given). Its package is under dev.kapu, which the default allow-list admits.
 */
public final class SlimTasks {
  private SlimTasks() {}

  public static Task<Integer> product(int a, int b) {
    return ctx -> a * b;
  }

  public static MapFunction<Integer, Integer> square() {
    return x -> x * x;
  }
}
