/** How a request, a step and a decision read: words and colour, in the UI language. */
import { Select, Tag } from "antd";
import { useCallback } from "react";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { type Decision, type RequestStatus, type StepStatus, useRequestTypes } from "../api/workflow";

const REQUEST_COLOUR: Record<RequestStatus, string> = {
  in_progress: "processing",
  returned: "warning",
  approved: "success",
  rejected: "error",
  withdrawn: "default",
};

const STEP_COLOUR: Record<StepStatus, string> = {
  waiting: "default",
  pending: "processing",
  approved: "success",
  rejected: "error",
  returned: "warning",
  skipped: "default",
};

const DECISION_COLOUR: Record<Decision, string> = { approve: "green", reject: "red", return: "orange" };

export function RequestStatusTag({ status }: { status: RequestStatus }) {
  const { t } = useI18n();
  return <Tag color={REQUEST_COLOUR[status]}>{t(`workflow.status.${status}`)}</Tag>;
}

export function StepStatusTag({ status }: { status: StepStatus }) {
  const { t } = useI18n();
  return <Tag color={STEP_COLOUR[status]}>{t(`workflow.stepStatus.${status}`)}</Tag>;
}

export function DecisionTag({ decision }: { decision: Decision }) {
  const { t } = useI18n();
  return <Tag color={DECISION_COLOUR[decision]}>{t(`workflow.decision.${decision}`)}</Tag>;
}

/** The name of a request type in the UI language; an unknown code shows as itself. */
export function useTypeTitle(): (code: string) => string {
  const { locale } = useI18n();
  const { data } = useRequestTypes();
  return useCallback(
    (code: string) => {
      const type = data?.items.find((item) => item.code === code);
      if (!type) return code;
      return locale === "en" ? type.titleEn : type.titleZh;
    },
    [data, locale],
  );
}

export function TypeSelect({
  value,
  onChange,
}: {
  value?: string;
  onChange: (value: string | undefined) => void;
}) {
  const { t, locale } = useI18n();
  const { data } = useRequestTypes();
  return (
    <Select
      allowClear
      showSearch={{ optionFilterProp: "label" }}
      style={{ width: 200 }}
      aria-label={t("workflow.type")}
      placeholder={t("workflow.type")}
      value={value}
      onChange={onChange}
      options={(data?.items ?? []).map((type) => ({
        value: type.code,
        label: locale === "en" ? type.titleEn : type.titleZh,
      }))}
    />
  );
}

/** The level of a step (school, county…) and, for transfers, whose side it is on. */
export function useStepName(): (step: { level: string; side: string; label: string | null }) => string {
  const { tx, locale } = useI18n();
  return useCallback(
    (step) => {
      // Chain labels are written in Chinese in the chain file; English readers get level and side.
      if (locale !== "en" && step.label) return step.label;
      const level = tx(`workflow.level.${step.level}`, step.level);
      return step.side === "subject" ? level : `${level} · ${tx(`workflow.side.${step.side}`, step.side)}`;
    },
    [tx, locale],
  );
}
