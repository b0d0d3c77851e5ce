package org.gemsj.serve;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.gemsj.serve.proto.Job;
import org.gemsj.serve.proto.JobEvent;
import org.gemsj.serve.proto.JobSpec;
import org.gemsj.serve.proto.JobState;

/**
 * Jobs and their events in SQLite (D/jobs.db) through JDBC. Each change is one transaction; the
 * database runs in WAL mode with synchronous=FULL, so a change whose method returned survives a
 * kill -9 of the server (and a power cut). A job row holds the {@link Job} message plus the
 * columns queries need (state, request id, queue order) and the worker's pid.
 */
public final class JobStore implements AutoCloseable {
  public static final String FILE_NAME = "jobs.db";

  private final Connection db;

  public JobStore(Path dataDir) throws SQLException, IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE_NAME);
    db = DriverManager.getConnection("jdbc:sqlite:" + file);
    try {
      createSchema();
    } catch (SQLException e) { // e.g. SQLITE_NOTADB: one line that says what to do, not a stack
      db.close();
      throw new IOException(file + " is not a readable job database (" + e.getMessage() + "): restore it "
          + "from a backup, or move it and " + dataDir.resolve("jobs") + " aside to start with no jobs", e);
    }
  }

  private void createSchema() throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
      s.execute("CREATE TABLE IF NOT EXISTS jobs (num INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT UNIQUE, "
          + "state INTEGER NOT NULL, queued_ms INTEGER NOT NULL, pid INTEGER, job BLOB NOT NULL)");
      s.execute("CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, queued_ms)");
      s.execute("CREATE TABLE IF NOT EXISTS events (job_num INTEGER NOT NULL, seq INTEGER NOT NULL, "
          + "event BLOB NOT NULL, PRIMARY KEY (job_num, seq))");
    }
    db.setAutoCommit(false);
  }

  /** A job as stored, with what only the server needs. */
  public record Row(Job job, Long pid) {}

  /** What {@link #insert} did: the job, and whether this call created it. */
  public record Inserted(Job job, boolean created) {}

  /**
   * Adds a QUEUED job, or returns the one an earlier call with the same non-empty request id
   * created. Refuses (RESOURCE_EXHAUSTED via {@link QueueFullException}) when {@code maxQueued}
   * jobs already wait.
   */
  public synchronized Inserted insert(String requestId, JobSpec spec, int maxQueued) throws SQLException {
    try {
      if (!requestId.isEmpty()) {
        try (PreparedStatement q = db.prepareStatement("SELECT job FROM jobs WHERE request_id = ?")) {
          q.setString(1, requestId);
          try (ResultSet r = q.executeQuery()) {
            if (r.next()) {
              db.commit();
              return new Inserted(parse(r.getBytes(1)), false);
            }
          }
        }
      }
      if (count(JobState.JOB_STATE_QUEUED) >= maxQueued) {
        throw new QueueFullException(maxQueued);
      }
      long now = System.currentTimeMillis();
      long num;
      try (PreparedStatement ins = db.prepareStatement(
          "INSERT INTO jobs (request_id, state, queued_ms, job) VALUES (?, ?, ?, X'')", Statement.RETURN_GENERATED_KEYS)) {
        ins.setString(1, requestId.isEmpty() ? null : requestId);
        ins.setInt(2, JobState.JOB_STATE_QUEUED_VALUE);
        ins.setLong(3, now);
        ins.executeUpdate();
        try (ResultSet keys = ins.getGeneratedKeys()) {
          keys.next();
          num = keys.getLong(1);
        }
      }
      Job job = Job.newBuilder().setId(idOf(num)).setRequestId(requestId).setSpec(spec)
          .setState(JobState.JOB_STATE_QUEUED).setCreatedMs(now).setUpdatedMs(now).build();
      write(num, job, null);
      appendEvent(num, JobEvent.newBuilder().setTimeMs(now).setSnapshot(job));
      db.commit();
      return new Inserted(job, true);
    } catch (SQLException | RuntimeException e) {
      db.rollback();
      throw e;
    }
  }

  public synchronized Optional<Row> get(String id) throws SQLException {
    long num = numOf(id);
    if (num < 0) {
      return Optional.empty();
    }
    Optional<Row> row = read(num);
    db.commit();
    return row;
  }

  private Optional<Row> read(long num) throws SQLException {
    try (PreparedStatement q = db.prepareStatement("SELECT job, pid FROM jobs WHERE num = ?")) {
      q.setLong(1, num);
      try (ResultSet r = q.executeQuery()) {
        return r.next() ? Optional.of(row(r)) : Optional.empty();
      }
    }
  }

  /**
   * Applies {@code change} to a job in one transaction, records {@code pid} (null clears it) and
   * appends {@code event} (if not null) to its history; returns the event with its seq, or the
   * snapshot of the changed job when {@code event} is null.
   */
  public synchronized JobEvent update(String id, UnaryOperator<Job.Builder> change, Long pid, boolean keepPid,
      JobEvent.Builder event) throws SQLException {
    long num = numOf(id);
    try {
      Row row = read(num).orElseThrow(() -> new IllegalArgumentException("no job " + id));
      Job before = row.job();
      Job after = change.apply(before.toBuilder()).setUpdatedMs(System.currentTimeMillis()).build();
      // a job queued again by ResumeJob goes to the back; one recovered after a restart keeps its place
      boolean requeued = after.getState() == JobState.JOB_STATE_QUEUED && before.getState() != JobState.JOB_STATE_QUEUED
          && before.getState() != JobState.JOB_STATE_RUNNING;
      write(num, after, keepPid ? row.pid() : pid);
      if (requeued) {
        try (PreparedStatement u = db.prepareStatement("UPDATE jobs SET queued_ms = ? WHERE num = ?")) {
          u.setLong(1, after.getUpdatedMs());
          u.setLong(2, num);
          u.executeUpdate();
        }
      }
      JobEvent.Builder e = event != null ? event : JobEvent.newBuilder().setSnapshot(after);
      e.setJobId(id).setTimeMs(after.getUpdatedMs());
      JobEvent saved = appendEvent(num, e);
      db.commit();
      return saved;
    } catch (SQLException | RuntimeException e) {
      db.rollback();
      throw e;
    }
  }

  /** Jobs in {@code state} (all if UNSPECIFIED) with a number below {@code beforeNum}, newest first. */
  public synchronized List<Job> list(JobState state, int limit, long beforeNum) throws SQLException {
    boolean all = state == JobState.JOB_STATE_UNSPECIFIED;
    String sql = "SELECT job, pid FROM jobs WHERE num < ?" + (all ? "" : " AND state = ?") + " ORDER BY num DESC LIMIT ?";
    List<Job> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement(sql)) {
      int i = 1;
      q.setLong(i++, beforeNum);
      if (!all) {
        q.setInt(i++, state.getNumber());
      }
      q.setInt(i, limit);
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          out.add(row(r).job());
        }
      }
    }
    db.commit();
    return out;
  }

  /** Jobs in {@code state}, in queue order (oldest queued first), with their pids. */
  public synchronized List<Row> inQueueOrder(JobState state) throws SQLException {
    List<Row> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement("SELECT job, pid FROM jobs WHERE state = ? ORDER BY queued_ms, num")) {
      q.setInt(1, state.getNumber());
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          out.add(row(r));
        }
      }
    }
    db.commit();
    return out;
  }

  /** A job's recorded events in order (seq 1, 2, ...). */
  public synchronized List<JobEvent> events(String id) throws SQLException {
    List<JobEvent> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement("SELECT event FROM events WHERE job_num = ? ORDER BY seq")) {
      q.setLong(1, numOf(id));
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          out.add(JobEvent.parseFrom(r.getBytes(1)));
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("corrupt event of " + id, e);
    }
    db.commit();
    return out;
  }

  public synchronized int count(JobState state) throws SQLException {
    try (PreparedStatement q = db.prepareStatement("SELECT COUNT(*) FROM jobs WHERE state = ?")) {
      q.setInt(1, state.getNumber());
      try (ResultSet r = q.executeQuery()) {
        r.next();
        return r.getInt(1);
      }
    }
  }

  /** "j-000042" for job number 42. */
  public static String idOf(long num) {
    return String.format("j-%06d", num);
  }

  /** The number in a job id, or -1 when it is not one (each job has one spelling: j-0000001 is not j-000001). */
  public static long numOf(String id) {
    if (id == null || !id.matches("j-\\d{6,18}")) {
      return -1;
    }
    long num = Long.parseLong(id.substring(2));
    return idOf(num).equals(id) ? num : -1;
  }

  private void write(long num, Job job, Long pid) throws SQLException {
    try (PreparedStatement u = db.prepareStatement("UPDATE jobs SET state = ?, pid = ?, job = ? WHERE num = ?")) {
      u.setInt(1, job.getState().getNumber());
      if (pid == null) {
        u.setNull(2, Types.INTEGER);
      } else {
        u.setLong(2, pid);
      }
      u.setBytes(3, job.toByteArray());
      u.setLong(4, num);
      u.executeUpdate();
    }
  }

  private JobEvent appendEvent(long num, JobEvent.Builder e) throws SQLException {
    long seq;
    try (PreparedStatement q = db.prepareStatement("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE job_num = ?")) {
      q.setLong(1, num);
      try (ResultSet r = q.executeQuery()) {
        r.next();
        seq = r.getLong(1);
      }
    }
    JobEvent event = e.setJobId(idOf(num)).setSeq(seq).build();
    try (PreparedStatement ins = db.prepareStatement("INSERT INTO events (job_num, seq, event) VALUES (?, ?, ?)")) {
      ins.setLong(1, num);
      ins.setLong(2, seq);
      ins.setBytes(3, event.toByteArray());
      ins.executeUpdate();
    }
    return event;
  }

  private static Row row(ResultSet r) throws SQLException {
    long pid = r.getLong(2);
    return new Row(parse(r.getBytes(1)), r.wasNull() ? null : pid);
  }

  private static Job parse(byte[] bytes) throws SQLException {
    try {
      return Job.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SQLException("corrupt job row", e);
    }
  }

  @Override
  public synchronized void close() throws SQLException {
    db.close();
  }

  /** The queue already holds as many jobs as the server allows. */
  public static final class QueueFullException extends RuntimeException {
    public QueueFullException(int max) {
      super("the queue is full (" + max + " jobs waiting); try again later");
    }
  }
}
