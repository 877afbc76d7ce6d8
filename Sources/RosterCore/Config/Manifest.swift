import Yams

/// A role plugin's manifest (`<dir>/<role>/role.yaml`), as written.
public struct Manifest: Equatable, Sendable {
    /// The role name; must equal the manifest's directory name.
    public var name: String
    /// The executable, as written (`run.sh`, `bin/x`, `/usr/bin/x`, or a bare name).
    public var exec: String
    /// Extra arguments passed to the executable.
    public var args: [String]
    /// Roles whose instances must all be ready before this one starts.
    public var after: [String]
    /// Roles whose set of ready instances this one must hear about (by `reload-signal`).
    public var watches: [String]
    /// Defaults for the tunable keys.
    public var tunables: Tunables
    /// The manifest's path.
    public var path: String
    /// Lines of the keys, for later messages (`after` → 4).
    public var lines: [String: Int]

    static let keys = ["name", "exec", "args", "after", "watches", "description"] + Tunables.keys

    /// Parses a manifest. Returns nil only when the file is not a YAML mapping at all; otherwise the
    /// manifest as far as it could be read, with every problem in the diagnostics.
    public static func parse(_ text: String, path: String, directoryName: String) -> (Manifest?, Diagnostics) {
        var reader = YAMLReader(file: path)
        guard let root = reader.root(text), let entries = reader.mapping(root, "manifest") else {
            return (nil, reader.diagnostics)
        }
        var manifest = Manifest(name: "", exec: "", args: [], after: [], watches: [], tunables: Tunables(),
                                path: path, lines: [:])
        let context = "role \"\(directoryName)\""
        for entry in entries {
            manifest.lines[entry.key] = entry.line
            switch entry.key {
            case "name": manifest.name = reader.string(entry.value, "\(context): name") ?? ""
            case "exec": manifest.exec = reader.string(entry.value, "\(context): exec") ?? ""
            case "args": manifest.args = reader.stringList(entry.value, "\(context): args") ?? []
            case "after": manifest.after = reader.stringList(entry.value, "\(context): after") ?? []
            case "watches": manifest.watches = reader.stringList(entry.value, "\(context): watches") ?? []
            case "description": _ = reader.string(entry.value, "\(context): description")
            default:
                if !manifest.tunables.read(key: entry.key, value: entry.value, context: context, reader: &reader) {
                    reader.diagnostics.error(path, entry.line,
                        "\(context): unknown key \"\(entry.key)\" (allowed: \(keys.joined(separator: ", ")))")
                }
            }
        }
        if manifest.name.isEmpty, manifest.lines["name"] == nil {
            reader.diagnostics.error(path, nil, "\(context): missing required key \"name\"")
        } else if !manifest.name.isEmpty, manifest.name != directoryName {
            reader.diagnostics.error(path, manifest.lines["name"],
                "\(context): name \"\(manifest.name)\" must equal its directory name \"\(directoryName)\"")
        }
        if manifest.exec.isEmpty {
            reader.diagnostics.error(path, manifest.lines["exec"], "\(context): missing required key \"exec\" (the plugin's executable)")
        }
        // Returned even with errors, so that the caller can go on and report later problems too.
        return (manifest, reader.diagnostics)
    }
}
