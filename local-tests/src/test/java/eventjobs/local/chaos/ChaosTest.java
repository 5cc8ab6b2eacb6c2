package eventjobs.local.chaos;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chaos spec: what it reads, and the one line that says which part is wrong. */
class ChaosTest {

    @Test
    void parse_shouldReadEveryFaultAndTheSeed() {
        Chaos chaos = Chaos.parse("seed=42,kill=0.02,hang=0.01,fail-before=0.02,lose-response=0.02,duplicate=0.05,"
                + "aws-errors=0.02,throttle-invoke=0.05");

        assertThat(chaos.seed()).isEqualTo(42);
        assertThat(chaos.rate(Fault.KILL)).isEqualTo(0.02);
        assertThat(chaos.rate(Fault.HANG)).isEqualTo(0.01);
        assertThat(chaos.rate(Fault.FAIL_BEFORE)).isEqualTo(0.02);
        assertThat(chaos.rate(Fault.LOSE_RESPONSE)).isEqualTo(0.02);
        assertThat(chaos.rate(Fault.DUPLICATE)).isEqualTo(0.05);
        assertThat(chaos.rate(Fault.AWS_ERRORS)).isEqualTo(0.02);
        assertThat(chaos.rate(Fault.THROTTLE_INVOKE)).isEqualTo(0.05);
    }

    @Test
    void spec_shouldRepeatTheSameChaos_faultsNotNamedBeingZero() {
        Chaos chaos = Chaos.parse(" duplicate = 0.5 , seed=-7, kill=1 ");

        assertThat(chaos.spec()).isEqualTo("seed=-7,kill=1,duplicate=0.5");
        assertThat(Chaos.parse(chaos.spec())).isEqualTo(chaos);
        assertThat(chaos.rate(Fault.HANG)).isZero();
    }

    @Test
    void parse_shouldChooseARandomSeed_whenNoneIsGiven_andShowIt() {
        Chaos chaos = Chaos.parse("kill=0.1", () -> 1234L);

        assertThat(chaos.seed()).isEqualTo(1234L);
        assertThat(chaos.spec()).isEqualTo("seed=1234,kill=0.1");
    }

    @Test
    void with_shouldBuildTheSameChaosAsASpec() {
        assertThat(Chaos.seeded(42).with(Fault.KILL, 0.02).with(Fault.AWS_ERRORS, 1)).isEqualTo(Chaos.parse("seed=42,kill=0.02,aws-errors=1.0"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "kill=2|\"kill=2\": the rate must be a probability from 0 to 1",
            "kill=-0.1|\"kill=-0.1\": the rate must be a probability",
            "kill=NaN|\"kill=NaN\": the rate must be a probability",
            "kill=1e-2|\"kill=1e-2\": the rate must be a probability",
            "kill=|\"kill=\": the rate must be a probability",
            "kil=0.1|\"kil=0.1\": no fault named \"kil\" (kill, hang, fail-before, lose-response, duplicate, aws-errors, throttle-invoke, or seed)",
            "seed=42,kill|\"kill\": expected NAME=VALUE",
            "seed=forty-two|\"seed=forty-two\": the seed must be a whole number",
            "kill=0.1,kill=0.2|\"kill=0.2\": kill is given twice",
            "seed=1,seed=2|\"seed=2\": seed is given twice",
            "kill=0.1,,hang=0.1|\"kill=0.1,,hang=0.1\" has an empty part",
            "kill=0.1,|\"kill=0.1,\" has an empty part",
            "' '|the chaos spec is empty"})
    void parse_shouldNameTheBadPart(String spec, String message) {
        assertThatThrownBy(() -> Chaos.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
