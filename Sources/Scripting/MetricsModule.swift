import CoreMetrics
import LuaRuntime
import PushServer

/// `sse.metrics`: the script's own series, exported beside the server's.
///
///     local orders = sse.metrics.counter("shop_orders_total", "Orders placed", { "kind" })
///     orders:inc(1, { kind = "book" })
///     local queue = sse.metrics.gauge("shop_queue_length", "Orders waiting")
///     queue:set(12)
///     local took = sse.metrics.histogram("shop_checkout_seconds", "Checkout time", { 0.1, 0.5, 1 })
///     took:observe(0.27)
///
/// Names and labels follow Prometheus's rules; `ssescript_` is the server's. Each
/// metric has at most `ScriptMetricRegistry.seriesLimit` label combinations.
extension ScriptVM {
    /// The metatable names of metric objects, by kind.
    static let metricMetatables = [
        "counter": "ssescript.counter", "gauge": "ssescript.gauge", "histogram": "ssescript.histogram",
    ]

    /// Prometheus's default buckets, for a histogram declared without any.
    static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    static let labelLimit = 10
    static let labelValueLimit = 200

    func installMetrics(in module: Int32) {
        let stack = lua.stack
        stack.newTable()
        stack.setFunction(-1, "counter", bound { try $0.declareMetric($1, kind: .counter) })
        stack.setFunction(-1, "gauge", bound { try $0.declareMetric($1, kind: .gauge) })
        stack.setFunction(-1, "histogram", bound { try $0.declareMetric($1, kind: .histogram(buckets: [])) })
        stack.rawSet(module, "metrics")
        installMetricMetatable("counter", methods: [("inc", .increase)])
        installMetricMetatable("gauge", methods: [("set", .set), ("inc", .add), ("dec", .subtract)])
        installMetricMetatable("histogram", methods: [("observe", .observe)])
    }

    private func installMetricMetatable(_ kind: String, methods: [(String, MetricChange)]) {
        let stack = lua.stack
        let name = Self.metricMetatables[kind]!
        stack.newTable()
        stack.push(name)
        stack.rawSet(-2, "__name")
        stack.newTable()
        for (method, change) in methods {
            stack.setFunction(-1, method, bound { try $0.changeMetric($1, metatable: name, change) })
        }
        stack.rawSet(-2, "__index")
        stack.setFunction(
            -1, "__tostring",
            bound { vm, stack in
                let metric = stack.userdataID(at: 1, metatable: name).flatMap { vm.scriptMetrics[$0] }
                stack.push("\(kind) \(metric?.definition.name ?? "?")")
                return .values(1)
            })
        stack.setRegistry(name)
    }

    // MARK: Declaring

    func declareMetric(_ stack: LuaStack, kind: MetricFamily.Kind) throws -> LuaReturn {
        let name = try Self.checkMetricName(stack, 1)
        let help = try stack.checkString(2)
        guard !help.isEmpty else { throw LuaArgumentError(2, "a line of help text expected") }
        var kind = kind
        var labelsIndex: Int32 = 3
        if case .histogram = kind {
            kind = .histogram(buckets: try Self.checkBuckets(stack, 3))
            labelsIndex = 4
        }
        let labels = try Self.checkLabelNames(stack, labelsIndex, histogram: labelsIndex == 4)
        let definition = ScriptMetric.Definition(name: name, help: help, kind: kind, labels: labels)
        let metric = try scriptMetrics.declare(definition)
        stack.pushUserdata(id: metric.id, metatable: Self.metricMetatables[definition.kindName]!)
        return .values(1)
    }

    private static func checkMetricName(_ stack: LuaStack, _ index: Int32) throws -> String {
        let name = try stack.checkString(index)
        guard isPrometheusIdentifier(name), name.utf8.count <= 200, !name.hasPrefix("__") else {
            throw LuaArgumentError(
                index,
                "a metric name like \"orders_total\" expected (letters, digits and _, not first a digit), got \"\(name)\""
            )
        }
        guard !name.hasPrefix("ssescript_") else {
            throw LuaArgumentError(index, "names starting with ssescript_ are the server's, got \"\(name)\"")
        }
        return name
    }

    private static func checkBuckets(_ stack: LuaStack, _ index: Int32) throws -> [Double] {
        if stack.type(at: index) == .nil || stack.type(at: index) == .none { return defaultBuckets }
        guard stack.type(at: index) == .table, case .table(let table) = stack.value(at: index), table.fields.isEmpty,
            !table.array.isEmpty, table.array.count <= 50
        else {
            throw LuaArgumentError(index, "a list of 1 to 50 bucket bounds expected, got \(stack.typeName(at: index))")
        }
        let bounds = table.array.map { value -> Double? in
            switch value {
            case .integer(let integer): Double(integer)
            case .number(let number) where number.isFinite: number
            default: nil
            }
        }
        guard let buckets = bounds as? [Double], zip(buckets, buckets.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw LuaArgumentError(index, "bucket bounds must be finite numbers in increasing order")
        }
        return buckets
    }

    private static func checkLabelNames(_ stack: LuaStack, _ index: Int32, histogram: Bool) throws -> [String] {
        if stack.type(at: index) == .nil || stack.type(at: index) == .none { return [] }
        guard stack.type(at: index) == .table, case .table(let table) = stack.value(at: index), table.fields.isEmpty,
            let names = table.array.map(\.string) as? [String], names.count <= labelLimit
        else {
            throw LuaArgumentError(
                index, "a list of at most \(labelLimit) label names expected, got \(stack.typeName(at: index))")
        }
        for name in names where !isPrometheusIdentifier(name) || name.hasPrefix("__") {
            throw LuaArgumentError(index, "label name \"\(name)\" is not a Prometheus label name")
        }
        if histogram, names.contains("le") {
            throw LuaArgumentError(index, "label name \"le\" is the histogram's own")
        }
        guard Set(names).count == names.count else { throw LuaArgumentError(index, "label names repeat") }
        return names
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`: a Prometheus label name, and a metric name without
    /// the colons Prometheus keeps for recording rules.
    static func isPrometheusIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
    }
}
