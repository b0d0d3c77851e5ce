package org.gemsj.data.convert;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.gemsj.data.Problems;

/**
 * Reads a CSV file with a header row, checking the columns a converter needs and reporting bad
 * values as "file:line: column 'x': problem". The line is the record number + 1 (the header is
 * line 1), which is the physical line unless a quoted field spans lines. A file whose first row
 * names none of the columns but has exactly the documented layout's field count is read as
 * headerless with that layout (some redistributed copies drop the header row).
 */
final class CsvTable {
  private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
      .setHeader().setSkipHeaderRecord(true).setIgnoreSurroundingSpaces(true).get();
  private static final CSVFormat RAW = CSVFormat.DEFAULT.builder().setIgnoreSurroundingSpaces(true).get();

  private CsvTable() {}

  interface RowHandler {
    void accept(Row row);
  }

  /** One data row; getters record a problem and return null when a value is unusable. */
  static final class Row {
    private final CSVRecord record;
    private final String file;
    private final Problems problems;
    private final int linesBefore; // 1 below a header row, 0 in a headerless file

    Row(CSVRecord record, String file, Problems problems, int linesBefore) {
      this.record = record;
      this.file = file;
      this.problems = problems;
      this.linesBefore = linesBefore;
    }

    long line() {
      return record.getRecordNumber() + linesBefore;
    }

    /** The value, "" when the row is too short or the column is absent from the header. */
    String get(String column) {
      return record.isSet(column) ? record.get(column) : "";
    }

    boolean has(String column) {
      return record.isMapped(column);
    }

    /** A non-blank value, or null after recording the problem. */
    String required(String column) {
      String v = get(column);
      if (v.isBlank()) {
        problems.add(file, line(), "column '" + column + "': missing value");
        return null;
      }
      return v.trim();
    }

    Long integer(String column) {
      String v = required(column);
      if (v == null) {
        return null;
      }
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        try { // "1.7e12" or "123.0" as written by some exporters
          double d = Double.parseDouble(v);
          if (d == Math.rint(d) && Math.abs(d) < 9e18) {
            return (long) d;
          }
        } catch (NumberFormatException ignored) {
          // reported below
        }
        problems.add(file, line(), "column '" + column + "': not an integer \"" + v + "\"");
        return null;
      }
    }

    Double number(String column) {
      String v = required(column);
      if (v == null) {
        return null;
      }
      try {
        return Double.parseDouble(v);
      } catch (NumberFormatException e) {
        problems.add(file, line(), "column '" + column + "': not a number \"" + v + "\"");
        return null;
      }
    }

    void problem(String column, String message) {
      problems.add(file, line(), "column '" + column + "': " + message);
    }
  }

  /**
   * Streams {@code path}'s rows to {@code handler}. A missing file or missing required column is
   * recorded and nothing is read; returns whether the file was read.
   */
  static boolean read(Path path, List<String> required, Problems problems, RowHandler handler)
      throws IOException {
    return read(path, required, null, problems, handler);
  }

  /**
   * As {@link #read(Path, List, Problems, RowHandler)}; a file without a header row is read with
   * {@code layout}, the columns in their documented order (null: a header is required).
   */
  static boolean read(Path path, List<String> required, List<String> layout, Problems problems, RowHandler handler)
      throws IOException {
    String file = path.getFileName().toString();
    if (!Files.isRegularFile(path)) {
      problems.add(file, 0, "missing file (" + path + ")");
      return false;
    }
    boolean headerless = layout != null && isHeaderless(path, required, layout.size());
    CSVFormat format = headerless ? RAW.builder().setHeader(layout.toArray(String[]::new)).get() : FORMAT;
    try (Reader in = new InputStreamReader(open(path), StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(in, format)) {
      Map<String, Integer> header = parser.getHeaderMap();
      boolean ok = true;
      for (String column : required) {
        if (!header.containsKey(column)) {
          problems.add(file, 1, "missing column '" + column + "' (header: "
              + String.join(",", parser.getHeaderNames()) + ")");
          ok = false;
        }
      }
      if (!ok) {
        return false;
      }
      boolean any = false;
      for (CSVRecord r : parser) {
        any = true;
        handler.accept(new Row(r, file, problems, headerless ? 0 : 1));
      }
      if (!any) {
        problems.add(file, 0, "empty file (no rows after the header)");
      }
      return true;
    } catch (UncheckedIOException | IllegalStateException | IllegalArgumentException e) {
      // commons-csv reports malformed quoting and duplicate header names this way
      problems.add(file, 0, "malformed CSV: " + e.getMessage());
      return false;
    }
  }

  /** Whether the first row names none of the required columns and has the layout's field count. */
  private static boolean isHeaderless(Path path, List<String> required, int fields) throws IOException {
    try (Reader in = new InputStreamReader(open(path), StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(in, RAW)) {
      var first = parser.iterator();
      if (!first.hasNext()) {
        return false;
      }
      List<String> row = first.next().toList();
      return row.size() == fields && required.stream().noneMatch(row::contains);
    } catch (UncheckedIOException | IllegalStateException | IllegalArgumentException e) {
      return false; // the main read reports the malformed file
    }
  }

  /** The file's bytes, gunzipped when its name ends in .gz. */
  static InputStream open(Path path) throws IOException {
    InputStream in = Files.newInputStream(path);
    return path.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
  }
}
