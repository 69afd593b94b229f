import { LoadingOutlined } from "@ant-design/icons";
import { Tag, Tooltip } from "antd";
import { useI18n } from "../i18n/I18nProvider";

export interface VerificationProblem {
  group: string;
  fields: string[];
}

/**
 * The outcome of a signature check as ✓ or ✗, in words as well as colour (not everyone tells
 * red from green); a failed check names what was altered.
 */
export function VerifiedTag({
  ok,
  problems = [],
  loading = false,
}: {
  ok: boolean | undefined;
  problems?: VerificationProblem[];
  loading?: boolean;
}) {
  const { t, tx } = useI18n();
  if (loading || ok === undefined) {
    return (
      <Tag icon={<LoadingOutlined />} color="default">
        {t("verify.checking")}
      </Tag>
    );
  }
  if (ok) {
    return (
      <Tag color="success" data-testid="verified-ok">
        ✓ {t("verify.ok")}
      </Tag>
    );
  }
  const detail = problems
    .map((p) => `${tx(`verify.group.${p.group}`, p.group)}（${p.fields.join("、")}）`)
    .join("；");
  return (
    <Tooltip title={detail || undefined}>
      <Tag color="error" data-testid="verified-failed">
        ✗ {t("verify.failed")}
        {detail ? `：${detail}` : ""}
      </Tag>
    </Tooltip>
  );
}
