/*
 * useTools: this canvas's tools (tools/index.js, each with its own gesture in progress,
 * plus `pick`, the select tool run on the last visit) and their lifecycle: a tool left
 * mid-gesture (a key picked another) finishes what it was doing, and so does the tool in
 * use when the page is hidden or closed, before UnloadFlush sends the queue (capture
 * listeners on the same target run first). `contextRef` holds the tools' context.
 */
import { useCallback, useEffect, useRef } from "react";
import { createTools } from "./tools/index.js";
import { createSelectTool } from "./tools/select.js";

export function useTools({ tool, contextRef }) {
  const toolsRef = useRef(null);
  if (!toolsRef.current) toolsRef.current = { ...createTools(), pick: createSelectTool() };
  const toolRef = useRef(tool);
  toolRef.current = tool;

  const finishCurrent = useCallback(
    (context = contextRef.current) => toolsRef.current[toolRef.current].finish(context),
    [contextRef],
  );
  const resetAll = useCallback(() => {
    for (const t of Object.values(toolsRef.current)) t.reset(contextRef.current);
  }, [contextRef]);

  const previousRef = useRef(tool);
  useEffect(() => {
    const previous = toolsRef.current[previousRef.current];
    if (previous && previousRef.current !== tool) previous.finish(contextRef.current);
    previousRef.current = tool;
  }, [tool, contextRef]);

  useEffect(() => {
    const onHidden = () => {
      if (document.visibilityState !== "visible") finishCurrent();
    };
    window.addEventListener("pagehide", onHidden, true);
    document.addEventListener("visibilitychange", onHidden, true);
    return () => {
      window.removeEventListener("pagehide", onHidden, true);
      document.removeEventListener("visibilitychange", onHidden, true);
    };
  }, [finishCurrent]);

  return { tools: toolsRef.current, toolRef, finishCurrent, resetAll };
}
