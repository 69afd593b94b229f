import { en } from "./en";
import type { Locale } from "./locale";
import { type MessageKey, zhCN } from "./zh-CN";

export type MessageParams = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: MessageParams) => string;

const catalogues: Record<Locale, Record<MessageKey, string>> = { "zh-CN": zhCN, en };

export function translate(locale: Locale, key: MessageKey, params?: MessageParams): string {
  const template = catalogues[locale][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Looks up a key built at run time (e.g. "role.system_admin"), falling back to the raw value. */
export function translateDynamic(locale: Locale, key: string, fallback: string): string {
  const catalogue = catalogues[locale] as Record<string, string>;
  return catalogue[key] ?? fallback;
}
