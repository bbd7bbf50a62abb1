package dev.kapu.serial;

import java.util.List;

/**
 * Classes that are links of known Java deserialization exploit chains ("gadgets"): reading one back
 * lets whoever wrote the bytes run code or reach files in the reading process, through a library
 * that merely sits on its class path. The list follows the chains ysoserial publishes and the
 * classes Jackson's and SerialKiller's deny-lists name. Nothing a Kapu task needs is among them.
 *
 * <p>They are refused whatever else the filter allows: the allow-list's other rules let a
 * session's own code through, and a gadget is by definition not code anyone meant to send.
 */
final class KnownGadgets {
  private KnownGadgets() {}

  /** Class names and package prefixes (ending in '.' or '$'). */
  private static final List<String> NAMES = List.of(
      // commons-collections 3 and 4: InvokerTransformer, InstantiateTransformer, ChainedTransformer...
      "org.apache.commons.collections.functors.",
      "org.apache.commons.collections4.functors.",
      "org.apache.commons.collections.keyvalue.TiedMapEntry",
      "org.apache.commons.collections4.keyvalue.TiedMapEntry",
      "org.apache.commons.collections.map.LazyMap",
      "org.apache.commons.collections4.map.LazyMap",
      "org.apache.commons.collections.comparators.TransformingComparator",
      "org.apache.commons.collections4.comparators.TransformingComparator",
      // commons-beanutils
      "org.apache.commons.beanutils.BeanComparator",
      // Groovy
      "org.codehaus.groovy.runtime.ConvertedClosure",
      "org.codehaus.groovy.runtime.MethodClosure",
      // Spring
      "org.springframework.beans.factory.ObjectFactory",
      "org.springframework.core.SerializableTypeWrapper$",
      "org.springframework.aop.framework.AdvisedSupport",
      "org.springframework.aop.target.SingletonTargetSource",
      "org.springframework.beans.factory.config.PropertyPathFactoryBean",
      "org.springframework.transaction.jta.JtaTransactionManager",
      // Xalan outside the JDK, and the JDK's own copy (also refused by the JDK allow-list)
      "org.apache.xalan.xsltc.trax.TemplatesImpl",
      "com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl",
      "com.sun.rowset.JdbcRowSetImpl",
      // Hibernate
      "org.hibernate.tuple.component.AbstractComponentTuplizer",
      "org.hibernate.property.BasicPropertyAccessor$",
      "org.hibernate.property.access.spi.GetterMethodImpl",
      "org.hibernate.engine.spi.TypedValue",
      // JBoss interceptors, Weld
      "org.jboss.interceptor.",
      "org.jboss.weld.interceptor.",
      // ROME
      "com.sun.syndication.feed.impl.ObjectBean",
      "com.sun.syndication.feed.impl.ToStringBean",
      "com.rometools.rome.feed.impl.ObjectBean",
      "com.rometools.rome.feed.impl.ToStringBean",
      // c3p0
      "com.mchange.v2.c3p0.impl.PoolBackedDataSourceBase",
      "com.mchange.v2.c3p0.WrapperConnectionPoolDataSource",
      // BeanShell, Jython, Rhino, Clojure
      "bsh.XThis",
      "bsh.Interpreter",
      "org.python.core.PyFunction",
      "org.python.core.PyBytecode",
      "org.mozilla.javascript.NativeJavaObject",
      "org.mozilla.javascript.MemberBox",
      "org.mozilla.javascript.tools.shell.Environment",
      "clojure.core$comp$",
      "clojure.main$eval_opt",
      "clojure.inspector.proxy$",
      // commons-fileupload, Wicket, Click, Vaadin, AspectJ, json-lib, MyFaces
      "org.apache.commons.fileupload.disk.DiskFileItem",
      "org.apache.wicket.util.upload.DiskFileItem",
      "org.apache.click.control.Column$ColumnComparator",
      "com.vaadin.data.util.NestedMethodProperty",
      "org.aspectj.weaver.tools.cache.SimpleCache$StoreableCachingMap",
      "net.sf.json.JSONObject",
      "org.apache.myfaces.context.servlet.FacesContextImpl",
      "org.apache.myfaces.view.facelets.el.ValueExpressionMethodExpression");

  /** Whether {@code className} (an array's component, already unwrapped) is a known gadget. */
  static boolean matches(String className) {
    for (String name : NAMES) {
      boolean prefix = name.endsWith(".") || name.endsWith("$");
      if (prefix ? className.startsWith(name) : className.equals(name)) {
        return true;
      }
    }
    return false;
  }
}
