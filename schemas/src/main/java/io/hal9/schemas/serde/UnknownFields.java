package io.hal9.schemas.serde;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * The top-level fields a record's writer schema has and the compiled class it was read into does
 * not know, with their values: what a producer on a newer version of a contract added. A stage
 * that reads a record into the compiled class and writes a record derived from it
 * {@linkplain #appendTo appends} them, so they travel on instead of being dropped.
 *
 * <p>How to use: {@link AvroDeserializer#unknownFields} gives them for a record's bytes;
 * {@link #appendTo} gives the record to write; {@link AvroSerializer} writes it with the
 * {@linkplain #extendedSchema() extended schema}: the compiled schema with the unknown fields
 * appended after its own, registered under the subject it writes to.
 *
 * <p>Requirements: the extended schema is a backward-compatible version of the compiled one when
 * every unknown field has a default. A field the writer declared without a default is carried as
 * optional (its type in a union with {@code null}, default {@code null}): the subjects a record is
 * written to also hold records without it.
 *
 * <p>Current limitations: only top-level fields are carried; a field a newer writer added inside
 * a nested record (e.g. {@code activation}) is dropped as before. A writer schema whose unknown
 * fields name a type differently from the compiled schema's own type of that name carries nothing.
 */
public final class UnknownFields {

    /** No unknown fields: {@link #appendTo} gives back the record itself. */
    public static final UnknownFields NONE = new UnknownFields(null, null);

    private final Schema extended;
    private final IndexedRecord values;

    private UnknownFields(Schema extended, IndexedRecord values) {
        this.extended = extended;
        this.values = values;
    }

    /** True when the writer schema had no field the compiled class lacks. */
    public boolean isEmpty() {
        return values == null;
    }

    /** The compiled schema with the unknown fields appended; null when there are none. */
    public Schema extendedSchema() {
        return extended;
    }

    /** The value of one unknown field, or null when there is no such field. */
    public Object get(String field) {
        if (values == null) {
            return null;
        }
        Schema.Field known = values.getSchema().getField(field);
        return known == null ? null : values.get(known.pos());
    }

    /**
     * The record to write for {@code record}: {@code record} itself when there are no unknown
     * fields, else a record of the {@linkplain #extendedSchema() extended schema} that reads
     * {@code record}'s fields and then these. {@code record} must be of the compiled class the
     * fields were found missing from.
     */
    public IndexedRecord appendTo(SpecificRecord record) {
        if (values == null) {
            return record;
        }
        if (!record.getSchema().getFullName().equals(extended.getFullName())
                || record.getSchema().getFields().size() + values.getSchema().getFields().size()
                        != extended.getFields().size()) {
            throw new IllegalArgumentException("fields unknown to " + extended.getFullName() + " cannot be appended to a "
                    + record.getSchema().getFullName());
        }
        return new Appended(extended, record, values);
    }

    /**
     * A record of the extended schema: the compiled record's fields, then the unknown ones. Written
     * with the compiled class's data model, so its logical types keep their conversions.
     */
    public static final class Appended implements IndexedRecord {

        private final Schema schema;
        private final SpecificRecord record;
        private final IndexedRecord unknown;
        private final int known;

        Appended(Schema schema, SpecificRecord record, IndexedRecord unknown) {
            this.schema = schema;
            this.record = record;
            this.unknown = unknown;
            this.known = record.getSchema().getFields().size();
        }

        /** The names of the fields appended to the compiled record's, in order. */
        public java.util.List<String> addedFieldNames() {
            return schema.getFields().subList(known, schema.getFields().size()).stream().map(Schema.Field::name).toList();
        }

        /** The compiled record, without the unknown fields. */
        public SpecificRecord record() {
            return record;
        }

        @Override
        public Schema getSchema() {
            return schema;
        }

        @Override
        public Object get(int i) {
            return i < known ? record.get(i) : unknown.get(i - known);
        }

        @Override
        public void put(int i, Object v) {
            if (i < known) {
                record.put(i, v);
            } else {
                unknown.put(i - known, v);
            }
        }
    }

    /**
     * How records of one writer schema are read for their unknown fields: the projection of the
     * writer schema onto them, and the extended schema they are written with. Built once per writer
     * schema.
     */
    static final class Layout {

        private final Schema extended;
        private final GenericDatumReader<IndexedRecord> reader;

        private Layout(Schema extended, GenericDatumReader<IndexedRecord> reader) {
            this.extended = extended;
            this.reader = reader;
        }

        /**
         * The layout of {@code writer} read as {@code compiled}, or null when the writer has no
         * top-level field the compiled schema (names and aliases) lacks, or when they cannot be
         * carried (see the class's limitations).
         */
        static Layout of(Schema writer, Schema compiled) {
            if (writer.getType() != Schema.Type.RECORD || compiled.getType() != Schema.Type.RECORD) {
                return null;
            }
            Set<String> known = new HashSet<>();
            for (Schema.Field field : compiled.getFields()) {
                known.add(field.name());
                known.addAll(field.aliases());
            }
            List<Schema.Field> projected = new ArrayList<>();
            List<Schema.Field> appended = new ArrayList<>();
            for (Schema.Field field : writer.getFields()) {
                if (!known.contains(field.name())) {
                    projected.add(new Schema.Field(field, field.schema()));
                    appended.add(optional(field));
                }
            }
            if (projected.isEmpty()) {
                return null;
            }
            Schema projection = Schema.createRecord(writer.getName(), writer.getDoc(), writer.getNamespace(), false,
                    projected);
            List<Schema.Field> fields = new ArrayList<>();
            compiled.getFields().forEach(field -> fields.add(new Schema.Field(field, field.schema())));
            fields.addAll(appended);
            Schema extended = Schema.createRecord(compiled.getName(), compiled.getDoc(), compiled.getNamespace(),
                    false, fields);
            compiled.getObjectProps().forEach(extended::addProp);
            compiled.getAliases().forEach(extended::addAlias);
            try {
                // a type named twice with different definitions cannot be written as one schema
                extended = new Schema.Parser().parse(extended.toString());
            } catch (SchemaParseException e) {
                return null;
            }
            return new Layout(extended, new GenericDatumReader<>(writer, projection, GenericData.get()));
        }

        Schema extended() {
            return extended;
        }

        UnknownFields read(org.apache.avro.io.Decoder decoder) throws java.io.IOException {
            return new UnknownFields(extended, reader.read(null, decoder));
        }

        /** {@code field} as carried downstream: as declared when it has a default, else optional. */
        private static Schema.Field optional(Schema.Field field) {
            if (field.hasDefaultValue()) {
                return new Schema.Field(field, field.schema());
            }
            List<Schema> branches = new ArrayList<>();
            branches.add(Schema.create(Schema.Type.NULL));
            List<Schema> types = field.schema().isUnion() ? field.schema().getTypes() : List.of(field.schema());
            types.stream().filter(type -> type.getType() != Schema.Type.NULL).forEach(branches::add);
            Schema.Field optional = new Schema.Field(field.name(), Schema.createUnion(branches), field.doc(),
                    Schema.Field.NULL_DEFAULT_VALUE, field.order());
            field.aliases().forEach(optional::addAlias);
            field.getObjectProps().forEach(optional::addProp);
            return optional;
        }
    }
}
