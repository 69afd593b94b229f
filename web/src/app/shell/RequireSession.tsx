import { Button, Result, Spin } from "antd";
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { isProblem } from "../../shared/api/problem";
import { useI18n } from "../../shared/i18n/I18nProvider";
import { useMe } from "../../shared/session/session";

/** Pages behind sign-in; a forced password change comes before anything else. */
export function RequireSession({
  children,
  allowPasswordChange = false,
}: {
  children: ReactNode;
  allowPasswordChange?: boolean;
}) {
  const { t } = useI18n();
  const location = useLocation();
  const { data: me, error, isPending, refetch } = useMe();
  if (isPending) return <Spin size="large" style={{ display: "block", margin: "20vh auto" }} />;
  if (error) {
    if (isProblem(error) && error.status === 401) {
      const next = `${location.pathname}${location.search}`;
      return <Navigate to={`/login${next === "/" ? "" : `?next=${encodeURIComponent(next)}`}`} replace />;
    }
    return (
      <Result
        status="error"
        title={t("error.title")}
        subTitle={error.message}
        extra={<Button onClick={() => void refetch()}>{t("common.retry")}</Button>}
      />
    );
  }
  if (me.mustChangePassword && !allowPasswordChange) return <Navigate to="/change-password" replace />;
  return children;
}
