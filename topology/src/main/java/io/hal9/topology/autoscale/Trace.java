package io.hal9.topology.autoscale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A traffic trace: the signals per second arriving at a layer, second by second.
 *
 * @param name  what it is ({@code ramp}, {@code spike}, ..., or the file it was read from)
 * @param rates signals per second, one entry per second
 */
public record Trace(String name, double[] rates) {

    public Trace {
        if (rates.length == 0) {
            throw new IllegalArgumentException("trace " + name + " has no seconds");
        }
        for (double rate : rates) {
            if (!(rate >= 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("trace " + name + " has a rate that is not a number >= 0: " + rate);
            }
        }
    }

    public int seconds() {
        return rates.length;
    }

    /** 5 min at {@code base}, then a linear ramp to 10 × base over 10 min, then 30 min at 10 × base. */
    public static Trace ramp(double base) {
        double[] rates = new double[45 * 60];
        for (int t = 0; t < rates.length; t++) {
            double ramped = Math.min(1.0, Math.max(0.0, (t - 300) / 600.0));
            rates[t] = base * (1 + 9 * ramped);
        }
        return new Trace("ramp", rates);
    }

    /** 20 min at {@code base}, 2 min at 5 × base, 20 min at base again. */
    public static Trace spike(double base) {
        double[] rates = new double[42 * 60];
        for (int t = 0; t < rates.length; t++) {
            rates[t] = t >= 1200 && t < 1320 ? 5 * base : base;
        }
        return new Trace("spike", rates);
    }

    /**
     * Two days of a daily pattern: {@code base} at 03:00, rising smoothly to 10 × base at 15:00 and
     * back (a cosine), over days of {@code daySeconds}.
     */
    public static Trace diurnal(double base, int daySeconds) {
        double[] rates = new double[2 * daySeconds];
        for (int t = 0; t < rates.length; t++) {
            double sinceLow = (t - daySeconds / 8.0) / daySeconds; // 03:00 is an eighth of the day
            double shape = (1 - Math.cos(2 * Math.PI * sinceLow)) / 2;
            rates[t] = base * (1 + 9 * shape);
        }
        return new Trace("diurnal", rates);
    }

    /** 2 h at 5 × {@code base}, each second off by up to ±20 % (uniform, from {@code seed}). */
    public static Trace flat(double base, long seed) {
        Random random = new Random(seed);
        double[] rates = new double[2 * 3600];
        for (int t = 0; t < rates.length; t++) {
            rates[t] = 5 * base * (1 + 0.4 * (random.nextDouble() - 0.5));
        }
        return new Trace("flat", rates);
    }

    /**
     * A CSV file of {@code second,rate} rows (a header line is allowed, {@code #} starts a comment):
     * the rate holds from its second to the next row's; the trace ends at the last row's second + 1.
     */
    public static Trace read(Path file) throws IOException {
        List<double[]> rows = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file)) {
            lineNumber++;
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] cells = text.split("\\s*[,;\\t]\\s*");
            if (cells.length < 2) {
                throw new IllegalArgumentException(file + ":" + lineNumber + ": expected second,rate, got: " + text);
            }
            double second;
            double rate;
            try {
                second = Double.parseDouble(cells[0]);
                rate = Double.parseDouble(cells[1]);
            } catch (NumberFormatException e) {
                if (rows.isEmpty()) {
                    continue; // the header
                }
                throw new IllegalArgumentException(file + ":" + lineNumber + ": not numbers: " + text);
            }
            if (!rows.isEmpty() && second <= rows.get(rows.size() - 1)[0]) {
                throw new IllegalArgumentException(file + ":" + lineNumber + ": seconds must increase, got " + second);
            }
            if (second < 0 || rate < 0) {
                throw new IllegalArgumentException(file + ":" + lineNumber + ": second and rate must be >= 0: " + text);
            }
            rows.add(new double[] {second, rate});
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + ": no second,rate rows");
        }
        int seconds = (int) rows.get(rows.size() - 1)[0] + 1;
        double[] rates = new double[seconds];
        int row = 0;
        for (int t = 0; t < seconds; t++) {
            while (row + 1 < rows.size() && rows.get(row + 1)[0] <= t) {
                row++;
            }
            rates[t] = t < rows.get(0)[0] ? 0 : rows.get(row)[1];
        }
        return new Trace(file.getFileName().toString(), rates);
    }
}
