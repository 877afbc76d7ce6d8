import Testing
import RosterCore

/// Joining the stack file with the manifests found for its roles.
@Suite struct StackResolverTests {
    let stackPath = "etc/roster.yaml"

    private func stackFile(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> StackFile {
        let (file, diagnostics) = StackFile.parse(text, path: stackPath)
        #expect(diagnostics.errors == [], sourceLocation: sourceLocation)
        return try #require(file, sourceLocation: sourceLocation)
    }

    private func manifest(_ role: String, _ body: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws -> Manifest {
        let (manifest, diagnostics) = Manifest.parse("name: \(role)\nexec: roster-\(role)\n" + body,
                                                     path: "roles.d/\(role)/role.yaml", directoryName: role)
        #expect(diagnostics.errors == [], sourceLocation: sourceLocation)
        return try #require(manifest, sourceLocation: sourceLocation)
    }

    /// Resolves with every executable found at `/plugins/<exec>`.
    private func resolve(_ file: StackFile, _ manifests: [Manifest],
                         locate: (Manifest) -> Result<String, StackResolver.LocateError> = { .success("/plugins/" + $0.exec) })
        -> (Stack?, Diagnostics) {
        StackResolver.resolve(file: file, stateDir: "/srv/.roster", absolutePath: "/srv/etc/roster.yaml",
                              manifests: Dictionary(uniqueKeysWithValues: manifests.map { ($0.name, $0) }),
                              searched: ["etc/roles.d", "/usr/lib/roster/plugins"], locateExecutable: locate)
    }

    @Test("A stack resolves to roles in file order, each with its executable, merged lifecycle and sorted ports")
    func resolves() throws {
        let file = try stackFile("""
            stack: foobar
            domain: foobar.com
            roles:
              db: {}
              app: {instances: 2, restart-sec: 1s, ports: {http: 8080}}
            """)
        let (stack, diagnostics) = resolve(file, [
            try manifest("db"),
            try manifest("app", "after: db\nwatches: [db]\nrestart: always\nrestart-sec: 250ms\nports: {http: 8000, admin: 9000}\n"),
        ])
        #expect(diagnostics.errors == [])
        #expect(diagnostics.warnings == [])
        let resolved = try #require(stack)
        #expect(resolved.name == "foobar")
        #expect(resolved.domain == "foobar.com")
        #expect(resolved.file == "/srv/etc/roster.yaml")
        #expect(resolved.stateDir == "/srv/.roster")
        #expect(resolved.roles.map(\.name) == ["db", "app"])
        let app = try #require(resolved.role("app"))
        #expect(app.index == 1)
        #expect(app.instances == 2)
        #expect(app.executable == "/plugins/roster-app")
        #expect(app.manifestPath == "roles.d/app/role.yaml")
        #expect(app.after == ["db"])
        #expect(app.watches == ["db"])
        #expect(app.lifecycle.restart == .always, "the manifest's default stays when the stack file does not set it")
        #expect(app.lifecycle.restartSec == .seconds(1), "the stack file overrides the manifest")
        #expect(app.notifyAccess == .main)
        #expect(app.ports.map(\.name) == ["admin", "http"])
        #expect(app.ports.map(\.number) == [9000, 8080])
        #expect(resolved.graph.startOrder() == ["db", "app"])
    }

    @Test("A role with no plugin is an error at its stack-file line naming the searched directories")
    func unknownRole() throws {
        let file = try stackFile("stack: s\nroles:\n  db: {}\n  cache: {}\n")
        let (stack, diagnostics) = resolve(file, [try manifest("db")])
        #expect(stack == nil)
        #expect(diagnostics.errors == [ConfigError(file: stackPath, line: 4,
            "role \"cache\": no plugin named \"cache\" (searched etc/roles.d, /usr/lib/roster/plugins)")])
    }

    @Test("An executable that cannot be found is an error at the manifest's exec line, with the reason")
    func missingExecutable() throws {
        let file = try stackFile("stack: s\nroles:\n  db: {}\n")
        var asked: [String] = []
        let (stack, diagnostics) = resolve(file, [try manifest("db")]) { manifest in
            asked.append(manifest.exec)
            return .failure(.init("not found beside the manifest or on PATH"))
        }
        #expect(asked == ["roster-db"])
        #expect(stack == nil)
        #expect(diagnostics.errors == [ConfigError(file: "roles.d/db/role.yaml", line: 2,
            "role \"db\": exec \"roster-db\": not found beside the manifest or on PATH")])
    }

    @Test("after naming a role that is not in the stack is an error at the manifest's after line")
    func afterUnknownRoleIsError() throws {
        let file = try stackFile("stack: s\nroles:\n  app: {}\n")
        let (stack, diagnostics) = resolve(file, [try manifest("app", "after: [db]\n")])
        #expect(stack == nil)
        #expect(diagnostics.errors == [ConfigError(file: "roles.d/app/role.yaml", line: 3,
            "role \"app\": after \"db\", which is not a role of stack \"s\" (etc/roster.yaml)")])
    }

    @Test("watches naming a role that is not in the stack is a warning, and the role is dropped from watches")
    func watchesUnknownRoleIsWarning() throws {
        let file = try stackFile("stack: s\nroles:\n  web: {}\n")
        let (stack, diagnostics) = resolve(file, [try manifest("web", "watches: [app]\n")])
        #expect(diagnostics.errors == [])
        #expect(diagnostics.warnings == [ConfigError(file: "roles.d/web/role.yaml", line: 3,
            "role \"web\": watches \"app\", which is not a role of this stack; ignored")])
        #expect(stack?.role("web")?.watches == [])
    }

    @Test("A dependency cycle is an error naming the cycle in order, at the first role's line")
    func dependencyCycle() throws {
        let file = try stackFile("stack: s\nroles:\n  a: {}\n  b: {}\n")
        let (stack, diagnostics) = resolve(file, [try manifest("a", "after: b\n"), try manifest("b", "after: a\n")])
        #expect(stack == nil)
        #expect(diagnostics.errors == [ConfigError(file: stackPath, line: 3, "dependency cycle through \"after\": a → b → a")])
    }

    @Test("Every role's problems are reported together")
    func everyRoleIsReported() throws {
        let file = try stackFile("stack: s\nroles:\n  a: {}\n  b: {}\n  c: {}\n")
        let (_, diagnostics) = resolve(file, [try manifest("b", "after: [z]\n")])
        #expect(diagnostics.errors.map(\.file) == [stackPath, "roles.d/b/role.yaml", stackPath])
    }

    @Test("A role's address block follows its position in the stack file")
    func indexFollowsFileOrder() throws {
        let file = try stackFile("stack: s\nroles:\n  web: {}\n  app: {}\n  db: {}\n")
        let (stack, _) = resolve(file, [try manifest("db"), try manifest("app"), try manifest("web")])
        #expect(stack?.roles.map(\.index) == [0, 1, 2])
        #expect(stack?.roles.map(\.name) == ["web", "app", "db"])
    }

    @Test("Options reach the role as the stack file's JSON")
    func optionsPassThrough() throws {
        let file = try stackFile("stack: s\nroles:\n  app: {options: {greeting: hi}}\n")
        let (stack, _) = resolve(file, [try manifest("app")])
        #expect(stack?.role("app")?.optionsJSON == "{\"greeting\":\"hi\"}")
    }

    @Test("user: the stack file's role entry wins over the manifest; the top-level user is kept for the rest")
    func userPrecedence() throws {
        let file = try stackFile("stack: s\nuser: svc\nroles:\n  fw: {}\n  web: {user: www-data}\n  app: {}\n")
        let (stack, diagnostics) = resolve(file, [try manifest("fw", "user: root\n"), try manifest("web", "user: nginx\n"),
                                                  try manifest("app")])
        #expect(diagnostics.errors == [])
        let resolved = try #require(stack)
        #expect(resolved.role("fw")?.user?.name == "root")
        #expect(resolved.role("fw")?.user?.file == "roles.d/fw/role.yaml")
        #expect(resolved.role("web")?.user?.name == "www-data")
        #expect(resolved.role("app")?.user == nil, "no setting of its own: the stack's user applies")
        #expect(resolved.user?.name == "svc")
    }
}
