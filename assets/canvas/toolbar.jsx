/*
 * The canvas's toolbar: tools, colours, width or font size, undo and redo, delete,
 * stylus-only mode, clear (with a confirmation) and how many changes are not yet saved.
 * Renders only; every action is a prop of MedrecCanvas's.
 */
import React from "react";
import { PALETTE, sizeOptions } from "./palette.js";
import { S } from "./styles.js";
import { TOOLS } from "./tools/index.js";

export function Toolbar({
  tool,
  setTool,
  disabled,
  lockedColor,
  color,
  setColor,
  pickColour,
  colorInputRef,
  isTextTool,
  widthValue,
  widthOptions,
  pickWidth,
  historySizes,
  undo,
  redo,
  selectedShape,
  deleteSelection,
  penOnly,
  togglePenOnly,
  confirmClear,
  setConfirmClear,
  clearAll,
  pendingCount,
}) {
  return (
    <div style={S.toolbar} role="toolbar" aria-label="Drawing tools">
      {TOOLS.map((t) => (
        <button
          key={t.name}
          type="button"
          data-testid={`tool-${t.name}`}
          aria-pressed={tool === t.name}
          title={`${t.label} (${t.key.toUpperCase()})`}
          disabled={disabled}
          onClick={() => setTool(t.name)}
          style={S.button(tool === t.name, disabled)}
        >
          {t.label}
        </button>
      ))}
      <span style={S.sep} />
      {lockedColor ? (
        <span
          data-testid="amendment-colour"
          style={{ display: "inline-flex", alignItems: "center", gap: "4px" }}
        >
          <span aria-hidden="true" style={S.swatch(lockedColor, true)} />
          Amendment colour
        </span>
      ) : (
        <>
          {PALETTE.map((hex) => (
            <button
              key={hex}
              type="button"
              data-testid={`color-${hex.slice(1)}`}
              aria-label={`Colour ${hex}`}
              aria-pressed={color === hex}
              title={hex}
              disabled={disabled}
              onClick={() => pickColour(hex)}
              style={S.swatch(hex, color === hex)}
            />
          ))}
          <input
            ref={colorInputRef}
            type="color"
            data-testid="color-custom"
            aria-label="Custom colour"
            title="Custom colour"
            disabled={disabled}
            value={/^#[0-9a-f]{6}$/i.test(color) ? color.toLowerCase() : "#000000"}
            onChange={(e) => setColor(e.target.value)}
            style={{
              width: "28px",
              height: "24px",
              padding: 0,
              border: "none",
              background: "none",
            }}
          />
        </>
      )}
      <label style={{ display: "inline-flex", alignItems: "center", gap: "4px" }}>
        {isTextTool ? "Font size" : "Width"}
        <select
          data-testid="stroke-width"
          disabled={disabled}
          value={String(widthValue)}
          onChange={(e) => pickWidth(e.target.value)}
        >
          {sizeOptions(widthOptions, widthValue).map((w) => (
            <option key={w} value={String(w)}>
              {w}
            </option>
          ))}
        </select>
      </label>
      <span style={S.sep} />
      <button
        type="button"
        data-testid="undo"
        title="Undo (Ctrl+Z)"
        disabled={disabled || historySizes.undo === 0}
        onClick={undo}
        style={S.button(false, disabled || historySizes.undo === 0)}
      >
        Undo
      </button>
      <button
        type="button"
        data-testid="redo"
        title="Redo (Ctrl+Shift+Z)"
        disabled={disabled || historySizes.redo === 0}
        onClick={redo}
        style={S.button(false, disabled || historySizes.redo === 0)}
      >
        Redo
      </button>
      <button
        type="button"
        data-testid="delete-selection"
        title="Delete selected shape (Delete)"
        disabled={disabled || !selectedShape}
        onClick={deleteSelection}
        style={S.button(false, disabled || !selectedShape)}
      >
        Delete
      </button>
      <button
        type="button"
        data-testid="pen-only"
        aria-pressed={penOnly}
        title="Stylus only: ignore finger touches (palm rejection)"
        disabled={disabled}
        onClick={togglePenOnly}
        style={S.button(penOnly, disabled)}
      >
        Stylus only
      </button>
      {confirmClear ? (
        <span style={{ display: "inline-flex", gap: "4px", alignItems: "center" }}>
          Clear the whole drawing?
          <button
            type="button"
            data-testid="clear-confirm"
            onClick={clearAll}
            style={{ ...S.button(false, false), borderColor: "#b91c1c", color: "#b91c1c" }}
          >
            Clear
          </button>
          <button
            type="button"
            data-testid="clear-cancel"
            onClick={() => setConfirmClear(false)}
            style={S.button(false, false)}
          >
            Cancel
          </button>
        </span>
      ) : (
        <button
          type="button"
          data-testid="clear"
          disabled={disabled}
          onClick={() => setConfirmClear(true)}
          style={S.button(false, disabled)}
        >
          Clear
        </button>
      )}
      {pendingCount > 0 && (
        <span data-testid="canvas-pending" role="status" style={S.pending}>
          {pendingCount === 1 ? "1 change not yet saved" : `${pendingCount} changes not yet saved`}
        </span>
      )}
    </div>
  );
}
