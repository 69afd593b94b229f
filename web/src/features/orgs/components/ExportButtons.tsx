import { DownloadOutlined } from "@ant-design/icons";
import { App, Button, Space } from "antd";
import { useState } from "react";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { exportSchools } from "../api/imports";

/** Open schools of the unit's subtree in the template's columns (the export is audited). */
export function ExportButtons({ unitId }: { unitId: number }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<"csv" | "xlsx" | null>(null);
  const run = async (format: "csv" | "xlsx") => {
    setBusy(format);
    try {
      const name = await exportSchools(format, unitId);
      message.success(t("org.exported", { name }));
    } catch (error) {
      message.error(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Space.Compact>
      <Button icon={<DownloadOutlined />} loading={busy === "xlsx"} onClick={() => void run("xlsx")}>
        {t("org.exportXlsx")}
      </Button>
      <Button loading={busy === "csv"} onClick={() => void run("csv")}>
        {t("org.exportCsv")}
      </Button>
    </Space.Compact>
  );
}
