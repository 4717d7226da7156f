/*
 * Whether the toolbar is sized for fingers: on a touch screen, or a window no wider than
 * a tablet's (an iPad in either orientation), every control is at least TOUCH_TARGET_PX
 * square (WCAG 2.5.5, Apple's HIG).
 */
import { useEffect, useState } from "react";

export const TOUCH_TARGET_PX = 44;
export const TOUCH_QUERY = "(pointer: coarse), (max-width: 1024px)";

export function useTouchSized() {
  const query = () =>
    typeof window !== "undefined" && typeof window.matchMedia === "function"
      ? window.matchMedia(TOUCH_QUERY)
      : null;
  const [touch, setTouch] = useState(() => !!query()?.matches);
  useEffect(() => {
    const list = query();
    if (!list) return undefined;
    const onChange = () => setTouch(list.matches);
    onChange();
    list.addEventListener("change", onChange);
    return () => list.removeEventListener("change", onChange);
  }, []);
  return touch;
}
