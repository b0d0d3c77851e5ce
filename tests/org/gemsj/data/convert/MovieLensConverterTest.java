package org.gemsj.data.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gemsj.data.Dataset;
import org.gemsj.data.DatasetException;
import org.gemsj.data.Event;
import org.gemsj.data.Example;
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLensConverterTest {
  @TempDir Path src;
  @TempDir Path out;

  @BeforeEach
  void writeSource() throws IOException {
    Files.writeString(src.resolve("movies.csv"), """
        movieId,title,genres
        1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
        2,"American President, The (1995)",Comedy|Drama|Romance
        3,Unknown Film (2000),(no genres listed)
        """);
    Files.writeString(src.resolve("ratings.csv"), """
        userId,movieId,rating,timestamp
        1,1,4.0,10
        1,2,5.0,20
        1,2,5.0,20
        1,3,3.0,30
        2,1,2.5,40
        """);
    Files.writeString(src.resolve("tags.csv"), """
        userId,movieId,tag,timestamp
        1,1,pixar,15
        1,2,"politics, romance",25
        1,3,weird,35
        2,2,  ,45
        """);
  }

  @Test
  void ratingsAreRecTagsAreSearchAndSplitIsHandChecked() throws IOException {
    MovieLensConverter.convert(src, out, new MovieLensConverter.Options(0, 0.0, 3.0));
    Dataset d = Dataset.load(out);
    assertEquals(3, d.items().size());
    assertEquals("American President, The (1995)", d.item("2").title());
    assertEquals(List.of("Comedy", "Drama", "Romance"), d.item("2").categories());
    assertEquals(List.of(), d.item("3").categories());
    // 5 rating lines: one duplicate, one below --min-rating 3; 4 tags: one blank.
    assertEquals(6, d.events().size());
    assertEquals(new Event("1", "2", 25, Task.SEARCH, "politics, romance"), d.events().get(4));
    SplitData s = Splitter.split(d, 20);
    // user 1 in time order: R1@10 S1@15 R2@20 S2@25 R3@30 S3@35
    Example recTest = s.test().get(0);
    assertEquals(Task.REC, recTest.task());
    assertEquals("3", recTest.target());
    assertEquals(List.of("1", "1", "2", "2"), recTest.history());
    assertEquals("weird", s.test().get(1).query());
    assertEquals(2, s.valid().size());
    // Train: S1 is kept with an empty history; R1 is dropped (a rec example needs history).
    assertEquals(List.of("1"), s.train().stream().map(Example::target).toList());
    assertEquals(Task.SEARCH, s.train().get(0).task());
  }

  @Test
  void searchShareUsesGenreQueries() throws IOException {
    MovieLensConverter.convert(src, out, new MovieLensConverter.Options(0, 1.0, 0));
    Dataset d = Dataset.load(out);
    List<Event> ratings = d.events().stream().filter(e -> e.ts() % 10 == 0).toList();
    assertEquals(List.of(
        new Event("1", "1", 10, Task.SEARCH, "adventure animation children movies"),
        new Event("1", "2", 20, Task.SEARCH, "comedy drama romance movies"),
        new Event("1", "3", 30, Task.REC, null), // no genres: stays rec
        new Event("2", "1", 40, Task.SEARCH, "adventure animation children movies")), ratings);
  }

  @Test
  void searchShareIsSeededAndAboutRight() {
    int picked = 0;
    int same = 0;
    for (int i = 0; i < 20000; i++) {
      boolean a = SearchShare.picked(7, "u" + (i % 500), "m" + i, 0.25);
      picked += a ? 1 : 0;
      same += a == SearchShare.picked(8, "u" + (i % 500), "m" + i, 0.25) ? 1 : 0;
      assertEquals(a, SearchShare.picked(7, "u" + (i % 500), "m" + i, 0.25));
    }
    assertEquals(0.25, picked / 20000.0, 0.015);
    assertTrue(same < 19000, "another seed picks other pairs");
  }

  @Test
  void missingColumnAndBadValuesNameFileColumnAndLine() throws IOException {
    Files.writeString(src.resolve("ratings.csv"), """
        userId,movieId,timestamp
        1,1,10
        """);
    Files.writeString(src.resolve("tags.csv"), """
        userId,movieId,tag,timestamp
        1,1,pixar,soon
        1,9,pixar,15
        """);
    DatasetException e = assertThrows(DatasetException.class,
        () -> MovieLensConverter.convert(src, out, MovieLensConverter.Options.DEFAULTS));
    assertEquals(3, e.total(), e.getMessage());
    assertTrue(e.errors().get(0).startsWith("ratings.csv:1: missing column 'rating'"), e.getMessage());
    assertEquals("tags.csv:2: column 'timestamp': not an integer \"soon\"", e.errors().get(1));
    assertEquals("tags.csv:3: column 'movieId': unknown movie \"9\" (not in movies.csv)", e.errors().get(2));
    assertTrue(Files.notExists(out.resolve("events.jsonl")));
  }

  @Test
  void headerlessFilesAreReadWithTheDocumentedLayout(@TempDir Path withHeaders) throws IOException {
    MovieLensConverter.convert(src, withHeaders, new MovieLensConverter.Options(3, 0.5, 0));
    for (String f : List.of("movies.csv", "ratings.csv")) { // as in some redistributed copies
      List<String> lines = Files.readAllLines(src.resolve(f));
      Files.write(src.resolve(f), lines.subList(1, lines.size()));
    }
    MovieLensConverter.convert(src, out, new MovieLensConverter.Options(3, 0.5, 0));
    Dataset a = Dataset.load(withHeaders), b = Dataset.load(out);
    assertEquals(a.items(), b.items());
    assertEquals(a.events(), b.events());
    assertEquals(7, b.events().size()); // 4 distinct ratings + 3 non-blank tags
    // lines of a headerless file are counted from 1
    Files.writeString(src.resolve("ratings.csv"), "1,1,4.0,10\n1,2,good,20\n");
    DatasetException e = assertThrows(DatasetException.class,
        () -> MovieLensConverter.convert(src, out, MovieLensConverter.Options.DEFAULTS));
    assertEquals("ratings.csv:2: column 'rating': not a number \"good\"", e.errors().get(0));
    // a headerless file with another field count still asks for the header
    Files.writeString(src.resolve("ratings.csv"), "1,1,4.0\n");
    e = assertThrows(DatasetException.class,
        () -> MovieLensConverter.convert(src, out, MovieLensConverter.Options.DEFAULTS));
    assertTrue(e.errors().get(0).startsWith("ratings.csv:1: missing column 'userId'"), e.getMessage());
  }

  @Test
  void missingFile() throws IOException {
    Files.delete(src.resolve("movies.csv"));
    DatasetException e = assertThrows(DatasetException.class,
        () -> MovieLensConverter.convert(src, out, MovieLensConverter.Options.DEFAULTS));
    assertTrue(e.errors().get(0).startsWith("movies.csv: missing file"), e.getMessage());
  }
}
