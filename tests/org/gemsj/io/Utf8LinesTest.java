package org.gemsj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8LinesTest {
  @Test
  void splitsOnEveryTerminatorAndDecodesMultiByteCharacters() throws Exception {
    byte[] text = "a\r\nb\u00e9\u4e2d\n\nlast".getBytes(StandardCharsets.UTF_8);
    try (Utf8Lines lines = new Utf8Lines(new ByteArrayInputStream(text))) {
      assertEquals("a", lines.next());
      assertEquals("b\u00e9\u4e2d", lines.next());
      assertEquals("", lines.next());
      assertEquals("last", lines.next());
      assertEquals(4, lines.lineNumber());
      assertNull(lines.next());
      assertNull(lines.next());
    }
  }

  /** The bad byte's offset in the whole stream, found by hand: 2 + 3 bytes of lines 1-2, then 2 good bytes. */
  @Test
  void namesTheLineAndByteOffsetOfInvalidUtf8() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write("x\n".getBytes(StandardCharsets.UTF_8));
    b.write("\u00e9\n".getBytes(StandardCharsets.UTF_8)); // 2 bytes + newline
    b.write(new byte[] {'o', 'k', (byte) 0xff, 'z', '\n'});
    try (Utf8Lines lines = new Utf8Lines(new ByteArrayInputStream(b.toByteArray()))) {
      lines.next();
      lines.next();
      Utf8Lines.MalformedLine e = assertThrows(Utf8Lines.MalformedLine.class, lines::next);
      assertEquals(3, e.line);
      assertEquals(7, e.byteOffset);
    }
  }

  @Test
  void aWholeFileThatIsNotUtf8IsNamedByFileLineAndOffset(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path f = dir.resolve("spec.json");
    java.nio.file.Files.write(f, "{\n\"method\": \"gems\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1));
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> Utf8Lines.readFile(f));
    assertEquals(f + ": not valid UTF-8 at byte offset 17 (line 2)", e.getMessage()); // 2 bytes of line 1, 15 before the \u00e9
    java.nio.file.Files.writeString(f, "a\nb\u00e9");
    assertEquals("a\nb\u00e9\n", Utf8Lines.readFile(f));
  }
}
