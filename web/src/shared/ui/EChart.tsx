/**
 * A minimal ECharts host: the chart follows its container's size and the option it is given.
 * Only the pieces the console draws are registered, which keeps the bundle small.
 */
import { BarChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import type { EChartsCoreOption } from "echarts/core";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export function EChart({
  option,
  height,
  label,
}: {
  option: EChartsCoreOption;
  height: number;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const drawn = useRef("");

  useEffect(() => {
    if (!host.current) return;
    const instance = echarts.init(host.current);
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(host.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
      drawn.current = "";
    };
  }, []);

  useEffect(() => {
    // Callers rebuild the option on every render; redraw (and re-animate) only on a real change.
    const serialised = JSON.stringify(option);
    if (!chart.current || serialised === drawn.current) return;
    drawn.current = serialised;
    chart.current.setOption(option, { notMerge: true });
  }, [option]);

  // The canvas says nothing to a screen reader; the label (and the table next to it) does.
  return <div ref={host} role="img" aria-label={label} style={{ width: "100%", height }} />;
}
