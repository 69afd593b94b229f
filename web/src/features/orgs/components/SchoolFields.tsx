/** Inputs for the coded attributes of a school, with their options from the national code sets. */
import { Radio, Select } from "antd";
import { codeOptions, useCodeSet } from "../../../shared/code-sets/code-sets";
import { useI18n } from "../../../shared/i18n/I18nProvider";

interface Controlled<T> {
  id?: string;
  value?: T;
  onChange?: (value: T) => void;
}

/** Running types are three-digit leaves, grouped under their school type as in the standard. */
export function RunningTypeSelect({ id, value, onChange }: Controlled<string>) {
  const { locale, t } = useI18n();
  const { data } = useCodeSet("school_running_type");
  const items = data?.items ?? [];
  const groups = items
    .filter((i) => i.code.length === 2)
    .map((group) => ({
      label: `${group.code} ${locale === "en" ? group.labelEn : group.labelZh}`,
      title: group.code,
      options: codeOptions(items, locale, (i) => i.code.length === 3 && i.parentCode === group.code),
    }))
    .filter((g) => g.options.length > 0);
  return (
    <Select
      id={id}
      value={value}
      onChange={onChange}
      options={groups}
      showSearch={{ optionFilterProp: "label" }}
      placeholder={t("form.choose")}
    />
  );
}

export function StagesSelect({ id, value, onChange }: Controlled<string[]>) {
  const { locale, t } = useI18n();
  const { data } = useCodeSet("education_stage");
  return (
    <Select
      id={id}
      mode="multiple"
      value={value}
      onChange={onChange}
      options={codeOptions(data?.items, locale).map((o) => ({ ...o, label: o.label.replace(/^\S+ /, "") }))}
      placeholder={t("form.choose")}
    />
  );
}

export function OwnershipRadio({ id, value, onChange }: Controlled<string>) {
  const { locale } = useI18n();
  const { data } = useCodeSet("ownership");
  return (
    <Radio.Group
      id={id}
      value={value}
      onChange={(event) => onChange?.(event.target.value as string)}
      options={codeOptions(data?.items, locale).map((o) => ({ ...o, label: o.label.replace(/^\S+ /, "") }))}
    />
  );
}

export function SchoolTypeSelect({
  id,
  value,
  onChange,
  placeholder,
}: Controlled<string | undefined> & { placeholder?: string }) {
  const { locale } = useI18n();
  const { data } = useCodeSet("school_type");
  return (
    <Select
      id={id}
      allowClear
      value={value}
      onChange={onChange}
      options={codeOptions(data?.items, locale)}
      placeholder={placeholder}
      style={{ width: 200 }}
      aria-label={placeholder}
      showSearch={{ optionFilterProp: "label" }}
    />
  );
}
