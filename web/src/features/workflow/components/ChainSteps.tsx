/**
 * The approval chain of a request: for each step the acting unit, its state and deadline, and
 * once decided the decision, who took it, when, the comment and the unit seal's signature with
 * the server's verdict on it (re-checked against the signed document). Earlier rounds of a
 * returned and resubmitted request stay readable below the current one.
 */
import { SafetyCertificateOutlined } from "@ant-design/icons";
import { Collapse, Flex, Space, Steps, type StepsProps, Typography } from "antd";
import { formatDate, formatDateTime } from "../../../shared/format/format";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { VerifiedTag } from "../../../shared/ui/VerifiedTag";
import { type RequestVerification, type Step, useSeal } from "../api/workflow";
import { DecisionTag, StepStatusTag, useStepName } from "./RequestTags";

type StepState = NonNullable<StepsProps["items"]>[number]["status"];

const STATE: Record<Step["status"], StepState> = {
  waiting: "wait",
  pending: "process",
  approved: "finish",
  rejected: "error",
  returned: "error",
  skipped: "wait",
};

function SealName({ id, code }: { id: number; code: string | null }) {
  const { data } = useSeal(id);
  const name = data ? `${data.name}（${data.sealCode}）` : (code ?? `#${id}`);
  return <span>{name}</span>;
}

function Signature({
  step,
  verification,
  verifying,
}: {
  step: Step;
  verification: RequestVerification | undefined;
  verifying: boolean;
}) {
  const { t } = useI18n();
  if (!step.signature) return null;
  const checked = verification?.steps.find((s) => s.stepId === step.id);
  return (
    <Flex gap={6} align="center" wrap data-testid={`step-signature-${step.stepNo}`}>
      <SafetyCertificateOutlined aria-hidden style={{ color: "#b91c1c" }} />
      <Typography.Text type="secondary">{t("workflow.signature")}：</Typography.Text>
      <span>{step.signature.algorithm}</span>
      <span>·</span>
      <SealName id={step.signature.sealId} code={step.signature.sealCode} />
      {step.signature.personal ? <span>· {t("workflow.personalSignature")}</span> : null}
      <VerifiedTag ok={checked?.ok} problems={checked?.problems} loading={verifying && !checked} />
    </Flex>
  );
}

function StepBody({
  step,
  verification,
  verifying,
}: {
  step: Step;
  verification: RequestVerification | undefined;
  verifying: boolean;
}) {
  const { t } = useI18n();
  return (
    <Flex vertical gap={4} style={{ paddingBottom: 8 }}>
      <Space size={8} wrap>
        <StepStatusTag status={step.status} />
        {step.dueOn && (step.status === "pending" || step.status === "waiting") ? (
          <Typography.Text type={step.overdue ? "danger" : "secondary"}>
            {step.overdue
              ? t("workflow.overdueSince", { date: formatDate(step.dueOn) })
              : t("workflow.dueOn", { date: formatDate(step.dueOn) })}
          </Typography.Text>
        ) : null}
        {step.status === "waiting" ? (
          <Typography.Text type="secondary">
            {t("workflow.limitDays", { days: step.limitDays })}
          </Typography.Text>
        ) : null}
      </Space>
      {step.decision ? (
        <Space size={8} wrap>
          <DecisionTag decision={step.decision} />
          <span>{step.decidedBy?.name ?? t("workflow.unknownUser")}</span>
          <Typography.Text type="secondary">{formatDateTime(step.decidedAt)}</Typography.Text>
        </Space>
      ) : null}
      {step.comment ? (
        <Typography.Paragraph style={{ margin: 0 }}>
          <Typography.Text type="secondary">{t("workflow.comment")}：</Typography.Text>
          {step.comment}
        </Typography.Paragraph>
      ) : null}
      <Signature step={step} verification={verification} verifying={verifying} />
    </Flex>
  );
}

function RoundSteps({
  steps,
  verification,
  verifying,
}: {
  steps: Step[];
  verification: RequestVerification | undefined;
  verifying: boolean;
}) {
  const stepName = useStepName();
  const current = steps.findIndex((s) => s.status === "pending");
  return (
    <Steps
      orientation="vertical"
      size="small"
      current={current >= 0 ? current : steps.length}
      items={steps.map((step) => ({
        key: step.id,
        status: STATE[step.status],
        title: (
          <span>
            {step.actingUnit.name}
            <Typography.Text type="secondary" style={{ marginInlineStart: 8, fontWeight: "normal" }}>
              {stepName(step)}
            </Typography.Text>
          </span>
        ),
        content: <StepBody step={step} verification={verification} verifying={verifying} />,
      }))}
    />
  );
}

export function ChainSteps({
  steps,
  round,
  verification,
  verifying,
}: {
  steps: Step[];
  round: number;
  verification: RequestVerification | undefined;
  verifying: boolean;
}) {
  const { t } = useI18n();
  const byRound = (r: number) => steps.filter((s) => s.round === r).sort((a, b) => a.stepNo - b.stepNo);
  const earlier = Array.from({ length: round - 1 }, (_, i) => round - 1 - i);
  return (
    <div data-testid="request-chain">
      <RoundSteps steps={byRound(round)} verification={verification} verifying={verifying} />
      {earlier.length > 0 ? (
        <Collapse
          size="small"
          items={earlier.map((r) => ({
            key: r,
            label: t("workflow.round", { round: r }),
            children: <RoundSteps steps={byRound(r)} verification={verification} verifying={verifying} />,
          }))}
        />
      ) : null}
    </div>
  );
}
