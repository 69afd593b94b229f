import { Segmented } from "antd";
import { useI18n } from "../i18n/I18nProvider";
import type { Locale } from "../i18n/locale";

/** 中文 / English; each label is written in its own language so either reader finds it. */
export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <Segmented<Locale>
      size="small"
      aria-label={t("shell.language")}
      value={locale}
      onChange={setLocale}
      options={[
        { value: "zh-CN", label: <span lang="zh-CN">中文</span> },
        { value: "en", label: <span lang="en">English</span> },
      ]}
    />
  );
}
