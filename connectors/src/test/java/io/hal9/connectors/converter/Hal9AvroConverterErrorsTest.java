package io.hal9.connectors.converter;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;
import io.hal9.connectors.converter.ConverterFixture.TestRecord;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every way a record or a configuration can be refused, and what the refusal says. */
class Hal9AvroConverterErrorsTest {

    private static final String TOPIC = "hal9.results";
    private static final String READ_PREFIX = "cannot read the value of a record on topic hal9.results: ";

    private ConverterFixture fixture;
    private Hal9AvroConverter converter;

    @BeforeEach
    void start() {
        fixture = new ConverterFixture();
        converter = fixture.valueConverter();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    // ------------------------------------------------------------------------- unreadable records

    @Test
    void shouldRejectEmptyRecord() {
        assertThatThrownBy(() -> converter.toConnectData(TOPIC, new byte[0]))
                .isInstanceOf(DataException.class)
                .hasMessage(READ_PREFIX + "empty record: no bytes to decode");
    }

    @Test
    void shouldRejectRecordShorterThanHeader() {
        assertThatThrownBy(() -> converter.toConnectData(TOPIC, new byte[] {0x00, 0x00, 0x01}))
                .isInstanceOf(DataException.class)
                .hasMessage(READ_PREFIX + "record of 3 bytes is too short for the wire format header (5 bytes)");
    }

    @Test
    void shouldRejectWrongMagicByte() {
        byte[] bytes = validSignal();
        bytes[0] = 0x01;

        assertThatThrownBy(() -> converter.toConnectData(TOPIC, bytes))
                .isInstanceOf(DataException.class)
                .hasMessage(READ_PREFIX + "unknown magic byte 0x01 (expected 0x00: Confluent wire format)");
    }

    @Test
    void shouldRejectPlainJsonAsUnknownMagicByte() {
        byte[] json = "{\"activation\":{\"content\":\"hi\"}}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> converter.toConnectData(TOPIC, json))
                .isInstanceOf(DataException.class)
                .hasMessage(READ_PREFIX + "unknown magic byte 0x7b (expected 0x00: Confluent wire format)");
    }

    @Test
    void shouldRejectUnknownSchemaId() {
        byte[] bytes = {0x00, 0x00, 0x00, 0x03, (byte) 0xe7, 0x02, 0x00};

        assertThatThrownBy(() -> converter.toConnectData(TOPIC, bytes))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith(READ_PREFIX + "unknown schema id 999 (")
                .hasMessageContaining(fixture.registry.url())
                .hasMessageContaining("40403");
    }

    @Test
    void shouldRejectTruncatedPayload() {
        byte[] whole = validSignal();
        byte[] truncated = Arrays.copyOf(whole, whole.length - 20);

        assertThatThrownBy(() -> converter.toConnectData(TOPIC, truncated))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith(READ_PREFIX + "truncated or corrupt Avro payload for schema id ")
                .hasMessageContaining("bytes after the header");
    }

    @Test
    void shouldRejectTrailingBytes() {
        byte[] whole = validSignal();
        byte[] longer = Arrays.copyOf(whole, whole.length + 3);

        assertThatThrownBy(() -> converter.toConnectData(TOPIC, longer))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith(READ_PREFIX + "trailing bytes after the Avro record for schema id ");
    }

    @Test
    void shouldRejectRecursiveWriterSchema() {
        org.apache.avro.Schema node = new org.apache.avro.Schema.Parser().parse("""
                {"type": "record", "name": "Node", "namespace": "io.hal9.test", "fields": [
                  {"name": "label", "type": "string"},
                  {"name": "next", "type": ["null", "Node"], "default": null}
                ]}""");
        byte[] bytes = fixture.produce(TOPIC, new TestRecord(node).with("label", "a").with("next", null));

        assertThatThrownBy(() -> converter.toConnectData(TOPIC, bytes))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith(READ_PREFIX + "writer schema id ")
                .hasMessageContaining("recursive Avro record io.hal9.test.Node");
    }

    @Test
    void shouldNameKeyWhenConvertingKeys() {
        Hal9AvroConverter keys = fixture.converter(Map.of(), true);

        assertThatThrownBy(() -> keys.toConnectData(TOPIC, new byte[] {0x7b}))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("cannot read the key of a record on topic hal9.results: unknown magic byte");
    }

    // ------------------------------------------------------------------------- registry outages

    @Test
    void shouldReportUnreachableRegistryAsRetriable() {
        // Given a record whose schema the converter has not seen, and a registry that has gone away
        byte[] bytes = validSignal();
        fixture.registry.close();

        // When / Then Connect is told to retry, not to dead-letter the record
        assertThatThrownBy(() -> converter.toConnectData(TOPIC, bytes))
                .isInstanceOf(RetriableException.class)
                .hasMessageStartingWith(READ_PREFIX + "schema registry did not answer for schema id ")
                .hasMessageContaining("unreachable");
    }

    @Test
    void shouldReportRegistryServerErrorAsRetriable() throws Exception {
        HttpServer failing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        failing.createContext("/", exchange -> {
            byte[] body = "{\"error_code\":50001,\"message\":\"backend store unavailable\"}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        failing.start();
        try {
            Hal9AvroConverter againstFailing = new Hal9AvroConverter();
            againstFailing.configure(Map.of("schema.registry.url",
                    "http://127.0.0.1:" + failing.getAddress().getPort()), false);

            assertThatThrownBy(() -> againstFailing.toConnectData(TOPIC, validSignal()))
                    .isInstanceOf(RetriableException.class)
                    .hasMessageContaining("HTTP 503")
                    .hasMessageContaining("backend store unavailable");
        } finally {
            failing.stop(0);
        }
    }

    // ------------------------------------------------------------------------- configuration

    @Test
    void shouldRequireRegistryUrl() {
        assertThatThrownBy(() -> new Hal9AvroConverter().configure(Map.of(), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void shouldRejectBlankRegistryUrl() {
        assertThatThrownBy(() -> new Hal9AvroConverter().configure(Map.of("schema.registry.url", "  "), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url")
                .hasMessageContaining("must name the schema registry");
    }

    @Test
    void shouldRejectRegistryUrlWithoutScheme() {
        assertThatThrownBy(() -> new Hal9AvroConverter()
                .configure(Map.of("schema.registry.url", "schema-registry:8081"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url")
                .hasMessageContaining("http or https URL");
    }

    @Test
    void shouldRejectListOfRegistryUrls() {
        assertThatThrownBy(() -> new Hal9AvroConverter()
                .configure(Map.of("schema.registry.url", "http://a:8081,http://b:8081"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url")
                .hasMessageContaining("one URL");
    }

    @Test
    void shouldRejectInvalidAutoRegisterFlag() {
        Map<String, Object> config = new HashMap<>();
        config.put("schema.registry.url", fixture.registry.url());
        config.put("auto.register.schemas", "sometimes");

        assertThatThrownBy(() -> new Hal9AvroConverter().configure(config, false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("auto.register.schemas");
    }

    @Test
    void shouldRefuseToConvertBeforeConfigure() {
        assertThatThrownBy(() -> new Hal9AvroConverter().toConnectData(TOPIC, validSignal()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("configure");
    }

    // ------------------------------------------------------------------------- unwritable values

    @Test
    void shouldRejectValueWithoutSchema() {
        assertThatThrownBy(() -> converter.fromConnectData(TOPIC, null, Map.of("content", "hi")))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("cannot write the value of a record for topic hal9.results: "
                        + "a value without a Connect schema");
    }

    @Test
    void shouldRejectStructMissingRequiredField() {
        Schema schema = SchemaBuilder.struct().name("io.hal9.test.Answer")
                .field("id", Schema.STRING_SCHEMA).build();

        assertThatThrownBy(() -> converter.fromConnectData(TOPIC, schema, new Struct(schema)))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("cannot write the value of a record for topic hal9.results: ")
                .hasMessageContaining("id");
    }

    @Test
    void shouldRejectSchemaTheRegistryFindsIncompatible() {
        // Given a subject whose latest schema has a required field without default
        fixture.client.register(TOPIC + "-value", new org.apache.avro.Schema.Parser().parse("""
                {"type": "record", "name": "Answer", "namespace": "io.hal9.test",
                 "fields": [{"name": "id", "type": "string"}]}"""));
        // And a Connect record with the same name that adds a required field without default
        Schema schema = SchemaBuilder.struct().name("io.hal9.test.Answer")
                .field("id", Schema.STRING_SCHEMA).field("score", Schema.INT32_SCHEMA).build();

        assertThatThrownBy(() -> converter.fromConnectData(TOPIC, schema,
                new Struct(schema).put("id", "a").put("score", 1)))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("cannot write the value of a record for topic hal9.results: "
                        + "schema registry refused schema io.hal9.test.Answer under subject hal9.results-value")
                .hasMessageContaining("409");
    }

    @Test
    void shouldRejectUnregisteredSubjectWithoutAutoRegistration() {
        Hal9AvroConverter strict = fixture.converter(Map.of("auto.register.schemas", false), false);
        Schema schema = SchemaBuilder.struct().name("io.hal9.test.Answer").field("id", Schema.STRING_SCHEMA).build();

        assertThatThrownBy(() -> strict.fromConnectData(TOPIC, schema, new Struct(schema).put("id", "a")))
                .isInstanceOf(DataException.class)
                .hasMessage("cannot write the value of a record for topic hal9.results: "
                        + "subject hal9.results-value has no schema, and auto.register.schemas=false");
    }

    @Test
    void shouldRejectUnknownEnumSymbol() {
        Schema category = SchemaBuilder.string().name("io.hal9.test.Category")
                .parameter(AvroData.ENUM_SYMBOLS, "AUTH,TIMEOUT").build();
        Schema schema = SchemaBuilder.struct().name("io.hal9.test.Letter").field("category", category).build();

        assertThatThrownBy(() -> converter.fromConnectData(TOPIC, schema, new Struct(schema).put("category", "PANIC")))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("$.category: \"PANIC\" is not a symbol of enum io.hal9.test.Category [AUTH, TIMEOUT]");
    }

    @Test
    void shouldRejectJsonTextThatDoesNotMatchItsAvroType() {
        Schema tags = SchemaBuilder.string().optional()
                .parameter(AvroData.JSON_TEXT, "array")
                .parameter(AvroData.AVRO_SCHEMA, "{\"type\":\"array\",\"items\":\"string\"}").build();
        Schema schema = SchemaBuilder.struct().name("io.hal9.test.Tagged").field("tags", tags).build();

        assertThatThrownBy(() -> converter.fromConnectData(TOPIC, schema, new Struct(schema).put("tags", "[1, 2]")))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("$.tags[0]: expected string, found number");
    }

    private byte[] validSignal() {
        return fixture.produce(TOPIC, Hal9AvroConverterContractsTest.fullSignal());
    }
}
