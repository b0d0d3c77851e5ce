package org.gemsj.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lines of a UTF-8 text stream (ended by \n, \r\n or the end), decoded strictly: a line
 * that is not valid UTF-8 is reported with its number and the byte offset of the first bad
 * byte, where a Reader would only say "Input length = 1".
 */
public final class Utf8Lines implements AutoCloseable {
  /** A line that is not valid UTF-8: its 1-based number and the bad byte's offset in the file. */
  public static final class MalformedLine extends IOException {
    public final long line;
    public final long byteOffset;

    MalformedLine(long line, long byteOffset) {
      super("not valid UTF-8 at byte offset " + byteOffset + " (line " + line + ")");
      this.line = line;
      this.byteOffset = byteOffset;
    }
  }

  private final InputStream in;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private long line;
  private long offset; // of the next line's first byte
  private boolean ended;

  public Utf8Lines(InputStream in) {
    this.in = new BufferedInputStream(in, 1 << 16);
  }

  /** The next line without its terminator, or null at the end. */
  public String next() throws IOException {
    if (ended) {
      return null;
    }
    buffer.reset();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      buffer.write(b);
    }
    if (b < 0 && buffer.size() == 0) {
      ended = true;
      return null;
    }
    ended = b < 0;
    line++;
    long start = offset;
    offset += buffer.size() + (b < 0 ? 0 : 1);
    byte[] bytes = buffer.toByteArray();
    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    ByteBuffer source = ByteBuffer.wrap(bytes, 0, length);
    try {
      CharBuffer chars = decoder.reset().decode(source);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new MalformedLine(line, start + firstBadByte(bytes, length));
    }
  }

  /**
   * A whole UTF-8 text file; one that is not valid UTF-8 is refused naming the file, the line and
   * the byte offset (where Files.readString says "Input length = 1").
   */
  public static String readFile(Path file) throws IOException {
    StringBuilder text = new StringBuilder();
    try (Utf8Lines lines = new Utf8Lines(Files.newInputStream(file))) {
      for (String l; (l = lines.next()) != null; ) {
        text.append(l).append('\n');
      }
    } catch (MalformedLine e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
    return text.toString();
  }

  /** The number of the line {@link #next} returned last. */
  public long lineNumber() {
    return line;
  }

  /** Where in the line decoding fails (decoded again, byte by byte, only on failure). */
  private int firstBadByte(byte[] bytes, int length) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
    ByteBuffer src = ByteBuffer.wrap(bytes, 0, length);
    CharBuffer out = CharBuffer.allocate(length + 1);
    var result = d.decode(src, out, true);
    return result.isError() ? src.position() : length;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
