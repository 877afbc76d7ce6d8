import RosterCore
import RosterSystem
import Glibc

/// The role plugins found on the search path: `ROSTER_PLUGIN_PATH` (colon-separated), then
/// `roles.d/` beside the stack file, then the plugins shipped with Roster. First match wins.
public struct PluginCatalog: Sendable {
    /// One plugin: its manifest file and where it was found.
    public struct Entry: Sendable {
        public var name: String
        public var manifestPath: String
        public var directory: String
    }

    /// Directories searched, in order.
    public let searchPath: [String]
    /// Plugins by name (the first found wins).
    public let entries: [String: Entry]
    /// Every plugin in search order, shadowed ones included (for `roster plugins`).
    public let all: [Entry]

    /// Scans the search path for a stack file in `stackDirectory`.
    public init(stackDirectory: String, environment: [String: String] = Spawner.inheritedVariables()) {
        var path: [String] = []
        if let extra = environment["ROSTER_PLUGIN_PATH"] {
            path += extra.split(separator: ":").map { Files.absolute(String($0)) }
        }
        path.append(Files.absolute("roles.d", relativeTo: stackDirectory))
        path += PluginCatalog.builtInDirectories()
        var seen = Set<String>()
        searchPath = path.filter { seen.insert($0).inserted }
        var entries: [String: Entry] = [:]
        var all: [Entry] = []
        for directory in searchPath {
            for name in Files.list(directory) {
                let manifest = directory + "/" + name + "/role.yaml"
                guard Files.exists(manifest) else { continue }
                let entry = Entry(name: name, manifestPath: manifest, directory: directory + "/" + name)
                all.append(entry)
                if entries[name] == nil { entries[name] = entry }
            }
        }
        self.entries = entries
        self.all = all
    }

    /// Roster's own plugin directories: `Plugins/` of the source tree the executable was built in,
    /// and `../share/roster/plugins` beside an installed executable.
    public static func builtInDirectories() -> [String] {
        let executableDirectory = Files.parent(of: Files.currentExecutable())
        var result = [Files.absolute("../share/roster/plugins", relativeTo: executableDirectory)]
        if let tree = sourceTree() { result.insert(tree + "/Plugins", at: 0) }
        return result.filter(Files.isDirectory)
    }

    /// The checkout this `roster` was built in (it holds Package.swift and Sources/RosterKit), if any.
    public static func sourceTree() -> String? {
        var directory = Files.parent(of: Files.currentExecutable())
        while directory != "/" {
            if Files.exists(directory + "/Package.swift"), Files.isDirectory(directory + "/Sources/RosterKit") { return directory }
            directory = Files.parent(of: directory)
        }
        return nil
    }

    /// Finds a manifest's executable: a path with `/` is relative to the manifest (or absolute);
    /// a bare name is looked for beside the manifest, beside the `roster` executable, then on `PATH`.
    public static func locate(_ manifest: Manifest, environment: [String: String]) -> Result<String, StackResolver.LocateError> {
        let manifestDirectory = Files.parent(of: manifest.path)
        var candidates: [String]
        if manifest.exec.contains("/") {
            candidates = [Files.absolute(manifest.exec, relativeTo: manifestDirectory)]
        } else {
            candidates = [manifestDirectory + "/" + manifest.exec,
                          Files.parent(of: Files.currentExecutable()) + "/" + manifest.exec]
            candidates += (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/\(manifest.exec)" }
        }
        if let found = candidates.first(where: Files.isExecutableFile) { return .success(found) }
        if let first = candidates.first, Files.exists(first), manifest.exec.contains("/") {
            return .failure(.init("\(first) is not an executable file (chmod +x?)"))
        }
        let searched = manifest.exec.contains("/") ? candidates[0] : "beside the manifest, beside roster, and on PATH"
        return .failure(.init("no such executable (looked at \(searched))"))
    }
}
