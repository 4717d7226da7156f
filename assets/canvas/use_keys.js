/*
 * useCanvasKeys: the canvas's keys (keyboard.js) on the window, for as long as the
 * canvas is mounted. `actions` is read when a key arrives, so it may change each render:
 * {state: {interactive, editingText, hasSelection, tool}, setTool(name), nudge(dx, dy),
 * and one function per other action of keyAction}.
 */
import { useEffect, useRef } from "react";
import { listenForKeys, takesKey } from "./keyboard.js";

export function useCanvasKeys(actions) {
  const ref = useRef(actions);
  ref.current = actions;
  useEffect(
    () =>
      listenForKeys(window, ({ action, tool, dx, dy }) => {
        const a = ref.current;
        if (!takesKey(action, a.state)) return false;
        if (action === "tool") a.setTool(tool);
        else if (action === "nudge") a.nudge(dx, dy);
        else a[action]();
        return true;
      }),
    [],
  );
}
