/*
 * MedrecUpload: a drop zone and a "Choose files" button that upload files one HTTP
 * request each, with a progress bar and a Cancel button per file.
 *
 * This component renders and handles pointers only. The server decides what is kept:
 * each file goes as `multipart/form-data` (one part named "file") in a same-origin POST
 * to `uploadUrl`, which answers 201 with JSON describing the stored file, or an error
 * `{"error": {"code", "message", "details"}}` whose `message` is shown as it is.
 *
 * Props:
 *   uploadUrl      where to POST; "" disables the widget (nothing to upload to yet)
 *   maxBytes       early client-side size check (the server is the authority); 0 = none
 *   maxConcurrent  files in flight at once (default 2); the rest wait their turn
 *   accept         hint for the file dialog, e.g. "image/jpeg,application/pdf"
 *   onUploaded     called with the server's JSON for every file it accepted
 *
 * Changing `uploadUrl` (another patient) or unmounting cancels what is still running.
 */
import React, { useCallback, useEffect, useRef, useState } from "react";

const UNITS = ["KB", "MB", "GB", "TB"];

function humanSize(size) {
  if (size < 1024) return `${size} B`;
  let value = size;
  for (const unit of UNITS) {
    value /= 1024;
    if (value < 1024 || unit === UNITS[UNITS.length - 1]) {
      return value < 10 ? `${value.toFixed(1)} ${unit}` : `${Math.round(value)} ${unit}`;
    }
  }
  return `${size} B`;
}

function serverMessage(xhr) {
  try {
    const body = JSON.parse(xhr.responseText);
    if (body?.error && typeof body.error.message === "string") {
      return body.error.message;
    }
  } catch (_e) {
    // Not JSON (a proxy's error page): fall through to the status line.
  }
  if (xhr.status === 413) return "The file is larger than the server accepts.";
  return `The upload was refused (HTTP ${xhr.status}).`;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (_e) {
    return {};
  }
}

let nextKey = 1;

// Radix Themes' own button classes, so plain buttons match the app's.
const BUTTON = "rt-reset rt-BaseButton rt-Button rt-r-size-2";
const SOLID = `${BUTTON} rt-variant-solid`;
const SOFT = `${BUTTON} rt-variant-soft`;

const STATUS = {
  queued: () => "Waiting",
  uploading: (item) => `${item.size ? Math.floor((100 * item.loaded) / item.size) : 0}%`,
  done: () => "Uploaded",
  cancelled: () => "Cancelled",
};

function statusText(item) {
  return item.state === "failed" ? item.message : STATUS[item.state](item);
}

function ProgressBar({ item }) {
  const percent =
    item.state === "done" ? 100 : item.size ? Math.min(100, (100 * item.loaded) / item.size) : 0;
  const colour =
    item.state === "failed"
      ? "var(--red-9)"
      : item.state === "cancelled"
        ? "var(--gray-8)"
        : "var(--accent-9)";
  return (
    <div
      role="progressbar"
      aria-label={`Upload of ${item.name}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent)}
      data-testid="upload-progress"
      style={{
        flex: "1 1 160px",
        height: 8,
        borderRadius: 4,
        background: "var(--gray-4)",
        overflow: "hidden",
      }}
    >
      <div style={{ width: `${percent}%`, height: "100%", background: colour }} />
    </div>
  );
}

function UploadRow({ item, onCancel }) {
  const active = item.state === "queued" || item.state === "uploading";
  return (
    <li
      data-testid="upload-row"
      data-state={item.state}
      data-name={item.name}
      style={{ display: "flex", alignItems: "center", gap: 12, padding: "6px 0" }}
    >
      <span
        title={item.name}
        style={{
          flex: "0 1 240px",
          overflow: "hidden",
          textOverflow: "ellipsis",
          whiteSpace: "nowrap",
          fontWeight: 500,
        }}
      >
        {item.name}
      </span>
      <span style={{ flex: "0 0 72px", color: "var(--gray-11)" }}>{humanSize(item.size)}</span>
      <ProgressBar item={item} />
      <span
        data-testid="upload-status"
        role={item.state === "failed" ? "alert" : undefined}
        style={{
          flex: "1 1 200px",
          color: item.state === "failed" ? "var(--red-11)" : "var(--gray-11)",
        }}
      >
        {statusText(item)}
      </span>
      {active ? (
        <button
          type="button"
          className={SOFT}
          data-accent-color="gray"
          data-testid="upload-cancel"
          aria-label={`Cancel the upload of ${item.name}`}
          onClick={() => onCancel(item.key)}
        >
          Cancel
        </button>
      ) : null}
    </li>
  );
}

export function MedrecUpload({
  uploadUrl = "",
  maxBytes = 0,
  maxConcurrent = 2,
  accept = "",
  onUploaded,
  ...rest
}) {
  const [items, setItems] = useState([]);
  const [dragging, setDragging] = useState(false);
  const files = useRef(new Map()); // key -> File, kept out of React state
  const requests = useRef(new Map()); // key -> XMLHttpRequest in flight
  const input = useRef(null);
  const uploaded = useRef(onUploaded);
  uploaded.current = onUploaded;

  const update = useCallback((key, patch) => {
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...patch } : item)));
  }, []);

  const settle = useCallback(
    (key, patch) => {
      requests.current.delete(key);
      files.current.delete(key);
      update(key, patch);
    },
    [update],
  );

  const start = useCallback(
    (key) => {
      const file = files.current.get(key);
      if (!file || requests.current.has(key)) return;
      const xhr = new XMLHttpRequest();
      requests.current.set(key, xhr);
      xhr.upload.onprogress = (event) => update(key, { loaded: event.loaded });
      xhr.onload = () => {
        if (xhr.status === 200 || xhr.status === 201) {
          settle(key, { state: "done", loaded: file.size });
          if (uploaded.current) uploaded.current(parseJson(xhr.responseText));
        } else {
          settle(key, { state: "failed", message: serverMessage(xhr) });
        }
      };
      xhr.onerror = () =>
        settle(key, {
          state: "failed",
          message: "The upload did not reach the server. Check the connection and try again.",
        });
      xhr.onabort = () => settle(key, { state: "cancelled" });
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.open("POST", uploadUrl);
      xhr.send(form);
      update(key, { state: "uploading" });
    },
    [uploadUrl, update, settle],
  );

  // Start waiting files while fewer than maxConcurrent are in flight.
  useEffect(() => {
    const free = Math.max(1, maxConcurrent) - requests.current.size;
    const queued = items.filter((item) => item.state === "queued");
    for (const item of queued.slice(0, Math.max(0, free))) start(item.key);
  }, [items, maxConcurrent, start]);

  // Another destination (or leaving the page): stop what is running, forget the list.
  useEffect(() => {
    const running = requests.current;
    const waiting = files.current;
    return () => {
      for (const xhr of running.values()) xhr.abort();
      running.clear();
      waiting.clear();
      setItems([]);
    };
  }, [uploadUrl]);

  const add = useCallback(
    (fileList) => {
      if (!uploadUrl) return;
      const added = Array.from(fileList || []).map((file) => {
        const key = nextKey++;
        const item = { key, name: file.name, size: file.size, loaded: 0, state: "queued" };
        if (maxBytes > 0 && file.size > maxBytes) {
          item.state = "failed";
          item.message = `This file is larger than the upload limit of ${humanSize(maxBytes)}.`;
        } else {
          files.current.set(key, file);
        }
        return item;
      });
      setItems((list) => [...list, ...added]);
    },
    [uploadUrl, maxBytes],
  );

  const cancel = useCallback(
    (key) => {
      const xhr = requests.current.get(key);
      if (xhr) {
        xhr.abort();
      } else {
        settle(key, { state: "cancelled" });
      }
    },
    [settle],
  );

  const clearFinished = () =>
    setItems((list) => list.filter((i) => i.state === "queued" || i.state === "uploading"));

  const onDrag = (event) => {
    event.preventDefault();
    event.stopPropagation();
    if (uploadUrl) setDragging(event.type !== "dragleave");
  };

  const onDrop = (event) => {
    event.preventDefault();
    event.stopPropagation();
    setDragging(false);
    add(event.dataTransfer?.files);
  };

  const finished = items.some((i) => i.state !== "queued" && i.state !== "uploading");

  return (
    <div {...rest}>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for dragged files; the file button inside it is the keyboard way */}
      <div
        data-testid="upload-dropzone"
        data-dragging={dragging ? "true" : "false"}
        onDragEnter={onDrag}
        onDragOver={onDrag}
        onDragLeave={onDrag}
        onDrop={onDrop}
        style={{
          border: `2px dashed ${dragging ? "var(--accent-9)" : "var(--gray-7)"}`,
          background: dragging ? "var(--accent-3)" : "transparent",
          borderRadius: 8,
          padding: "20px 16px",
          display: "flex",
          alignItems: "center",
          justifyContent: "center",
          gap: 12,
          flexWrap: "wrap",
          color: "var(--gray-11)",
        }}
      >
        <span>Drop x-rays or PDFs here, or</span>
        <button
          type="button"
          className={SOLID}
          data-testid="upload-choose"
          disabled={!uploadUrl}
          onClick={() => input.current?.click()}
        >
          Choose files
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept={accept || undefined}
          data-testid="upload-input"
          style={{ display: "none" }}
          onChange={(event) => {
            add(event.target.files);
            event.target.value = "";
          }}
        />
      </div>
      {items.length > 0 ? (
        <ul data-testid="upload-list" style={{ listStyle: "none", margin: "8px 0 0", padding: 0 }}>
          {items.map((item) => (
            <UploadRow key={item.key} item={item} onCancel={cancel} />
          ))}
        </ul>
      ) : null}
      {finished ? (
        <button
          type="button"
          className={SOFT}
          data-accent-color="gray"
          data-testid="upload-clear"
          onClick={clearFinished}
        >
          Clear finished
        </button>
      ) : null}
    </div>
  );
}

export default MedrecUpload;
