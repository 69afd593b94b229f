import { BankOutlined, DownOutlined, LockOutlined, LogoutOutlined, UserOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { App, Button, Dropdown, Flex, Layout, Space, Tag, Typography } from "antd";
import { useNavigate } from "react-router";
import { logout } from "../../features/auth/api/auth";
import type { Me } from "../../shared/api/types";
import { useI18n } from "../../shared/i18n/I18nProvider";
import { forgetUnit } from "../../shared/session/last-unit";
import { LanguageSwitch } from "../../shared/ui/LanguageSwitch";

export function HeaderBar({ me }: { me: Me }) {
  const { t, tx } = useI18n();
  const { modal, message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const signOut = async (everywhere: boolean) => {
    try {
      await logout(everywhere);
    } catch (error) {
      // The session may already be gone; signing out locally is still right.
      if (error instanceof Error) message.warning(error.message);
    }
    queryClient.removeQueries();
    forgetUnit();
    navigate("/login", { replace: true });
  };

  const items = [
    { key: "password", icon: <LockOutlined />, label: t("shell.changePassword") },
    { type: "divider" as const },
    { key: "logout", icon: <LogoutOutlined />, label: t("shell.logout") },
    { key: "logoutEverywhere", icon: <LogoutOutlined />, label: t("shell.logoutEverywhere"), danger: true },
  ];

  const onMenu = ({ key }: { key: string }) => {
    if (key === "password") navigate("/change-password");
    else if (key === "logout") void signOut(false);
    else if (key === "logoutEverywhere") {
      modal.confirm({
        title: t("shell.logoutEverywhere"),
        content: t("shell.logoutEverywhereConfirm"),
        okText: t("shell.logoutEverywhere"),
        okButtonProps: { danger: true },
        cancelText: t("common.cancel"),
        onOk: () => signOut(true),
      });
    }
  };

  return (
    <Layout.Header
      style={{
        display: "flex",
        alignItems: "center",
        justifyContent: "space-between",
        gap: 16,
        paddingInline: 20,
        background: "#0f2f6b",
        height: 56,
        lineHeight: "56px",
      }}
    >
      <Flex align="center" gap={10} style={{ minWidth: 0 }}>
        <img src="/favicon.svg" alt="" width={28} height={28} />
        <Typography.Text strong style={{ color: "#fff", fontSize: 17, whiteSpace: "nowrap" }}>
          {t("app.title")}
        </Typography.Text>
      </Flex>
      <Flex align="center" gap={16} style={{ minWidth: 0 }}>
        <Space size={6} style={{ color: "#dbe4f5", whiteSpace: "nowrap" }} data-testid="header-unit">
          <BankOutlined aria-hidden />
          <span>{me.unitName}</span>
        </Space>
        <Space size={4} wrap={false} aria-label={t("shell.roles")}>
          {me.roles.map((role) => (
            <Tag key={role} color="blue" style={{ marginInlineEnd: 0 }}>
              {tx(`role.${role}`, role)}
            </Tag>
          ))}
        </Space>
        <LanguageSwitch />
        <Dropdown menu={{ items, onClick: onMenu }} trigger={["click"]}>
          <Button type="text" style={{ color: "#fff" }}>
            <UserOutlined aria-hidden />
            {me.displayName}
            <DownOutlined aria-hidden />
          </Button>
        </Dropdown>
      </Flex>
    </Layout.Header>
  );
}
