package dev.kapu.it.tensor;

import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import dev.kapu.daemon.spi.TaskScope;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * The {@code example-model} resource kind: an ONNX model loaded once when the daemon starts and
 * shared by every task on it. Listed in {@code META-INF/services/dev.kapu.daemon.spi.ResourceKind}.
 *
 * <pre>{@code
 * resources:
 *   model:
 *     kind: example-model
 *     options: { path: /models/linear.onnx, threads: "1" }
 * }</pre>
 *
 * Tasks get it with {@code ctx.resource("model", OnnxModel.class)}.
 */
public final class ModelKind implements ResourceKind {
  public static final String NAME = "example-model";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) throws Exception {
    Path path = Path.of(spec.requireOption("path"));
    int threads = Integer.parseInt(spec.option("threads", "1"));
    return new Hosted(spec.name(), OnnxModel.load(path, threads));
  }

  private static final class Hosted implements HostedResource {
    private final String name;
    private final OnnxModel model;

    Hosted(String name, OnnxModel model) {
      this.name = name;
      this.model = model;
    }

    @Override
    public <T> T get(Class<T> type, TaskScope scope) {
      if (type.isInstance(model)) {
        return type.cast(model); // shared, not per task: nothing to close at the task's end
      }
      throw new IllegalArgumentException("resource '" + name + "' (" + NAME + ") offers "
          + OnnxModel.class.getName() + ", not " + type.getName());
    }

    @Override
    public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope) {
      throw new UnsupportedOperationException("resource '" + name + "' (" + NAME
          + ") is a model, not a database: run inference in a task with ctx.resource(\"" + name
          + "\", OnnxModel.class).predict(x)");
    }

    @Override
    public String kind() {
      return NAME;
    }

    @Override
    public void close() throws Exception {
      model.close();
    }
  }
}
