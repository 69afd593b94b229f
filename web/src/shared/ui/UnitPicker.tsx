/**
 * Choosing a unit of the caller's scope by typing part of its name or its code (GET /units?q=).
 * The value is the unit id, or its code when `valueField="code"` (forms that take codes).
 */
import { Select } from "antd";
import { type CSSProperties, useState } from "react";
import type { Unit, UnitKind, UnitStatus } from "../api/types";
import { useUnitSearch } from "../api/units";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useI18n } from "../i18n/I18nProvider";

interface UnitPickerProps {
  id?: string;
  value?: number | string | null;
  onChange?: (value: number | string | undefined, unit?: Unit) => void;
  kind?: UnitKind;
  status?: UnitStatus;
  /** Only units of these kinds are offered (the API filters one kind at a time). */
  kinds?: readonly UnitKind[];
  exclude?: number;
  valueField?: "id" | "code";
  placeholder?: string;
  initialOptions?: { value: number | string; label: string }[];
  "aria-label"?: string;
  style?: CSSProperties;
}

export function UnitPicker({
  id,
  value,
  onChange,
  kind,
  status,
  kinds,
  exclude,
  valueField = "id",
  placeholder,
  initialOptions = [],
  style,
  ...rest
}: UnitPickerProps) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const q = useDebouncedValue(text.trim(), 300);
  const { data, isFetching } = useUnitSearch(
    { q: q || undefined, kind, status, page: 1, pageSize: 20 },
    q.length > 0 || initialOptions.length === 0,
  );
  const units = (data?.items ?? []).filter(
    (u) => u.id !== exclude && (kinds === undefined || kinds.includes(u.kind)),
  );
  const options = units.map((u) => ({
    value: valueField === "code" ? u.code : u.id,
    label: `${u.name}（${u.code}）`,
  }));
  const known = new Set(options.map((o) => o.value));
  for (const extra of initialOptions) if (!known.has(extra.value)) options.push(extra);
  return (
    <Select<number | string>
      id={id}
      style={style}
      aria-label={rest["aria-label"]}
      showSearch={{ filterOption: false, onSearch: setText }}
      allowClear
      value={value ?? undefined}
      placeholder={placeholder ?? t("unitPicker.placeholder")}
      loading={isFetching}
      notFoundContent={isFetching ? t("common.loading") : t("unitPicker.empty")}
      options={options}
      onChange={(next) =>
        onChange?.(
          next,
          units.find((u) => (valueField === "code" ? u.code : u.id) === next),
        )
      }
    />
  );
}
