// Log Processor's pages work without this script. It adds the upload with a
// progress bar, the live job page and job list, and the replay slider. It
// only inserts HTML that the server rendered and escaped, and text.
'use strict';
(function () {
  function $(sel, root) { return (root || document).querySelector(sel); }

  function get(url, accept) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: accept } }).then(function (r) {
      if (r.status === 401) { location.assign('/signin?reason=expired&next=' + encodeURIComponent(location.pathname + location.search)); }
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return accept === 'application/json' ? r.json() : r.text();
    });
  }
  function getJSON(url) { return get(url, 'application/json'); }
  function getHTML(url) { return get(url, 'text/html'); }

  // swap replaces box's content with server-rendered HTML, keeping open the
  // <details> that were open.
  function swap(box, html) {
    var open = Array.prototype.map.call(box.querySelectorAll('details[open][id]'), function (d) { return d.id; });
    var t = document.createElement('template');
    t.innerHTML = html;
    box.replaceChildren(t.content);
    open.forEach(function (id) { var d = document.getElementById(id); if (d) { d.open = true; } });
  }

  function terminal(status) { return status === 'completed' || status === 'failed'; }
  function num(n) { return Number(n || 0).toLocaleString('en-US'); }
  function bytes(n) {
    if (n < 1024) { return n + ' B'; }
    var units = ['KiB', 'MiB', 'GiB', 'TiB'], i = -1;
    do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
    return n.toFixed(1) + ' ' + units[i];
  }
  function later(fn, ms) {
    return setTimeout(function wait() {
      if (document.hidden) { setTimeout(wait, 1000); } else { fn(); }
    }, ms);
  }

  // jobProgress calls onUpdate with a job's progress (status, bytes_read,
  // progress_percent, lines, levels, version) until it completes or fails.
  // It follows the API's progress stream; where the stream is refused (too
  // many open, or not served), it polls the job's stats instead.
  function jobProgress(id, onUpdate) {
    if (!window.EventSource) { pollProgress(id, onUpdate); return; }
    var es = new EventSource('/ui/api/jobs/' + id + '/progress');
    function on(e) {
      var j = JSON.parse(e.data);
      onUpdate(j);
      if (terminal(j.status)) { es.close(); }
    }
    es.addEventListener('progress', on);
    es.addEventListener('done', on);
    es.addEventListener('error', function () {
      if (es.readyState === EventSource.CLOSED) { pollProgress(id, onUpdate); }
    });
  }
  function pollProgress(id, onUpdate) {
    function tick() {
      getJSON('/ui/api/stats/' + id + '?groups=0&minutes=0').then(function (j) {
        onUpdate(j);
        if (!terminal(j.status)) { later(tick, 1000); }
      }, function () { later(tick, 3000); });
    }
    tick();
  }

  function initJob() {
    var root = $('#job');
    if (!root) { return; }
    var id = root.dataset.job, box = $('#job-live');
    var shown = function () { return $('.job-live', box); };
    var target = Number(shown().dataset.version), busy = false, last = 0;

    // refresh fetches the server-rendered sections (counts, chart, error
    // groups) when the job has moved past what the page shows.
    function refresh() {
      if (busy) { return; }
      var wait = 2000 - (Date.now() - last);
      if (wait > 0 && !terminal(statusOf())) { busy = true; setTimeout(function () { busy = false; refresh(); }, wait); return; }
      busy = true; last = Date.now();
      var failed = false;
      getHTML('/jobs/' + id + '?part=live&groups=' + root.dataset.groups).then(function (html) {
        swap(box, html);
      }, function () { failed = true; }).finally(function () {
        busy = false;
        var s = shown();
        if (failed) { later(refresh, 3000); } else if (Number(s.dataset.version) < target) { refresh(); }
      });
    }
    function statusOf() { var s = $('[data-field=status] .status', box); return s ? s.textContent : ''; }
    function field(name, text) { var e = $('[data-field=' + name + ']', box); if (e) { e.textContent = text; } }

    function onUpdate(j) {
      var st = $('[data-field=status] .status', box);
      if (st) { st.textContent = j.status; st.className = 'status st-' + j.status; }
      field('percent', j.progress_percent.toFixed(1) + '%');
      field('bytes_read', bytes(j.bytes_read));
      field('lines', num(j.lines));
      var bar = $('[data-field=progress]', box);
      if (bar) { bar.value = j.progress_percent; }
      target = Math.max(target, j.version);
      if (j.version > Number(shown().dataset.version)) { refresh(); }
    }

    if (shown().dataset.live) { jobProgress(id, onUpdate); }
  }

  function initList() {
    var box = $('#jobs-live');
    if (!box) { return; }
    var cursor = box.dataset.cursor ? '&cursor=' + encodeURIComponent(box.dataset.cursor) : '';
    function signature(list) {
      return list.jobs.map(function (j) { return j.job_id + ':' + j.status + ':' + j.version; }).join(',');
    }
    function tick() {
      getJSON('/ui/api/jobs?limit=20' + cursor).then(function (list) {
        if (signature(list) !== $('.jobs-table', box).dataset.sig) {
          return getHTML('/jobs?part=table' + cursor).then(function (html) { swap(box, html); });
        }
      }).catch(function () {}).finally(function () {
        later(tick, $('.jobs-table', box).dataset.live ? 2000 : 10000);
      });
    }
    later(tick, 2000);
  }

  function initUpload() {
    var form = $('#upload');
    if (!form) { return; }
    var input = $('#file', form), drop = $('#drop', form), bar = $('#upload-progress', form);
    var status = $('#upload-status', form), button = $('button', form);
    function say(text, bad) { status.textContent = text; status.className = bad ? 'message' : ''; }

    ['dragenter', 'dragover'].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove('over'); });
    });
    drop.addEventListener('drop', function (e) {
      if (e.dataTransfer.files.length) { input.files = e.dataTransfer.files; send(e.dataTransfer.files[0]); }
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (input.files.length) { send(input.files[0]); } else { say('Choose a file first.', true); }
    });

    function send(file) {
      // The file itself is the body, named in the query: the server reads
      // it straight through instead of scanning a form for its boundary.
      var xhr = new XMLHttpRequest();
      xhr.open('POST', '/upload?filename=' + encodeURIComponent(file.name));
      xhr.setRequestHeader('X-CSRF-Token', form.dataset.csrf);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('Accept', 'application/json');
      var said = -1;
      xhr.upload.addEventListener('progress', function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.round(e.loaded * 100 / e.total);
        bar.value = pct; bar.textContent = pct + '%';
        // The status is read out: say it every tenth, not every event.
        if (Math.floor(pct / 10) !== said) {
          said = Math.floor(pct / 10);
          say('Uploading ' + file.name + ': ' + pct + '% (' + bytes(e.loaded) + ' of ' + bytes(e.total) + ')');
        }
      });
      xhr.addEventListener('load', function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        if (xhr.status === 202 && body.job_url) {
          say('Uploaded. Opening the job…');
          location.assign(body.job_url);
          return;
        }
        button.disabled = false; bar.hidden = true;
        say(body.message || 'The upload failed (HTTP ' + xhr.status + ').', true);
      });
      xhr.addEventListener('error', function () {
        button.disabled = false; bar.hidden = true;
        say('The connection failed during the upload. Check the network and try again.', true);
      });
      button.disabled = true; bar.hidden = false; bar.value = 0;
      say('Uploading ' + file.name + '…');
      xhr.send(file);
    }
  }

  function initReplay() {
    var form = $('#replay');
    if (!form) { return; }
    var v = $('#v', form), out = $('#v-out', form), box = $('#state'), timer = null, seq = 0;
    function url() { return form.action + '?v=' + v.value + '&after=' + encodeURIComponent(form.elements.after.value); }
    function load() {
      var n = ++seq, u = url();
      getHTML(u + '&part=state').then(function (html) {
        if (n !== seq) { return; }
        swap(box, html);
        history.replaceState(null, '', u);
        var old = $('.events li.selected');
        if (old) { old.classList.remove('selected'); }
        var li = document.getElementById('e' + v.value);
        if (li) { li.classList.add('selected'); }
      });
    }
    v.addEventListener('input', function () {
      out.textContent = v.value + ' of ' + v.max;
      clearTimeout(timer);
      timer = setTimeout(load, 120);
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); load(); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    initUpload(); initList(); initJob(); initReplay();
  });
}());
