/**
 * HAL9's Kafka Connect converter, {@link io.hal9.connectors.converter.Hal9AvroConverter}: records
 * in HAL9's wire format (Confluent-framed Avro with writer schemas in a registry) to and from
 * Connect data, with the Avro ↔ Connect mapping in {@code AvroData} and the JSON text of maps,
 * arrays and unions in {@code AvroJson}.
 *
 * <h2>Configuration</h2>
 * <ul>
 *   <li>{@code schema.registry.url} (required): the registry's base URL; missing or blank fails
 *       {@code configure} with a {@code ConfigException} naming the key.</li>
 *   <li>{@code auto.register.schemas} (default {@code true}): whether {@code fromConnectData}
 *       registers the record's schema; when false the schema must be the subject's latest version.</li>
 * </ul>
 *
 * <h2>Reading: Avro to Connect</h2>
 * The writer schema is fetched by the record's id (once per id) and the record decoded with it, so
 * every version of a subject converts to a Connect schema of its own: a field added with a default
 * in a newer version appears (optional when it may be null) in the newer Connect schema and is
 * absent from the older one, which is what a sink's schema evolution needs to add the column.
 * <table>
 *   <caption>Avro type → Connect schema (value)</caption>
 *   <tr><th>Avro</th><th>Connect</th></tr>
 *   <tr><td>record</td><td>STRUCT named after the Avro full name, nested records nested STRUCTs
 *       (value {@code Struct}); field docs become schema docs</td></tr>
 *   <tr><td>string</td><td>STRING</td></tr>
 *   <tr><td>int, long</td><td>INT32, INT64</td></tr>
 *   <tr><td>float, double</td><td>FLOAT32, FLOAT64</td></tr>
 *   <tr><td>boolean</td><td>BOOLEAN</td></tr>
 *   <tr><td>bytes</td><td>BYTES ({@code byte[]})</td></tr>
 *   <tr><td>fixed</td><td>BYTES named after the fixed, parameter {@code hal9.avro.fixed.size}</td></tr>
 *   <tr><td>enum</td><td>STRING (the symbol) named after the enum, parameter
 *       {@code hal9.avro.enum.symbols} = the symbols, comma-separated, in order</td></tr>
 *   <tr><td>{@code ["null", X]} (either order)</td><td>X, optional</td></tr>
 *   <tr><td>map, array, {@code null}, any other union</td><td>optional STRING holding JSON text (see
 *       below), parameters {@code hal9.avro.json} = {@code map} / {@code array} / {@code union} /
 *       {@code null} and {@code hal9.avro.schema} = the field's Avro type</td></tr>
 *   <tr><td>int {@code date}</td><td>{@code org.apache.kafka.connect.data.Date}</td></tr>
 *   <tr><td>int {@code time-millis}</td><td>{@code org.apache.kafka.connect.data.Time}</td></tr>
 *   <tr><td>long {@code timestamp-millis}</td><td>{@code org.apache.kafka.connect.data.Timestamp}</td></tr>
 *   <tr><td>bytes or fixed {@code decimal}</td><td>{@code org.apache.kafka.connect.data.Decimal}, parameter
 *       {@code connect.decimal.precision}</td></tr>
 *   <tr><td>other logical types (timestamp-micros, local-timestamp-millis, time-micros, uuid, ...)</td>
 *       <td>the underlying type, parameter {@code hal9.avro.logical.type} (uuid: plain STRING)</td></tr>
 * </table>
 * The top-level schema also carries the registry id as its version (ids only grow, so a later
 * schema has a higher version) and the complete Avro schema in the parameter
 * {@code hal9.avro.schema}. A field default is carried when the field can never be null (Connect's
 * {@code Struct.get} returns a default in place of null, which would change a real null), except on
 * record-typed fields. A tombstone ({@code null} bytes) converts to {@code SchemaAndValue.NULL}.
 *
 * <p><b>JSON text.</b> A relational sink has no column type for maps and arrays, so they travel as
 * JSON text in one optional STRING column: records and maps as objects, arrays as arrays, strings
 * and enum symbols as strings, numbers as numbers, bytes as base64, decimals as exact numbers,
 * other logical types as their Avro value (timestamp-millis as epoch milliseconds). Inside the
 * text a nullable union is {@code null} or the bare value, any other union a one-key object naming
 * its branch ({@code {"string": "x"}}), as in Avro's JSON encoding. A union of several non-null
 * branches at field level is JSON text in that same one-key form: one column that keeps which
 * branch was written (a struct of branches would spread one value over several columns after
 * flattening).
 *
 * <h2>Writing: Connect to Avro</h2>
 * The Avro schema is the one kept in {@code hal9.avro.schema} when the Connect schema is exactly
 * what this converter produced from it (so a record read and written back keeps its exact schema and
 * id, and decodes to an equal record); otherwise it is derived from the Connect schema:
 * structs become records (the Connect name when it is a valid Avro name, else a name in
 * {@code io.hal9.connectors.derived}), optional fields {@code ["null", X]} with a null default,
 * INT8/INT16 an {@code int} with {@code "connect.type"}, Connect logical types the Avro logical
 * types above, JSON-text fields the Avro type kept in their parameter, maps with non-string keys
 * arrays of key/value records. The schema is registered under {@code <topic>-value}
 * ({@code <topic>-key} for a key converter). A {@code null} value writes {@code null}.
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li>Bytes that cannot be read (empty, shorter than the 5-byte header, a magic byte other than
 *       {@code 0x00}, a schema id the registry does not know, a truncated or corrupt payload, bytes
 *       left after the record, a writer schema Connect cannot express such as a recursive record)
 *       raise a {@code DataException} naming the topic and the reason, so Connect's
 *       {@code errors.tolerance} and dead letter queue apply.</li>
 *   <li>A registry that cannot answer (unreachable, timed out, HTTP 5xx, 408, 429, 401, 403) is not
 *       the record's fault and raises a {@code RetriableException}: with
 *       {@code errors.retry.timeout=-1} Connect retries the conversion with backoff until the
 *       registry is back and no record is dead-lettered for the outage; with a finite timeout the
 *       record is handled by {@code errors.tolerance} once the timeout passes.</li>
 *   <li>Writing fails with a {@code DataException} when the value does not match its schema, the
 *       registry refuses the schema (incompatible, 409; invalid, 422) or, without auto-registration,
 *       the schema is not the subject's latest version.</li>
 * </ul>
 *
 * <h2>Current limitations</h2>
 * One registry URL; no authentication to the registry; without auto-registration only the
 * subject's latest version is looked up; recursive records cannot be read; defaults of
 * record-typed fields are not carried into Connect.
 *
 */
package io.hal9.connectors.converter;
