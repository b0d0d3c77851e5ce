package org.gemsj.data.synth;

import java.util.ArrayList;
import java.util.List;

/**
 * The vocabulary of the synthetic shop: four domains, each with brands, series names, attributes and
 * "chains" of product types bought in order (a tent, then a sleeping bag, then a sleeping pad, ...).
 */
final class SyntheticCatalog {
  private SyntheticCatalog() {}

  static final List<String> COLOURS =
      List.of("black", "blue", "red", "green", "grey", "white", "orange", "yellow");

  /** A product type; {@code next} is the type that follows it in its chain, or null at the end. */
  record Type(String name, Domain domain, String chain, int position, Type next) {}

  record Domain(String name, List<String> brands, List<String> series, List<String> attributes,
      List<List<String>> chainTypes, List<String> chainNames) {

    List<Type> types() {
      List<Type> out = new ArrayList<>();
      for (int c = 0; c < chainTypes.size(); c++) {
        List<String> names = chainTypes.get(c);
        Type next = null;
        List<Type> chain = new ArrayList<>();
        for (int i = names.size() - 1; i >= 0; i--) {
          next = new Type(names.get(i), this, chainNames.get(c), i, next);
          chain.add(0, next);
        }
        out.addAll(chain);
      }
      return out;
    }
  }

  static final List<Domain> DOMAINS = List.of(
      new Domain("outdoor",
          List.of("Alpina", "Northpeak", "Ridgeline", "Cascade", "Timberwolf"),
          List.of("Trailhead", "Summit", "Basecamp", "Wayfarer", "Glacier"),
          List.of("waterproof", "lightweight", "insulated", "breathable", "packable", "rugged"),
          List.of(List.of("tent", "sleeping bag", "sleeping pad", "camping stove", "headlamp"),
              List.of("hiking boots", "hiking socks", "trekking poles", "daypack"),
              List.of("climbing shoes", "chalk bag", "climbing harness", "belay device"),
              List.of("kayak paddle", "dry bag", "life vest")),
          List.of("camping", "hiking", "climbing", "paddling")),
      new Domain("kitchen",
          List.of("Cuisona", "Ferro", "Hearthly", "Saltbox", "Copperline"),
          List.of("Bistro", "Artisan", "Everyday", "Heritage", "Studio"),
          List.of("stainless", "nonstick", "compact", "ceramic", "bamboo", "heavy-duty"),
          List.of(List.of("coffee grinder", "pour-over kettle", "coffee dripper", "paper filters"),
              List.of("chef knife", "cutting board", "knife sharpener", "knife block"),
              List.of("stand mixer", "mixing bowl", "baking sheet", "cooling rack"),
              List.of("frying pan", "spatula", "splatter guard")),
          List.of("coffee", "knives", "baking", "cookware")),
      new Domain("electronics",
          List.of("Voltix", "Nimbus", "Arcwave", "Lumen", "Quanta"),
          List.of("Pro", "Air", "Max", "Edge", "Core"),
          List.of("wireless", "portable", "slim", "fast", "noise-cancelling", "rugged"),
          List.of(List.of("laptop", "laptop sleeve", "wireless mouse", "usb-c hub"),
              List.of("smartphone", "phone case", "screen protector", "fast charger"),
              List.of("mirrorless camera", "memory card", "tripod", "camera bag"),
              List.of("turntable", "bookshelf speakers", "speaker stands")),
          List.of("computing", "mobile", "photo", "audio")),
      new Domain("fitness",
          List.of("Stride", "Pulse", "Corefit", "Apex", "Tempo"),
          List.of("Sprint", "Flow", "Forge", "Endure", "Zen"),
          List.of("lightweight", "cushioned", "adjustable", "breathable", "foldable", "grippy"),
          List.of(List.of("running shoes", "running socks", "running belt", "sports watch"),
              List.of("yoga mat", "yoga blocks", "yoga strap"),
              List.of("dumbbells", "weight bench", "lifting gloves"),
              List.of("road bike", "bike helmet", "bike lights", "water bottle")),
          List.of("running", "yoga", "strength", "cycling")));
}
