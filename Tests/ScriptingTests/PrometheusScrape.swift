import Foundation
import Testing

/// `/metrics` as Prometheus's own Python client reads it
/// (`prometheus_client.parser.text_string_to_metric_families`, from PyPI), not
/// as anything written here would.
struct PrometheusScrape {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var type: String
        var help: String
        var samples: [Sample]
    }

    /// By family name as the parser names them (a counter's without `_total`).
    let families: [String: Family]

    private static let parser = """
        import json, sys, urllib.request
        from prometheus_client.parser import text_string_to_metric_families
        text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
        families = {}
        for family in text_string_to_metric_families(text):
            families[family.name] = {"type": family.type, "help": family.documentation,
                                     "samples": [[s.name, s.labels, s.value] for s in family.samples]}
        print(json.dumps(families))
        """

    /// Fetches and parses `url`.
    static func fetch(_ url: String) async throws -> PrometheusScrape {
        let result = try await onOwnThread { try Python.run(parser, [url]) }
        guard result.status == 0 else { throw ScrapeError(description: "the parser failed: \(result.errors)") }
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: [String: Any]]
        var families: [String: Family] = [:]
        for (name, fields) in object ?? [:] {
            let samples = (fields["samples"] as? [[Any]] ?? []).map { sample in
                Sample(
                    name: sample[0] as? String ?? "", labels: sample[1] as? [String: String] ?? [:],
                    value: (sample[2] as? NSNumber)?.doubleValue ?? .nan)
            }
            families[name] = Family(
                type: fields["type"] as? String ?? "", help: fields["help"] as? String ?? "", samples: samples)
        }
        return PrometheusScrape(families: families)
    }

    /// The value of the sample `name` with exactly these labels; nil if there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        families.values.lazy.flatMap(\.samples).first { $0.name == name && $0.labels == labels }?.value
    }

    /// Every sample (series line) exported.
    var sampleCount: Int { families.values.reduce(0) { $0 + $1.samples.count } }

    /// The family of the series `name` (a counter's family drops `_total`).
    func family(of name: String) -> Family? {
        families[name] ?? (name.hasSuffix("_total") ? families[String(name.dropLast("_total".count))] : nil)
    }
}

struct ScrapeError: Error, CustomStringConvertible {
    var description: String
}
