package org.gemsj.eval;

import org.gemsj.io.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.gemsj.data.Task;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a {@link TrainLog} with XChart, rendered off-screen. Each returns false without
 * writing when the log holds no finite point for it (e.g. no validation pass yet).
 */
public final class TrainingPlots {
  static {
    // before any AWT class loads: no display on training machines
    System.setProperty("java.awt.headless", "true");
  }

  public static final int WIDTH = 900;
  public static final int HEIGHT = 500;
  private static final Color SEARCH = new Color(31, 119, 180);
  private static final Color REC = new Color(214, 39, 40);
  /** EMA factor of the smoothed loss; raw points stay visible underneath, faded. */
  static final double SMOOTHING = 0.9;

  private TrainingPlots() {}

  /** Both tasks' losses vs step: raw (faded) and EMA-smoothed. */
  public static boolean loss(TrainLog log, Path png) throws IOException {
    XYChart chart = chart("Training loss", "loss");
    boolean any = false;
    for (Task t : Task.values()) {
      Function<TrainLog.Step, Double> f = t == Task.SEARCH ? TrainLog.Step::lossSearch : TrainLog.Step::lossRec;
      Series s = stepSeries(log, f);
      if (s.x.isEmpty()) {
        continue;
      }
      any = true;
      Color c = color(t);
      XYSeries raw = chart.addSeries(t.wire + " (raw)", s.x, s.y);
      raw.setMarker(SeriesMarkers.NONE);
      raw.setLineColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 70));
      raw.setLineWidth(1f);
      XYSeries smooth = chart.addSeries(t.wire + " (EMA " + SMOOTHING + ")", s.x, ema(s.y, SMOOTHING));
      smooth.setMarker(SeriesMarkers.NONE);
      smooth.setLineColor(c);
      smooth.setLineWidth(2f);
    }
    return any && save(chart, png);
  }

  /** The two task gates vs step. */
  public static boolean gates(TrainLog log, Path png) throws IOException {
    XYChart chart = chart("Task gates", "gate");
    boolean any = false;
    for (Task t : Task.values()) {
      Series s = stepSeries(log, t == Task.SEARCH ? TrainLog.Step::gateSearch : TrainLog.Step::gateRec);
      if (!s.x.isEmpty()) {
        any = true;
        line(chart.addSeries("gate_" + t.wire, s.x, s.y), color(t), false);
      }
    }
    // running gates: the search gate's range over the weights, and what the reference formula gave the same batches
    boolean perWeight = log.steps().stream().anyMatch(st -> st.gateSearchMin() != null
        && st.gateSearchMax() - st.gateSearchMin() > 1e-9);
    if (perWeight) {
      Series low = stepSeries(log, TrainLog.Step::gateSearchMin), high = stepSeries(log, TrainLog.Step::gateSearchMax);
      Series reference = stepSeries(log, TrainLog.Step::gateSearchReference);
      Color c = color(Task.SEARCH);
      Color faint = new Color(c.getRed(), c.getGreen(), c.getBlue(), 90);
      line(chart.addSeries("gate_search, lowest weight", low.x, low.y), faint, false);
      line(chart.addSeries("gate_search, highest weight", high.x, high.y), faint, false);
      line(chart.addSeries("gate_search, reference formula", reference.x, reference.y), Color.GRAY, false);
    }
    return any && save(chart, png);
  }

  /** Resident set and native heap (MiB) vs step, when the trainer measured them. */
  public static boolean memory(TrainLog log, Path png) throws IOException {
    XYChart chart = chart("Memory", "MiB");
    Series resident = stepSeries(log, TrainLog.Step::residentMb);
    Series heap = stepSeries(log, TrainLog.Step::nativeHeapMb);
    if (!resident.x.isEmpty()) {
      line(chart.addSeries("resident", resident.x, resident.y), SEARCH, false);
    }
    if (!heap.x.isEmpty()) {
      line(chart.addSeries("native heap", heap.x, heap.y), REC, false);
    }
    return !(resident.x.isEmpty() && heap.x.isEmpty()) && save(chart, png);
  }

  /** Validation {@code metric} (e.g. ndcg@10) per task vs step. */
  public static boolean valid(TrainLog log, String metric, Path png) throws IOException {
    XYChart chart = chart("Validation " + MetricsTable.header(metric), MetricsTable.header(metric));
    boolean any = false;
    for (Task t : Task.values()) {
      Series s = new Series();
      for (TrainLog.Valid v : log.valid()) {
        Double y = v.metrics().containsKey(t) ? v.metrics().get(t).get(metric) : null;
        s.add(v.step(), y);
      }
      if (!s.x.isEmpty()) {
        any = true;
        line(chart.addSeries(t.wire, s.x, s.y), color(t), true);
      }
    }
    return any && save(chart, png);
  }

  private static XYChart chart(String title, String yTitle) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("step")
        .yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setAntiAlias(true);
    chart.getStyler().setYAxisDecimalPattern("0.###"); // the default prints 0.05 as ".05"
    return chart;
  }

  private static void line(XYSeries s, Color c, boolean markers) {
    s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    s.setMarkerColor(c);
    s.setLineColor(c);
    s.setLineWidth(2f);
  }

  private static Color color(Task t) {
    return t == Task.SEARCH ? SEARCH : REC;
  }

  private static boolean save(XYChart chart, Path png) throws IOException {
    AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    return true;
  }

  private static Series stepSeries(TrainLog log, Function<TrainLog.Step, Double> f) {
    Series s = new Series();
    for (TrainLog.Step st : log.steps()) {
      s.add(st.step(), f.apply(st));
    }
    return s;
  }

  /** Debiased exponential moving average (as TensorBoard), so early points are not pulled to 0. */
  static List<Double> ema(List<Double> y, double beta) {
    List<Double> out = new ArrayList<>(y.size());
    double s = 0;
    double w = 0;
    for (double v : y) {
      s = beta * s + (1 - beta) * v;
      w = beta * w + (1 - beta);
      out.add(s / w);
    }
    return out;
  }

  /** Points with a finite y; null (task absent in that step) and NaN would break the chart. */
  private static final class Series {
    final List<Double> x = new ArrayList<>();
    final List<Double> y = new ArrayList<>();

    void add(double xv, Double yv) {
      if (yv != null && Double.isFinite(yv)) {
        x.add(xv);
        y.add(yv);
      }
    }
  }
}
