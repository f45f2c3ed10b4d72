package io.hal9.topology;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import io.hal9.topology.config.Hal9Config;

import org.apache.kafka.common.config.AbstractConfig;

/**
 * The dependency rule of HAL9 Streams, checked on the compiled main classes of every module (tests
 * excluded: they may use the local stack anywhere).
 *
 * <pre>
 * cli ──▶ node ──▶ layer | game ──▶ kafka ──▶ config
 *  └──▶ devstack (local stand-ins: only the command line starts them)
 * net (ports and who holds them) below node, devstack and cli
 * autoscale (the replica forecast, and a model of the autoscaler for simulation) below cli, node and
 *   config (Hal9Settings builds the forecast's settings)
 * topology ──▶ neurons ──▶ schemas;  connectors ──▶ schemas
 * </pre>
 *
 * <p>Settings are read in one place: outside {@code io.hal9.topology.config} a {@link Hal9Config}
 * is read through {@code Hal9Settings} or its own typed accessors, never through the untyped
 * getters it inherits from Kafka's {@link AbstractConfig} ({@code getInt(KEY)}).
 */
@AnalyzeClasses(packages = "io.hal9", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String TOPOLOGY = "io.hal9.topology.";

    @ArchTest
    static final ArchRule topologyPackagesDependDownwardsOnly = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("cli").definedBy(TOPOLOGY + "cli..")
            .layer("node").definedBy(TOPOLOGY + "node..")
            .layer("layer").definedBy(TOPOLOGY + "layer..")
            .layer("game").definedBy(TOPOLOGY + "game..")
            .layer("kafka").definedBy(TOPOLOGY + "kafka..")
            .layer("config").definedBy(TOPOLOGY + "config..")
            .layer("devstack").definedBy(TOPOLOGY + "devstack..")
            .layer("net").definedBy(TOPOLOGY + "net..")
            .layer("autoscale").definedBy(TOPOLOGY + "autoscale..")
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .whereLayer("node").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("layer").mayOnlyBeAccessedByLayers("cli", "node")
            .whereLayer("game").mayOnlyBeAccessedByLayers("cli", "node")
            .whereLayer("kafka").mayOnlyBeAccessedByLayers("cli", "node", "layer", "game", "devstack")
            .whereLayer("config").mayOnlyBeAccessedByLayers("cli", "node", "layer", "game", "kafka", "devstack")
            .whereLayer("devstack").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("net").mayOnlyBeAccessedByLayers("cli", "node", "devstack")
            .whereLayer("autoscale").mayOnlyBeAccessedByLayers("cli", "node", "config");

    /** The public methods {@link AbstractConfig} declares to read values: getInt, getString, values, originals... */
    private static final Set<String> UNTYPED_READS = Arrays.stream(AbstractConfig.class.getDeclaredMethods())
            .filter(method -> Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers()))
            .map(Method::getName)
            .filter(name -> !Set.of("equals", "hashCode", "toString", "ignore", "logUnused", "unused").contains(name))
            .collect(Collectors.toUnmodifiableSet());

    private static final DescribedPredicate<JavaMethodCall> AN_UNTYPED_READ_OF_HAL9_CONFIG =
            DescribedPredicate.describe("an untyped read of a Hal9Config (AbstractConfig." + UNTYPED_READS + ")",
                    call -> assignableTo(Hal9Config.class).test(call.getTargetOwner())
                            && UNTYPED_READS.contains(call.getName()));

    @ArchTest
    static final ArchRule settingsAreReadThroughTypedSettingsOnly = noClasses()
            .that().resideOutsideOfPackage(TOPOLOGY + "config..")
            .should().callMethodWhere(AN_UNTYPED_READ_OF_HAL9_CONFIG)
            .because("Hal9Settings and Hal9Config's typed accessors are the one place that turns keys into values");

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("io.hal9.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule gameRulesKnowNothingOfKafka = noClasses()
            .that().resideInAPackage(TOPOLOGY + "game.engine..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", TOPOLOGY + "kafka..",
                    TOPOLOGY + "node..", TOPOLOGY + "layer..");

    @ArchTest
    static final ArchRule neuronsKnowNothingOfKafkaOrTopologies = noClasses()
            .that().resideInAPackage("io.hal9.neurons..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "io.hal9.topology..",
                    "io.hal9.connectors..");

    @ArchTest
    static final ArchRule schemasKnowNothingOfClaude = noClasses()
            .that().resideInAPackage("io.hal9.schemas..")
            .should().dependOnClassesThat().resideInAnyPackage("com.anthropic..", "io.hal9.neurons..",
                    "io.hal9.topology..", "io.hal9.connectors..");

    @ArchTest
    static final ArchRule connectorsDependOnSchemasOnly = noClasses()
            .that().resideInAPackage("io.hal9.connectors..")
            .should().dependOnClassesThat().resideInAnyPackage("io.hal9.neurons..", "io.hal9.topology..");

    @ArchTest
    static final ArchRule theNeuronApiKnowsNoImplementation = noClasses()
            .that().resideInAPackage("io.hal9.neurons")
            .should().dependOnClassesThat().resideInAnyPackage("io.hal9.neurons.claude..",
                    "io.hal9.neurons.resilience..", "io.hal9.neurons.simulator..");

    @ArchTest
    static final ArchRule theRegistryClientKnowsNoServer = noClasses()
            .that().resideInAnyPackage("io.hal9.schemas.serde..", "io.hal9.schemas.registry")
            .should().dependOnClassesThat().resideInAPackage("io.hal9.schemas.registry.embedded..");
}
