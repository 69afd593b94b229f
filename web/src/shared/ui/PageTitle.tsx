import { Flex, Typography } from "antd";
import { type ReactNode, useEffect } from "react";
import { useI18n } from "../i18n/I18nProvider";

/** The page heading (one h1 per page for screen readers) and the browser tab title. */
export function PageTitle({ title, extra, sub }: { title: string; extra?: ReactNode; sub?: ReactNode }) {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${title} · ${t("app.shortTitle")}`;
  }, [title, t]);
  return (
    <Flex justify="space-between" align="center" wrap gap={8} style={{ marginBottom: 16 }}>
      <div>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {title}
        </Typography.Title>
        {sub ? <Typography.Text type="secondary">{sub}</Typography.Text> : null}
      </div>
      {extra ? (
        <Flex gap={8} wrap>
          {extra}
        </Flex>
      ) : null}
    </Flex>
  );
}

/** Sets the browser tab title for pages without the standard heading. */
export function PageTitleEffect({ title }: { title: string }) {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${title} · ${t("app.shortTitle")}`;
  }, [title, t]);
  return null;
}
