package dev.kapu.it;

import dev.kapu.daemon.spi.ColumnarFunction;
import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/** A columnar function that passes its first batch through and throws on the second. */
public final class FailingFunction implements ColumnarFunction {
  @Override
  public String name() {
    return "fail_on_second_batch";
  }

  @Override
  public Call open(Schema input, List<String> arguments) {
    return new Call() {
      int batches;

      @Override
      public Schema output() {
        return input;
      }

      @Override
      public void apply(VectorSchemaRoot in, VectorSchemaRoot out) {
        if (++batches == 2) {
          throw new IllegalStateException("boom at batch 2");
        }
        for (int c = 0; c < in.getFieldVectors().size(); c++) {
          in.getVector(c).makeTransferPair(out.getVector(c)).transfer();
        }
        out.setRowCount(in.getRowCount());
      }
    };
  }
}
