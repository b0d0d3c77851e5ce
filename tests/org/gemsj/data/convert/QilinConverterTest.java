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
import org.gemsj.data.SplitData;
import org.gemsj.data.Splitter;
import org.gemsj.data.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QilinConverterTest {
  @TempDir Path src;
  @TempDir Path out;

  @BeforeEach
  void writeSource() throws IOException {
    Files.writeString(src.resolve("notes.csv"), """
        note_idx,note_title,note_content,taxonomy1_id
        0,Hotpot guide,Best hotpot in Chengdu,5
        1,,A long content about hiking in the mountains of Sichuan with friends,6
        2,Lipstick review,Matte shades,7
        3,Tea,Oolong,8
        """);
    Files.writeString(src.resolve("search_train.csv"), """
        user_idx,query,search_idx,search_result_details_with_idx
        7,hotpot,1,"[{'note_idx': 0, 'click': 1, 'timestamp': 1700000000000}, {'note_idx': 2, 'click': 0, 'timestamp': 1700000000000}]"
        7,,2,"[{'note_idx': 3, 'click': 1, 'timestamp': 1700000001000}]"
        7,tea,3,"[{'note_idx': 3, 'click': 1, 'timestamp': 1700000500000}]"
        """);
    Files.writeString(src.resolve("recommendation_train.csv"), """
        user_idx,request_idx,rec_result_details_with_idx
        7,3,"[{""note_idx"": 1, ""click"": 1, ""timestamp"": 1700000100}, {""note_idx"": 99, ""click"": 1, ""timestamp"": 1700000100}]"
        7,4,"[{""note_idx"": 2, ""click"": 1, ""timestamp"": 1700000200}, {""note_idx"": 3, ""click"": 0, ""timestamp"": 1700000200}]"
        """);
    Files.writeString(src.resolve("search_test.csv"), """
        user_idx,query,search_result_details_with_idx
        7,lipstick,"[{'note_idx': 2, 'click': 1, 'timestamp': 1700000600000}]"
        """);
    Files.writeString(src.resolve("recommendation_test.csv"), """
        user_idx,rec_result_details_with_idx
        7,"[{'note_idx': 0, 'click': 1, 'timestamp': 1700000700}]"
        """);
  }

  @Test
  void clickedNotesBecomeEvents() throws IOException {
    QilinConverter.convert(src, out, QilinConverter.Options.DEFAULTS);
    Dataset d = Dataset.load(out);
    assertEquals(4, d.items().size());
    assertEquals("A long content about hiking in the mount", d.item("1").title());
    assertEquals("Best hotpot in Chengdu", d.item("0").text());
    // Row 2 of search_train has no query (skipped); note 99 is not in notes.csv (skipped).
    assertEquals(List.of(
        new Event("7", "0", 1700000000, Task.SEARCH, "hotpot"),
        new Event("7", "3", 1700000500, Task.SEARCH, "tea"),
        new Event("7", "1", 1700000100, Task.REC, null),
        new Event("7", "2", 1700000200, Task.REC, null),
        new Event("7", "2", 1700000600, Task.SEARCH, "lipstick"),
        new Event("7", "0", 1700000700, Task.REC, null)), d.events());
    SplitData s = Splitter.split(d, 20);
    // Time order: S0 R1 R2 S3 S2' R0'; search test = lipstick, rec test = note 0 with all five before it.
    assertEquals("lipstick", s.test().get(0).query());
    assertEquals(List.of("0", "1", "2", "3", "2"), s.test().get(1).history());
    assertEquals("0", s.test().get(1).target());
  }

  @Test
  void trainTablesOnly() throws IOException {
    QilinConverter.convert(src, out, new QilinConverter.Options(false));
    assertEquals(4, Dataset.load(out).events().size());
  }

  @Test
  void missingColumnAndFileAreNamed() throws IOException {
    Files.writeString(src.resolve("search_train.csv"), """
        user_idx,search_result_details_with_idx
        7,"[]"
        """);
    Files.delete(src.resolve("recommendation_train.csv"));
    DatasetException e = assertThrows(DatasetException.class,
        () -> QilinConverter.convert(src, out, QilinConverter.Options.DEFAULTS));
    assertEquals(2, e.total(), e.getMessage());
    assertTrue(e.errors().get(0).startsWith("search_train.csv:1: missing column 'query'"), e.getMessage());
    assertTrue(e.errors().get(1).startsWith("recommendation_train.csv: missing file"), e.getMessage());
  }

  @Test
  void malformedImpressionList() throws IOException {
    Files.writeString(src.resolve("recommendation_test.csv"), """
        user_idx,rec_result_details_with_idx
        7,"[{'note_idx': 0, 'click': 1"
        """);
    DatasetException e = assertThrows(DatasetException.class,
        () -> QilinConverter.convert(src, out, QilinConverter.Options.DEFAULTS));
    assertTrue(e.errors().get(0).startsWith(
        "recommendation_test.csv:2: column 'rec_result_details_with_idx': malformed list"), e.getMessage());
  }
}
