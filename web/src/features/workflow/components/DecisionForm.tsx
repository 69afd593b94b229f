/**
 * The decision on the step waiting for the caller's unit: approve (comment optional), reject or
 * return (a comment is required — the submitter must learn why). The form carries the version
 * the clerk read; when someone acted first the API answers 409 and the page reloads the request.
 */
import { Button, Card, Form, Input, Radio } from "antd";
import { useState } from "react";
import { isProblem } from "../../../shared/api/problem";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { applyProblemToForm, type UnplacedProblem } from "../../../shared/ui/form-errors";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { type ActionResult, type AllowedAction, type Decision, decide } from "../api/workflow";

interface DecisionValues {
  decision: Decision;
  comment?: string;
}

/** Answers that mean "what you saw is no longer the request": reload rather than retry. */
export const STALE_CODES = new Set(["request_version_conflict", "already_decided", "request_closed"]);

export function DecisionForm({
  requestId,
  version,
  allowed,
  onDone,
  onStale,
}: {
  requestId: number;
  version: number;
  allowed: AllowedAction[];
  onDone: (result: ActionResult, decision: Decision) => void;
  onStale: (error: unknown) => void;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm<DecisionValues>();
  const [problem, setProblem] = useState<UnplacedProblem | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const decision = Form.useWatch("decision", form) ?? "approve";
  const options = (["approve", "return", "reject"] as const).filter((d) => allowed.includes(d));

  const submit = async (values: DecisionValues) => {
    setSubmitting(true);
    setProblem(null);
    try {
      const comment = values.comment?.trim();
      const result = await decide(requestId, values.decision, {
        expectedVersion: version,
        ...(comment ? { comment } : {}),
      });
      form.resetFields();
      onDone(result, values.decision);
    } catch (error) {
      if (isProblem(error) && STALE_CODES.has(error.code)) onStale(error);
      else setProblem(applyProblemToForm(form, error, ["comment"]));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <Card size="small" title={t("workflow.decide")} data-testid="decision-form">
      <ProblemAlert problem={problem} />
      <Form<DecisionValues>
        form={form}
        name="decision"
        layout="vertical"
        initialValues={{ decision: "approve" }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item name="decision" label={t("workflow.decisionLabel")} rules={[{ required: true }]}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            options={options.map((d) => ({ value: d, label: t(`workflow.decision.${d}`) }))}
          />
        </Form.Item>
        <Form.Item
          name="comment"
          label={t("workflow.comment")}
          extra={decision === "approve" ? t("workflow.commentOptional") : t("workflow.commentRequired")}
          rules={[
            { required: decision !== "approve", whitespace: true, message: t("workflow.commentRequired") },
            { max: 4000 },
          ]}
        >
          <Input.TextArea rows={3} maxLength={4000} showCount />
        </Form.Item>
        <Button
          type="primary"
          htmlType="submit"
          loading={submitting}
          danger={decision === "reject"}
          data-testid="decision-submit"
        >
          {t(`workflow.submitDecision.${decision}`)}
        </Button>
      </Form>
    </Card>
  );
}
