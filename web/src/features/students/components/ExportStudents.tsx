import { DownloadOutlined } from "@ant-design/icons";
import { App, Button, Checkbox, Space, Tooltip } from "antd";
import { useState } from "react";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { useCan } from "../../../shared/session/session";
import { exportStudents, type StudentFilter } from "../api/students";

/**
 * The students of the list's filters in the template's columns. Identity numbers come masked
 * unless a clerk who maintains records asks for them whole; either way the export is audited.
 */
export function ExportStudents({ filter }: { filter: StudentFilter }) {
  const { t } = useI18n();
  const can = useCan();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<"csv" | "xlsx" | null>(null);
  const [unmasked, setUnmasked] = useState(false);
  if (!can("students:export")) return null;
  const run = async (format: "csv" | "xlsx") => {
    setBusy(format);
    try {
      const name = await exportStudents(format, filter, unmasked);
      message.success(t("students.exported", { name }));
    } catch (error) {
      message.error(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Space size={8} wrap>
      <Space.Compact>
        <Button icon={<DownloadOutlined />} loading={busy === "xlsx"} onClick={() => void run("xlsx")}>
          {t("students.exportXlsx")}
        </Button>
        <Button loading={busy === "csv"} onClick={() => void run("csv")}>
          {t("students.exportCsv")}
        </Button>
      </Space.Compact>
      {can("students:write") ? (
        <Tooltip title={t("students.unmaskedHint")}>
          <Checkbox checked={unmasked} onChange={(event) => setUnmasked(event.target.checked)}>
            {t("students.unmasked")}
          </Checkbox>
        </Tooltip>
      ) : null}
    </Space>
  );
}
