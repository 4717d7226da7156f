/*
 * The canvas's toolbar: tools, colours, width or font size (`style`, use_style.js), undo
 * and redo (`history`: {sizes, undo, redo}), the selection's actions (`selection`: {size,
 * remove, duplicate, unconfirmed, confirm}), stylus-only mode (`pen`: {only, toggle}),
 * clear with a confirmation (`clear`: {asking, ask(bool), run}), zoom (`zoom`: {level,
 * fitted, in, out, fit}; usable on a read-only record too) and how many changes are not
 * yet saved. Renders only; every action is MedrecCanvas's.
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
  style,
  history,
  selection,
  pen,
  clear,
  zoom,
  pendingCount,
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
      <StylePicker style={style} lockedColor={lockedColor} disabled={disabled} big={big} />
      <span style={S.sep} />
      <ActionButton
        big={big}
        testId="undo"
        title="Undo (Ctrl+Z)"
        disabled={disabled || history.sizes.undo === 0}
        onClick={history.undo}
      >
        Undo
      </ActionButton>
      <ActionButton
        big={big}
        testId="redo"
        title="Redo (Ctrl+Shift+Z)"
        disabled={disabled || history.sizes.redo === 0}
        onClick={history.redo}
      >
        Redo
      </ActionButton>
      <SelectionActions selection={selection} disabled={disabled} big={big} />
      <ActionButton
        big={big}
        testId="pen-only"
        pressed={pen.only}
        title="Stylus only: ignore finger touches (palm rejection)"
        disabled={disabled}
        onClick={pen.toggle}
      >
        Stylus only
      </ActionButton>
      <ClearControl clear={clear} disabled={disabled} big={big} />
      <span style={S.sep} />
      <ZoomControls zoom={zoom} big={big} />
      {pendingCount > 0 && (
        <span data-testid="canvas-pending" role="status" style={S.pending}>
          {pendingCount === 1 ? "1 change not yet saved" : `${pendingCount} changes not yet saved`}
        </span>
      )}
    </div>
  );
}

/** Colour swatches and picker (or the amendment's fixed colour), width or font size. */
function StylePicker({ style, lockedColor, disabled, big }) {
  const { color } = style.style;
  return (
    <>
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
              onClick={() => style.pickColour(hex)}
              style={S.swatch(hex, color === hex, big)}
            />
          ))}
          <input
            ref={style.colorInputRef}
            type="color"
            data-testid="color-custom"
            aria-label="Custom colour"
            title="Custom colour"
            disabled={disabled}
            value={/^#[0-9a-f]{6}$/i.test(color) ? color.toLowerCase() : "#000000"}
            onChange={(e) => style.setColor(e.target.value)}
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
        {style.isText ? "Font size" : "Width"}
        <select
          data-testid="stroke-width"
          disabled={disabled}
          style={big ? { minHeight: "44px", minWidth: "44px" } : undefined}
          value={String(style.widthValue)}
          onChange={(e) => style.pickWidth(e.target.value)}
        >
          {sizeOptions(style.widthOptions, style.widthValue).map((w) => (
            <option key={w} value={String(w)}>
              {w}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/** Delete, duplicate, confirm carried marks, and how many are selected. */
function SelectionActions({ selection, disabled, big }) {
  const { size, unconfirmed } = selection;
  return (
    <>
      <ActionButton
        big={big}
        testId="delete-selection"
        title="Delete the selection (Delete)"
        disabled={disabled || size === 0}
        onClick={selection.remove}
      >
        Delete
      </ActionButton>
      <ActionButton
        big={big}
        testId="duplicate-selection"
        title="Duplicate the selection (Ctrl+D)"
        disabled={disabled || size === 0}
        onClick={selection.duplicate}
      >
        Duplicate
      </ActionButton>
      {unconfirmed > 0 && (
        <ActionButton
          big={big}
          testId="confirm-carried"
          title="Confirm the selected marks carried from the last visit: they stay, unmarked"
          disabled={disabled}
          onClick={selection.confirm}
        >
          {unconfirmed === 1 ? "Confirm 1 carried" : `Confirm ${unconfirmed} carried`}
        </ActionButton>
      )}
      {size > 0 && (
        <span data-testid="selection-size" role="status" style={S.note}>
          {size === 1 ? "1 selected" : `${size} selected`}
        </span>
      )}
    </>
  );
}

/** Clear, asking first. */
function ClearControl({ clear, disabled, big }) {
  if (!clear.asking) {
    return (
      <button
        type="button"
        data-testid="clear"
        disabled={disabled}
        onClick={() => clear.ask(true)}
        style={S.button(false, disabled, big)}
      >
        Clear
      </button>
    );
  }
  return (
    <span style={{ display: "inline-flex", gap: "4px", alignItems: "center" }}>
      Clear the whole drawing?
      <button
        type="button"
        data-testid="clear-confirm"
        onClick={clear.run}
        style={{ ...S.button(false, false, big), borderColor: "#b91c1c", color: "#b91c1c" }}
      >
        Clear
      </button>
      <button
        type="button"
        data-testid="clear-cancel"
        onClick={() => clear.ask(false)}
        style={S.button(false, false, big)}
      >
        Cancel
      </button>
    </span>
  );
}

function ZoomControls({ zoom, big }) {
  return (
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
  );
}
