import { Alert, Breadcrumb, Card, Checkbox, Descriptions, Input, Tag } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router";
import type { CodeItem } from "../../../shared/api/types";
import { useCodeSet } from "../../../shared/code-sets/code-sets";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { type DataColumn, DataTable } from "../../../shared/ui/DataTable";
import { PageTitle } from "../../../shared/ui/PageTitle";
import { ProblemAlert } from "../../../shared/ui/ProblemAlert";

/** One code set with its items in the standard's order. */
export function CodeSetPage() {
  const { t, locale } = useI18n();
  const { name = "" } = useParams();
  const { data, isPending, error } = useCodeSet(name);
  const [text, setText] = useState("");
  const [activeOnly, setActiveOnly] = useState(false);
  const needle = text.trim().toLowerCase();
  const rows = data?.items.filter(
    (i) =>
      (!activeOnly || i.isActive) &&
      (!needle ||
        i.code.toLowerCase().includes(needle) ||
        i.labelZh.includes(needle) ||
        i.labelEn.toLowerCase().includes(needle)),
  );
  const columns: DataColumn<CodeItem>[] = [
    { key: "code", title: t("codes.code"), render: (_, i) => <code>{i.code}</code>, fixedVisible: true },
    { key: "labelZh", title: t("codes.labelZh"), dataIndex: "labelZh" },
    { key: "labelEn", title: t("codes.labelEn"), dataIndex: "labelEn" },
    {
      key: "parentCode",
      title: t("codes.parent"),
      render: (_, i) => (i.parentCode ? <code>{i.parentCode}</code> : null),
    },
    {
      key: "isActive",
      title: t("codes.active"),
      render: (_, i) =>
        i.isActive ? <Tag color="green">{t("common.yes")}</Tag> : <Tag>{t("common.no")}</Tag>,
    },
  ];
  const title = data ? (locale === "en" ? data.titleEn : data.titleZh) : name;
  return (
    <>
      <Breadcrumb
        style={{ marginBottom: 8 }}
        items={[
          { key: "codes", title: <Link to="/codes">{t("codes.title")}</Link> },
          { key: name, title },
        ]}
      />
      <PageTitle title={title} sub={<code>{name}</code>} />
      <ProblemAlert error={error} />
      {data ? (
        <Card size="small" style={{ marginBottom: 16 }}>
          <Descriptions
            size="small"
            column={1}
            items={[{ key: "source", label: t("codes.source"), children: data.source }]}
          />
          {data.note ? <Alert type="info" title={data.note} style={{ marginTop: 8 }} /> : null}
        </Card>
      ) : null}
      <DataTable<CodeItem>
        tableId="code-items"
        columns={columns}
        rows={rows}
        rowKey="code"
        loading={isPending}
        toolbar={
          <>
            <Input.Search
              allowClear
              style={{ width: 260 }}
              aria-label={t("codes.searchItems")}
              placeholder={t("codes.searchItems")}
              value={text}
              onChange={(event) => setText(event.target.value)}
            />
            <Checkbox checked={activeOnly} onChange={(event) => setActiveOnly(event.target.checked)}>
              {t("codes.activeOnly")}
            </Checkbox>
          </>
        }
      />
    </>
  );
}
