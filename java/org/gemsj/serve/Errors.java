package org.gemsj.serve;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/** Maps the server's exceptions onto gRPC statuses, in one place, and answers unary calls with them. */
final class Errors {
  private static final AtomicLong INTERNAL_ERRORS = new AtomicLong();

  private Errors() {}

  /** INVALID_ARGUMENT with the field named in the message and in a google.rpc.BadRequest detail. */
  static StatusRuntimeException invalid(SpecException e) {
    BadRequest detail = BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
        .setField(e.field()).setDescription(e.getMessage())).build();
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(e.getMessage())
        .addDetails(Any.pack(detail)).build());
  }

  static StatusRuntimeException notFound(String what) {
    return Status.NOT_FOUND.withDescription(what).asRuntimeException();
  }

  /**
   * Sends {@code t} to the client as the status it stands for, unless the call is already over
   * (the client cancelled or its deadline passed: nobody is listening, and gRPC refuses a reply).
   */
  static void fail(StreamObserver<?> out, Throwable t) {
    if (out instanceof ServerCallStreamObserver<?> call && call.isCancelled()) {
      return;
    }
    out.onError(toStatus(t));
  }

  /** A unary call's answer: {@code body}'s response, or the status its exception stands for. */
  static <T> void reply(StreamObserver<T> out, Callable<T> body) {
    try {
      out.onNext(body.call());
      out.onCompleted();
    } catch (Exception e) {
      fail(out, e);
    }
  }

  /** The most characters of a status description: it travels in an HTTP/2 header (8 KiB by default). */
  static final int MAX_DESCRIPTION = 2000;

  static StatusRuntimeException toStatus(Throwable t) {
    StatusRuntimeException s = status(t);
    String d = s.getStatus().getDescription();
    if (d == null || d.length() <= MAX_DESCRIPTION) {
      return s;
    }
    return s.getStatus().withDescription(d.substring(0, MAX_DESCRIPTION) + " ... (cut)").asRuntimeException(s.getTrailers());
  }

  private static StatusRuntimeException status(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof SpecException s) {
      return invalid(s);
    }
    if (t instanceof JobStore.QueueFullException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof IllegalStateException) {
      return Status.FAILED_PRECONDITION.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof SQLException) {
      return Status.INTERNAL.withDescription("job store: " + t.getMessage()).withCause(t).asRuntimeException();
    }
    // anything else is the server's fault: its text (a libtorch stack, server paths) stays in the server's log
    long ref = INTERNAL_ERRORS.incrementAndGet();
    System.err.println("gems serve: internal error " + ref + ": " + t);
    t.printStackTrace();
    return Status.INTERNAL.withDescription("internal error " + ref + " (the server's log has the details)")
        .asRuntimeException();
  }
}
