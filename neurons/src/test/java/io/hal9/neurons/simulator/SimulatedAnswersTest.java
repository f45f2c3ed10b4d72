package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.neurons.LayerProfile;

import org.junit.jupiter.api.Test;

class SimulatedAnswersTest {

    @Test
    void shouldApplyEachRoleToTheContent() {
        String content = "Ship the payment service";

        assertThat(SimulatedAnswers.answer(LayerProfile.defaults("L2").systemPrompt(), content))
                .startsWith("L2 Implementation: concrete next steps for \"Ship the payment service\"");
        assertThat(SimulatedAnswers.answer(LayerProfile.defaults("L3").systemPrompt(), content))
                .startsWith("L3 Operational: split \"Ship the payment service\" into 3 work items: 1)");
        assertThat(SimulatedAnswers.answer(LayerProfile.defaults("L4").systemPrompt(), content))
                .startsWith("L4 Tactical: plan for \"Ship the payment service\"").contains("strategy", "risks");
    }

    @Test
    void shouldShortenLongContentInTheAnswer() {
        String content = "x".repeat(500);

        String answer = SimulatedAnswers.answer("You are a HAL9 L3 Operational neuron.", content);

        assertThat(answer).contains("x".repeat(117) + "...").doesNotContain("x".repeat(121));
    }

    @Test
    void shouldAnswerWithoutARoleLine() {
        assertThat(SimulatedAnswers.answer("", "hello")).startsWith("L? Neuron:").contains("hello");
    }

    @Test
    void shouldEstimateTokensAsAQuarterOfTheCharactersRoundedUp() {
        assertThat(SimulatedAnswers.estimateTokens("")).isEqualTo(1);
        assertThat(SimulatedAnswers.estimateTokens("abcd")).isEqualTo(1);
        assertThat(SimulatedAnswers.estimateTokens("abcde")).isEqualTo(2);
    }
}
