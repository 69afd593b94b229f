import { Typography } from "antd";
import { type ReactNode, useEffect } from "react";
import { useI18n } from "../i18n/I18nProvider";

/** The title of a full-page result (not found, forbidden) as the page's h1 and tab title. */
export function ResultHeading({ children, text }: { children: ReactNode; text: string }) {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${text} · ${t("app.shortTitle")}`;
  }, [text, t]);
  return (
    <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
      {children}
    </Typography.Title>
  );
}
