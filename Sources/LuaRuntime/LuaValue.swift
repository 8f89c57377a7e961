import CLuaShim

/// A Lua value seen from Swift. Strings, numbers, booleans and tables are copied;
/// functions, userdata and threads are held by reference in the VM's registry.
///
/// Integers and floats stay apart, as in Lua 5.4: `.integer(1)` is `1`, `.number(1)` is `1.0`.
public enum LuaValue: Hashable {
    case `nil`
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string(LuaString)
    case table(LuaTable)
    case function(LuaFunction)
    /// A full userdata or a thread.
    case reference(LuaReference)
    /// A light userdata; `cjson.null` is the NULL one.
    case lightUserdata(UnsafeMutableRawPointer?)

    /// The Lua type of this value.
    public var type: LuaType {
        switch self {
        case .nil: .nil
        case .boolean: .boolean
        case .integer, .number: .number
        case .string: .string
        case .table: .table
        case .function: .function
        case .reference(let reference): reference.type
        case .lightUserdata: .lightUserdata
        }
    }

    /// Whether the value is plain data: nil, booleans, numbers, strings, light userdata
    /// (such as `cjson.null`) and tables of those. Plain data can move between VMs.
    public var isPlainData: Bool {
        switch self {
        case .nil, .boolean, .integer, .number, .string, .lightUserdata: true
        case .table(let table): table.isPlainData
        case .function, .reference: false
        }
    }

    /// The string, when the value is one (bytes decoded as UTF-8, invalid sequences replaced).
    public var string: String? {
        if case .string(let s) = self { return s.string }
        return nil
    }
}

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(LuaString(value)) }
    public init(arrayLiteral elements: LuaValue...) { self = .table(LuaTable(array: elements)) }
    public init(dictionaryLiteral elements: (LuaValue, LuaValue)...) {
        self = .table(LuaTable(fields: Dictionary(elements, uniquingKeysWith: { $1 })))
    }
}

/// The types Lua reports through `lua_type`.
public enum LuaType: Int32, Sendable {
    case none = -1
    case `nil` = 0
    case boolean = 1
    case lightUserdata = 2
    case number = 3
    case string = 4
    case table = 5
    case function = 6
    case userdata = 7
    case thread = 8

    /// The name Lua uses in messages (`luaL_typename`).
    public var name: String {
        switch self {
        case .none: "no value"
        case .nil: "nil"
        case .boolean: "boolean"
        case .lightUserdata, .userdata: "userdata"
        case .number: "number"
        case .string: "string"
        case .table: "table"
        case .function: "function"
        case .thread: "thread"
        }
    }
}

/// A Lua string: bytes, which need not be UTF-8 and may hold NUL.
public struct LuaString: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ string: String) { self.bytes = Array(string.utf8) }
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(stringLiteral value: String) { self.init(value) }

    /// The bytes decoded as UTF-8, invalid sequences replaced by U+FFFD.
    public var string: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { string }
}

/// A copy of a Lua table: its sequence `t[1...n]` and every other key.
public struct LuaTable: Hashable {
    /// `t[1]`, `t[2]`, … up to the border Lua reports (`#t`).
    public var array: [LuaValue]
    /// Every other key.
    public var fields: [LuaValue: LuaValue]

    public init(array: [LuaValue] = [], fields: [LuaValue: LuaValue] = [:]) {
        self.array = array
        self.fields = fields
    }

    public subscript(key: LuaValue) -> LuaValue {
        get {
            if case .integer(let i) = key, i >= 1, i <= array.count { return array[i - 1] }
            return fields[key] ?? .nil
        }
        set {
            if case .integer(let i) = key, i >= 1, i <= array.count {
                array[i - 1] = newValue
            } else if case .nil = newValue {
                fields[key] = nil
            } else {
                fields[key] = newValue
            }
        }
    }

    public var isPlainData: Bool {
        array.allSatisfy(\.isPlainData) && fields.allSatisfy { $0.key.isPlainData && $0.value.isPlainData }
    }
}
