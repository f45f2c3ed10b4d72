package io.hal9.topology.cli.doctor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code lag}: total consumer lag of each consumer group whose id starts with the prefix (the
 * layers' application ids, {@code hal9-} by default): committed offsets against the last stable
 * offsets. OK with the lag per group; WARN when a group is above the threshold; FAIL when Kafka
 * does not answer.
 */
public final class LagCheck implements Check {

    static final String NAME = "lag";
    public static final long DEFAULT_WARN_THRESHOLD = 10_000;

    private final String bootstrapServers;
    private final Duration timeout;
    private final String groupPrefix;
    private final long warnThreshold;

    public LagCheck(String bootstrapServers, Duration timeout, String groupPrefix, long warnThreshold) {
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
        this.groupPrefix = groupPrefix;
        this.warnThreshold = warnThreshold;
    }

    @Override
    public Result run() {
        try (Admin admin = KafkaAdmins.create(bootstrapServers, timeout)) {
            Map<String, Long> lags = lags(admin);
            if (lags.isEmpty()) {
                return Result.ok(NAME, "no consumer groups " + groupPrefix + "*");
            }
            List<String> parts = new ArrayList<>();
            List<String> behind = new ArrayList<>();
            lags.forEach((group, lag) -> {
                parts.add(group + " " + format(lag));
                if (lag > warnThreshold) {
                    behind.add(group);
                }
            });
            if (behind.isEmpty()) {
                return Result.ok(NAME, String.join(", ", parts));
            }
            return Result.warn(NAME, String.join(", ", parts) + " (" + String.join(", ", behind) + " above "
                            + format(warnThreshold) + ")",
                    "the layer falls behind: add instances or hal9.stream.threads, or see the breaker line");
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            return Result.fail(NAME, bootstrapServers + ": " + KafkaAdmins.describe(e, timeout), "see the kafka line");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.fail(NAME, "interrupted", null);
        }
    }

    /** Total lag per group, by group id. */
    private Map<String, Long> lags(Admin admin) throws ExecutionException, TimeoutException, InterruptedException {
        long millis = timeout.toMillis();
        List<String> groups = new ArrayList<>();
        for (GroupListing group : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get(millis, TimeUnit.MILLISECONDS)) {
            if (group.groupId().startsWith(groupPrefix)) {
                groups.add(group.groupId());
            }
        }
        groups.sort(null);
        Map<String, Long> lags = new java.util.LinkedHashMap<>();
        for (String group : groups) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(millis, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.forEach((partition, offset) -> {
                if (offset != null) {
                    latest.put(partition, OffsetSpec.latest());
                }
            });
            long total = 0;
            if (!latest.isEmpty()) {
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest,
                                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                        .all().get(millis, TimeUnit.MILLISECONDS);
                for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
                    total += Math.max(0, end.getValue().offset() - committed.get(end.getKey()).offset());
                }
            }
            lags.put(group, total);
        }
        return lags;
    }

    private static String format(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
