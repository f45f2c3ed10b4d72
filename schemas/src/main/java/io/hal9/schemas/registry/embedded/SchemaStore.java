package io.hal9.schemas.registry.embedded;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The registry's state, in memory: schemas by global id, and each subject's versions in order.
 *
 * <p>A schema's identity is its Avro JSON as re-serialized by Avro after parsing, so whitespace and
 * attribute order do not matter but defaults and docs do. Ids are global: the same schema in two
 * subjects has one id. All methods are synchronized; the registry serves few, small requests.
 */
final class SchemaStore {

    /** One version of a subject. */
    record Version(String subject, int id, int version, String schema) {
    }

    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchemaText = new HashMap<>();
    private final Map<String, List<Integer>> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
    private int nextId = 1;

    synchronized List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    synchronized List<Integer> versions(String subject) {
        List<Integer> ids = idsOf(subject);
        List<Integer> versions = new ArrayList<>(ids.size());
        for (int i = 1; i <= ids.size(); i++) {
            versions.add(i);
        }
        return versions;
    }

    synchronized Version version(String subject, String versionSpec) {
        List<Integer> ids = idsOf(subject);
        int version = resolveVersion(subject, versionSpec, ids);
        int id = ids.get(version - 1);
        return new Version(subject, id, version, schemasById.get(id).toString());
    }

    synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw RegistryError.schemaNotFound(String.valueOf(id));
        }
        return schema;
    }

    /** Registers {@code schema} under {@code subject}, or returns its version there if already registered. */
    synchronized Version register(String subject, Schema schema) {
        Optional<Version> existing = find(subject, schema);
        if (existing.isPresent()) {
            return existing.get();
        }
        List<Integer> ids = subjects.getOrDefault(subject, List.of());
        CompatibilityLevel level = levelOf(subject);
        List<Integer> checked = level.transitive || ids.isEmpty() ? ids : ids.subList(ids.size() - 1, ids.size());
        List<String> problems = new ArrayList<>();
        for (int id : checked) {
            problems.addAll(problems(level, schema, schemasById.get(id), ids.indexOf(id) + 1));
        }
        if (!problems.isEmpty()) {
            throw new RegistryError(409, 409, "Schema being registered is incompatible with an earlier schema for "
                    + "subject \"" + subject + "\": " + String.join("; ", problems));
        }
        String text = schema.toString();
        Integer id = idsBySchemaText.get(text);
        if (id == null) {
            id = nextId++;
            idsBySchemaText.put(text, id);
            schemasById.put(id, schema);
        }
        List<Integer> updated = new ArrayList<>(ids);
        updated.add(id);
        subjects.put(subject, updated);
        return new Version(subject, id, updated.size(), text);
    }

    /** The version of {@code subject} holding {@code schema}, or 40403 when the subject does not hold it. */
    synchronized Version lookup(String subject, Schema schema) {
        idsOf(subject);
        return find(subject, schema).orElseThrow(() -> RegistryError.schemaNotFound("for subject '" + subject + "'"));
    }

    /**
     * Why {@code schema} could not become the next version of {@code subject}, checked against the
     * given version ("latest" follows the subject's level, transitive or not); empty when compatible.
     */
    synchronized List<String> compatibilityProblems(String subject, String versionSpec, Schema schema) {
        List<Integer> ids = idsOf(subject);
        CompatibilityLevel level = levelOf(subject);
        List<Integer> versions = new ArrayList<>();
        if (isLatest(versionSpec) && level.transitive) {
            for (int v = 1; v <= ids.size(); v++) {
                versions.add(v);
            }
        } else {
            versions.add(resolveVersion(subject, versionSpec, ids));
        }
        List<String> problems = new ArrayList<>();
        for (int v : versions) {
            problems.addAll(problems(level, schema, schemasById.get(ids.get(v - 1)), v));
        }
        return problems;
    }

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    synchronized void globalLevel(CompatibilityLevel level) {
        globalLevel = level;
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    synchronized void subjectLevel(String subject, CompatibilityLevel level) {
        subjectLevels.put(subject, level);
    }

    private CompatibilityLevel levelOf(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    private Optional<Version> find(String subject, Schema schema) {
        Integer id = idsBySchemaText.get(schema.toString());
        List<Integer> ids = subjects.getOrDefault(subject, List.of());
        if (id == null || !ids.contains(id)) {
            return Optional.empty();
        }
        return Optional.of(new Version(subject, id, ids.indexOf(id) + 1, schema.toString()));
    }

    private List<Integer> idsOf(String subject) {
        List<Integer> ids = subjects.get(subject);
        if (ids == null) {
            throw RegistryError.subjectNotFound(subject);
        }
        return ids;
    }

    private static boolean isLatest(String versionSpec) {
        return "latest".equals(versionSpec) || "-1".equals(versionSpec);
    }

    private static int resolveVersion(String subject, String versionSpec, List<Integer> ids) {
        if (isLatest(versionSpec)) {
            return ids.size();
        }
        int version;
        try {
            version = Integer.parseInt(versionSpec);
        } catch (NumberFormatException e) {
            throw RegistryError.invalidVersion(versionSpec);
        }
        if (version < 1) {
            throw RegistryError.invalidVersion(versionSpec);
        }
        if (version > ids.size()) {
            throw RegistryError.versionNotFound(subject, versionSpec);
        }
        return version;
    }

    private static List<String> problems(CompatibilityLevel level, Schema candidate, Schema earlier, int version) {
        List<String> problems = new ArrayList<>();
        if (level.newReadsOld) {
            problems.addAll(describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, earlier),
                    "new schema cannot read data written with version " + version));
        }
        if (level.oldReadsNew) {
            problems.addAll(describe(SchemaCompatibility.checkReaderWriterCompatibility(earlier, candidate),
                    "version " + version + " cannot read data written with the new schema"));
        }
        return problems;
    }

    private static List<String> describe(SchemaPairCompatibility result, String direction) {
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            problems.add(direction + ": " + incompatibility.getType() + " at " + incompatibility.getLocation()
                    + " (" + incompatibility.getMessage() + ")");
        }
        return problems;
    }
}
