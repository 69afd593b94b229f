/**
 * National and project code sets (代码集) as the API serves them. Forms and tables show codes
 * by their label in the UI language; a code set changes rarely, so it is cached for the session.
 */
import { useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { apiRequest } from "../api/client";
import type { CodeItem, CodeSet } from "../api/types";
import { useI18n } from "../i18n/I18nProvider";
import type { Locale } from "../i18n/locale";

export function fetchCodeSet(name: string): Promise<CodeSet> {
  return apiRequest<CodeSet>(`/code-sets/${encodeURIComponent(name)}`);
}

export function useCodeSet(name: string, enabled = true) {
  return useQuery({
    queryKey: ["code-sets", name],
    queryFn: () => fetchCodeSet(name),
    staleTime: Number.POSITIVE_INFINITY,
    enabled,
  });
}

export function codeLabel(item: CodeItem, locale: Locale): string {
  return locale === "en" ? item.labelEn : item.labelZh;
}

/** A function from code to label for one code set; unknown codes show as themselves. */
export function useCodeLabel(name: string, enabled = true): (code: string | null | undefined) => string {
  const { locale } = useI18n();
  const { data } = useCodeSet(name, enabled);
  return useCallback(
    (code: string | null | undefined) => {
      if (!code) return "";
      const item = data?.items.find((i) => i.code === code);
      return item ? codeLabel(item, locale) : code;
    },
    [data, locale],
  );
}

export interface CodeOption {
  value: string;
  label: string;
}

/** Select options of a code set, active items only, labelled "code label" as clerks know them. */
export function codeOptions(
  items: CodeItem[] | undefined,
  locale: Locale,
  filter: (item: CodeItem) => boolean = () => true,
): CodeOption[] {
  return (items ?? [])
    .filter((i) => i.isActive && filter(i))
    .map((i) => ({ value: i.code, label: `${i.code} ${codeLabel(i, locale)}` }));
}
