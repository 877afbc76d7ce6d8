/// How one instance's lifecycle is timed and restarted (the resolved tunables).
public struct Lifecycle: Equatable, Sendable {
    public var restart: RestartPolicy = .onFailure
    public var restartSec: Duration = .milliseconds(100)
    public var restartMaxSec: Duration = .seconds(10)
    public var startLimitBurst: Int = 5
    public var startLimitInterval: Duration = .seconds(10)
    /// Zero disables.
    public var startTimeout: Duration = .seconds(90)
    /// Zero disables (stop waits forever).
    public var stopTimeout: Duration = .seconds(90)
    public var stopSignal: Int32 = 15
    /// Sent when a watched role's set of ready instances changes.
    public var reloadSignal: Int32 = 1
    /// Zero disables.
    public var watchdog: Duration = .zero

    /// The defaults of DESIGN §2.
    public init() {}

    /// Defaults overridden by every key set in `tunables`.
    public init(_ tunables: Tunables) {
        self.init()
        if let value = tunables.restart { restart = value }
        if let value = tunables.restartSec { restartSec = value }
        if let value = tunables.restartMaxSec { restartMaxSec = value }
        if let value = tunables.startLimitBurst { startLimitBurst = value }
        if let value = tunables.startLimitInterval { startLimitInterval = value }
        if let value = tunables.startTimeout { startTimeout = value }
        if let value = tunables.stopTimeout { stopTimeout = value }
        if let value = tunables.stopSignal { stopSignal = value }
        if let value = tunables.reloadSignal { reloadSignal = value }
        if let value = tunables.watchdog { watchdog = value }
    }
}

/// A role ready to run: the manifest and the stack file's request merged and checked.
public struct RoleSpec: Equatable, Sendable {
    public var name: String
    /// Position in the stack file; selects the role's address block.
    public var index: Int
    public var instances: Int
    /// Absolute path of the executable.
    public var executable: String
    public var args: [String]
    public var manifestPath: String
    public var after: [String]
    /// Watched roles that are in the stack.
    public var watches: [String]
    public var optionsJSON: String
    public var lifecycle: Lifecycle
    public var notifyAccess: NotifyAccess
    /// The account named by the stack file's role entry or the manifest; nil leaves it to the stack.
    public var user: UserSetting?
    /// Named ports, sorted by name.
    public var ports: [Port]

    /// A named port.
    public struct Port: Equatable, Sendable {
        public var name: String
        public var number: Int
    }
}

/// A whole stack, resolved and validated: what the supervisor runs.
public struct Stack: Equatable, Sendable {
    public var name: String
    public var domain: String?
    /// Absolute path of the stack file.
    public var file: String
    /// Absolute path of the state directory.
    public var stateDir: String
    /// Roles in stack-file order.
    public var roles: [RoleSpec]
    /// The stack file's `user`: the account of roles that name none, and the owner of the secrets.
    public var user: UserSetting?

    /// The role called `name`.
    public func role(_ name: String) -> RoleSpec? { roles.first { $0.name == name } }

    /// The `after` graph.
    public var graph: DependencyGraph {
        DependencyGraph(roles: roles.map(\.name), after: Dictionary(uniqueKeysWithValues: roles.map { ($0.name, $0.after) }))
    }
}

/// Joins a stack file with the manifests found for its roles.
public enum StackResolver {
    /// Resolves `file` against `manifests` (by role name). `locateExecutable` turns a manifest's `exec`
    /// into an absolute path or says why it cannot (`failure` text is shown to the user).
    /// `searched` names the plugin directories, for "no plugin" messages.
    public static func resolve(
        file: StackFile, stateDir: String, absolutePath: String, manifests: [String: Manifest],
        searched: [String], locateExecutable: (Manifest) -> Result<String, LocateError>
    ) -> (Stack?, Diagnostics) {
        var diagnostics = Diagnostics()
        let names = Set(file.roles.map(\.name))
        var roles: [RoleSpec] = []
        for (index, request) in file.roles.enumerated() {
            let context = "role \"\(request.name)\""
            guard let manifest = manifests[request.name] else {
                diagnostics.error(file.path, request.line,
                    "\(context): no plugin named \"\(request.name)\" (searched \(searched.joined(separator: ", ")))")
                continue
            }
            let executable: String
            if manifest.exec.isEmpty { continue }  // already reported by the manifest's parser
            switch locateExecutable(manifest) {
            case .success(let path): executable = path
            case .failure(let error):
                diagnostics.error(manifest.path, manifest.lines["exec"], "\(context): exec \"\(manifest.exec)\": \(error.reason)")
                continue
            }
            for dependency in manifest.after where !names.contains(dependency) {
                diagnostics.error(manifest.path, manifest.lines["after"],
                    "\(context): after \"\(dependency)\", which is not a role of stack \"\(file.stack)\" (\(file.path))")
            }
            for watched in manifest.watches where !names.contains(watched) {
                diagnostics.warning(manifest.path, manifest.lines["watches"],
                    "\(context): watches \"\(watched)\", which is not a role of this stack; ignored")
            }
            let tunables = manifest.tunables.overridden(by: request.tunables)
            let lifecycle = Lifecycle(tunables)
            roles.append(RoleSpec(
                name: request.name, index: index, instances: request.instances, executable: executable,
                args: manifest.args, manifestPath: manifest.path, after: manifest.after,
                watches: manifest.watches.filter { names.contains($0) }, optionsJSON: request.optionsJSON,
                lifecycle: lifecycle, notifyAccess: tunables.notifyAccess ?? .main, user: tunables.user,
                ports: tunables.ports.map { RoleSpec.Port(name: $0.key, number: $0.value) }.sorted { $0.name < $1.name }))
        }
        let stack = Stack(name: file.stack, domain: file.domain, file: absolutePath, stateDir: stateDir, roles: roles, user: file.user)
        if let cycle = stack.graph.cycle() {
            let line = file.roles.first { $0.name == cycle[0] }?.line
            diagnostics.error(file.path, line, "dependency cycle through \"after\": \(cycle.joined(separator: " → "))")
        }
        if file.roles.count > 170 {
            diagnostics.error(file.path, nil, "a stack may have at most 170 roles (one loopback block each)")
        }
        return (diagnostics.errors.isEmpty ? stack : nil, diagnostics)
    }

    /// Why an executable could not be found.
    public struct LocateError: Error, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }
}
