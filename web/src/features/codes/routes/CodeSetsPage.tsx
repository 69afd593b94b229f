import { Input } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import type { CodeSetSummary } from "../../../shared/api/types";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";
import { useCodeSets } from "../api/codes";

/** The national and project code sets (代码集) the platform validates data against. */
export function CodeSetsPage() {
  const { t, locale } = useI18n();
  const { data, isPending, error } = useCodeSets();
  const [text, setText] = useState("");
  const needle = text.trim().toLowerCase();
  const rows = data?.items.filter(
    (s) =>
      !needle ||
      s.name.includes(needle) ||
      s.titleZh.includes(needle) ||
      s.titleEn.toLowerCase().includes(needle),
  );
  const columns: DataColumn<CodeSetSummary>[] = [
    {
      key: "title",
      title: t("codes.setTitle"),
      fixedVisible: true,
      render: (_, s) => <Link to={`/codes/${s.name}`}>{locale === "en" ? s.titleEn : s.titleZh}</Link>,
    },
    { key: "name", title: t("codes.name"), render: (_, s) => <code>{s.name}</code> },
    { key: "itemCount", title: t("codes.itemCount"), dataIndex: "itemCount", align: "right" },
    { key: "source", title: t("codes.source"), dataIndex: "source", ellipsis: true, width: 480 },
  ];
  return (
    <>
      <PageTitle title={t("codes.title")} />
      <ProblemAlert error={error} />
      <DataTable<CodeSetSummary>
        tableId="code-sets"
        columns={columns}
        rows={rows}
        rowKey="name"
        loading={isPending}
        toolbar={
          <Input.Search
            allowClear
            style={{ width: 260 }}
            aria-label={t("codes.search")}
            placeholder={t("codes.search")}
            value={text}
            onChange={(event) => setText(event.target.value)}
          />
        }
      />
    </>
  );
}
