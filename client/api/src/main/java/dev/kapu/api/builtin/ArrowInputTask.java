package dev.kapu.api.builtin;

import dev.kapu.api.ArrowTask;
import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;

/**
 * What {@code kapu.submit(input, task)} sends: the task, and the ticket under which its Arrow
 * argument waits at the dispatcher. The daemon fetches the argument when the task starts.
 *
 * @param task the user's task
 * @param ticket where the argument's batches are parked
 */
public record ArrowInputTask<T>(ArrowTask<T> task, String ticket) implements Task<T> {

  @Override
  public T run(TaskContext ctx) throws Exception {
    return task.run(ctx, Builtins.get().input(ctx, ticket));
  }
}
