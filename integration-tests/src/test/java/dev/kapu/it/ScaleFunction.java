package dev.kapu.it;

import dev.kapu.daemon.spi.ColumnarFunction;
import java.util.List;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A columnar function for the plain Flight tests, found by daemons through {@code ServiceLoader}:
 * {@code [scale, FACTOR]} turns a BIGINT column {@code x} into the DOUBLE {@code y = x * FACTOR},
 * keeps only rows where {@code x} is even (so output batches are smaller than input ones) and ends
 * with one row holding the number of input rows (what {@code finish} is for).
 */
public final class ScaleFunction implements ColumnarFunction {
  @Override
  public String name() {
    return "scale";
  }

  @Override
  public Call open(Schema input, List<String> arguments) {
    if (arguments.size() != 1 || input.findField("x") == null) {
      throw new IllegalArgumentException("scale takes one argument, the factor, and a BIGINT column x");
    }
    double factor = Double.parseDouble(arguments.get(0));
    Schema output = new Schema(List.of(Field.nullable("y", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE))));
    return new Call() {
      long seen;

      @Override
      public Schema output() {
        return output;
      }

      @Override
      public void apply(VectorSchemaRoot in, VectorSchemaRoot out) {
        BigIntVector x = (BigIntVector) in.getVector("x");
        Float8Vector y = (Float8Vector) out.getVector(0);
        int rows = 0;
        for (int i = 0; i < in.getRowCount(); i++) {
          if (x.get(i) % 2 == 0) {
            y.setSafe(rows++, x.get(i) * factor);
          }
        }
        seen += in.getRowCount();
        out.setRowCount(rows);
      }

      @Override
      public void finish(VectorSchemaRoot out) {
        ((Float8Vector) out.getVector(0)).setSafe(0, seen);
        out.setRowCount(1);
      }
    };
  }
}
