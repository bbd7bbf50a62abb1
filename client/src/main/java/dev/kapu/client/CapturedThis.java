package dev.kapu.client;

import dev.kapu.api.ArrowTask;
import dev.kapu.api.MapFunction;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * What you see is what runs: a task that would carry the object it was written in is refused at
 * submit, unless its options allow it ({@link TaskOptions#allowCapturingThis()}). A lambda that
 * reads a field or calls a method of its enclosing object captures that whole object, and Java
 * serialization would ship it with everything it references, silently.
 *
 * <p>Found from what Java itself serializes: a lambda's {@link SerializedLambda} names the method
 * its body became and what it captured; an instance method whose first captured value is an object
 * of the class that wrote the lambda is a body that uses {@code this}. Lambdas captured by the task
 * (a wrapper around the user's function, say) are looked into too. An anonymous or inner class
 * keeps its enclosing object in a field of its own ({@code this$0}). What the body reads through
 * {@code this} is then named by {@link LambdaBody}, from the class file.
 */
final class CapturedThis {
  /** Lambdas inside lambdas this deep are looked into; Kapu's own wrappers add one or two levels. */
  private static final int DEPTH = 4;

  /**
   * What a task is written as. Only objects of these types are looked at for an outer instance: a
   * value a task captures on purpose (a map item, say) may well be an inner class's object.
   */
  private static final List<Class<?>> FUNCTIONAL_TYPES = List.of(Task.class, MapFunction.class, ArrowTask.class,
      Callable.class, Runnable.class);

  /** How a task's class can carry its enclosing object: the lambda's writeReplace, or an outer-instance field. */
  private record Shape(Method writeReplace, Field outer) {}

  private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
    @Override
    protected Shape computeValue(Class<?> type) {
      return new Shape(writeReplace(type), outerInstanceField(type));
    }
  };

  private CapturedThis() {}

  /**
   * Refuses {@code code} if it would carry the object it was written in and {@code options} do not
   * allow that.
   *
   * @param what what the code is, for the message: "task", "map function", "setup"
   * @throws IllegalArgumentException naming the field read through {@code this}
   */
  static void refuse(Object code, TaskOptions options, String what) {
    if (options.capturingThisAllowed()) {
      return;
    }
    find(code, DEPTH).ifPresent(found -> {
      throw new IllegalArgumentException("this " + what + " " + found.what() + " " + found.fix() + " and use that"
          + " in the " + what + "; or, to send the whole object on purpose, submit with"
          + " TaskOptions.allowCapturingThis().");
    });
  }

  /**
   * Why a task carries an enclosing object, and how to write it so it does not.
   *
   * @param what what it uses of the object, and what would travel: a sentence ending in a period
   * @param fix the first half of a sentence saying what to copy into a local, or how to rewrite it
   */
  record Finding(String what, String fix) {}

  /** Why {@code code} carries an enclosing object, if it does. */
  private static Optional<Finding> find(Object code, int depth) {
    if (code == null || depth == 0) {
      return Optional.empty();
    }
    Shape shape = SHAPES.get(code.getClass());
    if (shape.outer != null) {
      String outer = simpleName(shape.outer.getType());
      return Optional.of(new Finding("is an anonymous or inner class written inside " + outer
          + ", and keeps a reference to that " + outer + " object: the whole object would travel with it.",
          "Write it as a lambda over local variables, or as a static nested class,"));
    }
    if (shape.writeReplace == null) {
      return Optional.empty();
    }
    SerializedLambda lambda = serializedForm(code, shape.writeReplace);
    if (lambda == null) {
      return Optional.empty();
    }
    if (capturesThis(lambda)) {
      return Optional.of(LambdaBody.describe(lambda, code.getClass().getClassLoader()));
    }
    for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
      Optional<Finding> inner = find(lambda.getCapturedArg(i), depth - 1);
      if (inner.isPresent()) {
        return inner;
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the lambda's body is an instance method called on a captured object of the class that
   * wrote it: its {@code this} (for a method reference, {@code this::method} or a reference bound
   * to another object of that class).
   */
  private static boolean capturesThis(SerializedLambda lambda) {
    int kind = lambda.getImplMethodKind();
    boolean instanceMethod = kind == MethodHandleInfo.REF_invokeVirtual || kind == MethodHandleInfo.REF_invokeSpecial
        || kind == MethodHandleInfo.REF_invokeInterface;
    if (!instanceMethod || lambda.getCapturedArgCount() == 0) {
      return false;
    }
    Object receiver = lambda.getCapturedArg(0);
    return receiver != null && isA(receiver.getClass(), lambda.getCapturingClass());
  }

  /** Whether {@code type} is, or extends, the class with this internal name. */
  private static boolean isA(Class<?> type, String internalName) {
    String name = internalName.replace('/', '.');
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** A serializable lambda's writeReplace, if Kapu may call it (not if its module keeps it closed). */
  private static Method writeReplace(Class<?> type) {
    if (!type.isSynthetic() && !type.isHidden()) {
      return null;
    }
    try {
      Method m = type.getDeclaredMethod("writeReplace");
      m.setAccessible(true);
      return m.getReturnType() == Object.class ? m : null;
    } catch (NoSuchMethodException | RuntimeException e) {
      return null; // not a serializable lambda, or its module does not open it to Kapu: nothing to look at
    }
  }

  private static SerializedLambda serializedForm(Object code, Method writeReplace) {
    try {
      return writeReplace.invoke(code) instanceof SerializedLambda s ? s : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The field in which an anonymous, local or inner class keeps its enclosing object, if it is one
   * that does: javac names it {@code this$0} ({@code this$1}... when nested deeper).
   */
  private static Field outerInstanceField(Class<?> type) {
    if (type.getEnclosingClass() == null || Modifier.isStatic(type.getModifiers()) || type.isHidden()
        || FUNCTIONAL_TYPES.stream().noneMatch(t -> t.isAssignableFrom(type))) {
      return null;
    }
    for (Field f : type.getDeclaredFields()) {
      if (f.isSynthetic() && f.getName().startsWith("this$") && !Modifier.isStatic(f.getModifiers())) {
        return f;
      }
    }
    return null;
  }

  static String simpleName(Class<?> type) {
    String name = type.getSimpleName();
    return name.isEmpty() ? type.getName().substring(type.getName().lastIndexOf('.') + 1) : name;
  }
}
