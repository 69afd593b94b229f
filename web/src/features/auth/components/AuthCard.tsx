import { Card, Flex, Typography } from "antd";
import type { ReactNode } from "react";
import { useI18n } from "../../../shared/i18n/I18nProvider";
import { LanguageSwitch } from "../../../shared/ui/LanguageSwitch";

/** The frame of the pages one sees before the console: sign-in and the forced password change. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <Flex
      vertical
      align="center"
      justify="center"
      style={{
        minHeight: "100vh",
        padding: 24,
        background: "linear-gradient(160deg, #0f2f6b 0%, #1d4ed8 100%)",
      }}
    >
      <Flex align="center" gap={12} style={{ marginBottom: 24 }}>
        <img src="/favicon.svg" alt="" width={40} height={40} />
        <Typography.Text strong style={{ color: "#fff", fontSize: 24 }}>
          {t("app.title")}
        </Typography.Text>
      </Flex>
      <Card style={{ width: 420, maxWidth: "100%" }}>
        <Flex justify="space-between" align="center" style={{ marginBottom: 16 }}>
          <Typography.Title level={1} style={{ fontSize: 20, margin: 0 }}>
            {title}
          </Typography.Title>
          <LanguageSwitch />
        </Flex>
        {children}
      </Card>
      <Typography.Text style={{ color: "#c7d2fe", marginTop: 24 }}>{t("app.footer")}</Typography.Text>
    </Flex>
  );
}
