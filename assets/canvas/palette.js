/* The colours and sizes the toolbar offers, and colouring a layer in one tint. */

export const PALETTE = [
  "#000000",
  "#e53935",
  "#1e88e5",
  "#43a047",
  "#fb8c00",
  "#8e24aa",
  "#fdd835",
  "#ffffff",
];
export const STROKE_WIDTHS = [1, 2, 3, 5, 8, 12, 20, 30, 50];
export const FONT_SIZES = [12, 16, 20, 24, 32, 48, 64, 96];

/** `value` in `tint`'s colour, keeping its own opacity (an amendment's layer). */
export function tinted(value, tint) {
  if (!tint || !value || value === "transparent") return value;
  const m = /^#(?:[0-9a-f]{3}([0-9a-f])|[0-9a-f]{6}([0-9a-f]{2}))$/i.exec(value);
  const alpha = m ? (m[1] ? m[1] + m[1] : m[2]) : "";
  return tint + (alpha || "");
}

/** The sizes to offer: the usual ones plus `current` when it is not one of them. */
export function sizeOptions(options, current) {
  return (options.includes(current) ? options : [...options, current])
    .slice()
    .sort((a, b) => a - b);
}
