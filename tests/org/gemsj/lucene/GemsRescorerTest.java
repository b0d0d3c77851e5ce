package org.gemsj.lucene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.gemsj.api.GemsModel;
import org.gemsj.api.Hit;
import org.gemsj.data.Dataset;
import org.gemsj.data.Item;
import org.gemsj.data.synth.SyntheticData;
import org.gemsj.model.GenerativeModel;
import org.gemsj.model.ItemIds;
import org.gemsj.model.ModelFactory;
import org.gemsj.model.ModelStore;
import org.gemsj.testing.TinyModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Lucene hook on the demo catalogue: the rescorer's order and scores are GemsModel.rerank's
 * over the first pass's items, documents the model does not know keep their order at the end,
 * and the runnable example runs.
 */
class GemsRescorerTest {
  @TempDir static Path dir;
  static GemsModel model;
  static List<Item> catalogue;

  @BeforeAll
  static void demoModel() throws Exception {
    Random r = new Random(System.nanoTime());
    SyntheticData.generate(dir.resolve("data"), 7, new SyntheticData.Options(60, 24, 8));
    catalogue = Dataset.load(dir.resolve("data")).items();
    try (GenerativeModel fresh = ModelFactory.create(TinyModels.options(ItemIds.Scheme.ATOMIC), catalogue, r.nextLong())) {
      TinyModels.perturbDecoder(fresh, r);
      ModelStore.save(fresh, dir.resolve("model"));
    }
    model = GemsModel.load(dir.resolve("model"));
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void theExampleReRanksTheBm25FirstPassAsRerankDoes() throws Exception {
    String query = catalogue.get(3).title().split(" ")[0] + " " + catalogue.get(11).title().split(" ")[0];
    List<String> history = List.of(catalogue.get(5).id(), catalogue.get(8).id());
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    LuceneRerankExample.Result result = LuceneRerankExample.run(model, query, history,
        new PrintStream(printed, true, StandardCharsets.UTF_8));
    String text = printed.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("BM25 first pass") && text.contains("re-ranked by GEMS-J"), text);
    assertTrue(result.firstPass().size() > LuceneRerankExample.SHOWN, "a first pass to re-rank: " + text);
    // the re-ranked top is rerank's order over the whole first pass, cut at SHOWN
    List<String> expected = model.rerank(query, history, result.firstPass()).stream().map(Hit::id)
        .limit(LuceneRerankExample.SHOWN).toList();
    assertEquals(expected, result.reranked());
    for (String id : result.reranked()) {
      assertTrue(text.contains(" " + id + " "), id + " printed: " + text);
    }
    LuceneRerankExample.main(new String[] {dir.resolve("model").toString(), query}); // the command as documented
  }

  @Test
  void scoresAreRerankOfTheFirstPassAndUnknownDocumentsGoLast() throws Exception {
    StandardAnalyzer analyzer = new StandardAnalyzer();
    try (ByteBuffersDirectory index = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(index, new IndexWriterConfig(analyzer))) {
        add(w, null, "no id field here");               // doc 0
        for (int i = 0; i < 12; i++) {                  // docs 1..12
          add(w, catalogue.get(i).id(), catalogue.get(i).title());
        }
        add(w, "not-in-the-catalogue", "a stranger");   // doc 13
        add(w, catalogue.get(4).id(), "the same item twice"); // doc 14
      }
      try (DirectoryReader reader = DirectoryReader.open(index)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        TopDocs firstPass = searcher.search(new MatchAllDocsQuery(), 100);
        assertEquals(15, firstPass.scoreDocs.length);
        String query = catalogue.get(2).title();
        GemsRescorer rescorer = new GemsRescorer(model, "id", query, List.of());
        TopDocs all = rescorer.rescore(searcher, firstPass, 100);
        List<String> known = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          known.add(catalogue.get(i).id());
        }
        List<Hit> expected = model.rerank(query, List.of(), known);
        assertEquals(15, all.scoreDocs.length);
        for (int i = 0; i < expected.size(); i++) {
          int doc = all.scoreDocs[i].doc;
          assertEquals(expected.get(i).id(), searcher.storedFields().document(doc).get("id"));
          assertEquals((float) expected.get(i).score(), all.scoreDocs[i].score, 0f);
        }
        // unknown ones keep their first-pass order (doc 0, 13, 14) after the re-ranked ones
        assertEquals(List.of(0, 13, 14), List.of(all.scoreDocs[12].doc, all.scoreDocs[13].doc, all.scoreDocs[14].doc));
        assertEquals(Float.NEGATIVE_INFINITY, all.scoreDocs[14].score, 0f);
        assertEquals(firstPass.totalHits, all.totalHits);
        TopDocs three = rescorer.rescore(searcher, firstPass, 3);
        assertEquals(3, three.scoreDocs.length);
        assertEquals(all.scoreDocs[0].doc, three.scoreDocs[0].doc);
        // a recommendation re-rank: no query, a history
        TopDocs rec = new GemsRescorer(model, "id", null, List.of(catalogue.get(1).id())).rescore(searcher,
            searcher.search(new TermQuery(new Term("id", catalogue.get(7).id())), 10), 10);
        assertEquals(1, rec.scoreDocs.length);
        assertEquals(0.0, rec.scoreDocs[0].score, 1e-6); // the only candidate: probability 1 among itself
        Explanation ex = rescorer.explain(searcher, Explanation.match(2.5f, "bm25"), 13);
        assertTrue(ex.getDescription().contains("not in the model's catalogue"), ex.toString());
        assertEquals(2.5f, ex.getValue().floatValue(), 0f);
      }
    }
  }

  private static void add(IndexWriter w, String id, String title) throws Exception {
    Document d = new Document();
    if (id != null) {
      d.add(new StringField("id", id, Field.Store.YES));
    }
    d.add(new TextField("title", title, Field.Store.YES));
    w.addDocument(d);
  }
}
