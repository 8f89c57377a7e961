/// The console's server side: the status area (streams, clients with their
/// faults, anything else `/_ssescript/status` carries), the forms for the script's
/// handlers and for publishing, and the live log.
extension ConsolePage {
    static let serverScript = #"""
        // Members of the status the page knows; any other is shown as it comes, or by
        // the renderer a panel registers here: statusRenderers[name] = (value, element) => {}.
        const statusRenderers = {};
        const known = new Set(['script', 'reload', 'streams', 'handlers', 'events', 'clients', 'client_count', 'log']);
        let logNext = 0;

        function cells(row, values) {
          for (const value of values) {
            const cell = document.createElement('td');
            if (value instanceof Node) cell.append(value); else cell.textContent = value ?? '';
            row.append(cell);
          }
          return row;
        }
        function table(headings, rows) {
          const t = document.createElement('table');
          t.append(cells(document.createElement('tr'), headings));
          t.firstChild.querySelectorAll('td').forEach((c) => { c.style.fontWeight = '600'; });
          for (const values of rows) t.append(cells(document.createElement('tr'), values));
          return t;
        }
        function button(text, onclick, title = '') {
          const b = document.createElement('button'); b.textContent = text; b.title = title; b.onclick = onclick; return b;
        }
        function options(select, values) {
          const current = select.value;
          select.replaceChildren(...values.map((v) => new Option(v, v)));
          if (values.includes(current)) select.value = current;
        }
        function connectionNote() {
          const many = location.protocol === 'http:' && panels.length >= 5;
          $('#connection-note').textContent = many
            ? 'A browser opens at most 6 HTTP/1.1 connections to one server, and the console needs one: serve with --tls-self-signed for HTTP/2.' : '';
        }

        function renderStatus(status) {
          $('#script').textContent = status.script;
          const failed = status.reload && !status.reload.ok;
          $('#health').textContent = failed ? 'reload failed: the previous version goes on' : 'script running';
          $('#health').className = 'badge ' + (failed ? 'bad' : 'ok');
          $('#reload-error').hidden = !failed;
          $('#reload-error').textContent = failed ? status.reload.error : '';
          $('#counts').textContent = `${status.client_count} client${status.client_count === 1 ? '' : 's'} connected`;
          for (const name of status.events) eventNames.add(name);
          const paths = status.streams.map((s) => s.path);
          options($('#path'), paths);
          $('#stream-paths').replaceChildren(...paths.map((p) => new Option(p)));
          $('#handler-paths').replaceChildren(...status.handlers.map((h) => new Option(h.path, h.path)));
          const extraColumns = [...new Set(status.streams.flatMap((s) => Object.keys(s)))]
            .filter((k) => !['path', 'clients', 'history', 'ids', 'jitter', 'timeout'].includes(k));
          $('#status-streams').replaceChildren(table(['stream', 'clients', 'options', ...extraColumns], status.streams.map((s) => [
            s.path, String(s.clients),
            [`history ${s.history}`, s.ids && `ids ${s.ids}`, s.jitter && `jitter ${s.jitter} s`, s.timeout && `timeout ${s.timeout} s`].filter(Boolean).join(', '),
            ...extraColumns.map((k) => typeof s[k] === 'object' ? JSON.stringify(s[k]) : String(s[k] ?? '')),
          ])));
          const clientRows = status.clients.map((c) => [
            String(c.id), c.path + (c.query ? '?' + c.query : '').replace(/[?&]ssescript_console=[^&]*/, '').replace(/^&/, '?'),
            c.protocol, c.console ? (panels.some((p) => p.token === c.console) ? 'this page' : 'a console') : c.remote,
            (() => { const span = document.createElement('span'); span.append(
              button('drop', () => post(`/_ssescript/drop?client=${c.id}`), 'kill the connection without the end of the stream'),
              button('stall', () => post(`/_ssescript/stall?client=${c.id}&seconds=3`), 'write nothing to it for 3 s'),
              button('close', () => post(`/_ssescript/close?client=${c.id}`), 'end its stream cleanly')); return span; })(),
          ]);
          $('#status-clients').replaceChildren(clientRows.length ? table(['client', 'stream', 'protocol', 'from', ''], clientRows)
            : Object.assign(document.createElement('p'), { className: 'muted', textContent: 'No client connected.' }));
          const extra = $('#status-extra'); extra.replaceChildren();
          for (const [name, value] of Object.entries(status)) {
            if (known.has(name)) continue;
            const box = document.createElement('div'); box.dataset.member = name;
            if (statusRenderers[name]) statusRenderers[name](value, box);
            else box.append(Object.assign(document.createElement('h3'), { textContent: name }),
              Object.assign(document.createElement('pre'), { textContent: JSON.stringify(value, null, 1) }));
            extra.append(box);
          }
        }

        function renderLog(log) {
          const list = $('#log-lines');
          const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
          for (const line of log.lines) {
            const item = document.createElement('li');
            item.className = line.level + (/^reloaded /.test(line.text) ? ' reload' : /^reload of .* failed/.test(line.text) ? ' reload-failed' : '');
            const when = document.createElement('span'); when.className = 'when';
            when.textContent = new Date(line.time * 1000).toLocaleTimeString([], { hour12: false });
            item.append(when, line.level === 'info' ? '' : line.level + ': ', line.text);
            list.append(item);
          }
          while (list.children.length > 300) list.firstChild.remove();
          if (atEnd) list.scrollTop = list.scrollHeight;
        }

        async function poll() {
          try {
            const response = await fetch(`/_ssescript/status?log_after=${logNext}`, { cache: 'no-store' });
            if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
            const status = await response.json();
            renderStatus(status);
            renderLog(status.log);
            logNext = status.log.next - 1;
          } catch (e) {
            $('#health').textContent = `no status: ${e.message}`; $('#health').className = 'badge bad';
          }
          setTimeout(poll, 1000);
        }

        $('#open-form').addEventListener('submit', (e) => {
          e.preventDefault();
          if (!$('#path').value) return;
          new Panel({ path: $('#path').value, query: $('#query').value.trim(), lastId: $('#open-last-id').value.trim(), mode: $('#mode').value });
          connectionNote();
        });
        $('#request-form').addEventListener('submit', async (e) => {
          e.preventDefault();
          const method = $('#request-method').value, path = $('#request-path').value.trim() || '/';
          const init = { method, headers: {} };
          if (method !== 'GET') { init.body = $('#request-body').value; init.headers['Content-Type'] = $('#request-type').value; }
          const started = performance.now();
          try {
            const r = await fetch(path, init);
            const text = await r.text();
            $('#response').textContent = `${r.status} ${r.statusText}  (${Math.round(performance.now() - started)} ms)\ncontent-type: ${r.headers.get('content-type') ?? ''}\n\n${text}`;
          } catch (error) { $('#response').textContent = `failed: ${error.message}`; }
        });
        $('#publish-form').addEventListener('submit', async (e) => {
          e.preventDefault();
          const params = new URLSearchParams({ topic: $('#publish-topic').value.trim(), event: $('#publish-event').value.trim(), id: $('#publish-id').value.trim() });
          const r = await fetch(`/_ssescript/publish?${params}`, { method: 'POST', body: $('#publish-data').value });
          const text = await r.text();
          $('#publish-result').textContent = r.ok ? `delivered to ${JSON.parse(text).delivered}` : `${r.status}: ${text}`;
        });

        options($('#path'), config.streams);
        if (config.reloadError) { $('#reload-error').hidden = false; $('#reload-error').textContent = config.reloadError; }
        if (config.streams.length) new Panel({ path: config.streams[0], query: '', lastId: '', mode: 'fetch' });
        poll();
        """#
}
