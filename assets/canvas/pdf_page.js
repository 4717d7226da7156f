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
 *
 * pdf.js's data files come from the app itself (`medrec_app/api/pdfjs_assets.py`, under
 * `/pdfjs/<version>/`): the WebAssembly decoders for JBIG2 and CCITT fax
 * (`jbig2.wasm`) and JPEG 2000 (`openjpeg.wasm`) images, the CMaps of CJK text, the
 * standard fonts and the CMYK profile. Without them such pages render white.
 *
 * A page pdf.js cannot draw fails visibly. pdf.js rejects the document or render
 * promise for a file it cannot parse, but a picture it cannot decode (a broken or
 * unsupported JBIG2, CCITT or JPEG 2000 stream, a decoder that did not load) it only
 * logs in its worker, resolves the picture to nothing and finishes the render; a font
 * it cannot load likewise leaves its text out. `missingParts` finds both after the
 * render, from the operations pdf.js ran, and the page is reported as not drawn.
 * Not detected: an inline picture (tiny images in the content stream) that fails to
 * decode, which pdf.js drops before any operation refers to it.
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

/** Absolute URLs (the worker fetches them itself) of pdf.js's data folders. */
function dataUrls(version) {
  const base = new URL(`/pdfjs/${version}/`, window.location.href).href;
  return {
    wasmUrl: `${base}wasm/`,
    cMapUrl: `${base}cmaps/`,
    cMapPacked: true,
    standardFontDataUrl: `${base}standard_fonts/`,
    iccUrl: `${base}iccs/`,
  };
}

const EMPTY_PAGE = { canvas: null, page: 0, error: "", missing: "" };
const message = (err) => String(err?.message || err || "unknown error");

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
          ...dataUrls(pdfjs.version),
          disableAutoFetch: true,
          disableStream: true,
          rangeChunkSize: RANGE_CHUNK_BYTES,
          withCredentials: false,
          // The page's Content-Security-Policy has no 'unsafe-eval': pdf.js must not
          // compile font paths with new Function (its probe alone is a violation).
          // WebAssembly is allowed ('wasm-unsafe-eval'), JavaScript eval is not.
          isEvalSupported: false,
        });
        return task.promise.then((pdf) => {
          if (!cancelled) setState({ pdf, error: "" });
        });
      })
      .catch((err) => {
        if (!cancelled) setState({ pdf: null, error: readable(err) });
      });
    return () => {
      cancelled = true;
      if (task) task.destroy();
    };
  }, [url]);
  return state;
}

/** What went wrong, in words a person can pass on (pdf.js's names are for developers). */
function readable(err) {
  const name = err?.name;
  if (name === "InvalidPDFException") return "the file is damaged or is not a PDF";
  if (name === "PasswordException") return "the file is protected by a password";
  if (name === "ResponseException" || name === "MissingPDFException") {
    return "the file could not be fetched from the server";
  }
  return message(err);
}

/** Operations that paint a picture, and where their object id is in the arguments. */
function pictureIds(OPS, fn, args) {
  switch (fn) {
    case OPS.paintImageXObject:
    case OPS.paintImageXObjectRepeat:
      return [args[0]];
    case OPS.paintImageMaskXObject:
    case OPS.paintImageMaskXObjectRepeat:
      return [args[0]?.data];
    case OPS.paintImageMaskXObjectGroup:
      return (args[0] || []).map((image) => image?.data);
    default:
      return [];
  }
}

/**
 * Records, as pdf.js runs a page's operations (`operationsFilter`, which lets every
 * operation run), the pictures and fonts they use; `missing()` then counts those pdf.js
 * could not provide: a picture it resolved to nothing (its decode failed), a font it
 * resolved to an error message.
 */
function missingParts(OPS, page) {
  const pictures = new Set();
  const fonts = new Set();
  const filter = (i, list) => {
    const fn = list.fnArray[i];
    const args = list.argsArray[i] || [];
    if (fn === OPS.setFont) fonts.add(args[0]);
    for (const id of pictureIds(OPS, fn, args)) if (typeof id === "string") pictures.add(id);
    return true;
  };
  const resolved = (id) => {
    const pool = id.startsWith("g_") ? page.commonObjs : page.objs;
    return pool.has(id) ? { value: pool.get(id) } : null;
  };
  const missing = () => {
    let badPictures = 0;
    let badFonts = 0;
    for (const id of pictures) {
      const got = resolved(id);
      if (got && got.value == null) badPictures += 1;
    }
    for (const id of fonts) {
      const got = typeof id === "string" ? resolved(id) : null;
      if (got && typeof got.value === "string") badFonts += 1;
    }
    return { pictures: badPictures, fonts: badFonts };
  };
  return { filter, missing };
}

function describeMissing({ pictures, fonts }) {
  const parts = [];
  if (pictures) {
    parts.push(
      pictures === 1
        ? "a picture on it could not be decoded"
        : `${pictures} pictures on it could not be decoded`,
    );
  }
  if (fonts) {
    parts.push(fonts === 1 ? "a font could not be loaded" : `${fonts} fonts could not be loaded`);
  }
  return parts.join("; ");
}

/**
 * {canvas, page, error, missing}: `pageNumber` of `pdf` drawn to fit `width` x `height`
 * at `pixelRatio` device pixels per unit. The last finished page stays until the next
 * one is drawn, so turning pages does not flash an empty stage. `error`: the page could
 * not be drawn at all (no canvas); `missing`: it was drawn with parts left out (the
 * canvas holds what could be drawn), saying which.
 */
export function usePdfPage(pdf, pageNumber, width, height, pixelRatio) {
  const [state, setState] = useState(EMPTY_PAGE);
  useEffect(() => {
    if (!pdf) {
      setState(EMPTY_PAGE);
    }
  }, [pdf]);
  useEffect(() => {
    if (!pdf || !pageNumber || !width || !height) return undefined;
    let cancelled = false;
    let render = null;
    const number = Math.min(Math.max(1, pageNumber), pdf.numPages);
    Promise.all([loadPdfjs(), pdf.getPage(number)])
      .then(([pdfjs, page]) => {
        if (cancelled) return undefined;
        const natural = page.getViewport({ scale: 1 });
        const fit = Math.min(width / natural.width, height / natural.height);
        const viewport = page.getViewport({ scale: fit * pixelRatio });
        const canvas = document.createElement("canvas");
        canvas.width = Math.ceil(viewport.width);
        canvas.height = Math.ceil(viewport.height);
        const parts = missingParts(pdfjs.OPS, page);
        render = page.render({ canvas, viewport, operationsFilter: parts.filter });
        return render.promise.then(() => {
          if (cancelled) return;
          setState({ canvas, page: number, error: "", missing: describeMissing(parts.missing()) });
        });
      })
      .catch((err) => {
        if (cancelled || (err && err.name === "RenderingCancelledException")) return;
        setState({ canvas: null, page: number, error: readable(err), missing: "" });
      });
    return () => {
      cancelled = true;
      if (render) render.cancel();
    };
  }, [pdf, pageNumber, width, height, pixelRatio]);
  return state;
}
