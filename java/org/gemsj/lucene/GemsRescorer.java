package org.gemsj.lucene;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Rescorer;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.gemsj.api.GemsModel;
import org.gemsj.api.Hit;

/**
 * Re-ranks a Lucene first pass with a GEMS-J model: the first pass's documents are the
 * candidates of {@link GemsModel#rerank}, identified by a stored field holding the catalogue
 * item id. Use it as any {@link Rescorer}:
 *
 * <pre>{@code
 * TopDocs firstPass = searcher.search(bm25Query, 100);
 * TopDocs best = new GemsRescorer(model, "id", queryText, history).rescore(searcher, firstPass, 10);
 * }</pre>
 *
 * <p>A document's new score is the model's log-probability of its item among the candidates
 * (so the scores of one rescore are comparable only with each other). Documents without the id
 * field, or whose id is not in the model's catalogue, keep their first-pass order after the
 * re-ranked ones, with score {@code -Infinity}. One instance holds one query (and history); it is
 * as thread-safe as the model.
 */
public final class GemsRescorer extends Rescorer {
  private final GemsModel model;
  private final String idField;
  private final String query;
  private final List<String> history;

  /**
   * @param query the user's query, or null to re-rank for a recommendation (then history is required)
   * @param history the user's past item ids, oldest first (may be empty for a search)
   */
  public GemsRescorer(GemsModel model, String idField, String query, List<String> history) {
    this.model = Objects.requireNonNull(model, "model");
    this.idField = Objects.requireNonNull(idField, "idField");
    this.query = query;
    this.history = List.copyOf(history);
  }

  @Override
  public TopDocs rescore(IndexSearcher searcher, TopDocs firstPass, int topN) throws IOException {
    if (topN < 0) {
      throw new IllegalArgumentException("topN must be >= 0, got " + topN);
    }
    List<ScoreDoc> known = new ArrayList<>(), unknown = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    Map<String, ScoreDoc> byId = new HashMap<>();
    for (ScoreDoc sd : firstPass.scoreDocs) {
      Document doc = searcher.storedFields().document(sd.doc, Set.of(idField));
      String id = doc.get(idField);
      if (id == null || model.item(id).isEmpty() || byId.containsKey(id)) {
        unknown.add(sd); // not the model's to score (or a second document of the same item)
      } else {
        byId.put(id, sd);
        ids.add(id);
        known.add(sd);
      }
    }
    List<ScoreDoc> out = new ArrayList<>();
    if (!ids.isEmpty()) {
      for (Hit h : model.rerank(query, history, ids)) {
        out.add(new ScoreDoc(byId.get(h.id()).doc, (float) h.score(), byId.get(h.id()).shardIndex));
      }
    }
    for (ScoreDoc sd : unknown) {
      out.add(new ScoreDoc(sd.doc, Float.NEGATIVE_INFINITY, sd.shardIndex));
    }
    List<ScoreDoc> top = out.subList(0, Math.min(topN, out.size()));
    return new TopDocs(new TotalHits(firstPass.totalHits.value, firstPass.totalHits.relation),
        top.toArray(new ScoreDoc[0]));
  }

  /**
   * A document's re-ranked score depends on the other candidates of its first pass, which this
   * call does not see: the explanation names the re-ranking and carries the first pass's.
   */
  @Override
  public Explanation explain(IndexSearcher searcher, Explanation firstPass, int docId) throws IOException {
    String id = searcher.storedFields().document(docId, Set.of(idField)).get(idField);
    String what = id == null ? "no " + idField + " field: not re-ranked"
        : model.item(id).isEmpty() ? "item " + id + " is not in the model's catalogue: not re-ranked"
        : "re-ranked by GEMS-J among the first pass's candidates (log-probability of item " + id + " among them)";
    return Explanation.match(firstPass.getValue(), what, firstPass);
  }
}
