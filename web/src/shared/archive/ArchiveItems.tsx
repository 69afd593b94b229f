/** The archive items about one subject (a student, a request), each with its seal re-checked. */
import { DownloadOutlined } from "@ant-design/icons";
import { App, Button, Empty, Table, Typography } from "antd";
import { useState } from "react";
import { formatDateTime } from "../format/format";
import { useI18n } from "../i18n/I18nProvider";
import { ProblemAlert } from "../ui/ProblemAlert";
import { VerifiedTag } from "../ui/VerifiedTag";
import { type ArchiveItem, downloadArchiveItem, useArchiveItems, useArchiveVerification } from "./archive";

export function ArchiveVerificationTag({ itemId }: { itemId: number }) {
  const { data, isPending, error } = useArchiveVerification(itemId);
  if (error) return <Typography.Text type="danger">{error.message}</Typography.Text>;
  return <VerifiedTag ok={data?.ok} problems={data?.problems} loading={isPending} />;
}

export function ArchiveDownloadButton({ item }: { item: Pick<ArchiveItem, "id" | "title" | "mediaType"> }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await downloadArchiveItem(item);
    } catch (error) {
      message.error(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      size="small"
      icon={<DownloadOutlined />}
      loading={busy}
      onClick={() => void run()}
      aria-label={t("archive.downloadItem", { title: item.title })}
    >
      {t("archive.download")}
    </Button>
  );
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function ArchiveItems({ subjectType, subjectId }: { subjectType: string; subjectId: string }) {
  const { t, tx } = useI18n();
  const [paging, setPaging] = useState({ page: 1, pageSize: 10 });
  const { data, isFetching, error } = useArchiveItems({ subjectType, subjectId, ...paging });
  if (error) return <ProblemAlert error={error} />;
  return (
    <Table<ArchiveItem>
      size="small"
      rowKey="id"
      loading={isFetching}
      dataSource={data?.items}
      locale={{ emptyText: <Empty description={t("archive.empty")} /> }}
      scroll={{ x: "max-content" }}
      data-testid="archive-items"
      pagination={
        data && data.total > data.pageSize
          ? {
              current: data.page,
              pageSize: data.pageSize,
              total: data.total,
              onChange: (page, pageSize) => setPaging({ page, pageSize }),
            }
          : false
      }
      columns={[
        { key: "title", title: t("archive.title"), dataIndex: "title" },
        {
          key: "kind",
          title: t("archive.kind"),
          render: (_, item) => tx(`archive.kind.${item.kind}`, item.kind),
        },
        { key: "unit", title: t("archive.unit"), render: (_, item) => item.unit.name },
        {
          key: "createdAt",
          title: t("archive.createdAt"),
          render: (_, item) => formatDateTime(item.createdAt),
        },
        { key: "size", title: t("archive.size"), render: (_, item) => sizeText(item.byteSize) },
        {
          key: "signature",
          title: t("archive.seal"),
          render: (_, item) => (
            <span style={{ whiteSpace: "nowrap" }}>
              {item.signatureAlgorithm} <ArchiveVerificationTag itemId={item.id} />
            </span>
          ),
        },
        {
          key: "actions",
          title: t("common.actions"),
          render: (_, item) => <ArchiveDownloadButton item={item} />,
        },
      ]}
    />
  );
}
