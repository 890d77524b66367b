// SPDX-License-Identifier: BSD-2-Clause
// vizbpf's page script: the page `vizbpf view` serves and the single-file report. Built into
// vizbpf as it is, minus the lines that are only a comment (export/page/embed.sh).
//
// It reads window.vizbpfConfig ({title, trace, loaded, source}) and publishes window.vizbpf =
// {state: 'loading' | 'loaded' | 'error', error, model, viewer, source}: the end-to-end tests
// read the imported model from there, and `vizbpf view --once` learns through the `loaded` URL
// that the page has the trace.
'use strict';
(function() {
  var cfg = window.vizbpfConfig;
  var vz = window.vizbpf = {state: 'loading', error: null, model: null, viewer: null,
                            source: null};

  // Tell the server (vizbpf view --once waits for this); errors travel too, so it can exit
  // non-zero instead of waiting for its timeout.
  function report(err) {
    if (!cfg.loaded)
      return;
    var u = cfg.loaded + (err ? '&error=' + encodeURIComponent(err) : '');
    fetch(u, {cache: 'no-store'}).catch(function() {});
  }

  function fail(title, msg) {
    vz.state = 'error';
    vz.error = title + ': ' + msg;
    try {
      var o = new tr.ui.b.Overlay();
      o.title = title;
      o.textContent = msg;
      o.visible = true;
    } catch (e) {
      document.body.textContent = vz.error;
    }
    report(vz.error);
  }

  function importTrace(data) {
    // The importer takes '', '{}', '[]' and an empty traceEvents as a trace with nothing in
    // it, without a word: say it is empty rather than draw an empty page as a success.
    if (typeof data === 'string' && !/\S/.test(data)) {
      fail('Import error', 'the file is empty (' + data.length + ' bytes), not a trace');
      return;
    }
    var model = new tr.Model();
    var imp = new tr.importer.Import(model);
    imp.importTracesWithProgressDialog([data]).then(function() {
      if (model.bounds.isEmpty) {
        fail('Import error', 'no trace events in it (is it a trace?)');
        return;
      }
      vz.viewer.model = model;
      vz.viewer.viewTitle = cfg.title;
      vz.model = model;
      vz.state = 'loaded';
      vz.viewer.brushingStateController.addEventListener('change', onSelection);
      report(null);
    }, function(err) {
      fail('Import error', tr.b.normalizeException(err).message);
    });
  }

  function load() {
    if (!cfg.trace) {
      var el = document.getElementById('vizbpf-trace');
      var text = el.textContent;
      // The DOM copy is as big as the trace: drop it, the importer has its own.
      el.remove();
      importTrace(text);
      return;
    }
    fetch(cfg.trace, {cache: 'no-store'}).then(function(r) {
      if (!r.ok)
        throw new Error(r.status + ' ' + r.statusText + ': ' + cfg.trace);
      return r.text();
    }).then(importTrace, function(e) {
      fail('Failed to fetch the trace', String(e && e.message || e));
    });
  }

  // VizTracer's file_info, from outside: slice names are 'qualname (file:line)'.
  var panel = null;
  var sources = {};

  function makePanel() {
    panel = document.createElement('div');
    panel.id = 'vizbpf-source';
    panel.hidden = true;
    var head = document.createElement('div');
    head.id = 'vizbpf-source-head';
    var loc = document.createElement('span');
    loc.id = 'vizbpf-source-loc';
    var close = document.createElement('button');
    close.id = 'vizbpf-source-close';
    close.textContent = '\u2715';
    close.title = 'Close the source view';
    close.onclick = function() { panel.hidden = true; };
    head.appendChild(loc);
    head.appendChild(close);
    var code = document.createElement('pre');
    code.id = 'vizbpf-source-code';
    panel.appendChild(head);
    panel.appendChild(code);
    document.body.appendChild(panel);
    // Follow the analysis panel's height (window resized, divider dragged). No ResizeObserver:
    // it refuses the polyfill's wrapped elements.
    window.addEventListener('resize', fitPanel);
    document.addEventListener('mouseup', fitPanel);
  }

  function fitPanel() {
    var analysis = document.querySelector('#trace-viewer #analysis');
    var h = analysis ? analysis.getBoundingClientRect().height : 0;
    if (panel)
      panel.style.height = h > 80 ? h + 'px' : '';
  }

  function onSelection() {
    var sel = vz.viewer.brushingStateController.selection;
    var ev = null;
    if (sel && sel.length === 1)
      for (var e of sel)
        ev = e;
    var m = ev && typeof ev.title === 'string' && /^(.*) \((.+):(\d+)\)$/.exec(ev.title);
    if (m)
      showSource(m[1], m[2], parseInt(m[3], 10));
  }

  function getSource(file) {
    if (!sources[file])
      sources[file] = fetch(cfg.source + '&file=' + encodeURIComponent(file))
        .then(function(r) {
          if (!r.ok)
            return r.text().then(function(t) { throw new Error(t || r.statusText); });
          return r.text();
        });
    return sources[file];
  }

  function showSource(func, file, line) {
    if (!panel)
      makePanel();
    var code = document.getElementById('vizbpf-source-code');
    document.getElementById('vizbpf-source-loc').textContent =
      func + '  \u2014  ' + file + ':' + line;
    panel.hidden = false;
    fitPanel();
    var src = vz.source = {func: func, file: file, line: line, state: 'loading', text: null};
    if (!cfg.source) {
      src.state = 'unavailable';
      code.textContent = 'The report does not hold source files: `vizbpf view` on the ' +
        '.json trace shows them.';
      return;
    }
    code.textContent = 'Loading ' + file + ' ...';
    getSource(file).then(function(text) {
      if (vz.source !== src)
        return;
      render(code, text, line);
      src.state = 'shown';
      src.text = text;
    }, function(e) {
      if (vz.source !== src)
        return;
      src.state = 'unavailable';
      code.textContent = 'Source not available: ' + (e && e.message || e);
    });
  }

  function render(code, text, line) {
    var frag = document.createDocumentFragment();
    var cur = null;
    var lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '')
      lines.pop();
    lines.forEach(function(l, i) {
      var d = document.createElement('div');
      d.className = i + 1 === line ? 'ln cur' : 'ln';
      d.setAttribute('data-n', i + 1);
      d.textContent = l || ' ';
      if (i + 1 === line)
        cur = d;
      frag.appendChild(d);
    });
    code.textContent = '';
    code.appendChild(frag);
    if (cur)
      code.scrollTop = Math.max(0, cur.offsetTop - code.clientHeight / 3);
  }

  // As Go's cmd/trace does it: a timeline view with a track-view-container inside.
  document.addEventListener('WebComponentsReady', function() {
    var container = document.createElement('track-view-container');
    container.id = 'track_view_container';
    var viewer = vz.viewer = document.createElement('tr-ui-timeline-view');
    viewer.track_view_container = container;
    Polymer.dom(viewer).appendChild(container);
    viewer.id = 'trace-viewer';
    viewer.globalMode = true;
    // Its banner tells users to run Chrome with flags no Chrome has any more: skip it.
    viewer.polyfillWarnedOnce_ = true;
    Polymer.dom(document.body).appendChild(viewer);
    load();
  });
}());
