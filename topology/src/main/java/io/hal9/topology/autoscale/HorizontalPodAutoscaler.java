package io.hal9.topology.autoscale;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The arithmetic of Kubernetes' horizontal pod autoscaler (autoscaling/v2) for one external metric
 * of type {@code AverageValue}, as KEDA hands it the composite metric of a ScaledObject's
 * {@code scalingModifiers}: the replicas it asks for at each sync, from the metric's total, the
 * current replicas and what it proposed and did before. For the autoscaling simulation; no
 * Kubernetes client offers this as a library, so it follows the documented algorithm and the
 * controller's code ({@code pkg/controller/podautoscaler/horizontal.go}) step by step:
 *
 * <ol>
 *   <li><b>Proposal.</b> The usage ratio is {@code total / (target × current)}; within the
 *       tolerance of 1 (0.1 by default) the proposal is {@code current}, else
 *       {@code ceil(total / target)} (the documented {@code ceil(current × metric / target)} with the
 *       metric averaged over the current replicas).</li>
 *   <li><b>Stabilization.</b> Proposals are remembered. Scaling up follows the lowest proposal of
 *       the {@code scaleUp} window, scaling down the highest of the {@code scaleDown} window; the
 *       result never moves past the current count in the other direction.</li>
 *   <li><b>Policies.</b> The change is limited by the direction's policies, each over its period
 *       counted back from now, with the scale events of that period taken off first: {@code Pods}
 *       adds or removes at most that many, {@code Percent} at most that share of the count at the
 *       period's start (rounded up when adding, down when removing). {@code Max} takes the policy
 *       that allows the most change, {@code Min} the least, {@code Disabled} none.</li>
 *   <li><b>Bounds.</b> The result is kept within {@code minReplicas} and {@code maxReplicas}.</li>
 * </ol>
 *
 * <p>Not thread-safe: one control loop drives it, sync by sync, with non-decreasing times.
 */
public final class HorizontalPodAutoscaler {

    /** The HPA controller's default tolerance around a usage ratio of 1. */
    public static final double DEFAULT_TOLERANCE = 0.1;

    /** How a policy limits the change: in pods, or in percent of the count at its period's start. */
    public enum PolicyType { PODS, PERCENT }

    /** Which of a direction's policies applies: the one allowing the most change, the least, or none. */
    public enum SelectPolicy { MAX, MIN, DISABLED }

    /** One {@code behavior.scaleUp.policies} or {@code scaleDown.policies} entry. */
    public record Policy(PolicyType type, int value, int periodSeconds) {
        public Policy {
            if (value <= 0 || periodSeconds <= 0) {
                throw new IllegalArgumentException("a policy's value and periodSeconds must be positive: " + value
                        + ", " + periodSeconds);
            }
        }
    }

    /** {@code behavior.scaleUp} or {@code behavior.scaleDown}. */
    public record Rules(int stabilizationWindowSeconds, List<Policy> policies, SelectPolicy selectPolicy) {
        public Rules {
            policies = List.copyOf(policies);
            if (stabilizationWindowSeconds < 0) {
                throw new IllegalArgumentException("stabilizationWindowSeconds must be at least 0");
            }
        }

        /** Kubernetes' default for scaling up: no window; 4 pods or 100 % per 15 s, whichever is more. */
        public static Rules defaultScaleUp() {
            return new Rules(0, List.of(new Policy(PolicyType.PODS, 4, 15), new Policy(PolicyType.PERCENT, 100, 15)),
                    SelectPolicy.MAX);
        }

        /** Kubernetes' default for scaling down: a 300 s window; 100 % per 15 s. */
        public static Rules defaultScaleDown() {
            return new Rules(300, List.of(new Policy(PolicyType.PERCENT, 100, 15)), SelectPolicy.MAX);
        }
    }

    private record Timed(long atMs, int replicas) {
    }

    private final int minReplicas;
    private final int maxReplicas;
    private final double upTolerance;
    private final double downTolerance;
    private final Rules scaleUp;
    private final Rules scaleDown;
    private final Deque<Timed> proposals = new ArrayDeque<>();
    private final Deque<Timed> upEvents = new ArrayDeque<>();
    private final Deque<Timed> downEvents = new ArrayDeque<>();

    public HorizontalPodAutoscaler(int minReplicas, int maxReplicas, double tolerance, Rules scaleUp, Rules scaleDown) {
        this(minReplicas, maxReplicas, tolerance, tolerance, scaleUp, scaleDown);
    }

    /**
     * With a tolerance per direction, as {@code behavior.scaleUp.tolerance} and
     * {@code scaleDown.tolerance} set them (Kubernetes 1.33+, feature gate HPAConfigurableTolerance).
     */
    public HorizontalPodAutoscaler(int minReplicas, int maxReplicas, double upTolerance, double downTolerance,
            Rules scaleUp, Rules scaleDown) {
        if (minReplicas < 1 || maxReplicas < minReplicas) {
            throw new IllegalArgumentException("need 1 <= minReplicas <= maxReplicas, got " + minReplicas + ", "
                    + maxReplicas);
        }
        this.minReplicas = minReplicas;
        this.maxReplicas = maxReplicas;
        this.upTolerance = upTolerance;
        this.downTolerance = downTolerance;
        this.scaleUp = scaleUp;
        this.scaleDown = scaleDown;
    }

    /**
     * Step 1: the replicas the metric asks for, before stabilization and policies.
     *
     * @param total  the metric's value, all pods together (KEDA's composite metric)
     * @param target the target average value per pod
     */
    public static int proposal(int current, double total, double target, double tolerance) {
        return proposal(current, total, target, tolerance, tolerance);
    }

    /** Step 1 with a tolerance per direction: above {@code 1 + up} or below {@code 1 − down} moves. */
    public static int proposal(int current, double total, double target, double up, double down) {
        double ratio = total / (target * current);
        // the distance from 1, as the controller computes it (|1 - ratio|): a ratio of 1.1 is
        // 1.1000000000000001 - 1 past a tolerance of 0.1 in floating point, and moves
        if (ratio >= 1.0 ? ratio - 1.0 <= up : 1.0 - ratio <= down) {
            return current;
        }
        return (int) Math.ceil(total / target);
    }

    /**
     * One sync of the autoscaler at {@code nowMs}: the replicas it sets, given the current count and
     * the metric; remembers the proposal, and the scale event when the count changes.
     */
    public int sync(long nowMs, int current, double total, double target) {
        int proposed = proposal(current, total, target, upTolerance, downTolerance);
        int stabilized = stabilize(nowMs, current, proposed);
        int desired = limit(nowMs, current, stabilized);
        if (desired > current) {
            upEvents.addLast(new Timed(nowMs, desired - current));
        } else if (desired < current) {
            downEvents.addLast(new Timed(nowMs, current - desired));
        }
        forgetEventsBefore(upEvents, nowMs - longestPeriodMs(scaleUp));
        forgetEventsBefore(downEvents, nowMs - longestPeriodMs(scaleDown));
        return desired;
    }

    private static long longestPeriodMs(Rules rules) {
        return rules.policies().stream().mapToLong(policy -> policy.periodSeconds() * 1000L).max().orElse(0);
    }

    private static void forgetEventsBefore(Deque<Timed> events, long cutoff) {
        while (!events.isEmpty() && events.peekFirst().atMs() <= cutoff) {
            events.removeFirst();
        }
    }

    /** Step 2: the lowest proposal of the scale-up window, the highest of the scale-down window. */
    int stabilize(long nowMs, int current, int proposed) {
        long upCutoff = nowMs - scaleUp.stabilizationWindowSeconds() * 1000L;
        long downCutoff = nowMs - scaleDown.stabilizationWindowSeconds() * 1000L;
        int up = proposed;
        int down = proposed;
        for (Timed earlier : proposals) {
            if (earlier.atMs() > upCutoff) {
                up = Math.min(up, earlier.replicas());
            }
            if (earlier.atMs() > downCutoff) {
                down = Math.max(down, earlier.replicas());
            }
        }
        proposals.addLast(new Timed(nowMs, proposed));
        long keep = Math.min(upCutoff, downCutoff);
        while (!proposals.isEmpty() && proposals.peekFirst().atMs() <= keep) {
            proposals.removeFirst();
        }
        int recommendation = Math.max(current, up);
        return Math.min(recommendation, down);
    }

    /** Steps 3 and 4: the direction's policies, then the bounds. */
    int limit(long nowMs, int current, int desired) {
        int limited = desired;
        if (desired > current) {
            limited = Math.min(desired, Math.min(upLimit(nowMs, current), maxReplicas));
        } else if (desired < current) {
            limited = Math.max(desired, Math.max(downLimit(nowMs, current), minReplicas));
        }
        return Math.max(minReplicas, Math.min(maxReplicas, limited));
    }

    private int upLimit(long nowMs, int current) {
        if (scaleUp.selectPolicy() == SelectPolicy.DISABLED) {
            return current;
        }
        boolean most = scaleUp.selectPolicy() == SelectPolicy.MAX;
        int result = most ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (Policy policy : scaleUp.policies()) {
            int periodStart = current - changedWithin(upEvents, nowMs, policy.periodSeconds());
            int proposed = policy.type() == PolicyType.PODS ? periodStart + policy.value()
                    : (int) Math.ceil(periodStart * (1 + policy.value() / 100.0));
            result = most ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return result;
    }

    private int downLimit(long nowMs, int current) {
        if (scaleDown.selectPolicy() == SelectPolicy.DISABLED) {
            return current;
        }
        boolean most = scaleDown.selectPolicy() == SelectPolicy.MAX;
        int result = most ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (Policy policy : scaleDown.policies()) {
            int periodStart = current + changedWithin(downEvents, nowMs, policy.periodSeconds());
            int proposed = policy.type() == PolicyType.PODS ? periodStart - policy.value()
                    : (int) (periodStart * (1 - policy.value() / 100.0));
            // scaling down, the most change is the fewest replicas
            result = most ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return result;
    }

    /** Replicas added (or removed) by the events of the last {@code periodSeconds}. */
    private static int changedWithin(Deque<Timed> events, long nowMs, int periodSeconds) {
        long cutoff = nowMs - periodSeconds * 1000L;
        int changed = 0;
        for (Timed event : events) {
            if (event.atMs() > cutoff) {
                changed += event.replicas();
            }
        }
        return changed;
    }
}
