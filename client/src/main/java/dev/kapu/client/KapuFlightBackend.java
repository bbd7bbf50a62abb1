package dev.kapu.client;

import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.builtin.ParkQueryTask;
import dev.kapu.api.builtin.ParkTableTask;
import dev.kapu.api.builtin.QueryTask;
import dev.kapu.api.builtin.ReadTableTask;
import dev.kapu.api.builtin.TransactionTasks;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.plain.FlightBackend;
import dev.kapu.flight.sql.SqlBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Plain Flight's {@link FlightBackend} on a Kapu session: the daemons come from its status; tables
 * and queries are read with tasks ({@link ReadTableTask}, {@link ParkTableTask}, {@link QueryTask})
 * routed to a daemon that holds what they name.
 */
public final class KapuFlightBackend implements FlightBackend {
  private final Kapu kapu;
  private final List<String> resources;
  private final String uploadResource;

  /**
   * @param resources the hosted resources to offer, the default first
   * @param uploadResource the resource uploaded tables go with (see {@link FlightBackend#uploadResource}),
   *     or null for any daemon
   */
  public KapuFlightBackend(Kapu kapu, List<String> resources, String uploadResource) {
    if (resources.isEmpty()) {
      throw new IllegalArgumentException("no resource to serve");
    }
    this.kapu = kapu;
    this.resources = List.copyOf(resources);
    this.uploadResource = uploadResource;
  }

  @Override
  public List<String> resources() {
    return resources;
  }

  @Override
  public List<Daemon> daemons() {
    List<Daemon> daemons = new ArrayList<>();
    for (ClusterStatus.Daemon d : kapu.status().daemons()) {
      if (!d.draining()) {
        // a daemon's address (for its transactions) is a hosted name too, but neither a resource nor a table
        Set<String> hosting = d.resources().stream().filter(n -> !TransactionTasks.isAddress(n))
            .collect(Collectors.toSet());
        daemons.add(new Daemon(d.id(), d.flightUrl(), hosting, d.executing()));
      }
    }
    return daemons;
  }

  @Override
  public String uploadResource() {
    return uploadResource;
  }

  @Override
  public ArrowReader readTable(String table) throws Exception {
    return run(new ReadTableTask(table), TaskOptions.on(table));
  }

  @Override
  public SqlBackend.Parked parkTable(String table) throws Exception {
    ParkQueryTask.Parked p = run(new ParkTableTask(table), TaskOptions.on(table));
    return new SqlBackend.Parked(p.location(), p.ticket());
  }

  @Override
  public ArrowReader query(String resource, String sql, List<String> tables, boolean readOnly) throws Exception {
    List<String> on = new ArrayList<>(tables);
    on.add(0, resource);
    return run(new QueryTask(resource, sql, List.of(), readOnly), TaskOptions.on(on.toArray(String[]::new)));
  }

  private <T> T run(Task<T> task, TaskOptions options) throws Exception {
    return KapuSqlBackend.await(kapu, task, options);
  }
}
