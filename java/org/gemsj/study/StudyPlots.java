package org.gemsj.study;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gemsj.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/** The study's PNGs with XChart, rendered off-screen. */
final class StudyPlots {
  static {
    System.setProperty("java.awt.headless", "true"); // before any AWT class loads
  }

  private StudyPlots() {}

  /** One bar group per category (method or baseline), one series per entry of {@code series}, with error bars. */
  record Bars(String name, List<Double> means, List<Double> stds) {}

  static void bars(Path png, String title, String yTitle, List<String> categories, List<Bars> series)
      throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(1000).height(520).title(title).yAxisTitle(yTitle).build();
    chart.getStyler().setXAxisLabelRotation(20);
    chart.getStyler().setErrorBarsColor(Color.DARK_GRAY);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE).setChartBackgroundColor(Color.WHITE);
    for (Bars b : series) {
      chart.addSeries(b.name(), categories, zeroForMissing(b.means()), zeroForMissing(b.stds()));
    }
    save(chart, png);
  }

  /** A layers x steps heatmap of cosines on a fixed [-1, 1] scale (red: conflict, blue: agreement). */
  static void heatmap(Path png, String title, ConflictAnalysis c) throws IOException {
    HeatMapChart chart = new HeatMapChartBuilder().width(1000).height(Math.max(420, 40 + 18 * c.weights().size()))
        .title(title).xAxisTitle("training step").yAxisTitle("targeted weight").build();
    chart.getStyler().setMin(-1).setMax(1).setRangeColors(new Color[] {new Color(178, 24, 43), Color.WHITE,
        new Color(33, 102, 172)});
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    List<Number[]> cells = new ArrayList<>();
    for (int w = 0; w < c.weights().size(); w++) {
      for (int s = 0; s < c.steps().size(); s++) {
        if (Double.isFinite(c.cosine()[w][s])) {
          cells.add(new Number[] {s, w, c.cosine()[w][s]});
        }
      }
    }
    chart.addSeries("cosine", c.steps(), c.weights(), cells);
    save(chart, png);
  }

  private static List<Double> zeroForMissing(List<Double> v) {
    return v.stream().map(x -> x == null || !Double.isFinite(x) ? 0.0 : x).toList();
  }

  private static void save(Chart<?, ?> chart, Path png) throws IOException {
    AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
  }
}
