import Yams

/// A strict reader over a composed YAML tree that reports every problem with its file and line.
struct YAMLReader {
    let file: String
    var diagnostics = Diagnostics()

    init(file: String) { self.file = file }

    /// Composes `text`; a syntax error becomes a diagnostic.
    mutating func root(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                diagnostics.error(file, nil, "the file is empty; expected a mapping")
                return nil
            }
            return node
        } catch let error as YamlError {
            diagnostics.error(file, Self.line(of: error), "invalid YAML: \(Self.problem(of: error))")
        } catch {
            diagnostics.error(file, nil, "invalid YAML: \(error)")
        }
        return nil
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        // Yams finds duplicate keys itself while composing; its mark is the key's first occurrence.
        case .duplicatedKeysInMapping(_, let context): return context.mark.line > 0 ? context.mark.line : nil
        default: return nil
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate keys \(duplicates.joined(separator: ", "))"
        default:
            return "\(error)"
        }
    }

    /// The entries of a mapping node, in order, each key with its line; reports a non-mapping or duplicate keys.
    mutating func mapping(_ node: Node, _ what: String) -> [(key: String, line: Int?, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            diagnostics.error(file, node.mark?.line, "\(what): expected a mapping, found \(Self.kind(node))")
            return nil
        }
        var seen = Set<String>()
        var entries: [(key: String, line: Int?, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                diagnostics.error(file, key.mark?.line, "\(what): keys must be plain names")
                continue
            }
            if !seen.insert(scalar.string).inserted {
                diagnostics.error(file, key.mark?.line, "\(what): key \"\(scalar.string)\" appears twice")
                continue
            }
            entries.append((scalar.string, key.mark?.line, value))
        }
        return entries
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if node.tag.rawValue == Tag.Name.null.rawValue { return "nothing" }
            return "\"\(scalar.string)\""
        }
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, node.tag.rawValue != Tag.Name.null.rawValue else {
            diagnostics.error(file, node.mark?.line, "\(what): expected a string, found \(Self.kind(node))")
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            diagnostics.error(file, node.mark?.line, "\(what): expected a whole number, found \(Self.kind(node))")
            return nil
        }
        guard range.contains(value) else {
            diagnostics.error(file, node.mark?.line,
                              "\(what): \(value) is out of range (\(range.lowerBound)…\(range.upperBound))")
            return nil
        }
        return value
    }

    mutating func duration(_ node: Node, _ what: String) -> Duration? {
        guard case .scalar(let scalar) = node, let value = Duration.parse(scalar.string) else {
            diagnostics.error(file, node.mark?.line,
                              "\(what): expected a duration such as 0, 250ms, 10s or 1m (units us ms s m h), found \(Self.kind(node))")
            return nil
        }
        return value
    }

    mutating func stringList(_ node: Node, _ what: String) -> [String]? {
        if case .scalar = node, node.tag.rawValue != Tag.Name.null.rawValue, let single = string(node, what) { return [single] }
        guard case .sequence(let sequence) = node else {
            diagnostics.error(file, node.mark?.line, "\(what): expected a list of names, found \(Self.kind(node))")
            return nil
        }
        return sequence.compactMap { string($0, what) }
    }

    mutating func signal(_ node: Node, _ what: String) -> Int32? {
        guard let text = string(node, what) else { return nil }
        guard let number = Signals.parse(text) else {
            diagnostics.error(file, node.mark?.line,
                              "\(what): \"\(text)\" is not a signal (use a name such as SIGTERM, SIGHUP, SIGQUIT, SIGUSR2)")
            return nil
        }
        return number
    }

    /// Converts any YAML subtree to JSON text (for `options`).
    mutating func json(_ node: Node) -> String {
        switch node {
        case .mapping(let mapping):
            let items = mapping.map { key, value in JSONText.string(key.string ?? "") + ":" + json(value) }
            return "{" + items.joined(separator: ",") + "}"
        case .sequence(let sequence):
            return "[" + sequence.map { json($0) }.joined(separator: ",") + "]"
        case .alias:
            return "null"
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return "null"
            case Tag.Name.bool.rawValue: return node.bool.map { $0 ? "true" : "false" } ?? JSONText.string(scalar.string)
            case Tag.Name.int.rawValue: return node.int.map(String.init) ?? JSONText.string(scalar.string)
            case Tag.Name.float.rawValue:
                if let value = node.float, value.isFinite { return "\(value)" }
                return JSONText.string(scalar.string)
            default: return JSONText.string(scalar.string)
            }
        }
    }

    /// A `user` value: a user name or a numeric uid, with where it was set.
    mutating func user(_ node: Node, _ what: String) -> UserSetting? {
        guard let text = string(node, what) else { return nil }
        guard UserSetting.isValid(text) else {
            diagnostics.error(file, node.mark?.line,
                "\(what) \"\(text)\": expected a user name (letters, digits, _, - and ., not starting with -) or a uid")
            return nil
        }
        return UserSetting(name: text, file: file, line: node.mark?.line)
    }
}
