import { Layout, Menu, type MenuProps, Typography } from "antd";
import { Link, Outlet, useLocation, useMatch } from "react-router";
import { useI18n } from "../../shared/i18n/I18nProvider";
import { lastUnit } from "../../shared/session/last-unit";
import { useMe } from "../../shared/session/session";
import { HeaderBar } from "./HeaderBar";
import { type MenuEntry, menuEntries, selectedKey } from "./menu";

type MenuItem = Required<MenuProps>["items"][number];

/** Header, module menu and the page; RequireSession has made sure there is a user. */
export function AppShell() {
  const { t } = useI18n();
  const { data: me } = useMe();
  const location = useLocation();
  const unitMatch = useMatch("/units/:unitId/*");
  if (!me) return null;
  const unitId = Number(unitMatch?.params.unitId) || lastUnit() || me.scopeUnitId;
  const entries = menuEntries(me, unitId);
  const toItem = (entry: MenuEntry): MenuItem => {
    const label = t(entry.label);
    if (entry.children) {
      return { key: entry.key, icon: entry.icon, label, children: entry.children.map(toItem) };
    }
    const link = entry.external ? (
      <a href={entry.path} target="_blank" rel="noreferrer">
        {label}
      </a>
    ) : (
      <Link to={entry.path ?? "/"}>{label}</Link>
    );
    return { key: entry.key, icon: entry.icon, label: link };
  };
  let key = selectedKey(location.pathname);
  if (key === "detail") key = "org";
  const openKeys = entries.filter((e) => e.children).map((e) => e.key);
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <a href="#main" className="skip-link">
        {t("shell.skipToContent")}
      </a>
      <HeaderBar me={me} />
      <Layout>
        <Layout.Sider
          width={232}
          theme="light"
          breakpoint="lg"
          collapsedWidth={64}
          style={{ borderRight: "1px solid #f0f0f0" }}
        >
          <nav aria-label={t("shell.menu")}>
            <Menu
              mode="inline"
              selectedKeys={[key]}
              defaultOpenKeys={openKeys}
              items={entries.map(toItem)}
              style={{ borderInlineEnd: "none", paddingTop: 8 }}
            />
          </nav>
        </Layout.Sider>
        <Layout.Content id="main" tabIndex={-1} style={{ padding: "16px 24px 32px", minWidth: 0 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
      <Layout.Footer style={{ textAlign: "center", padding: "12px 24px" }}>
        <Typography.Text type="secondary">{t("app.footer")}</Typography.Text>
      </Layout.Footer>
    </Layout>
  );
}
