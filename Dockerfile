# HAL9 Streams image for people who build with Docker (docker build -t hal9-streams:0.1.0 .).
# Without a Docker daemon, bin/build-image makes the equivalent image tarball with Jib; both run as
# the non-root user 10001, size the heap from the container's memory limit and keep nothing
# writable outside /tmp and the state volume, so they work with a read-only root filesystem and a
# noexec /tmp.

# --- build ---------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package

# --- run -----------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre
RUN groupadd --gid 10001 hal9 \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/hal9 --no-create-home --shell /usr/sbin/nologin hal9 \
 && mkdir -p /var/lib/hal9/state /var/log/hal9 \
 && chown -R 10001:10001 /var/lib/hal9 /var/log/hal9
COPY --from=build /src/topology/target/lib/ /app/lib/
COPY --from=build /src/topology/target/hal9.jar /app/hal9.jar
# JNI libraries (RocksDB, zstd, snappy, lz4) are unpacked to java.io.tmpdir and loaded from there.
# Docker mounts a tmpfs /tmp noexec (compose's `tmpfs: /tmp`, `docker run --tmpfs /tmp`), where
# loading fails ("failed to map segment from shared object"); the state volume is mounted exec, and
# is always there (VOLUME below; emptyDir in Kubernetes). RocksDB, the big one, is written there
# under a fixed name (ROCKSDB_SHAREDLIB_DIR), replaced at each start instead of piling up on the
# volume after a hard exit.
ENV HAL9_STATE_DIR=/var/lib/hal9/state ROCKSDB_SHAREDLIB_DIR=/var/lib/hal9/state
USER 10001:10001
WORKDIR /var/lib/hal9
VOLUME ["/var/lib/hal9/state", "/tmp"]
EXPOSE 8080
# The same executable for every role: run --layer L2|L3|L4, claude-sim, doctor, topics, demo, ...
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/var/lib/hal9/state", "-jar", "/app/hal9.jar"]
CMD ["--help"]
