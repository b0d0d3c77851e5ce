package org.gemsj.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.Weight;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.gemsj.data.Example;
import org.gemsj.data.Item;
import org.gemsj.data.Task;

/**
 * Lexical baseline for search: Lucene BM25 (k1 = 1.2, b = 0.75) over {@link Item#document()} with
 * the English analyzer, in memory. The query is analysed by the same analyzer and becomes an OR of
 * its terms (a term repeated n times weighs n times), never parsed, so any user text is safe.
 * Items matching no term score 0. Serves search only: rec examples have no query.
 */
public final class Bm25Scorer implements Scorer, AutoCloseable {
  static final String FIELD = "body";
  private static final String INDEX_FIELD = "idx";

  private final Analyzer analyzer = new EnglishAnalyzer();
  private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final int[][] itemOfDoc; // per leaf: Lucene doc -> catalogue index
  private final int size;

  public Bm25Scorer(List<Item> items) {
    this.size = items.size();
    BM25Similarity sim = new BM25Similarity();
    try {
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(analyzer).setSimilarity(sim))) {
        for (int i = 0; i < items.size(); i++) {
          Document d = new Document();
          d.add(new TextField(FIELD, items.get(i).document(), Field.Store.NO));
          d.add(new NumericDocValuesField(INDEX_FIELD, i));
          w.addDocument(d);
        }
      }
      reader = DirectoryReader.open(dir);
      searcher = new IndexSearcher(reader);
      searcher.setSimilarity(sim);
      // merges may reorder documents, so map them back through the stored index
      itemOfDoc = new int[reader.leaves().size()][];
      for (LeafReaderContext ctx : reader.leaves()) {
        int[] map = new int[ctx.reader().maxDoc()];
        NumericDocValues dv = ctx.reader().getNumericDocValues(INDEX_FIELD);
        for (int d = 0; d < map.length; d++) {
          if (dv == null || !dv.advanceExact(d)) {
            throw new IllegalStateException("BM25 index lost the item index of document " + d);
          }
          map[d] = (int) dv.longValue();
        }
        itemOfDoc[ctx.ord] = map;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("building the BM25 index", e);
    }
  }

  @Override
  public String name() {
    return "bm25";
  }

  @Override
  public Set<Task> tasks() {
    return Set.of(Task.SEARCH);
  }

  @Override
  public float[][] scores(List<Example> batch) {
    float[][] out = new float[batch.size()][];
    for (int b = 0; b < batch.size(); b++) {
      out[b] = scoreQuery(queryOf(batch.get(b), "BM25"));
    }
    return out;
  }

  /** The query of a search example; refuses, naming {@code scorer}, an example that has none. */
  static String queryOf(Example ex, String scorer) {
    if (ex.task() != Task.SEARCH || ex.query() == null) {
      throw new IllegalArgumentException(scorer + " scores search examples with a query; got a " + ex.task().wire
          + " example of user " + ex.user());
    }
    return ex.query();
  }

  /** BM25 score of every catalogue item for {@code text} (0 where no term matches). */
  public float[] scoreQuery(String text) {
    float[] out = new float[size];
    Query q = query(text);
    if (q == null) {
      return out;
    }
    try {
      Weight weight = searcher.createWeight(searcher.rewrite(q), ScoreMode.COMPLETE, 1f);
      for (LeafReaderContext ctx : reader.leaves()) {
        org.apache.lucene.search.Scorer s = weight.scorer(ctx);
        if (s == null) {
          continue;
        }
        int[] map = itemOfDoc[ctx.ord];
        DocIdSetIterator it = s.iterator();
        for (int d = it.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = it.nextDoc()) {
          out[map[d]] = s.score();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("BM25 search", e);
    }
    return out;
  }

  /** The analysed terms of {@code text}, in order, with repeats (what a query or document sees). */
  public List<String> analyze(String text) {
    List<String> terms = new ArrayList<>();
    try (TokenStream ts = analyzer.tokenStream(FIELD, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        terms.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException("analysing query", e);
    }
    return terms;
  }

  /** OR of the distinct terms, each boosted by its count; null when nothing survives analysis. */
  private Query query(String text) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String t : analyze(text)) {
      counts.merge(t, 1, Integer::sum);
    }
    if (counts.isEmpty()) {
      return null;
    }
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    int clauses = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      if (clauses++ == IndexSearcher.getMaxClauseCount()) {
        break; // a pasted essay: keep the first terms rather than fail
      }
      Query tq = new TermQuery(new Term(FIELD, e.getKey()));
      b.add(e.getValue() == 1 ? tq : new BoostQuery(tq, e.getValue()), BooleanClause.Occur.SHOULD);
    }
    return b.build();
  }

  @Override
  public void close() throws IOException {
    reader.close();
    dir.close();
    analyzer.close();
  }
}
