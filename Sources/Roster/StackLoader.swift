import RosterCore
import RosterSystem

/// Reads a stack file and its plugins' manifests from disk and resolves them into a `Stack`.
public enum StackLoader {
    /// The result of loading: a stack when there were no errors, and every diagnostic.
    public struct Loaded: Sendable {
        public var stack: Stack?
        public var diagnostics: Diagnostics
        public var catalog: PluginCatalog?
        /// Who each role runs as (set with `stack`).
        public var accounts = RoleAccounts()
    }

    /// Loads `path` (as the user wrote it; messages use that spelling).
    public static func load(_ path: String, environment: [String: String] = Spawner.inheritedVariables()) -> Loaded {
        var diagnostics = Diagnostics()
        guard let text = Files.read(path) else {
            diagnostics.errors.append(ConfigError(file: path, line: nil, "cannot read the stack file (does it exist?)"))
            return Loaded(stack: nil, diagnostics: diagnostics, catalog: nil)
        }
        let (parsed, fileDiagnostics) = StackFile.parse(text, path: path)
        diagnostics.merge(fileDiagnostics)
        guard let file = parsed else { return Loaded(stack: nil, diagnostics: diagnostics, catalog: nil) }
        let absolute = Files.absolute(path)
        let directory = Files.parent(of: absolute)
        let catalog = PluginCatalog(stackDirectory: directory, environment: environment)
        var manifests: [String: Manifest] = [:]
        for request in file.roles {
            guard let entry = catalog.entries[request.name] else { continue }
            guard let manifestText = Files.read(entry.manifestPath) else {
                diagnostics.errors.append(ConfigError(file: entry.manifestPath, line: nil, "cannot read the manifest"))
                continue
            }
            let (manifest, manifestDiagnostics) = Manifest.parse(manifestText, path: entry.manifestPath, directoryName: request.name)
            diagnostics.merge(manifestDiagnostics)
            if let manifest { manifests[request.name] = manifest }
        }
        let stateDir = Files.absolute(file.stateDir, relativeTo: directory)
        let (stack, resolveDiagnostics) = StackResolver.resolve(
            file: file, stateDir: stateDir, absolutePath: absolute,
            manifests: manifests, searched: catalog.searchPath,
            locateExecutable: { PluginCatalog.locate($0, environment: environment) })
        diagnostics.merge(resolveDiagnostics)
        var accounts = RoleAccounts()
        if let stack, diagnostics.errors.isEmpty {
            accounts = RoleAccounts.resolve(stack, stackFile: path, diagnostics: &diagnostics)
        }
        return Loaded(stack: diagnostics.errors.isEmpty ? stack : nil, diagnostics: diagnostics, catalog: catalog,
                      accounts: accounts)
    }
}
