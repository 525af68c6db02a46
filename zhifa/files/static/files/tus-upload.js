/* zhifa resumable upload widget: a small tus 1.0 client (core + creation + termination), no dependencies.
 *
 * Markup: templates/files/upload_widget.html. Each [data-tus-upload] element gets a file input, start / pause /
 * cancel buttons, a progress bar and a status line. The upload URL is kept in localStorage (keyed by purpose,
 * metadata and the file's name, size and modification time), so that after a dropped connection, a closed tab or
 * a server restart choosing the same file again resumes where the server stopped (HEAD for the offset, then
 * PATCH the rest). Network failures are retried automatically with a growing delay.
 * Session requests carry Django's CSRF token (X-CSRFToken, read from the csrftoken cookie).
 */
(function () {
  "use strict";
  if (window.zhifaTusUpload) return; // included twice on one page
  var TUS = "1.0.0";
  var RETRY_DELAYS = [1000, 3000, 5000, 10000, 20000, 30000];

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return "";
  }

  function b64(text) {
    var bytes = new TextEncoder().encode(String(text));
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary);
  }

  function encodeMetadata(meta) {
    return Object.keys(meta)
      .filter(function (k) { return meta[k] !== null && meta[k] !== undefined && /^[^\s,]+$/.test(k); })
      .map(function (k) { return k + " " + b64(meta[k]); })
      .join(",");
  }

  function formatBytes(n) {
    if (n >= 1073741824) return (n / 1073741824).toFixed(2) + " GB";
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MB";
    if (n >= 1024) return (n / 1024).toFixed(0) + " KB";
    return n + " 字节";
  }

  function errorMessage(xhr) {
    try {
      var data = JSON.parse(xhr.responseText);
      if (data && data.message) return data.message + (data.citation ? "（" + data.citation + "）" : "");
    } catch (e) { /* not JSON */ }
    if (xhr.status === 0) return "网络连接中断";
    return "服务器返回错误（" + xhr.status + "）";
  }

  // One HTTP request; resolves with the XHR whatever the status, rejects only on a network failure.
  function request(method, url, headers, body, onProgress, holder) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url, true);
      xhr.withCredentials = true;
      xhr.setRequestHeader("Tus-Resumable", TUS);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      if (method !== "HEAD") xhr.setRequestHeader("X-CSRFToken", cookie("csrftoken"));
      Object.keys(headers || {}).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
      if (onProgress && xhr.upload) xhr.upload.onprogress = function (e) { onProgress(e.loaded); };
      xhr.onload = function () { resolve(xhr); };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.onabort = function () { reject(new Error("aborted")); };
      if (holder) holder.xhr = xhr;
      xhr.send(body === undefined ? null : body);
    });
  }

  function Widget(el) {
    this.el = el;
    this.endpoint = el.getAttribute("data-endpoint");
    this.purpose = el.getAttribute("data-purpose");
    this.chunkSize = parseInt(el.getAttribute("data-chunk-size"), 10) || 8388608;
    var metaScript = document.getElementById(el.getAttribute("data-metadata-id"));
    this.baseMeta = (metaScript && JSON.parse(metaScript.textContent || "null")) || {};
    this.input = el.querySelector(".tus-upload__input");
    this.startBtn = el.querySelector(".tus-upload__start");
    this.pauseBtn = el.querySelector(".tus-upload__pause");
    this.cancelBtn = el.querySelector(".tus-upload__cancel");
    this.progress = el.querySelector(".tus-upload__progress");
    this.status = el.querySelector(".tus-upload__status");
    this.running = false;
    this.holder = {};
    var self = this;
    this.input.addEventListener("change", function () {
      self.file = self.input.files[0] || null;
      self.startBtn.disabled = !self.file;
      if (self.file) {
        var resumable = localStorage.getItem(self.storageKey());
        self.setStatus((resumable ? "可继续上次未完成的上传：" : "已选择：") + self.file.name + "（" + formatBytes(self.file.size) + "）");
        self.startBtn.textContent = resumable ? "继续上传" : "开始上传";
      }
    });
    this.startBtn.addEventListener("click", function () { self.start(); });
    this.pauseBtn.addEventListener("click", function () { self.pause(); });
    this.cancelBtn.addEventListener("click", function () { self.cancel(); });
  }

  Widget.prototype.metadata = function () {
    var meta = {};
    var base = this.baseMeta;
    Object.keys(base).forEach(function (k) { meta[k] = base[k]; });
    var id = this.el.id;
    document.querySelectorAll('[data-tus-meta][data-tus-for="' + id + '"], #' + id + " [data-tus-meta]").forEach(function (field) {
      if (field.value !== "") meta[field.getAttribute("data-tus-meta")] = field.value;
    });
    meta.purpose = this.purpose;
    meta.filename = this.file.name;
    meta.filetype = this.file.type || "application/octet-stream";
    return meta;
  };

  Widget.prototype.storageKey = function () {
    var f = this.file;
    return "zhifa-tus:" + this.purpose + ":" + JSON.stringify(this.baseMeta) + ":" + f.name + ":" + f.size + ":" + f.lastModified;
  };

  Widget.prototype.setStatus = function (text, isError) {
    this.status.textContent = text;
    this.status.classList.toggle("tus-upload__status--error", !!isError);
  };

  Widget.prototype.showProgress = function (done) {
    var total = this.file.size || 1;
    var pct = Math.min(100, Math.floor((done / total) * 100));
    this.progress.hidden = false;
    this.progress.value = pct;
    var rate = "";
    if (this.rateStart && done > this.rateFrom) {
      var seconds = (Date.now() - this.rateStart) / 1000;
      if (seconds > 1) rate = "，" + formatBytes((done - this.rateFrom) / seconds) + "/秒";
    }
    this.setStatus("正在上传 " + pct + "%（" + formatBytes(done) + " / " + formatBytes(this.file.size) + rate + "）");
  };

  Widget.prototype.buttons = function (running) {
    this.running = running;
    this.startBtn.disabled = running || !this.file;
    this.input.disabled = running;
    this.pauseBtn.hidden = !running;
    this.cancelBtn.hidden = !this.url;
  };

  Widget.prototype.start = function () {
    if (!this.file || this.running) return;
    this.paused = false;
    this.attempt = 0;
    this.buttons(true);
    this.run();
  };

  Widget.prototype.pause = function () {
    this.paused = true;
    if (this.holder.xhr) this.holder.xhr.abort();
    clearTimeout(this.retryTimer);
    this.buttons(false);
    this.startBtn.textContent = "继续上传";
    this.setStatus("已暂停，可随时继续（关闭页面后重新选择同一文件也可继续）。");
  };

  Widget.prototype.cancel = function () {
    var self = this;
    var url = this.url || localStorage.getItem(this.storageKey());
    this.pause();
    if (!url) return;
    if (!window.confirm("确定取消本次上传并删除已上传的部分吗？")) return;
    request("DELETE", url, {}).then(function () {
      localStorage.removeItem(self.storageKey());
      self.url = null;
      self.progress.hidden = true;
      self.buttons(false);
      self.startBtn.textContent = "开始上传";
      self.setStatus("已取消上传。");
    }, function () { self.setStatus("取消失败：网络连接中断。", true); });
  };

  // Find (HEAD) or create (POST) the upload, then PATCH chunk by chunk.
  Widget.prototype.run = function () {
    var self = this;
    var key = this.storageKey();
    var stored = localStorage.getItem(key);
    var ready;
    if (stored) {
      ready = request("HEAD", stored, {}).then(function (xhr) {
        if (xhr.status === 200) return { url: stored, offset: parseInt(xhr.getResponseHeader("Upload-Offset"), 10) };
        if (xhr.status === 404 || xhr.status === 410) { localStorage.removeItem(key); return null; }
        throw { xhr: xhr };
      });
    } else {
      ready = Promise.resolve(null);
    }
    ready.then(function (found) {
      if (found) return found;
      self.setStatus("正在创建上传……");
      return request("POST", self.endpoint, {
        "Upload-Length": String(self.file.size),
        "Upload-Metadata": encodeMetadata(self.metadata())
      }).then(function (xhr) {
        if (xhr.status !== 201) throw { xhr: xhr, fatal: xhr.status >= 400 && xhr.status < 500 };
        var url = xhr.getResponseHeader("Location");
        localStorage.setItem(key, url);
        return { url: url, offset: parseInt(xhr.getResponseHeader("Upload-Offset") || "0", 10) };
      });
    }).then(function (state) {
      self.url = state.url;
      self.cancelBtn.hidden = false;
      self.rateStart = Date.now();
      self.rateFrom = state.offset;
      return self.send(state.offset);
    }).catch(function (err) { self.failed(err); });
  };

  Widget.prototype.send = function (offset) {
    var self = this;
    if (this.paused) return Promise.resolve();
    this.showProgress(offset);
    var end = Math.min(offset + this.chunkSize, this.file.size);
    var body = this.file.slice(offset, end);
    return request("PATCH", this.url, {
      "Upload-Offset": String(offset),
      "Content-Type": "application/offset+octet-stream"
    }, body, function (loaded) { self.showProgress(offset + loaded); }, this.holder).then(function (xhr) {
      if (xhr.status === 204) {
        self.attempt = 0;
        var next = parseInt(xhr.getResponseHeader("Upload-Offset"), 10);
        if (next >= self.file.size) return self.finished(xhr);
        return self.send(next);
      }
      if (xhr.status === 409 || xhr.status === 423) throw { xhr: xhr, resync: true }; // offset moved, or busy
      throw { xhr: xhr, fatal: xhr.status >= 400 && xhr.status < 500 };
    });
  };

  Widget.prototype.finished = function (xhr) {
    localStorage.removeItem(this.storageKey());
    var result = {};
    try { result = JSON.parse(xhr.getResponseHeader("Upload-Result") || "{}"); } catch (e) { /* none */ }
    this.progress.value = 100;
    this.url = null;
    this.buttons(false);
    this.pauseBtn.hidden = true;
    this.cancelBtn.hidden = true;
    this.startBtn.textContent = "开始上传";
    this.setStatus("上传完成，已登记：" + this.file.name + "（" + formatBytes(this.file.size) + "）");
    this.el.dispatchEvent(new CustomEvent("zhifa:uploaded", { bubbles: true, detail: { result: result, file: this.file } }));
    if (this.el.getAttribute("data-reload") === "1") window.location.reload();
  };

  Widget.prototype.failed = function (err) {
    var self = this;
    if (this.paused) return;
    var xhr = err && err.xhr;
    if (xhr && err.fatal) { // refused by a rule: show the message, keep the upload for a retry after a fix
      this.buttons(false);
      this.startBtn.textContent = "重试";
      this.setStatus("上传未完成：" + errorMessage(xhr), true);
      return;
    }
    var delay = RETRY_DELAYS[Math.min(this.attempt, RETRY_DELAYS.length - 1)];
    this.attempt += 1;
    var reason = xhr ? errorMessage(xhr) : "网络连接中断";
    this.setStatus(reason + "，" + Math.round(delay / 1000) + " 秒后自动重试（第 " + this.attempt + " 次）……", true);
    this.retryTimer = setTimeout(function () { if (!self.paused) self.run(); }, delay);
  };

  function init(root) {
    (root || document).querySelectorAll("[data-tus-upload]").forEach(function (el) {
      if (!el.zhifaTus) el.zhifaTus = new Widget(el);
    });
  }

  window.zhifaTusUpload = { init: init, encodeMetadata: encodeMetadata };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
})();
