import { Result } from "antd";
import type { ReactNode } from "react";
import { useI18n } from "../../shared/i18n/I18nProvider";
import { useCan } from "../../shared/session/session";
import { ResultHeading } from "../../shared/ui/ResultHeading";

/** A page whose module the user lacks says so, instead of failing on its first request. */
export function RequirePermission({ permission, children }: { permission: string; children: ReactNode }) {
  const { t } = useI18n();
  const can = useCan();
  if (!can(permission))
    return (
      <Result
        status="403"
        title={<ResultHeading text={t("error.forbidden")}>403</ResultHeading>}
        subTitle={t("error.forbidden")}
      />
    );
  return children;
}
