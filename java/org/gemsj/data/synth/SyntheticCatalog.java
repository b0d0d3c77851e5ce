package org.gemsj.data.synth;

import java.util.ArrayList;
import java.util.List;

/**
 * The vocabulary of the synthetic shop: four domains, each with five brands, five series names and
 * two "chains" of three product types bought in order (a tent, then a sleeping bag, then a camping
 * stove). Each product type has three features, of which every item of the type has two; the
 * feature words are shared by many items, the brand, series, tier and colour words never appear in
 * a query. Every word is one token for Lucene's English analyzer (no hyphens), so all the items of a
 * type have documents of the same length and BM25 cannot tell the items matching a query apart.
 */
final class SyntheticCatalog {
  private SyntheticCatalog() {}

  static final List<String> COLOURS =
      List.of("black", "blue", "red", "green", "grey", "white", "orange", "yellow");

  /** Price tiers, cheapest first (an item's tier is in its title and text). */
  static final List<String> TIERS = List.of("budget", "midrange", "premium");

  /** How many users prefer each tier (budget, midrange, premium): a skew popularity can learn. */
  static final double[] TIER_SHARE = {0.35, 0.40, 0.25};

  /**
   * How many users have each brand of a domain (in the domain's order) as their favourite: a skew
   * popularity can learn.
   */
  static final double[] BRAND_SHARE = {0.30, 0.25, 0.20, 0.15, 0.10};

  /** A product type; {@code next} is the type that follows it in its chain, or null at the end. */
  record Type(String name, Domain domain, String chain, int position, Type next, List<String> features) {}

  /** One type of a chain as written below: its name and its three features. */
  record Spec(String name, List<String> features) {}

  record Domain(String name, List<String> brands, List<String> series, List<List<Spec>> chainTypes,
      List<String> chainNames) {

    List<Type> types() {
      List<Type> out = new ArrayList<>();
      for (int c = 0; c < chainTypes.size(); c++) {
        List<Spec> specs = chainTypes.get(c);
        Type next = null;
        List<Type> chain = new ArrayList<>();
        for (int i = specs.size() - 1; i >= 0; i--) {
          next = new Type(specs.get(i).name(), this, chainNames.get(c), i, next, specs.get(i).features());
          chain.add(0, next);
        }
        out.addAll(chain);
      }
      return out;
    }
  }

  private static Spec spec(String name, String... features) {
    return new Spec(name, List.of(features));
  }

  static final List<Domain> DOMAINS = List.of(
      new Domain("outdoor",
          List.of("Alpina", "Northpeak", "Ridgeline", "Cascade", "Timberwolf"),
          List.of("Trailhead", "Summit", "Basecamp", "Wayfarer", "Glacier"),
          List.of(List.of(spec("tent", "waterproof", "lightweight", "freestanding"),
                  spec("sleeping bag", "insulated", "lightweight", "compressible"),
                  spec("camping stove", "compact", "windproof", "lightweight")),
              List.of(spec("hiking boots", "waterproof", "breathable", "rugged"),
                  spec("hiking socks", "merino", "cushioned", "breathable"),
                  spec("trekking poles", "foldable", "carbon", "adjustable"))),
          List.of("camping", "hiking")),
      new Domain("kitchen",
          List.of("Cuisona", "Ferro", "Hearthly", "Saltbox", "Copperline"),
          List.of("Bistro", "Artisan", "Everyday", "Heritage", "Studio"),
          List.of(List.of(spec("coffee grinder", "burr", "electric", "manual"),
                  spec("kettle", "gooseneck", "electric", "stainless"),
                  spec("coffee dripper", "ceramic", "glass", "stainless")),
              List.of(spec("chef knife", "forged", "stainless", "japanese"),
                  spec("cutting board", "bamboo", "walnut", "reversible"),
                  spec("knife sharpener", "ceramic", "diamond", "manual"))),
          List.of("coffee", "knives")),
      new Domain("electronics",
          List.of("Voltix", "Nimbus", "Arcwave", "Lumen", "Quanta"),
          List.of("Pro", "Air", "Max", "Edge", "Core"),
          List.of(List.of(spec("laptop", "ultralight", "touchscreen", "convertible"),
                  spec("laptop sleeve", "padded", "waterproof", "slim"),
                  spec("wireless mouse", "ergonomic", "silent", "rechargeable")),
              List.of(spec("smartphone", "compact", "waterproof", "unlocked"),
                  spec("phone case", "rugged", "slim", "magnetic"),
                  spec("phone charger", "wireless", "fast", "magnetic"))),
          List.of("computing", "mobile")),
      new Domain("fitness",
          List.of("Stride", "Pulse", "Corefit", "Apex", "Tempo"),
          List.of("Sprint", "Flow", "Forge", "Endure", "Zen"),
          List.of(List.of(spec("running shoes", "trail", "cushioned", "lightweight"),
                  spec("running socks", "compression", "cushioned", "breathable"),
                  spec("sports watch", "gps", "waterproof", "solar")),
              List.of(spec("yoga mat", "grippy", "thick", "foldable"),
                  spec("yoga blocks", "cork", "foam", "bamboo"),
                  spec("yoga strap", "cotton", "adjustable", "padded"))),
          List.of("running", "yoga")));
}
