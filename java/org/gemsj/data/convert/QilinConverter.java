package org.gemsj.data.convert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gemsj.data.DatasetWriter;
import org.gemsj.data.Event;
import org.gemsj.data.Item;
import org.gemsj.data.Problems;
import org.gemsj.data.Task;

/**
 * Qilin (Xiaohongshu search + recommendation, released as parquet tables) from CSV exports of its
 * tables. notes.csv gives items; every clicked note of a search_*.csv row is a search event with
 * that row's query; every clicked note of a recommendation_*.csv row is a rec event. The impression
 * lists (search_result_details_with_idx, rec_result_details_with_idx) are JSON arrays of objects
 * with note_idx, click and timestamp (single-quoted Python literals are accepted too). Millisecond
 * timestamps become seconds. Clicks on notes missing from notes.csv are skipped. See docs/DATA.md.
 */
public final class QilinConverter {
  static final String NOTES = "notes.csv";
  static final String[] SEARCH = {"search_train.csv", "search_test.csv"};
  static final String[] REC = {"recommendation_train.csv", "recommendation_test.csv"};
  /** Timestamps above this are taken as milliseconds (1e11 s is the year 5138). */
  static final long MILLIS_ABOVE = 100_000_000_000L;
  /** Notes without a title get this much of their content as one. */
  static final int TITLE_FROM_CONTENT = 40;
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES).enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  /** {@code includeTest}: also read the *_test tables when present (they hold later sessions). */
  public record Options(boolean includeTest) {
    public static final Options DEFAULTS = new Options(true);
  }

  private QilinConverter() {}

  public static void convert(Path src, Path outDir, Options o) throws IOException {
    Problems problems = new Problems();
    Map<String, Item> notes = new LinkedHashMap<>();
    CsvTable.read(src.resolve(NOTES), List.of("note_idx", "note_title", "note_content"), problems, row -> {
      String id = noteId(row.required("note_idx"));
      if (id == null) {
        return;
      }
      String title = row.get("note_title").trim();
      String content = row.get("note_content").trim();
      if (title.isEmpty()) {
        title = content.codePointCount(0, content.length()) <= TITLE_FROM_CONTENT
            ? content : content.substring(0, content.offsetByCodePoints(0, TITLE_FROM_CONTENT));
      }
      if (title.isEmpty()) {
        return; // nothing to read for this note
      }
      if (notes.putIfAbsent(id, new Item(id, title, content, List.of())) != null) {
        row.problem("note_idx", "duplicate note \"" + id + "\"");
      }
    });
    EventSink sink = new EventSink();
    for (int i = 0; i < SEARCH.length; i++) {
      Path p = src.resolve(SEARCH[i]);
      if (i == 0 || (o.includeTest() && Files.exists(p))) {
        readSessions(p, Task.SEARCH, "search_result_details_with_idx", "search_timestamp", notes, sink, problems);
      }
      p = src.resolve(REC[i]);
      if (i == 0 || (o.includeTest() && Files.exists(p))) {
        readSessions(p, Task.REC, "rec_result_details_with_idx", "request_timestamp", notes, sink, problems);
      }
    }
    problems.throwIfAny("qilin " + src);
    DatasetWriter.write(outDir, new ArrayList<>(notes.values()), sink.events());
  }

  private static void readSessions(Path file, Task task, String detailsColumn, String rowTsColumn,
      Map<String, Item> notes, EventSink sink, Problems problems) throws IOException {
    List<String> required = task == Task.SEARCH
        ? List.of("user_idx", "query", detailsColumn) : List.of("user_idx", detailsColumn);
    CsvTable.read(file, required, problems, row -> {
      String user = row.required("user_idx");
      String query = task == Task.SEARCH ? row.get("query").trim() : null;
      if (user == null || (task == Task.SEARCH && query.isEmpty())) {
        return; // rows without a text query (image searches) give no search event
      }
      JsonNode details;
      try {
        details = JSON.readTree(row.get(detailsColumn));
      } catch (JsonProcessingException e) {
        row.problem(detailsColumn, "malformed list: " + e.getOriginalMessage());
        return;
      }
      if (details == null || !details.isArray()) {
        row.problem(detailsColumn, "expected a JSON list of {note_idx, click, timestamp} objects");
        return;
      }
      Long rowTs = null;
      if (row.has(rowTsColumn) && !row.get(rowTsColumn).isBlank()) {
        rowTs = row.integer(rowTsColumn);
      }
      for (JsonNode d : details) {
        JsonNode click = d.get("click");
        if (click == null || !(click.asDouble(0) > 0 || click.asBoolean(false))) {
          continue;
        }
        String note = noteId(d.hasNonNull("note_idx") ? d.get("note_idx").asText() : null);
        JsonNode t = d.get("timestamp");
        Long ts = t != null && t.isNumber() ? Long.valueOf(t.longValue()) : rowTs;
        if (note == null || ts == null || ts < 0) {
          row.problem(detailsColumn, "a clicked entry lacks note_idx or timestamp (and no "
              + rowTsColumn + " column value): " + d);
          continue;
        }
        if (!notes.containsKey(note)) {
          continue; // the export may hold a subset of notes
        }
        long seconds = ts > MILLIS_ABOVE ? ts / 1000 : ts;
        sink.add(new Event(user, note, seconds, task, query));
      }
    });
  }

  /** note_idx as text; "123.0" (a float column written by an exporter) becomes "123". */
  private static String noteId(String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    String s = raw.trim();
    return s.matches("\\d+\\.0+") ? s.substring(0, s.indexOf('.')) : s;
  }
}
