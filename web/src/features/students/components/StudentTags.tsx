/** Small pieces every student page uses: status tags, the grade picker, problem kinds. */
import { Select, Tag } from "antd";
import type { CSSProperties } from "react";
import { codeLabel, useCodeLabel, useCodeSet } from "../../../shared/code-sets/code-sets";
import { useI18n } from "../../../shared/i18n/I18nProvider";

const STATUS_COLOUR: Record<string, string> = {
  "01": "green",
  "02": "orange",
  "05": "green",
  "07": "blue",
  "08": "blue",
  "10": "default",
  "11": "default",
};

export function StudentStatusTag({ status }: { status: string }) {
  const label = useCodeLabel("student_status");
  return <Tag color={STATUS_COLOUR[status] ?? "red"}>{label(status)}</Tag>;
}

const PROBLEM_COLOUR: Record<string, string> = { open: "red", resolving: "orange", resolved: "green" };

export function ProblemStatusTag({ status }: { status: string }) {
  const { tx } = useI18n();
  return <Tag color={PROBLEM_COLOUR[status] ?? "default"}>{tx(`problem.status.${status}`, status)}</Tag>;
}

export function ProblemKindTag({ kind }: { kind: string }) {
  const { tx } = useI18n();
  return <Tag color="volcano">{tx(`problem.kind.${kind}`, kind)}</Tag>;
}

/**
 * Grades grouped under their stage; the stages themselves are groups of the code set, never a
 * student's grade, so only the leaves can be chosen.
 */
export function GradeSelect({
  id,
  value,
  onChange,
  allowClear,
  style,
  placeholder,
  "aria-label": ariaLabel,
}: {
  id?: string;
  value?: string;
  onChange?: (value: string | undefined) => void;
  allowClear?: boolean;
  style?: CSSProperties;
  placeholder?: string;
  "aria-label"?: string;
}) {
  const { t, locale } = useI18n();
  const { data } = useCodeSet("grade");
  const items = data?.items ?? [];
  const options = items
    .filter((i) => i.parentCode === null)
    .map((stage) => ({
      label: codeLabel(stage, locale),
      title: stage.code,
      options: items
        .filter((i) => i.parentCode === stage.code && i.isActive)
        .map((i) => ({ value: i.code, label: codeLabel(i, locale) })),
    }))
    .filter((group) => group.options.length > 0);
  return (
    <Select
      id={id}
      value={value}
      onChange={onChange}
      options={options}
      allowClear={allowClear}
      style={style}
      aria-label={ariaLabel}
      showSearch={{ optionFilterProp: "label" }}
      placeholder={placeholder ?? t("form.choose")}
    />
  );
}

/** Any code set as a searchable select of "code label" options. */
export function CodeSelect({
  codeSet,
  id,
  value,
  onChange,
  allowClear = true,
  style,
  placeholder,
  "aria-label": ariaLabel,
}: {
  codeSet: string;
  id?: string;
  value?: string;
  onChange?: (value: string | undefined) => void;
  allowClear?: boolean;
  style?: CSSProperties;
  placeholder?: string;
  "aria-label"?: string;
}) {
  const { t, locale } = useI18n();
  const { data } = useCodeSet(codeSet);
  const options = (data?.items ?? [])
    .filter((i) => i.isActive)
    .map((i) => ({ value: i.code, label: `${i.code} ${codeLabel(i, locale)}` }));
  return (
    <Select
      id={id}
      value={value}
      onChange={onChange}
      options={options}
      allowClear={allowClear}
      style={style}
      aria-label={ariaLabel}
      showSearch={{ optionFilterProp: "label" }}
      placeholder={placeholder ?? t("form.choose")}
    />
  );
}
