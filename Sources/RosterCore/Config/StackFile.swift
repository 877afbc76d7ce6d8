import Yams

/// One role as the stack file asks for it.
public struct RoleRequest: Equatable, Sendable {
    /// The role (plugin) name.
    public var name: String
    /// How many instances (default 1).
    public var instances: Int
    /// The role's `options`, as JSON text (`{}` when absent).
    public var optionsJSON: String
    /// Overrides of the manifest's defaults.
    public var tunables: Tunables
    /// The line of the role's key in the stack file.
    public var line: Int?
}

/// The stack file (`etc/roster.yaml`), as written.
public struct StackFile: Equatable, Sendable {
    /// The stack's name (`foobar`).
    public var stack: String
    /// The stack's domain (`foobar.com`), if any.
    public var domain: String?
    /// The state directory as written (relative to the stack file), default `.roster`.
    public var stateDir: String
    /// The roles, in file order.
    public var roles: [RoleRequest]
    /// `user`: the account roles run as unless their manifest or entry names another.
    public var user: UserSetting?
    /// The file's path, as given.
    public var path: String

    static let keys = ["stack", "domain", "state-dir", "user", "roles"]
    static let roleKeys = ["instances", "options"] + Tunables.keys

    /// Parses a stack file. Returns nil only when the file is not a YAML mapping at all; otherwise
    /// the file as far as it could be read, with every problem in the diagnostics.
    public static func parse(_ text: String, path: String) -> (StackFile?, Diagnostics) {
        var reader = YAMLReader(file: path)
        guard let root = reader.root(text), let entries = reader.mapping(root, "stack file") else {
            return (nil, reader.diagnostics)
        }
        var file = StackFile(stack: "", domain: nil, stateDir: ".roster", roles: [], user: nil, path: path)
        var sawRoles = false
        for entry in entries {
            switch entry.key {
            case "stack":
                if let name = reader.string(entry.value, "stack") {
                    if isName(name) {
                        file.stack = name
                    } else {
                        reader.diagnostics.error(path, entry.line,
                            "stack \"\(name)\" must be a short name of letters, digits, - and _")
                    }
                }
            case "domain": file.domain = reader.string(entry.value, "domain")
            case "state-dir": file.stateDir = reader.string(entry.value, "state-dir") ?? file.stateDir
            case "user": file.user = reader.user(entry.value, "user")
            case "roles":
                sawRoles = true
                if case .scalar = entry.value, entry.value.tag.rawValue == Tag.Name.null.rawValue { continue }
                guard let roles = reader.mapping(entry.value, "roles") else { continue }
                for role in roles {
                    if let request = parseRole(role.key, line: role.line, node: role.value, reader: &reader) {
                        file.roles.append(request)
                    }
                }
            default:
                reader.diagnostics.error(path, entry.line,
                    "unknown key \"\(entry.key)\" (allowed: \(keys.joined(separator: ", ")))")
            }
        }
        if file.stack.isEmpty, !entries.contains(where: { $0.key == "stack" }) {
            reader.diagnostics.error(path, nil, "missing required key \"stack\" (the stack's name)")
        }
        if !sawRoles {
            reader.diagnostics.error(path, nil, "missing required key \"roles\"")
        }
        // Returned even with errors, so that the caller can go on and report the manifests' errors too.
        return (file, reader.diagnostics)
    }

    static func parseRole(_ name: String, line: Int?, node: Node, reader: inout YAMLReader) -> RoleRequest? {
        let context = "role \"\(name)\""
        guard isName(name) else {
            reader.diagnostics.error(reader.file, line, "\(context): a role name may hold only letters, digits, - and _")
            return nil
        }
        var request = RoleRequest(name: name, instances: 1, optionsJSON: "{}", tunables: Tunables(), line: line)
        if case .scalar = node, node.tag.rawValue == Tag.Name.null.rawValue { return request }
        guard let entries = reader.mapping(node, context) else { return nil }
        for entry in entries {
            switch entry.key {
            case "instances":
                request.instances = reader.integer(entry.value, "\(context): instances", range: 0...65000) ?? 1
            case "options":
                if case .mapping = entry.value {
                    request.optionsJSON = reader.json(entry.value)
                } else {
                    reader.diagnostics.error(reader.file, entry.value.mark?.line,
                        "\(context): options: expected a mapping, found \(YAMLReader.kind(entry.value))")
                }
            default:
                if !request.tunables.read(key: entry.key, value: entry.value, context: context, reader: &reader) {
                    reader.diagnostics.error(reader.file, entry.line,
                        "\(context): unknown key \"\(entry.key)\" (allowed: \(roleKeys.joined(separator: ", ")))")
                }
            }
        }
        return request
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
