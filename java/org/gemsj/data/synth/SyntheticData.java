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
 * The embedded default dataset: a small shop where a search query names what kind of product the
 * user wants and their history says which one. A query names a product type and maybe one feature
 * ("waterproof tent"), words that many items share equally; the user takes the matching item of
 * their favourite brand (per domain) and price tier, their colour breaking ties, which their
 * history shows. Recommendation follows chains of complementary products (after a tent, a sleeping
 * bag) in the user's brand and tier. Deterministic per seed (java.util.Random is specified across
 * JVMs; the writer's output is byte-stable). See docs/DATA.md.
 */
public final class SyntheticData {
  static final double SEARCH_SHARE = 0.4;
  /** A search adds one of the type's features to the query this often (else it names the type alone). */
  static final double FEATURE_QUERY = 0.5;
  /** A search or a new chain is in the user's main domain this often (else their second). */
  static final double MAIN_DOMAIN = 0.75;
  /** A search takes a uniformly random matching item this often instead of the user's favourite. */
  static final double SEARCH_EXPLORE = 0.1;
  /** Rec wants the user's favourite brand of the domain this often (else a random brand). */
  static final double BRAND_LOYALTY = 0.85;
  /** Rec wants the user's price tier this often (else a random tier). */
  static final double TIER_CONSISTENCY = 0.85;
  /** After a chain's last type, rec starts the other chain of the same domain this often. */
  static final double NEXT_CHAIN_SAME_DOMAIN = 0.6;
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

  private record Product(Item item, Type type, String brand, int tier, String colour, List<String> features) {}

  private record User(String id, Domain main, Domain second, Map<Domain, String> brand, int tier, String colour) {}

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

  /**
   * Round robin over the types: item i is variant i / types of type i % types. Variant v has brand
   * v mod 5 and tier v mod 3, so the first 15 variants of a type are every (brand, tier) pair once.
   * Each variant lacks one of its type's three features, balanced over the type and shuffled.
   */
  private void catalogue(int n) {
    int types = TYPES.size();
    List<List<Integer>> lacks = new ArrayList<>();
    for (int t = 0; t < types; t++) {
      List<Integer> l = new ArrayList<>();
      for (int v = 0; v * types + t < n; v++) {
        l.add(v % 3);
      }
      Collections.shuffle(l, rnd);
      lacks.add(l);
    }
    for (int i = 0; i < n; i++) {
      int t = i % types, v = i / types;
      add(TYPES.get(t), v, lacks.get(t).get(v));
    }
  }

  private void add(Type type, int variant, int lacking) {
    Domain d = type.domain();
    String brand = d.brands().get(variant % d.brands().size());
    int tier = variant % SyntheticCatalog.TIERS.size();
    String tierName = SyntheticCatalog.TIERS.get(tier);
    String colour = pick(SyntheticCatalog.COLOURS);
    String series = pick(d.series());
    List<String> features = new ArrayList<>(type.features());
    features.remove(lacking);
    features = List.copyOf(features);
    String title = brand + " " + series + " " + type.name() + ", " + tierName + ", " + colour;
    String text = capitalise(features.get(0)) + " and " + features.get(1) + " " + type.name() + " in " + colour
        + ", " + tierName + " price tier, from " + brand + "'s " + series + " line.";
    String id = String.format("p%04d", products.size());
    Item item = new Item(id, title, text, List.of(d.name(), type.chain()));
    Product p = new Product(item, type, brand, tier, colour, features);
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
      brand.put(d, d.brands().get(weighted(SyntheticCatalog.BRAND_SHARE)));
    }
    int tier = weighted(SyntheticCatalog.TIER_SHARE);
    return new User(String.format("u%04d", u), main, second, brand, tier, pick(SyntheticCatalog.COLOURS));
  }

  /** An index drawn with the given probabilities (they sum to 1). */
  private int weighted(double[] shares) {
    double r = rnd.nextDouble();
    for (int i = 0; i < shares.length - 1; i++) {
      if ((r -= shares[i]) < 0) {
        return i;
      }
    }
    return shares.length - 1;
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

  /**
   * The user wants a product type of their domains, maybe with one feature, and queries with just
   * those words; of the items that have them (all equal for BM25), they take their favourite.
   */
  private Product search(User u, String[] query) {
    Domain d = rnd.nextDouble() < MAIN_DOMAIN ? u.main() : u.second();
    List<Type> types = typesOf(d);
    Type type = types.get(rnd.nextInt(types.size()));
    List<Product> matches = byType.get(type);
    query[0] = type.name();
    if (rnd.nextDouble() < FEATURE_QUERY) {
      String feature = pick(type.features());
      List<Product> having = matches.stream().filter(p -> p.features().contains(feature)).toList();
      if (!having.isEmpty()) {
        matches = having;
        query[0] = feature + " " + type.name();
      }
    }
    if (rnd.nextDouble() < SEARCH_EXPLORE) {
      return pick(matches);
    }
    return favourite(u, matches, u.brand().get(d), u.tier());
  }

  /**
   * The next type of the anchor's chain; after a chain's end the other chain of its domain, or a
   * chain of the user's domains. The user wants their brand and tier (mostly) in it.
   */
  private Product recommend(User u, Product anchor) {
    Type type;
    if (anchor != null && anchor.type().next() != null) {
      type = anchor.type().next();
    } else {
      Domain d = anchor != null && rnd.nextDouble() < NEXT_CHAIN_SAME_DOMAIN ? anchor.type().domain()
          : rnd.nextDouble() < MAIN_DOMAIN ? u.main() : u.second();
      List<Type> heads = typesOf(d).stream()
          .filter(t -> t.position() == 0 && (anchor == null || !t.chain().equals(anchor.type().chain())))
          .toList();
      type = heads.get(rnd.nextInt(heads.size()));
    }
    Domain d = type.domain();
    String brand = rnd.nextDouble() < BRAND_LOYALTY ? u.brand().get(d) : pick(d.brands());
    int tier = rnd.nextDouble() < TIER_CONSISTENCY ? u.tier() : rnd.nextInt(SyntheticCatalog.TIERS.size());
    return favourite(u, byType.get(type), brand, tier);
  }

  /** The candidate with the wanted brand, then the nearest tier, then the user's colour; random among equals. */
  private Product favourite(User u, List<Product> candidates, String brand, int tier) {
    Product best = null;
    int bestScore = -1;
    int ties = 0;
    for (Product p : candidates) {
      int score = (p.brand().equals(brand) ? 8 : 0) + 2 * (2 - Math.abs(p.tier() - tier))
          + (p.colour().equals(u.colour()) ? 1 : 0);
      if (score > bestScore) {
        best = p;
        bestScore = score;
        ties = 1;
      } else if (score == bestScore && rnd.nextInt(++ties) == 0) {
        best = p;
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
