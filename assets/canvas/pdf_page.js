/*
 * One page of a PDF, rendered by pdf.js (pdfjs-dist) into an offscreen canvas.
 *
 * pdf.js is imported lazily: Reflex pre-renders every route at build time, and a
 * top-level import would run pdf.js there. The worker is a separate file that Vite
 * emits for the `?url` import.
 *
 * Documents open with range requests only (`disableAutoFetch`, `disableStream`): pdf.js
 * reads the cross-reference table and then fetches just the chunks the shown page
 * needs, so the first page of a 300-page scan does not wait for the whole file. The
 * server must answer Range requests (the local file route does; S3 does, and its CORS
 * rule must expose Accept-Ranges, Content-Range and Content-Length).
 */
import { useEffect, useState } from "react";

const RANGE_CHUNK_BYTES = 65536;
let pdfjsPromise = null;

function loadPdfjs() {
  if (!pdfjsPromise) {
    pdfjsPromise = Promise.all([
      import("pdfjs-dist"),
      import("pdfjs-dist/build/pdf.worker.min.mjs?url"),
    ]).then(([pdfjs, worker]) => {
      pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
      return pdfjs;
    });
    pdfjsPromise.catch(() => {
      pdfjsPromise = null; // let a later attempt try again
    });
  }
  return pdfjsPromise;
}

const message = (err) => String((err && err.message) || err || "unknown error");

/** {pdf, error} for `url` ("" for none); the previous document is destroyed. */
export function usePdfDocument(url) {
  const [state, setState] = useState({ pdf: null, error: "" });
  useEffect(() => {
    setState({ pdf: null, error: "" });
    if (!url) return undefined;
    let cancelled = false;
    let task = null;
    loadPdfjs()
      .then((pdfjs) => {
        if (cancelled) return undefined;
        task = pdfjs.getDocument({
          url,
          disableAutoFetch: true,
          disableStream: true,
          rangeChunkSize: RANGE_CHUNK_BYTES,
          withCredentials: false,
          // The page's Content-Security-Policy has no 'unsafe-eval': pdf.js must not
          // compile font paths with new Function (its probe alone is a violation).
          isEvalSupported: false,
        });
        return task.promise.then((pdf) => {
          if (!cancelled) setState({ pdf, error: "" });
        });
      })
      .catch((err) => {
        if (!cancelled) setState({ pdf: null, error: message(err) });
      });
    return () => {
      cancelled = true;
      if (task) task.destroy();
    };
  }, [url]);
  return state;
}

/**
 * {canvas, page, error}: `pageNumber` of `pdf` drawn to fit `width` x `height` at
 * `pixelRatio` device pixels per unit. The last finished page stays until the next one
 * is drawn, so turning pages does not flash an empty stage.
 */
export function usePdfPage(pdf, pageNumber, width, height, pixelRatio) {
  const [state, setState] = useState({ canvas: null, page: 0, error: "" });
  useEffect(() => {
    if (!pdf) {
      setState({ canvas: null, page: 0, error: "" });
    }
  }, [pdf]);
  useEffect(() => {
    if (!pdf || !pageNumber || !width || !height) return undefined;
    let cancelled = false;
    let render = null;
    const number = Math.min(Math.max(1, pageNumber), pdf.numPages);
    pdf
      .getPage(number)
      .then((page) => {
        if (cancelled) return undefined;
        const natural = page.getViewport({ scale: 1 });
        const fit = Math.min(width / natural.width, height / natural.height);
        const viewport = page.getViewport({ scale: fit * pixelRatio });
        const canvas = document.createElement("canvas");
        canvas.width = Math.ceil(viewport.width);
        canvas.height = Math.ceil(viewport.height);
        render = page.render({ canvas, viewport });
        return render.promise.then(() => {
          if (!cancelled) setState({ canvas, page: number, error: "" });
        });
      })
      .catch((err) => {
        if (cancelled || (err && err.name === "RenderingCancelledException")) return;
        setState((s) => ({ ...s, error: message(err) }));
      });
    return () => {
      cancelled = true;
      if (render) render.cancel();
    };
  }, [pdf, pageNumber, width, height, pixelRatio]);
  return state;
}
