import { Button, Result } from "antd";
import { Link } from "react-router";
import { useI18n } from "../../shared/i18n/I18nProvider";
import { ResultHeading } from "../../shared/ui/ResultHeading";

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <Result
      status="404"
      title={<ResultHeading text={t("notFound.title")}>{t("notFound.title")}</ResultHeading>}
      subTitle={t("notFound.page")}
      extra={
        <Link to="/">
          <Button type="primary">{t("notFound.home")}</Button>
        </Link>
      }
    />
  );
}
