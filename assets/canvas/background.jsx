/*
 * The canvas background: the record's own file (an image, or one page of a PDF) when
 * the drawing names one, else the template's image. Renders only; page turns and
 * background changes are `setBackground` operations (document.js applies them), made
 * by useBackgroundChanges.
 *
 * The drawing holds the file id, never a URL: links are short-lived and issued by the
 * server after a permission check. The page passes the link it holds for one file id
 * (`fileId`, `fileType`, `fileUrl`); when the drawing names another file, or a link fails
 * (expired), `onNeeded(fileId)` asks the page for a fresh one. The file behind the link
 * starts loading at once, while the drawing itself is still being fetched.
 */
import React, { useCallback, useEffect, useRef, useState } from "react";
import { markRequestDone, requestDone } from "../record/local_queues.js";
import { backgroundChange, pageChange } from "./changes.js";
import { usePdfDocument, usePdfPage } from "./pdf_page.js";

const RELINK_AFTER_FAILURE_MS = 60000;
const IMAGE_NOT_DECODED = "the browser could not load the file or read it as an image";

function useImage(url) {
  const [state, setState] = useState({ image: null, error: false });
  useEffect(() => {
    setState({ image: null, error: false });
    if (!url) return undefined;
    let cancelled = false;
    const img = new window.Image();
    img.onload = () => !cancelled && setState({ image: img, error: false });
    img.onerror = () => !cancelled && setState({ image: null, error: true });
    img.src = url;
    return () => {
      cancelled = true;
    };
  }, [url]);
  return state;
}

/** Where an iw x ih picture sits on the stage: as large as fits, aspect kept, centred. */
function fitBox(iw, ih, stage) {
  if (!iw || !ih) return null;
  const f = Math.min(stage.width / iw, stage.height / ih);
  const w = iw * f;
  const h = ih * f;
  return { x: (stage.width - w) / 2, y: (stage.height - h) / 2, width: w, height: h };
}

/**
 * {image, box, status, problem, what, page, numPages}: what to draw under the strokes.
 * `status` is none | loading | ready | error; `problem` says why it is "error" (for
 * "This <what> could not be drawn: <problem>"); `page` is the PDF page on screen (0 for
 * none).
 */
export function useBackground({
  doc,
  fileId,
  fileType,
  fileUrl,
  templateUrl,
  pixelRatio,
  onNeeded,
}) {
  const stage = doc.stageSize;
  const wantedId = doc.backgroundFileId || 0;
  const type = wantedId ? doc.backgroundType : null;
  const url = wantedId && fileId === wantedId && fileType === type ? fileUrl : "";
  const fileImage = useImage(fileType === "image" ? fileUrl : "");
  const templateImage = useImage(templateUrl);
  const image =
    type === "image" ? (url ? fileImage : { image: null, error: false }) : templateImage;
  const { pdf, error: pdfError } = usePdfDocument(fileType === "pdf" ? fileUrl : "");
  const pageNumber = type === "pdf" ? doc.pdfPageNumber || 1 : 0;
  const rendered = usePdfPage(
    type === "pdf" && url ? pdf : null,
    pageNumber,
    stage.width,
    stage.height,
    pixelRatio,
  );
  // A file that could not be fetched or read: the link may have expired, so ask for a
  // fresh one. A page drawn with pictures or fonts missing is not a link problem.
  const failed = !!url && (type === "pdf" ? !!(pdfError || rendered.error) : image.error);
  const problem = !url
    ? ""
    : type === "pdf"
      ? pdfError || rendered.error || rendered.missing
      : image.error
        ? IMAGE_NOT_DECODED
        : "";

  // Ask for a link when the drawing names a file the page holds none for, and for a
  // fresh one when a link fails (it may have expired): at most once a minute per file,
  // so a file that cannot be shown does not make the page issue link after link.
  const onNeededRef = useRef(onNeeded);
  onNeededRef.current = onNeeded;
  const askedRef = useRef({ reason: "", failedAt: {} });
  useEffect(() => {
    const asked = askedRef.current;
    if (!wantedId || (url && !failed)) {
      asked.reason = "";
      return;
    }
    const reason = url ? `failed:${url}` : `missing:${wantedId}`;
    if (asked.reason === reason) return;
    if (url) {
      if (Date.now() - (asked.failedAt[wantedId] || 0) < RELINK_AFTER_FAILURE_MS) return;
      asked.failedAt[wantedId] = Date.now();
    }
    asked.reason = reason;
    if (typeof onNeededRef.current === "function") onNeededRef.current(wantedId);
  }, [wantedId, url, failed]);

  if (type === "pdf") {
    const canvas = rendered.canvas;
    const onScreen = rendered.page === pageNumber;
    const shownProblem = pdfError || (onScreen ? problem : "");
    const status = shownProblem ? "error" : canvas && onScreen ? "ready" : "loading";
    return {
      image: canvas,
      box: canvas ? fitBox(canvas.width, canvas.height, stage) : null,
      status,
      problem: shownProblem,
      what: "page",
      page: canvas ? rendered.page : 0,
      numPages: pdf ? pdf.numPages : doc.pdfNumPages || 0,
    };
  }
  const img = wantedId && type !== "image" ? null : image.image;
  const expected = type === "image" || (!wantedId && !!templateUrl);
  return {
    image: img,
    box: img ? fitBox(img.naturalWidth || img.width, img.naturalHeight || img.height, stage) : null,
    status: !expected ? "none" : failed ? "error" : img ? "ready" : "loading",
    problem: expected ? problem : "",
    what: "image",
    page: 0,
    numPages: 0,
  };
}

/**
 * The background's changes: a background chosen on the page arrives as `request` (JSON
 * {nonce, op}) and is committed once per nonce, even across reloads (local_queues.js);
 * `goToPage(page)` turns a PDF background's page. Only while `editable`.
 */
export function useBackgroundChanges({ request, editable, recordKey, docRef, numPages, commit }) {
  useEffect(() => {
    if (!request || !editable) return;
    let parsed = null;
    try {
      parsed = JSON.parse(request);
    } catch (_err) {
      return;
    }
    if (!parsed || typeof parsed.nonce !== "string" || !parsed.op) return;
    if (requestDone(recordKey, parsed.nonce)) return;
    markRequestDone(recordKey, parsed.nonce);
    commit(backgroundChange(docRef.current, parsed.op));
  }, [request, editable, recordKey, docRef, commit]);

  return useCallback(
    (page) => {
      const current = docRef.current;
      commit(pageChange(current, page, numPages || current.pdfNumPages || page));
    },
    [docRef, numPages, commit],
  );
}

const pagerStyle = {
  display: "flex",
  alignItems: "center",
  gap: "6px",
  font: "13px system-ui, sans-serif",
};

/** Previous / "Page N of M" / next, for a PDF background. */
export function PdfPager({ page, numPages, disabled, onGo, buttonStyle }) {
  const canBack = !disabled && numPages > 0 && page > 1;
  const canForward = !disabled && numPages > 0 && page < numPages;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a form's fieldset
    <div style={pagerStyle} data-testid="pdf-pager" role="group" aria-label="PDF page">
      <button
        type="button"
        data-testid="pdf-prev"
        disabled={!canBack}
        onClick={() => onGo(page - 1)}
        style={buttonStyle(false, !canBack)}
      >
        ◀ Previous
      </button>
      <span data-testid="pdf-page-label">
        Page {page} of {numPages || "…"}
      </span>
      <button
        type="button"
        data-testid="pdf-next"
        disabled={!canForward}
        onClick={() => onGo(page + 1)}
        style={buttonStyle(false, !canForward)}
      >
        Next ▶
      </button>
    </div>
  );
}
