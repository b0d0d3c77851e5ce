package org.gemsj.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API a JVM user is meant to use is api, lucene, nativeops and optim (README, "Embedding
 * GEMS-J in a service"). Their public signatures may name JDK, libtorch and Lucene types, types
 * of those packages, and the
 * few others listed here on purpose (a run's settings and results); anything else named there
 * would make an internal type part of the API without anyone deciding it, and fails this test.
 */
class PublicSurfaceTest {
  private static final List<String> API = List.of("org.gemsj.api", "org.gemsj.lucene", "org.gemsj.nativeops",
      "org.gemsj.optim");
  /** Types outside those packages that the API hands out or takes, deliberately. */
  private static final Set<String> ALSO_PUBLIC = Set.of(
      "org.gemsj.train.TrainConfig", "org.gemsj.train.TrainSettings", "org.gemsj.train.TrainMethod",
      "org.gemsj.train.TrainListener", "org.gemsj.train.TrainingStopped", "org.gemsj.eval.MetricsDoc",
      "org.gemsj.eval.EvalResult", "org.gemsj.model.ModelFactory$Options", "org.gemsj.model.ModelInputs$Format",
      "org.gemsj.model.ItemIds$Scheme", "org.gemsj.backbone.Backbone", "org.gemsj.data.Task", "org.gemsj.data.Item");

  @Test
  void apiSignaturesNameOnlyApiTypes() throws Exception {
    Set<String> leaks = new TreeSet<>();
    List<Class<?>> classes = apiClasses();
    assertTrue(classes.size() > 20, "found " + classes.size() + " API classes");
    for (Class<?> c : classes) {
      if (!Modifier.isPublic(c.getModifiers())) {
        continue;
      }
      List<Type> named = new ArrayList<>();
      if (c.getGenericSuperclass() != null) {
        named.add(c.getGenericSuperclass());
      }
      named.addAll(List.of(c.getGenericInterfaces()));
      for (Method m : c.getDeclaredMethods()) {
        if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic()) {
          named.add(m.getGenericReturnType());
          named.addAll(List.of(m.getGenericParameterTypes()));
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (Modifier.isPublic(k.getModifiers())) {
          named.addAll(List.of(k.getGenericParameterTypes()));
        }
      }
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isPublic(f.getModifiers())) {
          named.add(f.getGenericType());
        }
      }
      if (c.isRecord()) {
        for (RecordComponent rc : c.getRecordComponents()) {
          named.add(rc.getGenericType());
        }
      }
      for (Type t : named) {
        for (Class<?> used : classesIn(t)) {
          String n = used.getName();
          if (n.startsWith("org.gemsj.") && !API.contains(used.getPackageName()) && !ALSO_PUBLIC.contains(n)) {
            leaks.add(c.getName() + " -> " + n);
          }
        }
      }
    }
    assertEquals(Set.of(), leaks, "internal types named by the public API");
  }

  @Test
  void nativeBindingsAreNotPublic() throws Exception {
    assertTrue(!Modifier.isPublic(Class.forName("org.gemsj.nativeops.GemsNative").getModifiers()),
        "GemsNative: use FusedStep, BasisRefresh and NullSpace");
  }

  private static List<Class<?>> classesIn(Type t) {
    List<Class<?>> out = new ArrayList<>();
    if (t instanceof Class<?> c) {
      out.add(c.isArray() ? c.getComponentType() : c);
    } else if (t instanceof ParameterizedType p) {
      out.addAll(classesIn(p.getRawType()));
      for (Type a : p.getActualTypeArguments()) {
        out.addAll(classesIn(a));
      }
    }
    return out;
  }

  private static List<Class<?>> apiClasses() throws URISyntaxException, Exception {
    Path root = Path.of(GemsTrainer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> out = new ArrayList<>();
    for (String pkg : API) {
      try (Stream<Path> files = Files.list(root.resolve(pkg.replace('.', '/')))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
          String name = f.getFileName().toString().replace(".class", "");
          out.add(Class.forName(pkg + "." + name, false, PublicSurfaceTest.class.getClassLoader()));
        }
      }
    }
    return out;
  }
}
