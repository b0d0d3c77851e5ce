package org.gemsj.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitterTest {
  @TempDir Path dir;

  private static Event rec(String user, String item, long ts) {
    return new Event(user, item, ts, Task.REC, null);
  }

  private static Event search(String user, String item, long ts, String q) {
    return new Event(user, item, ts, Task.SEARCH, q);
  }

  private Dataset dataset(List<Event> events) throws IOException {
    List<Item> items = new ArrayList<>();
    for (String id : List.of("a", "b", "c", "d", "e", "f", "g", "h")) {
      items.add(new Item(id, "Item " + id, "", List.of()));
    }
    DatasetWriter.write(dir, items, events);
    return Dataset.load(dir);
  }

  private static String show(List<Example> examples) {
    StringBuilder sb = new StringBuilder();
    for (Example e : examples) {
      sb.append(e.user()).append(' ').append(e.task().wire).append(' ').append(e.target())
          .append(" <- ").append(String.join(",", e.history()));
      if (e.query() != null) {
        sb.append(" q=").append(e.query());
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  @Test
  void handCheckedSplit() throws IOException {
    // File order is deliberately not time order. u1 in time order:
    // t1 S a, t2 R b, t3 R c, t3 R d (tie: file order c before d), t4 S e, t5 R f, t6 S g, t7 R h.
    // u2: three rec events but only two search events -> no search examples, searches still in history.
    Dataset d = dataset(List.of(
        rec("u1", "c", 3), search("u1", "a", 1, "qa"), rec("u1", "b", 2), rec("u1", "d", 3),
        rec("u2", "a", 10), search("u2", "b", 11, "qb"), rec("u2", "c", 12), search("u2", "d", 13, "qd"),
        rec("u2", "e", 14),
        search("u1", "e", 4, "qe"), rec("u1", "f", 5), search("u1", "g", 6, "qg"), rec("u1", "h", 7)));
    SplitData s = Splitter.split(d, 3);
    // u1 rec: b, c, d, f, h -> train b, c, d; valid f; test h. Search: a, e, g -> train a; valid e; test g.
    // u2 rec: a (dropped: empty history), c; valid c; test e.
    assertEquals("""
        u1 search a <-  q=qa
        u1 rec b <- a
        u1 rec c <- a,b
        u1 rec d <- a,b,c
        """, show(s.train()));
    assertEquals("""
        u1 search e <- b,c,d q=qe
        u1 rec f <- c,d,e
        u2 rec c <- a,b
        """, show(s.valid()));
    assertEquals("""
        u1 search g <- d,e,f q=qg
        u1 rec h <- e,f,g
        u2 rec e <- b,c,d
        """, show(s.test()));
    Example first = s.train().get(0);
    assertEquals(List.of(), first.history());
    assertEquals(1, first.ts());
    assertNull(s.train().get(1).query());
  }

  @Test
  void longHistoryIsCappedAndStats() throws IOException {
    List<Event> events = new ArrayList<>();
    String[] ids = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (int i = 0; i < 8; i++) {
      events.add(rec("u", ids[i], 100 + i));
    }
    Dataset d = dataset(events);
    SplitData s = Splitter.split(d, 20);
    assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), s.test().get(0).history());
    assertEquals(5, s.train().size()); // b..f (a has no history)
    SplitData capped = Splitter.split(d, 2);
    assertEquals(List.of("f", "g"), capped.test().get(0).history());
    assertEquals(List.of("e", "f"), capped.valid().get(0).history());
    DatasetStats st = DatasetStats.of(d, s);
    assertEquals(new DatasetStats(8, 1, 0, 8, 0, 5, 0, 1, 0, 1), st);
  }

  @Test
  void deterministic() throws IOException {
    Dataset d = dataset(List.of(rec("x", "a", 1), rec("y", "b", 1), rec("x", "c", 2), rec("y", "d", 2),
        rec("x", "e", 3), rec("y", "f", 3), rec("x", "g", 4)));
    assertEquals(Splitter.split(d, 5), Splitter.split(d, 5));
    assertEquals("x", Splitter.split(d, 5).train().get(0).user());
  }
}
