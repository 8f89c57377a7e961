import Foundation
import Testing

extension Live {
    /// `examples/ticker.lua` read by Python's `sseclient-py` over `requests`, as a
    /// trading script would read it.
    @Suite(.enabled(if: Python.has("sseclient") && Python.has("requests")), .timeLimit(.minutes(1)))
    struct TickerTests {
        static let ticker = "file:" + Repository.path("examples/ticker.lua")

        static let client = #"""
            import sys, json, requests, sseclient
            url = sys.argv[1]

            def ticks(query, count, headers={}):
                response = requests.get(url + query, stream=True, timeout=10,
                                        headers={"Accept": "text/event-stream", **headers})
                assert response.status_code == 200, response.status_code
                events = []
                for event in sseclient.SSEClient(response).events():
                    if event.event == "tick":
                        events.append(event)
                        if len(events) == count:
                            break
                response.close()
                return events

            first = ticks("?symbols=msft,AAPL", 8)
            data = [json.loads(e.data) for e in first]
            assert {d["symbol"] for d in data} == {"AAPL", "MSFT"}, data
            assert all(isinstance(d["price"], (int, float)) and d["price"] > 0 and "change" in d for d in data), data
            ids = [e.id for e in first]
            assert len(set(ids)) == 8 and all(i for i in ids), ids

            # Back with the id of the third tick: the five after it, exactly, from the history.
            resumed = ticks("?symbols=AAPL,MSFT", 5, {"Last-Event-ID": ids[2]})
            assert [e.id for e in resumed] == ids[3:], ([e.id for e in resumed], ids)
            assert [e.data for e in resumed] == [e.data for e in first[3:]]

            every = ticks("", 8)
            assert {json.loads(e.data)["symbol"] for e in every} == {"AAPL", "AMZN", "GOOG", "MSFT"}

            refused = requests.get(url + "?symbols=AAPL,FOO", timeout=10)
            print(refused.status_code, refused.text.strip())
            """#

        @Test func sseclientReadsOnlyItsSymbolsAndResumesWithLastEventID() async throws {
            try await withLiveServer(script: Self.ticker) { live in
                let result = try await onOwnThread { try Python.run(Self.client, [live.url("/ticker")]) }
                #expect(result.status == 0, "\(result.errors)")
                #expect(result.output == "400 unknown symbol FOO (known: AAPL, AMZN, GOOG, MSFT)\n")
            }
        }
    }
}
