import NIOCore
import NIOHTTP1
import PushServer

/// The page served at `/` when the script has no handler there: it lists the
/// script's streams, opens an `EventSource` to one and shows each event as it
/// arrives (type, id, data) with the connection's state. Its live view shows the
/// server: clients per stream, events per second, the last reload and script
/// errors, read every second from `statusPath` (not from `/metrics`).
enum DemoPage {
    /// Where the live view reads its figures (JSON, see `ScriptHost.statusResponse`).
    static let statusPath = "/_ssescript/status"

    static func response(streams: [String], events: [String], reloadError: String? = nil) -> Response {
        let config =
            "{\"streams\":\(json(streams)),\"events\":\(json(events)),\"reloadError\":\(reloadError.map(json) ?? "null"),\"status\":\(json(statusPath))}"
        return Response(
            status: .ok,
            headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache")],
            body: ByteBuffer(string: html.replacing("/*CONFIG*/null", with: config, maxReplacements: 1))
        )
    }

    /// The names written as `event = "name"` (or with single quotes) in `source`.
    static func eventNames(in source: String) -> [String] {
        var names: [String] = []
        var rest = Substring(source)
        while let found = rest.firstRange(of: "event") {
            rest = rest[found.upperBound...]
            var cursor = rest.drop { $0 == " " || $0 == "\t" }
            guard cursor.first == "=", !cursor.dropFirst().hasPrefix("=") else { continue }
            cursor = cursor.dropFirst().drop { $0 == " " || $0 == "\t" }
            guard let quote = cursor.first, quote == "\"" || quote == "'" else { continue }
            let name = cursor.dropFirst().prefix { $0 != quote && $0 != "\n" }
            if !name.isEmpty, !names.contains(String(name)) { names.append(String(name)) }
        }
        return names
    }

    /// A JSON string, safe inside a `<script>` element.
    static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<", ">", "&", "\u{2028}", "\u{2029}": out += unicodeEscape(scalar.value)
            case _ where scalar.value < 0x20: out += unicodeEscape(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func json(_ list: [String]) -> String { "[" + list.map(json).joined(separator: ",") + "]" }

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ssescript</title>
        <style>
          body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; max-width: 60rem; color: #222; }
          h1 { font-size: 1.3rem; } code, pre { font: 13px ui-monospace, monospace; }
          #state { display: inline-block; padding: 0 .5em; border-radius: 3px; background: #ddd; }
          #state.open { background: #bfe8c4; } #state.closed { background: #f3c1c1; }
          #error { white-space: pre-wrap; background: #fdecea; padding: .5em; display: none; }
          table { border-collapse: collapse; width: 100%; margin-top: 1em; }
          td, th { text-align: left; padding: .2em .6em; border-bottom: 1px solid #eee; vertical-align: top; }
          td.data { white-space: pre-wrap; font-family: ui-monospace, monospace; }
          #live { float: right; width: 22rem; margin: 0 0 1rem 1rem; padding: .5rem .8rem; background: #f6f6f6; border-radius: 4px; }
          #live h2 { font-size: 1rem; margin: .2rem 0; } #live table { margin-top: .3em; }
          #live-errors { padding-left: 1.2em; font: 12px ui-monospace, monospace; } #live-errors li { margin-bottom: .3em; }
          .failed { color: #a11; } .ok { color: #161; }
        </style>
        </head>
        <body>
        <h1>ssescript</h1>
        <aside id="live">
          <h2>Server <small id="live-state"></small></h2>
          <table><thead><tr><th>stream</th><th>clients</th></tr></thead><tbody id="live-clients"></tbody></table>
          <p>Events per second: <b id="live-published">…</b> published, <b id="live-sent">…</b> to clients</p>
          <p>Last reload: <span id="live-reload">none yet</span></p>
          <p>Recent script errors: <span id="live-error-count">none</span></p>
          <ul id="live-errors"></ul>
        </aside>
        <pre id="error"></pre>
        <p>
          Stream <select id="streams"></select>
          <button id="connect">Connect</button>
          state: <span id="state">idle</span>
        </p>
        <p>Listening for <code>message</code> and <span id="names"></span>
          <input id="name" placeholder="another event name" size="18"> <button id="listen">Listen</button></p>
        <table><thead><tr><th>time</th><th>event</th><th>id</th><th>data</th></tr></thead>
        <tbody id="events"></tbody></table>
        <script>
        const config = /*CONFIG*/null;
        const $ = (id) => document.getElementById(id);
        const names = new Set(["message", ...config.events]);
        let source = null;
        if (config.reloadError) { $("error").textContent = config.reloadError; $("error").style.display = "block"; }
        for (const path of config.streams) $("streams").add(new Option(path, path));
        function showNames() { $("names").textContent = [...names].filter((n) => n !== "message").join(", ") || "no named events"; }
        function setState() {
          const text = source ? ["connecting", "open", "closed"][source.readyState] : "idle";
          $("state").textContent = text; $("state").className = text;
        }
        function show(event) {
          const row = document.createElement("tr");
          for (const text of [new Date().toLocaleTimeString(), event.type, event.lastEventId, event.data]) {
            const cell = document.createElement("td"); cell.textContent = text; row.appendChild(cell);
          }
          row.lastChild.className = "data";
          $("events").prepend(row);
        }
        function listen(name) { names.add(name); if (source) source.addEventListener(name, show); showNames(); }
        function connect() {
          if (source) source.close();
          const path = $("streams").value;
          if (!path) return;
          source = new EventSource(path);
          for (const name of names) source.addEventListener(name, show);
          source.onopen = setState;
          source.onerror = setState;
          setState();
        }
        $("connect").onclick = connect;
        $("listen").onclick = () => { const n = $("name").value.trim(); if (n) listen(n); $("name").value = ""; };
        setInterval(setState, 500);
        showNames();
        connect();
        // The live view: the server's figures every second (rates from successive totals).
        let previous = null;
        function cell(row, text, className) {
          const td = document.createElement("td"); td.textContent = text; if (className) td.className = className; row.appendChild(td);
        }
        function rate(now, before, key) {
          if (!before || now.time <= before.time) return "…";
          return ((now[key] - before[key]) / (now.time - before.time)).toFixed(1);
        }
        function when(seconds) { return new Date(seconds * 1000).toLocaleTimeString(); }
        function render(status) {
          const rows = Object.entries(status.clients).map(([path, count]) => {
            const row = document.createElement("tr"); row.dataset.path = path;
            cell(row, path); cell(row, String(count), "count"); return row;
          });
          $("live-clients").replaceChildren(...rows);
          $("live-published").textContent = rate(status, previous, "events_published");
          $("live-sent").textContent = rate(status, previous, "events_queued");
          const reload = status.reload;
          $("live-reload").textContent = reload ? `${reload.ok ? "ok" : "failed"} at ${when(reload.time)} (${reload.reason}): ${reload.message}` : "none yet";
          $("live-reload").className = reload ? (reload.ok ? "ok" : "failed") : "";
          $("live-error-count").textContent = status.errors.length ? String(status.errors.length) : "none";
          $("live-errors").replaceChildren(...status.errors.map((error) => {
            const item = document.createElement("li");
            item.textContent = `${when(error.time)}${error.count > 1 ? ` (${error.count}×)` : ""} ${error.message}`;
            return item;
          }));
          $("live-state").textContent = "";
          previous = status;
        }
        async function poll() {
          try {
            const response = await fetch(config.status, { cache: "no-store" });
            render(await response.json());
          } catch (error) {
            $("live-state").textContent = "(not reachable)";
          }
        }
        setInterval(poll, 1000);
        poll();
        </script>
        </body>
        </html>
        """
}

/// `\uXXXX`, as JSON writes a character it escapes.
private func unicodeEscape(_ value: UInt32) -> String {
    let hex = String(value, radix: 16)
    return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}
