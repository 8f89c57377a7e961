import CoreMetrics
import LuaRuntime

/// The methods of `sse.metrics` objects: `counter:inc(n?, labels?)`,
/// `gauge:set(v, labels?)`, `gauge:inc(n?, labels?)`, `gauge:dec(n?, labels?)`,
/// `histogram:observe(v, labels?)`. `labels` is a table with a value for every
/// label the metric declared (strings, numbers or booleans); `inc` and `dec` may
/// take it in place of `n`.
enum MetricChange {
    case increase, set, add, subtract, observe

    /// The amount when none is given; nil when one must be.
    var defaultAmount: Double? {
        switch self {
        case .increase, .add, .subtract: 1
        case .set, .observe: nil
        }
    }
}

extension ScriptVM {
    func changeMetric(_ stack: LuaStack, metatable: String, _ change: MetricChange) throws -> LuaReturn {
        guard let id = stack.userdataID(at: 1, metatable: metatable), let metric = scriptMetrics[id] else {
            throw LuaArgumentError(
                1, "\(metatable.dropFirst("ssescript.".count)) expected, got \(stack.typeName(at: 1))")
        }
        var labelsIndex: Int32 = 3
        let amount: Double
        switch stack.type(at: 2) {
        case .number:
            amount = stack.number(at: 2)!
            guard amount.isFinite else { throw LuaArgumentError(2, "a finite number expected") }
            if change == .increase, amount < 0 {
                throw LuaArgumentError(2, "a counter only goes up: a number of 0 or more expected")
            }
        case .table, .nil, .none:
            guard let defaultAmount = change.defaultAmount else {
                throw LuaArgumentError(2, "number expected, got \(stack.typeName(at: 2))")
            }
            amount = defaultAmount
            if stack.type(at: 2) == .table { labelsIndex = 2 }
        default:
            throw LuaArgumentError(2, "number expected, got \(stack.typeName(at: 2))")
        }
        let values = try labelValues(stack, labelsIndex, of: metric.definition)
        switch (metric.series(values), change) {
        case (.counter(let whole, let fractional), _):
            if amount == amount.rounded(), amount < 0x1p53 {
                whole.increment(by: Int64(amount))
            } else {
                fractional.increment(by: amount)
            }
        case (.gauge(let gauge), .set): gauge.set(amount)
        case (.gauge(let gauge), .subtract): gauge.decrement(by: amount)
        case (.gauge(let gauge), _): gauge.increment(by: amount)
        case (.histogram(let histogram), _): histogram.record(amount)
        }
        return .none
    }

    /// The values of the metric's labels given in the table at `index`, in declared order.
    private func labelValues(_ stack: LuaStack, _ index: Int32, of definition: ScriptMetric.Definition) throws
        -> [String]
    {
        let names = definition.labels
        let type = stack.type(at: index)
        if type == .nil || type == .none {
            guard names.isEmpty else {
                throw LuaArgumentError(index, "labels {\(names.joined(separator: ", "))} expected, got no table")
            }
            return []
        }
        guard type == .table else { throw LuaArgumentError(index, "table of labels expected, got \(type.name)") }
        var values = [String?](repeating: nil, count: names.count)
        try forEachField(stack, table: index) { key in
            guard let position = names.firstIndex(of: key) else {
                throw LuaArgumentError(
                    index, "unknown label \(key) (\(definition.name) has {\(names.joined(separator: ", "))})")
            }
            let value: String
            switch stack.type(at: -1) {
            case .string: value = stack.string(at: -1)!
            case .number: value = stack.numberText(at: -1)
            case .boolean: value = stack.boolean(at: -1) ? "true" : "false"
            case let other: throw LuaArgumentError(index, "label \(key) must be a string or number, not \(other.name)")
            }
            guard value.utf8.count <= Self.labelValueLimit else {
                throw LuaArgumentError(index, "label \(key) is longer than \(Self.labelValueLimit) bytes")
            }
            values[position] = value
        }
        if let missing = names.indices.first(where: { values[$0] == nil }) {
            throw LuaArgumentError(index, "label \(names[missing]) missing")
        }
        return values.map { $0! }
    }
}
