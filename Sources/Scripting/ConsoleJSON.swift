/// JSON text for the console's endpoints: the few shapes they answer, written
/// here because the target does without Foundation.
indirect enum ConsoleJSON {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([ConsoleJSON])
    /// Members in the order given.
    case object([(String, ConsoleJSON)])

    /// A string, or null.
    static func string(_ text: String?) -> ConsoleJSON { text.map { .string($0) } ?? .null }

    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .number(let value): value.isFinite ? "\(value)" : "null"
        case .string(let value): DemoPage.json(value)
        case .array(let values): "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.map { DemoPage.json($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }
}
