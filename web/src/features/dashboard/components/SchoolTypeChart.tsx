import { Empty } from "antd";
import type { CodeItem } from "../../../shared/api/types";
import { codeLabel } from "../../../shared/code-sets/code-sets";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { EChart } from "../../../shared/ui/EChart";

/** Open schools by school type; horizontal bars because the type names are long. */
export function SchoolTypeChart({ rows }: { rows: { type: CodeItem; count: number }[] }) {
  const { t, locale } = useI18n();
  const shown = rows.filter((r) => r.count > 0);
  const ordered = [...shown].reverse();
  const option = {
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: ordered.map((r) => codeLabel(r.type, locale)) },
    series: [
      {
        type: "bar",
        name: t("dashboard.schools"),
        data: ordered.map((r) => r.count),
        itemStyle: { color: "#1d4ed8" },
        barMaxWidth: 22,
        label: { show: true, position: "right" },
      },
    ],
  };
  if (shown.length === 0) return <Empty description={t("dashboard.noSchools")} />;
  const summary = shown.map((r) => `${codeLabel(r.type, locale)} ${r.count}`).join("，");
  return (
    <EChart
      option={option}
      height={Math.max(160, shown.length * 36 + 24)}
      label={`${t("dashboard.byType")}：${summary}`}
    />
  );
}
