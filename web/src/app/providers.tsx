/** Everything every page needs: data cache, language (antd and dayjs follow it), theme, message hooks. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { type ReactNode, useState } from "react";
import { isProblem } from "../shared/api/problem";
import { I18nProvider, useI18n } from "../shared/i18n/I18nProvider";
import { currentLocale } from "../shared/i18n/locale";

// CJK faces first: the console is read in Chinese on Windows, macOS and Linux desks alike.
const FONT_FAMILY = [
  '"PingFang SC"',
  '"Microsoft YaHei"',
  '"Noto Sans CJK SC"',
  '"Noto Sans SC"',
  '"Source Han Sans SC"',
  '"WenQuanYi Micro Hei"',
  "-apple-system",
  "BlinkMacSystemFont",
  '"Segoe UI"',
  "Roboto",
  '"Helvetica Neue"',
  "Arial",
  "sans-serif",
].join(", ");

function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx answer (not found, forbidden, invalid) will not change by asking again.
        retry: (failures, error) =>
          !(isProblem(error) && error.status >= 400 && error.status < 500) && failures < 2,
        refetchOnWindowFocus: false,
        staleTime: 30_000,
      },
    },
  });
}

function LocalisedUi({ children }: { children: ReactNode }) {
  const { locale } = useI18n();
  dayjs.locale(locale === "en" ? "en" : "zh-cn");
  return (
    <ConfigProvider
      locale={locale === "en" ? enUS : zhCN}
      theme={{ token: { colorPrimary: "#1d4ed8", fontFamily: FONT_FAMILY, borderRadius: 4 } }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function AppProviders({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  document.documentElement.lang = currentLocale();
  return (
    <QueryClientProvider client={queryClient}>
      {/* The API words its messages in the requested language: refetch what is on screen. */}
      <I18nProvider onChange={() => void queryClient.invalidateQueries()}>
        <LocalisedUi>{children}</LocalisedUi>
      </I18nProvider>
    </QueryClientProvider>
  );
}
