package io.hal9.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.Signal;

import org.junit.jupiter.api.Test;

class HttpSchemaRegistryClientTest {

    @Test
    void shouldNameRegistryUrlWhenUnreachable() {
        String url;
        try (SchemaRegistryServer stopped = SchemaRegistryServer.start("127.0.0.1", 0)) {
            url = stopped.url();
        }
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(url);

        SchemaRegistryException failure = catchThrowableOfType(SchemaRegistryException.class,
                () -> client.schemaById(1));

        assertThat(failure).hasMessageContaining("schema registry at " + url + " is unreachable");
        assertThat(failure.httpStatus()).isZero();
    }

    @Test
    void shouldCarryConfluentErrorCodeForUnknownSubject() {
        try (SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0)) {
            HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url());

            SchemaRegistryException failure = catchThrowableOfType(SchemaRegistryException.class,
                    () -> client.latest("nobody-value"));

            assertThat(failure.httpStatus()).isEqualTo(404);
            assertThat(failure.errorCode()).isEqualTo(40401);
            assertThat(failure).hasMessageContaining("Subject 'nobody-value' not found");
        }
    }

    @Test
    void shouldEncodeSubjectsThatAreNotUrlSafe() {
        try (SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0)) {
            HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url() + "/");
            String subject = "tenant a/b+c?-value";

            int id = client.register(subject, Signal.getClassSchema());

            assertThat(client.latest(subject))
                    .isEqualTo(new SchemaRegistryClient.RegisteredSchema(subject, id, 1, Signal.getClassSchema()));
        }
    }
}
