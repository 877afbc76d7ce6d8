import Testing
import RosterCore

/// Reading a role plugin's `role.yaml`.
@Suite struct ManifestTests {
    let path = "etc/roles.d/app/role.yaml"

    private func parse(_ text: String, directory: String = "app") -> (Manifest?, [ConfigError]) {
        let (manifest, diagnostics) = Manifest.parse(text, path: path, directoryName: directory)
        return (manifest, diagnostics.errors)
    }

    @Test("A full manifest parses into its fields, defaults and key lines")
    func fullManifest() throws {
        let (parsed, errors) = parse("""
            name: app
            description: The application tier
            exec: bin/roster-app
            args: [--verbose, "--workers=4"]
            after: [db-primary, db-replica]
            watches: db-replica
            restart: on-abnormal
            restart-sec: 250ms
            watchdog: 10s
            stop-signal: SIGQUIT
            notify-access: all
            ports: {http: 8000, admin: 9000}
            """)
        #expect(errors == [])
        let manifest = try #require(parsed)
        #expect(manifest.name == "app")
        #expect(manifest.exec == "bin/roster-app")
        #expect(manifest.args == ["--verbose", "--workers=4"])
        #expect(manifest.after == ["db-primary", "db-replica"])
        #expect(manifest.watches == ["db-replica"], "a single name is a list of one")
        #expect(manifest.tunables.restart == .onAbnormal)
        #expect(manifest.tunables.restartSec == .milliseconds(250))
        #expect(manifest.tunables.watchdog == .seconds(10))
        #expect(manifest.tunables.stopSignal == 3)
        #expect(manifest.tunables.notifyAccess == .all)
        #expect(manifest.tunables.ports == ["http": 8000, "admin": 9000])
        #expect(manifest.path == path)
        #expect(manifest.lines["exec"] == 3)
        #expect(manifest.lines["after"] == 5)
    }

    @Test("A minimal manifest needs only name and exec")
    func minimalManifest() throws {
        let (parsed, errors) = parse("name: app\nexec: roster-app\n")
        #expect(errors == [])
        let manifest = try #require(parsed)
        #expect(manifest.after == [])
        #expect(manifest.watches == [])
        #expect(manifest.args == [])
        #expect(manifest.tunables == Tunables())
    }

    @Test("A name that differs from the manifest's directory is an error at the name's line")
    func nameMustMatchDirectory() {
        let (_, errors) = parse("exec: x\nname: web\n")
        #expect(errors == [ConfigError(file: path, line: 2,
            "role \"app\": name \"web\" must equal its directory name \"app\"")])
    }

    @Test("A manifest without name is an error naming the key")
    func missingName() {
        let (_, errors) = parse("exec: x\n")
        #expect(errors == [ConfigError(file: path, line: nil, "role \"app\": missing required key \"name\"")])
    }

    @Test("A manifest without exec is an error naming the key")
    func missingExec() {
        let (_, errors) = parse("name: app\n")
        #expect(errors == [ConfigError(file: path, line: nil,
            "role \"app\": missing required key \"exec\" (the plugin's executable)")])
    }

    @Test("An unknown manifest key is an error at its line in the manifest's file")
    func unknownKey() throws {
        let (_, errors) = parse("name: app\nexec: x\nrestart_sec: 1s\n")
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.file == path)
        #expect(error.line == 3)
        #expect(error.message.hasPrefix("role \"app\": unknown key \"restart_sec\" (allowed: name, exec, args, after, watches, description, restart,"))
    }

    @Test("after must be a list of names, not a mapping")
    func afterWrongType() {
        let (_, errors) = parse("name: app\nexec: x\nafter: {db: 1}\n")
        #expect(errors == [ConfigError(file: path, line: 3, "role \"app\": after: expected a list of names, found a mapping")])
    }

    @Test("exec must be a string, not a list")
    func execWrongType() throws {
        let (_, errors) = parse("name: app\nexec: [a, b]\n")
        #expect(errors.first == ConfigError(file: path, line: 2, "role \"app\": exec: expected a string, found a list"))
    }

    @Test("A bad duration in a manifest is an error at its line", arguments: ["10x", "-1"])
    func badDuration(text: String) throws {
        let (_, errors) = parse("name: app\nexec: x\nstop-timeout: \(text)\n")
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.line == 3)
        #expect(error.message.hasPrefix("role \"app\": stop-timeout: expected a duration"))
    }

    @Test("An unknown restart policy in a manifest is an error at its line")
    func unknownRestartPolicy() {
        let (_, errors) = parse("name: app\nexec: x\nrestart: sometimes\n")
        #expect(errors.map(\.description) == [
            "etc/roles.d/app/role.yaml:3: role \"app\": restart \"sometimes\" is not one of no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always",
        ])
    }

    @Test("A key given twice in a manifest is an error at the key's first line")
    func duplicateKey() {
        let (manifest, errors) = parse("name: app\nexec: x\nexec: y\n")
        #expect(manifest == nil, "a file with duplicate keys is not composed at all")
        #expect(errors == [ConfigError(file: path, line: 2, "invalid YAML: duplicate keys exec")])
    }
}
