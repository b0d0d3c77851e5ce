package org.gemsj.lucene;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.QueryBuilder;
import org.gemsj.api.GemsModel;
import org.gemsj.data.Item;

/**
 * The Lucene hook end to end: a saved model's catalogue indexed in Lucene, a BM25 first pass
 * over the titles and texts, its top 100 re-ranked by {@link GemsRescorer}.
 *
 * <pre>
 * java -cp target/gems-j-*.jar:... org.gemsj.lucene.LuceneRerankExample out/demo/model "hiking boots" [ITEM_ID ...]
 * </pre>
 *
 * The arguments after the query are the user's history, oldest first.
 */
public final class LuceneRerankExample {
  static final int FIRST_PASS = 100;
  static final int SHOWN = 10;

  private LuceneRerankExample() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: LuceneRerankExample MODEL_DIR QUERY [HISTORY_ITEM_ID ...]");
      System.exit(2);
    }
    try (GemsModel model = GemsModel.load(Path.of(args[0]))) {
      run(model, args[1], Arrays.asList(args).subList(2, args.length), System.out);
    }
  }

  /** The item ids of the first pass (all of it) and of the re-ranked top, each best first. */
  record Result(List<String> firstPass, List<String> reranked) {}

  /** Indexes the catalogue, runs the first pass and the re-rank, prints both. */
  static Result run(GemsModel model, String query, List<String> history, PrintStream out) throws IOException {
    StandardAnalyzer analyzer = new StandardAnalyzer();
    try (Directory index = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(index, new IndexWriterConfig(analyzer))) {
        for (Item item : model.items()) {
          Document doc = new Document();
          doc.add(new StringField("id", item.id(), Field.Store.YES));
          doc.add(new TextField("title", item.title(), Field.Store.YES));
          doc.add(new TextField("body", item.document(), Field.Store.NO));
          w.addDocument(doc);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(index)) {
        IndexSearcher searcher = new IndexSearcher(reader);
        Query bm25 = new QueryBuilder(analyzer).createBooleanQuery("body", query); // any query word (OR)
        if (bm25 == null) {
          throw new IllegalArgumentException("the query '" + query + "' has no searchable words");
        }
        TopDocs firstPass = searcher.search(bm25, FIRST_PASS);
        out.printf("BM25 first pass for \"%s\": %d of %d documents%n", query, firstPass.scoreDocs.length,
            firstPass.totalHits.value);
        print(searcher, firstPass, out);
        TopDocs reranked = new GemsRescorer(model, "id", query, history).rescore(searcher, firstPass, SHOWN);
        out.println("re-ranked by GEMS-J (log-probability among the first pass):");
        print(searcher, reranked, out);
        return new Result(ids(searcher, firstPass), ids(searcher, reranked));
      }
    }
  }

  private static List<String> ids(IndexSearcher searcher, TopDocs docs) throws IOException {
    List<String> ids = new ArrayList<>();
    for (ScoreDoc sd : docs.scoreDocs) {
      ids.add(searcher.storedFields().document(sd.doc).get("id"));
    }
    return ids;
  }

  private static void print(IndexSearcher searcher, TopDocs docs, PrintStream out) throws IOException {
    for (int i = 0; i < Math.min(SHOWN, docs.scoreDocs.length); i++) {
      ScoreDoc sd = docs.scoreDocs[i];
      Document d = searcher.storedFields().document(sd.doc);
      out.printf("  %2d. %-8s %8.4f  %s%n", i + 1, d.get("id"), sd.score, d.get("title"));
    }
  }
}
