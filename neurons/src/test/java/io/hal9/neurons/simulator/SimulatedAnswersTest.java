package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.neurons.LayerProfile;

import org.junit.jupiter.api.Test;

class SimulatedAnswersTest {

    private static final String L2 = LayerProfile.defaults("L2").systemPrompt();
    private static final String L3 = LayerProfile.defaults("L3").systemPrompt();
    private static final String L4 = LayerProfile.defaults("L4").systemPrompt();

    @Test
    void shouldAnswerEachRoleWithAHeadingAndNumberedLines() {
        String content = "Ship the payment service";

        assertThat(SimulatedAnswers.answer(L2, content))
                .startsWith("L2 Implementation: Ship the payment service\nNext steps:\n1. ").contains("\n3. ");
        assertThat(SimulatedAnswers.answer(L3, content))
                .startsWith("L3 Operational: Ship the payment service\nWork items:\n1. Component:");
        assertThat(SimulatedAnswers.answer(L4, content))
                .startsWith("L4 Tactical: Ship the payment service\nPlan:\n1. Strategy:").contains("Risks");
    }

    @Test
    void shouldTakeTheSubjectOfAPreviousLayersAnswerWithoutQuotingIt() {
        // Given L4's answer handed to L3, and L3's handed to L2
        String fromL4 = SimulatedAnswers.answer(L4, "Ship the payment service");
        String fromL3 = SimulatedAnswers.answer(L3, fromL4);

        String fromL2 = SimulatedAnswers.answer(L2, fromL3);

        // Then every layer names the subject once, without the headings of the layers above it
        assertThat(fromL3).startsWith("L3 Operational: Ship the payment service\n").doesNotContain("Tactical");
        assertThat(fromL2).startsWith("L2 Implementation: Ship the payment service\n")
                .doesNotContain("Operational", "Tactical", "Strategy:");
        assertThat(fromL2.lines()).allSatisfy(line -> assertThat(line.length()).isLessThan(120));
    }

    @Test
    void shouldSkipBlankLinesAndListMarkersWhenPickingTheSubject() {
        assertThat(SimulatedAnswers.subject("\n\n  - **\n# Add a health endpoint\nthen more")).isEqualTo(
                "Add a health endpoint");
        assertThat(SimulatedAnswers.subject("2) \"Rotate the keys\"")).isEqualTo("Rotate the keys");
        assertThat(SimulatedAnswers.subject("   \n ... ")).isEqualTo("the request");
    }

    @Test
    void shouldShortenALongSubjectAtAWord() {
        String content = "word ".repeat(100);

        String subject = SimulatedAnswers.subject(content);

        assertThat(subject).endsWith("word...").hasSizeLessThanOrEqualTo(80);
    }

    @Test
    void shouldGiveDifferentContentsWithTheSameSubjectDifferentAnswers() {
        String one = SimulatedAnswers.answer(L3, "Ship the payment service\nfirst version");
        String other = SimulatedAnswers.answer(L3, "Ship the payment service\nsecond version");

        assertThat(one).isNotEqualTo(other).containsPattern("\\[ref [0-9a-f]{8}]$");
        assertThat(SimulatedAnswers.answer(L3, "Ship the payment service\nfirst version")).isEqualTo(one);
    }

    @Test
    void shouldAnswerWithoutARoleLine() {
        assertThat(SimulatedAnswers.answer("", "hello")).startsWith("L? Neuron: hello\n");
    }

    @Test
    void shouldSummarizeTheThinkingInTheRolesTerms() {
        assertThat(SimulatedAnswers.thinkingSummary(L3, "L4 Tactical: Ship it\nPlan:"))
                .contains("\"Ship it\"", "L3 Operational", "work items");
    }
}
