package dev.kapu.client;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.SerializedLambda;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What a lambda that captured {@code this} uses of it, read from the class file of the class that
 * wrote it: the fields its body reads through {@code this} ({@code aload_0; getfield}), the methods
 * it calls on {@code this} without arguments (or refers to as {@code this::method}), and the same
 * inside lambdas nested in it that capture {@code this} again. A call with arguments on {@code
 * this} is not named: the message then says the body uses {@code this} itself. Only explains a refusal, so it runs once per refused task, not per submit.
 */
final class LambdaBody {
  /** Nested lambdas followed at most this deep. */
  private static final int NESTING = 8;

  private final String owner;
  private final Set<String> fields = new LinkedHashSet<>();
  private final Set<String> methods = new LinkedHashSet<>();
  private String sourceFile;
  private int firstLine = -1;

  private LambdaBody(String owner) {
    this.owner = owner;
  }

  /**
   * Says, for a refusal message, what the lambda reads through {@code this}, where it was written,
   * and what would travel; in general terms if the class file cannot be read.
   */
  static CapturedThis.Finding describe(SerializedLambda lambda, ClassLoader loader) {
    String owner = lambda.getCapturingClass();
    String simple = simpleName(owner);
    String object = "the whole " + simple + " object it was written in would travel with it, and everything"
        + " that object references.";
    String copy = "Copy what it needs of that object into local variables first";
    if (!lambda.getImplMethodName().startsWith("lambda$")) {
      return new CapturedThis.Finding("is the method reference " + simple + "::" + lambda.getImplMethodName()
          + " bound to a " + simple + " object: " + object, "Write a lambda over local variables instead,");
    }
    LambdaBody body = new LambdaBody(owner);
    if (!body.read(loader, lambda.getImplMethodName(), lambda.getImplMethodSignature())) {
      return new CapturedThis.Finding("uses 'this' of " + simple + ": " + object, copy);
    }
    String where = body.sourceFile != null && body.firstLine > 0
        ? " (written at " + body.sourceFile + ":" + body.firstLine + ")" : "";
    StringBuilder what = new StringBuilder();
    if (!body.fields.isEmpty()) {
      what.append(body.fields.size() == 1 ? "reads the field " : "reads the fields ")
          .append(quoted(body.fields)).append(" through 'this'");
    }
    if (!body.methods.isEmpty()) {
      what.append(what.length() > 0 ? " and calls " : "calls ").append(quoted(body.methods)).append(" on 'this'");
    }
    if (what.length() == 0) {
      what.append("uses 'this' itself (passes it on, calls a method on it with arguments, or reads a final"
          + " field holding a constant, for which Java captures the object all the same)");
    }
    if (!body.fields.isEmpty()) {
      String field = body.fields.iterator().next();
      copy = "Copy " + (body.fields.size() == 1 ? "the field" : "each field") + " into a local variable first ("
          + "var " + field + " = this." + field + ";)";
    }
    return new CapturedThis.Finding(what + where + ", so " + object, copy);
  }

  /** {@code Pricing} for {@code com/acme/Shop$Pricing}; an anonymous class keeps its outer name ({@code Shop$1}). */
  static String simpleName(String internalName) {
    String name = internalName.substring(internalName.lastIndexOf('/') + 1);
    String nested = name.substring(name.lastIndexOf('$') + 1);
    return nested.isEmpty() || Character.isDigit(nested.charAt(0)) ? name : nested;
  }

  private static String quoted(Set<String> names) {
    return String.join(", ", names.stream().map(n -> "'" + n + "'").toList());
  }

  /** Reads the method and the nested lambdas it creates over {@code this}; false if the class file is out of reach. */
  private boolean read(ClassLoader loader, String method, String descriptor) {
    byte[] bytes;
    ClassLoader l = loader != null ? loader : ClassLoader.getSystemClassLoader();
    try (InputStream in = l.getResourceAsStream(owner + ".class")) {
      if (in == null) {
        return false;
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      return false;
    }
    ClassReader reader;
    try {
      reader = new ClassReader(bytes);
    } catch (IllegalArgumentException e) {
      return false; // a class file newer than this ASM reads
    }
    Deque<String> todo = new ArrayDeque<>();
    Set<String> seen = new HashSet<>();
    todo.add(method + descriptor);
    while (!todo.isEmpty() && seen.size() < NESTING) {
      String next = todo.poll();
      if (seen.add(next)) {
        try {
          reader.accept(new Visitor(next, todo, seen.size() == 1), ClassReader.SKIP_FRAMES);
        } catch (RuntimeException e) {
          return seen.size() > 1; // what the first method showed stands
        }
      }
    }
    return true;
  }

  /** Visits one method of the class, named by name and descriptor. */
  private final class Visitor extends ClassVisitor {
    private final String wanted;
    private final Deque<String> nested;
    private final boolean outermost;

    Visitor(String wanted, Deque<String> nested, boolean outermost) {
      super(Opcodes.ASM9);
      this.wanted = wanted;
      this.nested = nested;
      this.outermost = outermost;
    }

    @Override
    public void visitSource(String source, String debug) {
      sourceFile = source;
    }

    @Override
    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] ex) {
      if (!(name + descriptor).equals(wanted)) {
        return null;
      }
      return new MethodVisitor(Opcodes.ASM9) {
        /** Whether the previous instruction pushed {@code this} (local 0 of an instance lambda body). */
        private boolean thisOnTop;

        @Override
        public void visitLineNumber(int line, Label start) {
          if (outermost && firstLine < 0) {
            firstLine = line;
          }
        }

        @Override
        public void visitVarInsn(int opcode, int var) {
          thisOnTop = opcode == Opcodes.ALOAD && var == 0;
        }

        @Override
        public void visitFieldInsn(int opcode, String fieldOwner, String field, String fieldDescriptor) {
          if (thisOnTop && opcode == Opcodes.GETFIELD) {
            fields.add(field);
          }
          thisOnTop = false;
        }

        @Override
        public void visitMethodInsn(int opcode, String methodOwner, String method, String methodDescriptor,
            boolean isInterface) {
          if (thisOnTop && opcode != Opcodes.INVOKESTATIC && !method.equals("<init>")) {
            methods.add(method + "()");
          }
          thisOnTop = false;
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... args) {
          // A lambda inside the lambda whose body is an instance method of this class captures this
          // again: its body is read too. A method reference on this is a call.
          if (args.length > 1 && args[1] instanceof Handle body && body.getOwner().equals(owner)
              && body.getTag() != Opcodes.H_INVOKESTATIC && body.getTag() != Opcodes.H_NEWINVOKESPECIAL) {
            if (body.getName().startsWith("lambda$")) {
              nested.add(body.getName() + body.getDesc());
            } else if (thisOnTop) {
              methods.add(body.getName() + "()");
            }
          }
          thisOnTop = false;
        }

        @Override
        public void visitInsn(int opcode) {
          thisOnTop = false;
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
          thisOnTop = false;
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
          thisOnTop = false;
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
          thisOnTop = false;
        }

        @Override
        public void visitLdcInsn(Object value) {
          thisOnTop = false;
        }

        @Override
        public void visitIincInsn(int var, int increment) {
          thisOnTop = false;
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
          thisOnTop = false;
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
          thisOnTop = false;
        }

        @Override
        public void visitMultiANewArrayInsn(String descriptor, int dimensions) {
          thisOnTop = false;
        }
      };
    }
  }
}
