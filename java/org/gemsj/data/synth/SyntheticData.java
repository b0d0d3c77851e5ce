package org.gemsj.data.synth;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gemsj.data.DatasetWriter;
import org.gemsj.data.Event;
import org.gemsj.data.Item;
import org.gemsj.data.Task;
import org.gemsj.data.synth.SyntheticCatalog.Domain;
import org.gemsj.data.synth.SyntheticCatalog.Type;

/**
 * The embedded default dataset: a small shop whose search and recommendation signals disagree.
 * Recommendation follows chains of complementary products (after a tent, a sleeping bag) and stays
 * with the brand of the previous item; search returns the item whose attributes match the query
 * text, with the user's favourite brand and colour only breaking ties. Deterministic per seed
 * (java.util.Random is specified across JVMs; the writer's output is byte-stable). See docs/DATA.md.
 */
public final class SyntheticData {
  /** Rec keeps the previous item's brand this often (else the user's favourite brand). */
  static final double BRAND_LOYALTY = 0.85;
  static final double SEARCH_SHARE = 0.4;
  static final long START = 1_650_000_000L;

  /** Sizes: catalogue items, users, mean events per user (each user gets mean-2 .. mean+2). */
  public record Options(int items, int users, int eventsPerUser) {
    public static final Options DEFAULTS = new Options(360, 300, 14);

    public Options {
      int types = TYPES.size();
      if (items < types) {
        throw new IllegalArgumentException("items must be >= " + types + " (one per product type), got " + items);
      }
      if (users < 1) {
        throw new IllegalArgumentException("users must be >= 1, got " + users);
      }
      if (eventsPerUser < 8) {
        throw new IllegalArgumentException("eventsPerUser must be >= 8 (3 of each task after the spread), got "
            + eventsPerUser);
      }
    }
  }

  private static final List<Type> TYPES = allTypes();

  private record Product(Item item, Type type, String brand, String colour, List<String> attributes) {}

  private record User(String id, Domain main, Domain second, Map<Domain, String> brand, String colour) {}

  private final Random rnd;
  private final List<Product> products = new ArrayList<>();
  private final Map<Type, List<Product>> byType = new LinkedHashMap<>();

  private SyntheticData(long seed) {
    this.rnd = new Random(seed);
  }

  /** Writes items.jsonl and events.jsonl into {@code out}. */
  public static void generate(Path out, long seed, Options o) throws IOException {
    SyntheticData g = new SyntheticData(seed);
    g.catalogue(o.items());
    List<Event> events = new ArrayList<>();
    for (int u = 0; u < o.users(); u++) {
      g.userEvents(g.user(u), o.eventsPerUser(), events);
    }
    DatasetWriter.write(out, g.products.stream().map(Product::item).toList(), events);
  }

  private static List<Type> allTypes() {
    List<Type> types = new ArrayList<>();
    for (Domain d : SyntheticCatalog.DOMAINS) {
      types.addAll(d.types());
    }
    return types;
  }

  /** Round robin: every type gets a variant of brand 0, then of brand 1, ..., then second variants. */
  private void catalogue(int n) {
    for (int v = 0; products.size() < n; v++) {
      for (int b = 0; b < 5 && products.size() < n; b++) {
        for (int t = 0; t < TYPES.size() && products.size() < n; t++) {
          Type type = TYPES.get(t);
          add(type, type.domain().brands().get(b));
        }
      }
    }
  }

  private void add(Type type, String brand) {
    Domain d = type.domain();
    String colour = pick(SyntheticCatalog.COLOURS);
    List<String> attrs = new ArrayList<>(d.attributes());
    Collections.shuffle(attrs, rnd);
    attrs = List.copyOf(attrs.subList(0, 2));
    String series = pick(d.series());
    String title = series + " " + attrs.get(0) + " " + type.name() + ", " + colour + ", by " + brand;
    String text = capitalise(attrs.get(0)) + " and " + attrs.get(1) + " " + type.name() + " in " + colour
        + ", part of " + brand + "'s " + series + " " + type.chain() + " line.";
    String id = String.format("p%04d", products.size());
    Item item = new Item(id, title, text, List.of(d.name(), type.chain()));
    Product p = new Product(item, type, brand, colour, attrs);
    products.add(p);
    byType.computeIfAbsent(type, k -> new ArrayList<>()).add(p);
  }

  private User user(int u) {
    List<Domain> ds = SyntheticCatalog.DOMAINS;
    // Skewed interests: lower domains are more popular, so popularity is a real (beatable) baseline.
    Domain main = ds.get(Math.min(rnd.nextInt(ds.size()), rnd.nextInt(ds.size())));
    Domain second = ds.get((ds.indexOf(main) + 1 + rnd.nextInt(ds.size() - 1)) % ds.size());
    Map<Domain, String> brand = new LinkedHashMap<>();
    for (Domain d : ds) {
      brand.put(d, pick(d.brands()));
    }
    return new User(String.format("u%04d", u), main, second, brand, pick(SyntheticCatalog.COLOURS));
  }

  private void userEvents(User u, int mean, List<Event> out) {
    int n = mean - 2 + rnd.nextInt(5);
    int searches = Math.max(3, (int) Math.round(n * SEARCH_SHARE));
    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(i < searches ? Task.SEARCH : Task.REC);
    }
    Collections.shuffle(tasks.subList(1, n), rnd); // the first event is a search: rec always has history
    long ts = START + rnd.nextInt(30 * 86400);
    Product anchor = null;
    for (Task task : tasks) {
      ts += 300 + rnd.nextInt(3 * 86400);
      if (task == Task.SEARCH) {
        String[] query = new String[1];
        anchor = search(u, query);
        out.add(new Event(u.id(), anchor.item().id(), ts, Task.SEARCH, query[0]));
      } else {
        anchor = recommend(u, anchor);
        out.add(new Event(u.id(), anchor.item().id(), ts, Task.REC, null));
      }
    }
  }

  /** The user wants a product of some type, describes it by some of its attributes, takes a match. */
  private Product search(User u, String[] query) {
    Domain d = rnd.nextDouble() < 0.75 ? u.main() : u.second();
    List<Type> types = typesOf(d);
    Type type = types.get(rnd.nextInt(types.size()));
    List<Product> variants = byType.get(type);
    Product wanted = variants.get(rnd.nextInt(variants.size()));
    String attr = wanted.attributes().get(rnd.nextInt(2));
    String brandWord = wanted.brand().toLowerCase();
    String[] words = switch (rnd.nextInt(5)) {
      case 0 -> new String[] {attr};
      case 1 -> new String[] {wanted.colour()};
      case 2 -> new String[] {attr, wanted.colour()};
      case 3 -> new String[] {brandWord};
      default -> new String[] {wanted.attributes().get(0), wanted.attributes().get(1)};
    };
    query[0] = String.join(" ", words) + " " + type.name();
    // Among the items matching every query word, the user's taste breaks the tie.
    Product best = wanted;
    int bestScore = taste(u, wanted);
    for (Product p : variants) {
      boolean matches = true;
      for (String w : words) {
        matches &= p.attributes().contains(w) || p.colour().equals(w) || p.brand().toLowerCase().equals(w);
      }
      if (matches && taste(u, p) > bestScore) {
        best = p;
        bestScore = taste(u, p);
      }
    }
    return best;
  }

  private static int taste(User u, Product p) {
    return (u.brand().get(p.type().domain()).equals(p.brand()) ? 2 : 0) + (u.colour().equals(p.colour()) ? 1 : 0);
  }

  /** The next product of the anchor's chain, same brand (mostly); or the head of a new chain. */
  private Product recommend(User u, Product anchor) {
    Type type;
    String brand;
    String colour;
    if (anchor != null && anchor.type().next() != null) {
      type = anchor.type().next();
      brand = rnd.nextDouble() < BRAND_LOYALTY ? anchor.brand() : u.brand().get(type.domain());
      colour = anchor.colour();
    } else {
      Domain d = rnd.nextDouble() < 0.75 ? u.main() : u.second();
      List<Type> heads = typesOf(d).stream().filter(t -> t.position() == 0).toList();
      type = heads.get(rnd.nextInt(heads.size()));
      brand = rnd.nextDouble() < 0.7 ? u.brand().get(d) : pick(d.brands());
      colour = u.colour();
    }
    List<Product> variants = byType.get(type);
    Product best = null;
    int bestScore = -1;
    for (Product p : variants) { // brand first, then colour; catalogue order breaks ties
      int score = (p.brand().equals(brand) ? 4 : 0) + (p.brand().equals(u.brand().get(type.domain())) ? 2 : 0)
          + (p.colour().equals(colour) ? 1 : 0);
      if (score > bestScore) {
        best = p;
        bestScore = score;
      }
    }
    return best;
  }

  private static List<Type> typesOf(Domain d) {
    return TYPES.stream().filter(t -> t.domain() == d).toList();
  }

  private <T> T pick(List<T> xs) {
    return xs.get(rnd.nextInt(xs.size()));
  }

  private static String capitalise(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
