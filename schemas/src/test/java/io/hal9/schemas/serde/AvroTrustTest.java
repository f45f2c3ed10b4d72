package io.hal9.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.Signal;

import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class AvroTrustTest {

    @Test
    void shouldListContractPackageInAvroTrustProperty() {
        AvroSerdes.class.getName();
        AvroTrust.ensure();

        assertThat(System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES").split(","))
                .contains("io.hal9.schemas.v1");
    }

    @Test
    void shouldRoundTripSignalInFreshJvmWithoutAnyAvroSetting() throws Exception {
        // A new JVM on the test classpath, with no Avro system property: only the serdes' own set-up applies.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                FreshJvmRoundTrip.class.getName()))
                .redirectErrorStream(true)
                .start();

        boolean finished = process.waitFor(60, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(finished).as("fresh JVM finished").isTrue();
        assertThat(output).contains("round trip ok");
        assertThat(process.exitValue()).as(output).isZero();
    }

    /** Run in a fresh JVM by the test above: a Signal with maps and arrays through the real serde. */
    static final class FreshJvmRoundTrip {

        private FreshJvmRoundTrip() {
        }

        public static void main(String[] args) {
            if (System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES") != null) {
                throw new IllegalStateException("the fresh JVM must start without an Avro trust setting");
            }
            try (SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0)) {
                Serde<Signal> serde = AvroSerdes.signal(new HttpSchemaRegistryClient(registry.url()));
                Signal signal = TestRecords.fullSignal();
                Signal read = serde.deserializer().deserialize("t", serde.serializer().serialize("t", signal));
                if (!signal.equals(read)) {
                    throw new IllegalStateException("round trip changed the signal: " + read);
                }
            }
            System.out.println("round trip ok");
        }
    }
}
