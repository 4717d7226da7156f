/*
 * The phone upload page: each chosen file goes in its own POST (multipart/form-data,
 * one part named "file") to <this page's path>/files, one at a time, with a progress
 * bar and the server's answer beside it. Refusals show the server's message as it is.
 */
(function () {
  "use strict";

  var inputs = document.querySelectorAll("input[type=file]");
  var list = document.getElementById("phone-list");
  var uploadUrl = window.location.pathname.replace(/\/+$/, "") + "/files";
  var queue = [];
  var busy = false;

  function serverMessage(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error && typeof body.error.message === "string") {
        return body.error.message;
      }
    } catch (e) {
      // Not JSON (a proxy's error page): fall back to the status.
    }
    if (xhr.status === 0) return "The upload failed: no connection to the server.";
    if (xhr.status === 413) return "The file is larger than the server accepts.";
    return "The upload was refused (HTTP " + xhr.status + ").";
  }

  function row(file) {
    var item = document.createElement("li");
    item.setAttribute("data-testid", "phone-upload");
    var name = document.createElement("div");
    name.className = "name";
    name.textContent = file.name || "photo";
    var bar = document.createElement("progress");
    bar.setAttribute("aria-label", "Upload of " + name.textContent);
    bar.max = 100;
    bar.value = 0;
    var status = document.createElement("div");
    status.setAttribute("data-testid", "phone-upload-status");
    status.setAttribute("role", "status");
    status.textContent = "Waiting";
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(status);
    list.appendChild(item);
    return { file: file, bar: bar, status: status, item: item };
  }

  function finish(entry, ok, text) {
    entry.bar.value = ok ? 100 : entry.bar.value;
    entry.status.textContent = text;
    entry.status.className = ok ? "done" : "failed";
    entry.item.setAttribute("data-state", ok ? "done" : "failed");
    busy = false;
    next();
  }

  function send(entry) {
    busy = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl);
    xhr.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.floor((100 * event.loaded) / event.total);
      entry.bar.value = percent;
      entry.status.textContent = percent + "%";
    };
    xhr.onload = function () {
      if (xhr.status === 201) finish(entry, true, "100% · uploaded");
      else finish(entry, false, serverMessage(xhr));
    };
    xhr.onerror = function () {
      finish(entry, false, serverMessage(xhr));
    };
    var form = new FormData();
    form.append("file", entry.file, entry.file.name || "photo.jpg");
    entry.status.textContent = "0%";
    xhr.send(form);
  }

  function next() {
    if (!busy && queue.length) send(queue.shift());
  }

  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) {
        queue.push(row(file));
      });
      input.value = "";
      next();
    });
  });
})();
