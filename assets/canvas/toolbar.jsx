/*
 * The canvas's toolbar: tools, colours, width or font size, undo and redo, delete and
 * duplicate the selection,
 * stylus-only mode, clear (with a confirmation), zoom (`zoom`: {level, fitted, in, out,
 * fit}; usable on a read-only record too) and how many changes are not yet saved.
 * Renders only; every action is a prop of MedrecCanvas's.
 */
import React from "react";
import { PALETTE, sizeOptions } from "./palette.js";
import { S } from "./styles.js";
import { TOOLS } from "./tools/index.js";
import { MAX_ZOOM, MIN_ZOOM } from "./view.js";

/**
 * A toolbar command; `label` names it for assistive technology when its text is a sign,
 * `pressed` (true or false) makes it a toggle.
 */
export function ActionButton({ testId, title, label, pressed, disabled, onClick, big, children }) {
  return (
    <button
      type="button"
      data-testid={testId}
      title={title}
      aria-label={label}
      aria-pressed={pressed}
      disabled={disabled}
      onClick={onClick}
      style={S.button(!!pressed, disabled, big)}
    >
      {children}
    </button>
  );
}

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
  selectionSize,
  deleteSelection,
  duplicateSelection,
  unconfirmedCount,
  confirmCarried,
  penOnly,
  togglePenOnly,
  confirmClear,
  setConfirmClear,
  clearAll,
  pendingCount,
  zoom,
  big,
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
          style={S.button(tool === t.name, disabled, big)}
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
              style={S.swatch(hex, color === hex, big)}
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
              width: big ? "44px" : "28px",
              height: big ? "44px" : "24px",
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
          style={big ? { minHeight: "44px", minWidth: "44px" } : undefined}
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
      <ActionButton
        big={big}
        testId="undo"
        title="Undo (Ctrl+Z)"
        disabled={disabled || historySizes.undo === 0}
        onClick={undo}
      >
        Undo
      </ActionButton>
      <ActionButton
        big={big}
        testId="redo"
        title="Redo (Ctrl+Shift+Z)"
        disabled={disabled || historySizes.redo === 0}
        onClick={redo}
      >
        Redo
      </ActionButton>
      <ActionButton
        big={big}
        testId="delete-selection"
        title="Delete the selection (Delete)"
        disabled={disabled || selectionSize === 0}
        onClick={deleteSelection}
      >
        Delete
      </ActionButton>
      <ActionButton
        big={big}
        testId="duplicate-selection"
        title="Duplicate the selection (Ctrl+D)"
        disabled={disabled || selectionSize === 0}
        onClick={duplicateSelection}
      >
        Duplicate
      </ActionButton>
      {unconfirmedCount > 0 && (
        <ActionButton
          big={big}
          testId="confirm-carried"
          title="Confirm the selected marks carried from the last visit: they stay, unmarked"
          disabled={disabled}
          onClick={confirmCarried}
        >
          {unconfirmedCount === 1 ? "Confirm 1 carried" : `Confirm ${unconfirmedCount} carried`}
        </ActionButton>
      )}
      {selectionSize > 0 && (
        <span data-testid="selection-size" role="status" style={S.note}>
          {selectionSize === 1 ? "1 selected" : `${selectionSize} selected`}
        </span>
      )}
      <ActionButton
        big={big}
        testId="pen-only"
        pressed={penOnly}
        title="Stylus only: ignore finger touches (palm rejection)"
        disabled={disabled}
        onClick={togglePenOnly}
      >
        Stylus only
      </ActionButton>
      {confirmClear ? (
        <span style={{ display: "inline-flex", gap: "4px", alignItems: "center" }}>
          Clear the whole drawing?
          <button
            type="button"
            data-testid="clear-confirm"
            onClick={clearAll}
            style={{ ...S.button(false, false, big), borderColor: "#b91c1c", color: "#b91c1c" }}
          >
            Clear
          </button>
          <button
            type="button"
            data-testid="clear-cancel"
            onClick={() => setConfirmClear(false)}
            style={S.button(false, false, big)}
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
          style={S.button(false, disabled, big)}
        >
          Clear
        </button>
      )}
      <span style={S.sep} />
      <fieldset aria-label="Zoom" style={S.group}>
        <ActionButton
          big={big}
          testId="zoom-out"
          title="Zoom out (-)"
          label="Zoom out"
          disabled={zoom.level <= MIN_ZOOM}
          onClick={zoom.out}
        >
          −
        </ActionButton>
        <span data-testid="zoom-level" aria-live="polite" style={S.zoomLevel}>
          {Math.round(zoom.level * 100)}%
        </span>
        <ActionButton
          big={big}
          testId="zoom-in"
          title="Zoom in (+)"
          label="Zoom in"
          disabled={zoom.level >= MAX_ZOOM}
          onClick={zoom.in}
        >
          +
        </ActionButton>
        <ActionButton
          big={big}
          testId="zoom-fit"
          title="Fit the whole drawing (0)"
          label="Fit the whole drawing"
          disabled={zoom.fitted}
          onClick={zoom.fit}
        >
          Fit
        </ActionButton>
      </fieldset>
      {pendingCount > 0 && (
        <span data-testid="canvas-pending" role="status" style={S.pending}>
          {pendingCount === 1 ? "1 change not yet saved" : `${pendingCount} changes not yet saved`}
        </span>
      )}
    </div>
  );
}
