package eventjobs.local.template;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NotEmulatedTest {

    @Test
    void brief_shouldCountResourcesByType_countProperties_andKeepWhatChangesBehaviour() {
        NotEmulated notEmulated = new NotEmulated(List.of(
                "AAlarm (AWS::CloudWatch::Alarm): not run locally",
                "BAlarm (AWS::CloudWatch::Alarm): not run locally",
                "Topic (AWS::SNS::Topic): not run locally",
                "Policies of A, B: no local effect",
                "SnapStart of A: no local effect",
                "Api: authorization is not enforced locally (every route is open)"));

        assertThat(notEmulated.brief()).isEqualTo("AWS::CloudWatch::Alarm x2, AWS::SNS::Topic x1; 2 properties with no local effect;"
                + " Api: authorization is not enforced locally (every route is open)");
    }

    @Test
    void brief_shouldStayOneShortLine_forTheProjectTemplate() {
        NotEmulated notEmulated = SamTemplate.load(Path.of(System.getProperty("eventjobs.root"), "template.yaml"), "eventjobs", Map.of())
                .notEmulated();

        assertThat(notEmulated.brief()).hasSizeLessThan(400).contains("AWS::CloudWatch::Alarm x")
                .contains("OrdersApi: authorization is not enforced locally");
        assertThat(notEmulated.summary().length()).isGreaterThan(notEmulated.brief().length());
    }
}
