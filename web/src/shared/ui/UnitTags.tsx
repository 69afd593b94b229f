import { Tag } from "antd";
import type { UnitKind, UnitStatus } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";

const statusColour: Record<UnitStatus, string> = { active: "green", closed: "default", merged: "orange" };

export function UnitKindTag({ kind }: { kind: UnitKind }) {
  const { t } = useI18n();
  return <Tag color={kind === "school" ? "blue" : "geekblue"}>{t(`unit.kind.${kind}`)}</Tag>;
}

export function UnitStatusTag({ status }: { status: UnitStatus }) {
  const { t } = useI18n();
  return <Tag color={statusColour[status]}>{t(`unit.status.${status}`)}</Tag>;
}
