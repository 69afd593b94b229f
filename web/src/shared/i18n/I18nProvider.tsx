import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";
import { currentLocale, type Locale, setCurrentLocale } from "./locale";
import { type MessageParams, type Translate, translate, translateDynamic } from "./translate";
import type { MessageKey } from "./zh-CN";

interface I18nValue {
  locale: Locale;
  setLocale(locale: Locale): void;
  t: Translate;
  /** For keys composed at run time (codes from the API): the raw code if no message exists. */
  tx(key: string, fallback: string): string;
}

const I18nContext = createContext<I18nValue | null>(null);

export function I18nProvider({
  children,
  onChange,
}: {
  children: ReactNode;
  onChange?: (locale: Locale) => void;
}) {
  const [locale, setLocaleState] = useState<Locale>(currentLocale);
  const setLocale = useCallback(
    (next: Locale) => {
      setCurrentLocale(next);
      setLocaleState(next);
      onChange?.(next);
    },
    [onChange],
  );
  const value = useMemo<I18nValue>(
    () => ({
      locale,
      setLocale,
      t: (key: MessageKey, params?: MessageParams) => translate(locale, key, params),
      tx: (key: string, fallback: string) => translateDynamic(locale, key, fallback),
    }),
    [locale, setLocale],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
